/*
 * What a `DistributionConfiguration` records in the cloud assembly for `cdk-imagebuilder-distribution preflight`
 * (src/cli): construct metadata of its resource, which only the command reads.
 */

/** The construct metadata type of the record. */
export const PREFLIGHT_METADATA = 'cdk-imagebuilder-distribution:preflight';

/** A key the distribution uses. */
export interface KeyRecord {
  /** The Regions whose copies it encrypts. */
  readonly regions: string[];
  /** Whether it is the key of the AMI the build creates (`sourceKey`). */
  readonly source: boolean;
  /** The key's ARN (or alias ARN), for keys the app does not own. */
  readonly keyArn?: unknown;
  /** The app writes the key's policy (a `kms.Key` of the app): nothing to check before deployment. */
  readonly managedByApp: boolean;
  /** The statements `requiredKeyPolicy()` / `requiredSourceKeyPolicy()` return, for keys the app does not own. */
  readonly requiredStatements?: unknown[];
}

/**
 * A Region whose target accounts copy with the keys as the organization's role (`TargetAccountKeyAccess.organization()`):
 * the key policies allow only target accounts of the organization, and of the OUs when given.
 */
export interface TargetAccessRecord {
  /** The Region, as the template writes it. */
  readonly region: unknown;
  /** The organization's ARN, as the template writes it. */
  readonly organizationArn: unknown;
  /** The OUs' ARNs, as the template writes them; empty for every account of the organization. */
  readonly organizationalUnitArns: unknown[];
}

export interface LibraryRecord {
  readonly version: 1;
  /** The logical ID of the distribution configuration resource. */
  readonly logicalId: string;
  readonly keys: KeyRecord[];
  /** The Regions whose target accounts copy as the organization's role; absent in records of earlier versions. */
  readonly targetAccess?: TargetAccessRecord[];
}

/** The construct metadata type of what a `CrossAccountDistributionRoleStackSet` records. */
export const STACK_SET_METADATA = 'cdk-imagebuilder-distribution:role-stack-set';

/** A StackSet that deploys the target-account role to every account of some OUs. */
export interface RoleStackSetRecord {
  readonly version: 1;
  /** The logical ID of the `AWS::CloudFormation::StackSet` resource. */
  readonly logicalId: string;
  /** The StackSet's name (a template value: a literal, or what the template writes). */
  readonly stackSetName: unknown;
  /** The role the StackSet deploys. */
  readonly roleName: string;
  /** The OU (or root) IDs of its deployment targets, as the template writes them. */
  readonly organizationalUnitIds: unknown;
  /** The Region of its stack instances, as the template writes it. */
  readonly region: unknown;
  /** `SELF` (management account) or `DELEGATED_ADMIN`. */
  readonly callAs: 'SELF' | 'DELEGATED_ADMIN';
  /** The accounts the role trusts (literal 12-digit IDs). */
  readonly sourceAccounts: string[];
  /** The keys the role may use, as its template names them; absent in records of earlier versions. */
  readonly keys?: RoleStackSetKey[];
}

/** A key of the StackSet's role: a literal key ARN, or an alias of a key of the app in its account and Region. */
export interface RoleStackSetKey {
  /** The key's Region, when known. */
  readonly region?: string;
  readonly account?: string;
  readonly arn?: string;
  /** `alias/...`, for a key of the app (or an alias) reached by alias. */
  readonly aliasName?: string;
}

/** The construct metadata type of what a `DistributionLifecycle` records on its lifecycle policy resource. */
export const LIFECYCLE_METADATA = 'cdk-imagebuilder-distribution:lifecycle';

/** A lifecycle policy and the distribution configurations of the app whose images it governs. */
export interface LifecycleRecord {
  readonly version: 1;
  /** The logical ID of the `AWS::ImageBuilder::LifecyclePolicy` resource. */
  readonly logicalId: string;
  /** Whether it acts on AMIs (an AMI policy): then each target account needs the lifecycle role. */
  readonly amis: boolean;
  /** The distribution configuration resources, by their stack's construct path (its display name) and logical ID. */
  readonly distributions: Array<{ readonly stack: string; readonly logicalId: string }>;
}
