import { aws_ec2 as ec2, aws_ecr as ecr, aws_kms as kms } from 'aws-cdk-lib';
import { LaunchPermission } from './launch-permission';
import { TargetAccountKeyAccess } from './target-account-key-access';

/**
 * AMI settings that `DistributionConfigurationProps` sets as defaults for every Region and
 * `addRegion()` can override, one field at a time.
 */
export interface AmiDistributionSettings {
  /**
   * Name of the distributed AMI. It must include `{{ imagebuilder:buildDate }}`, so that every build gets
   * a unique name: Image Builder refuses a configuration whose AMI name lacks it.
   *
   * 1 to 127 characters: letters, digits, spaces and `-_.:{}`; it cannot start or end with a space. Once
   * Image Builder expands its variables (the build date becomes 27 characters), EC2's rules for AMI names
   * apply: 3 to 128 letters, digits and `( ) [ ] space . / - ' @ _`, so a colon, tab or newline fails the copy.
   *
   * @default - Image Builder names the AMI after the recipe and the build date
   */
  readonly amiName?: string;

  /**
   * Description of the distributed AMI (1 to 1024 characters).
   *
   * @default - no description
   */
  readonly amiDescription?: string;

  /**
   * Tags for the distributed AMI (at most 50; keys cannot start with `aws:`).
   * A Region's `amiTags` replace the defaults as a whole.
   *
   * @default - no tags
   */
  readonly amiTags?: { [key: string]: string };

  /**
   * Who may launch the AMI in the Region (accounts, organizations, OUs, or the public).
   *
   * @default - only the owner account
   */
  readonly launchPermission?: LaunchPermission;

  /**
   * Accounts that receive their own copy of the AMI (12-digit IDs). Each needs the role
   * `EC2ImageBuilderDistributionCrossAccountRole` (see `CrossAccountDistributionRole`).
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
   * @default - no copies into other accounts
   */
  readonly targetAccounts?: string[];

  /**
   * How the policies of the keys this app owns (the Region's `kmsKey` and the `sourceKey`) let the target
   * accounts copy the AMI: each account named (`TargetAccountKeyAccess.accounts()`), or the Image Builder role
   * of any account of an organization or its OUs (`TargetAccountKeyAccess.organization(...)`), whose
   * statements keep the same size however many target accounts there are. Switch to `organization(...)` when
   * the target accounts are many (a few hundred reach KMS's 32 KB limit for a key policy, `KeyPolicySize`)
   * or change often. `requiredKeyPolicy()` returns the same statements for keys managed elsewhere.
   *
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html#key-policy-limit
   * @default TargetAccountKeyAccess.accounts()
   */
  readonly targetAccountKeyAccess?: TargetAccountKeyAccess;

  /**
   * Let the Region's consumers (target accounts, launch-permission accounts, organizations and OUs) create
   * grants on the keys of this app for their own EC2 Auto Scaling service-linked role, and for no other
   * grantee.
   *
   * EC2 Auto Scaling launches from an AMI encrypted with another account's key only after the consumer
   * account has created such a grant (`aws kms create-grant ... --grantee-principal
   * arn:aws:iam::<consumer>:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`);
   * plain `RunInstances` needs no grant. See the README's recipe for Auto Scaling consumers.
   *
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
   * @default false
   */
  readonly autoScalingGrants?: boolean;
}

/** The value type of an SSM parameter that Image Builder updates with the new AMI ID. */
export enum SsmParameterDataType {
  /** A plain text parameter. */
  TEXT = 'text',
  /** An `aws:ec2:image` parameter: Systems Manager checks that the value is an AMI ID. */
  AWS_EC2_IMAGE = 'aws:ec2:image',
}

/** A launch template that Image Builder updates with the new AMI in a Region. */
export interface LaunchTemplateDistribution {
  /** The launch template to update. It must have a launch template ID (`lt-...`). */
  readonly launchTemplate: ec2.ILaunchTemplate;

  /**
   * The account that owns the launch template, when it is not the distribution's own account.
   * That account must receive the AMI (as a target account or through launch permission).
   *
   * @default - the distribution's account
   */
  readonly accountId?: string;

  /**
   * Make the new launch template version the default version of the launch template. Image Builder treats
   * an unset value as `true` (API model `LaunchTemplateConfiguration.setDefaultVersion`); the library writes
   * the value in the template either way, so that the template says what happens.
   *
   * @default true
   */
  readonly setDefaultVersion?: boolean;
}

/** An SSM parameter that Image Builder sets to the new AMI ID in a Region. */
export interface SsmParameterDistribution {
  /** Name of the parameter (letters, digits and `_.-/`; up to 1011 characters). */
  readonly parameterName: string;

  /**
   * The account whose parameter is updated. It must be a target account of the Region.
   *
   * @default - the distribution's account
   */
  readonly amiAccount?: string;

  /**
   * The data type of the parameter.
   *
   * @default SsmParameterDataType.TEXT
   */
  readonly dataType?: SsmParameterDataType;
}

/** EC2 Fast Launch for a Windows AMI in a Region. */
export interface FastLaunchDistribution {
  /**
   * Turn fast launch on or off for the AMI.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * How many instances may launch at once to create the pre-provisioned snapshots (at least 6).
   *
   * @default - the service default
   */
  readonly maxParallelLaunches?: number;

  /**
   * How many pre-provisioned snapshots to keep (1 to 10000).
   *
   * @default - the service default
   */
  readonly targetSnapshotCount?: number;

  /**
   * The launch template for the instances that create the snapshots.
   *
   * @default - the service's default launch settings
   */
  readonly launchTemplate?: ec2.ILaunchTemplate;

  /**
   * The account that owns the AMI to configure.
   *
   * @default - the distribution's account
   */
  readonly accountId?: string;
}

/** Settings for the AMI distributed to one Region. Unset AMI settings inherit the construct's defaults. */
export interface RegionDistributionOptions extends AmiDistributionSettings {
  /**
   * The KMS key that encrypts the AMI copy in this Region. It must be a key of this Region.
   *
   * A `kms.Key` from a stack in another Region needs no cross-region references: the library
   * gives it an alias and writes the alias ARN. The library also adds the key-policy statements
   * every consumer needs to keys the app owns.
   *
   * @default - the copy of an encrypted AMI is encrypted with the Region's default EBS key (`aws/ebs`, unless
   * the account set another), which other accounts cannot use when it is AWS managed
   */
  readonly kmsKey?: kms.IKey;

  /**
   * License Manager license configuration ARNs to associate with the AMI (at most 50).
   *
   * @default - none
   */
  readonly licenseConfigurationArns?: string[];

  /**
   * Launch templates to update with the new AMI (at most 100).
   *
   * @default - none
   */
  readonly launchTemplates?: LaunchTemplateDistribution[];

  /**
   * SSM parameters to set to the new AMI ID.
   *
   * @default - none
   */
  readonly ssmParameters?: SsmParameterDistribution[];

  /**
   * Fast launch settings for a Windows AMI.
   *
   * @default - none
   */
  readonly fastLaunch?: FastLaunchDistribution[];
}

/** A container image distribution to an ECR repository in one Region. */
export interface ContainerDistributionOptions {
  /** The ECR repository that receives the image. */
  readonly repository: ecr.IRepository;

  /**
   * Tags for the distributed image.
   *
   * @default - none
   */
  readonly tags?: string[];

  /**
   * Description of the container distribution (1 to 1024 characters).
   *
   * @default - none
   */
  readonly description?: string;
}
