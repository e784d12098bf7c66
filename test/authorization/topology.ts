import { App, CfnParameter, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { keyIdOf } from './resolve';
import { CrossAccountDistributionRole, DistributionConfiguration, TargetAccountKeyAccess } from '../../src';

/*
 * A distribution layout as plain data, and the app that builds it with the library's public API. The
 * request catalogue reads the same data to decide who must be allowed what, so the expectations never
 * come from the library's own output.
 */

export interface KeySpec {
  readonly id: string;
  readonly account: string;
  readonly region: string;
}

export interface RegionSpec {
  readonly region: string;
  /** The id of the key that encrypts the Region's copy. */
  readonly key?: string;
  readonly targets?: string[];
  readonly launchAccounts?: string[];
  /** Organization IDs (`o-...`). */
  readonly organizations?: string[];
  /** [organization ID, OU ID] pairs. */
  readonly organizationalUnits?: Array<[string, string]>;
  readonly autoScalingGrants?: boolean;
  /** SSM parameters Image Builder sets in the distribution account (names). */
  readonly ssmParameters?: string[];
  /** Launch templates of the distribution account Image Builder updates (IDs). */
  readonly launchTemplates?: string[];
  /** Fast launch of the distribution account's copy, with a launch template of that ID when given. */
  readonly fastLaunch?: { readonly launchTemplate?: string };
  /** License configuration ARNs. */
  readonly licenses?: string[];
}

export interface Topology {
  readonly name: string;
  /** The account and Region of the pipeline and its distribution configuration. */
  readonly distributionAccount: string;
  readonly buildRegion: string;
  readonly keys: KeySpec[];
  /** The id of the key the recipe encrypts the AMI with. */
  readonly sourceKey?: string;
  readonly regions: RegionSpec[];
  /** Keys imported by ARN: their policy is managed elsewhere, from `requiredKeyPolicy()`. */
  readonly imported?: boolean;
  /** Keys passed through an alias the app makes (`key.addAlias()`). */
  readonly throughAliases?: boolean;
  /** Target accounts and launch accounts given as parameters: a list parameter and one parameter per account. */
  readonly parameters?: boolean;
  /** Target accounts' roles allow launch-template updates. */
  readonly launchTemplateUpdates?: boolean;
  /**
   * Target accounts reach the keys as the Image Builder role of organization A (`TargetAccountKeyAccess.organization()`),
   * limited to these OUs of it when given. Every target account is then an account of OU A1 (`TARGET_ORG_PATH`).
   */
  readonly organizationAccess?: { readonly organizationalUnits?: string[] };
}

/** The `aws:PrincipalOrgPaths` of target accounts in topologies with `organizationAccess`: OU A1 of organization A. */
export const TARGET_ORG_PATH = 'o-aaaaaaaaaa/r-ab12/ou-aaaa-11111111/';

export const ORG_A = 'o-aaaaaaaaaa';
export const ORG_B = 'o-bbbbbbbbbb';
export const OU_A1 = 'ou-aaaa-11111111';
export const OU_A2 = 'ou-aaaa-22222222';
export const MANAGEMENT_ACCOUNT = '999999999999';
export const orgArn = (org: string) => `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:organization/${org}`;
export const ouArn = (org: string, ou: string) => `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:ou/${org}/${ou}`;
/** The name of the execution role the distribution grants itself to (`grantDistribute`), in the distribution account. */
export const EXECUTION_ROLE = 'ImageBuilderExecution';
export const importedKeyArn = (k: KeySpec) => `arn:aws:kms:${k.region}:${k.account}:key/${keyIdOf('imported', k.id)}`;

/** The app of a topology, and how to reach each key's construct and the distribution. */
export interface BuiltTopology {
  readonly app: App;
  readonly distribution: DistributionConfiguration;
  readonly distributionStack: Stack;
  readonly keys: Map<string, kms.IKey>;
  /** Values of the parameters the app declares. */
  readonly parameters: Record<string, string | string[]>;
}

export function targetAccountsOf(t: Topology): string[] {
  return [...new Set(t.regions.flatMap(r => r.targets ?? []))];
}

/** The keys a target account's copies use: the source key, and the key of each Region it receives a copy in. */
export function keysOfTarget(t: Topology, account: string): string[] {
  const regionKeys = t.regions.filter(r => (r.targets ?? []).includes(account) && r.key).map(r => r.key!);
  return [...new Set([...(t.sourceKey ? [t.sourceKey] : []), ...regionKeys])];
}

export function buildTopology(t: Topology): BuiltTopology {
  const app = new App();
  const stacks = new Map<string, Stack>();
  const stackIn = (account: string, region: string) => {
    const id = `Keys-${account}-${region}`;
    if (!stacks.has(id)) {
      stacks.set(id, new Stack(app, id, { env: { account, region } }));
    }
    return stacks.get(id)!;
  };
  const distributionStack = new Stack(app, 'Distribution', { env: { account: t.distributionAccount, region: t.buildRegion } });
  stacks.set(`Keys-${t.distributionAccount}-${t.buildRegion}`, distributionStack);

  const keys = new Map<string, kms.IKey>();
  for (const spec of t.keys) {
    if (t.imported) {
      keys.set(spec.id, kms.Key.fromKeyArn(distributionStack, `Imported-${spec.id}`, importedKeyArn(spec)));
    } else {
      const key = new kms.Key(stackIn(spec.account, spec.region), spec.id);
      keys.set(spec.id, t.throughAliases ? key.addAlias(`alias/golden-${spec.id}`) : key);
    }
  }

  const parameters: Record<string, string | string[]> = {};
  const accountsOf = (name: string, accounts: string[] | undefined, asList: boolean) => {
    if (!t.parameters || !accounts || accounts.length === 0) {
      return accounts;
    }
    if (asList) {
      parameters[name] = accounts;
      return new CfnParameter(distributionStack, name, { type: 'CommaDelimitedList' }).valueAsList;
    }
    return accounts.map((account, i) => {
      parameters[`${name}${i}`] = account;
      return new CfnParameter(distributionStack, `${name}${i}`, { type: 'String' }).valueAsString;
    });
  };

  const distribution = new DistributionConfiguration(distributionStack, 'Distribution', {
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    sourceKey: t.sourceKey ? keys.get(t.sourceKey) : undefined,
    targetAccountKeyAccess: t.organizationAccess
      ? TargetAccountKeyAccess.organization(orgArn(ORG_A), t.organizationAccess.organizationalUnits?.map(ou => ouArn(ORG_A, ou)))
      : undefined,
  });
  t.regions.forEach((r, i) => {
    distribution.addRegion(r.region, {
      kmsKey: r.key ? keys.get(r.key) : undefined,
      targetAccounts: accountsOf(`Targets${i}`, r.targets, true),
      launchPermission: {
        accounts: accountsOf(`Launchers${i}`, r.launchAccounts, false),
        organizations: r.organizations?.map(orgArn),
        organizationalUnits: r.organizationalUnits?.map(([org, ou]) => ouArn(org, ou)),
      },
      autoScalingGrants: r.autoScalingGrants,
      ssmParameters: r.ssmParameters?.map(parameterName => ({ parameterName })),
      launchTemplates: r.launchTemplates?.map(id => ({ launchTemplate: ec2.LaunchTemplate.fromLaunchTemplateAttributes(distributionStack, `${r.region}-` + `Template-${id}`, { launchTemplateId: id }) })),
      fastLaunch: r.fastLaunch && [{
        enabled: true,
        launchTemplate: r.fastLaunch.launchTemplate
          ? ec2.LaunchTemplate.fromLaunchTemplateAttributes(distributionStack, `${r.region}-` + `FastLaunch-${r.fastLaunch.launchTemplate}`, { launchTemplateId: r.fastLaunch.launchTemplate })
          : undefined,
      }],
      licenseConfigurationArns: r.licenses,
    });
  });
  // The role Image Builder assumes to run the distribution (DistributeImage, RetryImage), after the last addRegion().
  const executionRole = new iam.Role(distributionStack, 'ExecutionRole', { roleName: EXECUTION_ROLE, assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  distribution.grantDistribute(executionRole);

  for (const account of targetAccountsOf(t)) {
    const stack = new Stack(app, `Target-${account}`, { env: { account, region: t.buildRegion } });
    const roleKeys = keysOfTarget(t, account).map(id => {
      const spec = t.keys.find(k => k.id === id)!;
      return t.imported ? kms.Key.fromKeyArn(stack, `Key-${id}`, importedKeyArn(spec)) : keys.get(id)!;
    });
    new CrossAccountDistributionRole(stack, 'DistributionRole', {
      sourceAccounts: [t.distributionAccount],
      executionRoles: [iam.Role.fromRoleArn(stack, 'ExecutionRole', `arn:aws:iam::${t.distributionAccount}:role/${EXECUTION_ROLE}`)],
      keys: roleKeys,
      launchTemplateUpdates: t.launchTemplateUpdates,
    });
  }
  return { app, distribution, distributionStack, keys, parameters };
}
