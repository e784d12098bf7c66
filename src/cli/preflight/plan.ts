import { KeyNeed, keyPolicyStatementsJson, organizationIdFromArn, organizationalUnitPathFromArn } from '../../private/key-statements';
import { KeyRecord } from '../../private/preflight-record';
import { AppResource, FoundDistribution } from '../common/assembly';
import { Env, arnAccount, arnRegion, kmsArnOf, literal } from '../common/template';

export { literal };

/*
 * What the live accounts must have for each distribution configuration of the assembly, as a list of
 * read-only checks (pure: no AWS calls). Values known only at deploy time become "not checkable" entries.
 */

/** The cross-account role Image Builder assumes in each target account, and its managed policy. */
export const CROSS_ACCOUNT_ROLE = 'EC2ImageBuilderDistributionCrossAccountRole';
export const CROSS_ACCOUNT_POLICY = 'Ec2ImageBuilderCrossAccountDistributionAccess';

/** Where a check runs. `region` is undefined for global services (IAM, Organizations). */
interface Where {
  readonly account: string;
  readonly region?: string;
}

export type Check =
  | Where & {
    readonly kind: 'key';
    readonly keyId: string;
    readonly keyRegion: string;
    readonly uses: string[];
    readonly required: unknown[];
    readonly sharedOutsideOwner: boolean;
    /** A key of this app: its policy is the library's; before the first deploy it does not exist. */
    readonly ownedByApp?: boolean;
    /** The key (or alias) resource of this app that `keyId` describes: its key ID is known once its stack is deployed. */
    readonly app?: AppResource;
  }
  | Where & { readonly kind: 'deployed-by-app'; readonly resource: string; readonly stack: string; readonly reason: string }
  | Where & {
    readonly kind: 'cross-account-role';
    readonly sourceAccount: string;
    readonly keys: RoleKey[];
    /** The ARNs of the execution roles the app's pipelines distribute with: the role must trust each too. */
    readonly executionRoles?: string[];
  }
  /**
   * A target account of a distribution whose AMIs a lifecycle policy of the app retires: it needs the role
   * `Ec2ImageBuilderCrossAccountLifecycleAccess` trusting Image Builder for images of `sourceAccount`.
   */
  | Where & { readonly kind: 'lifecycle-role'; readonly sourceAccount: string; readonly policies: string[] }
  | Where & { readonly kind: 'launch-template'; readonly launchTemplateId: string }
  | Where & {
    readonly kind: 'ecr-repository';
    readonly repositoryName: string;
    /** The repository resource of this app that the entry names: its name is known once its stack is deployed. */
    readonly app?: AppResource;
  }
  | Where & { readonly kind: 'ssm-parameter'; readonly parameterName: string; readonly dataType: string }
  | Where & { readonly kind: 'organization'; readonly organizationArn: string }
  | Where & { readonly kind: 'organizational-unit'; readonly organizationalUnitArn: string }
  /**
   * A target account whose copies use keys that only the organization's role may use
   * (`TargetAccountKeyAccess.organization()`): it must be in the organization, under one of the OUs when given.
   * `account` is the target account; Organizations is asked by the caller.
   */
  | Where & {
    readonly kind: 'key-access-unit';
    readonly organizationArn: string;
    readonly organizationalUnitArns: string[];
    readonly regions: string[];
  }
  // Account settings (account-settings.ts).
  | Where & { readonly kind: 'ami-block-public-access'; readonly region: string }
  | Where & { readonly kind: 'ebs-encryption-default'; readonly region: string }
  | Where & { readonly kind: 'region-opt-in'; readonly regions: string[] }
  | Where & { readonly kind: 'allowed-images'; readonly region: string; readonly owner: string; readonly amiName?: string }
  | Where & { readonly kind: 'fast-launch-template'; readonly region: string; readonly launchTemplateId?: string; readonly launchTemplateName?: string; readonly version?: string }
  | { readonly kind: 'not-checkable'; readonly account?: string; readonly region?: string; readonly resource: string; readonly reason: string; readonly fix?: string };

/**
 * A key the role of a target account must be able to use: the KMS key of a Region that copies into the account,
 * as an ARN (of the key or of an alias), or `unknown` when it is known only at deploy time.
 */
export interface RoleKey {
  readonly region: string;
  readonly arn?: string;
  readonly unknown?: string;
  /** The key (or alias) resource of this app the Region's `KmsKeyId` names, when it is not a literal. */
  readonly app?: AppResource;
}

/** A check, with the distribution configurations that need it. */
export interface PlannedCheck {
  readonly check: Check;
  readonly distributions: string[];
}

/** What the plan needs to know about the caller. */
export interface Caller {
  /** The caller's account: the account of stacks without an explicit environment. */
  readonly account: string;
  readonly partition: string;
  /** The caller's default Region: the Region of stacks without an explicit environment. */
  readonly region?: string;
}

export interface PlanOptions {
  /** Only entries of these Regions (and what they need in IAM and Organizations). */
  readonly regions?: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Plans the checks of every distribution configuration found, merged: each account, key and resource is checked once. */
export function planChecks(distributions: FoundDistribution[], caller: Caller, options: PlanOptions = {}): PlannedCheck[] {
  const planned = new Map<string, { check: Check; distributions: Set<string> }>();
  const add = (check: Check, distribution: string) => {
    // A key is checked once, with the needs of every distribution that uses it merged.
    const key = JSON.stringify(check.kind === 'key' ? { kind: check.kind, account: check.account, keyId: check.keyId }
      : check.kind === 'cross-account-role' || check.kind === 'lifecycle-role' ? { kind: check.kind, account: check.account, sourceAccount: check.sourceAccount }
        : check.kind === 'region-opt-in' ? { kind: check.kind, account: check.account }
          : check.kind === 'key-access-unit' ? { ...check, regions: [] } : check);
    const existing = planned.get(key);
    if (existing) {
      existing.distributions.add(distribution);
      if (check.kind === 'key' && existing.check.kind === 'key') {
        existing.check = mergeKeyChecks(existing.check, check);
      }
      if (check.kind === 'cross-account-role' && existing.check.kind === 'cross-account-role') {
        const keys = [...existing.check.keys];
        check.keys.filter(k => !keys.some(e => JSON.stringify(e) === JSON.stringify(k))).forEach(k => keys.push(k));
        const executionRoles = [...new Set([...existing.check.executionRoles ?? [], ...check.executionRoles ?? []])];
        existing.check = { ...existing.check, keys, ...(executionRoles.length > 0 ? { executionRoles } : {}) };
      }
      if (check.kind === 'lifecycle-role' && existing.check.kind === 'lifecycle-role') {
        existing.check = { ...existing.check, policies: [...new Set([...existing.check.policies, ...check.policies])] };
      }
      if (check.kind === 'region-opt-in' && existing.check.kind === 'region-opt-in') {
        existing.check = { ...existing.check, regions: [...new Set([...existing.check.regions, ...check.regions])] };
      }
      if (check.kind === 'key-access-unit' && existing.check.kind === 'key-access-unit') {
        existing.check = { ...existing.check, regions: [...new Set([...existing.check.regions, ...check.regions])] };
      }
    } else {
      planned.set(key, { check, distributions: new Set([distribution]) });
    }
  };
  for (const distribution of distributions) {
    const name = distribution.constructPath ?? `${distribution.stack}/${distribution.logicalId}`;
    for (const check of checksOf(distribution, caller, options)) {
      add(check, name);
    }
  }
  return [...planned.values()].map(p => ({ check: p.check, distributions: [...p.distributions] }));
}

function mergeKeyChecks(a: Extract<Check, { kind: 'key' }>, b: Extract<Check, { kind: 'key' }>): Extract<Check, { kind: 'key' }> {
  return {
    ...a,
    uses: [...new Set([...a.uses, ...b.uses])],
    required: [...a.required, ...b.required.filter(s => !a.required.some(r => JSON.stringify(r) === JSON.stringify(s)))],
    sharedOutsideOwner: a.sharedOutsideOwner || b.sharedOutsideOwner,
  };
}

/** One entry of `Distributions`, read. */
interface EntryView {
  readonly region?: string;
  readonly entry: Obj;
  readonly ami: Obj;
  readonly permission: Obj;
}

function entriesOf(properties: Obj): EntryView[] {
  return list(properties.Distributions).filter(isObj).map(entry => {
    const ami = isObj(entry.AmiDistributionConfiguration) ? entry.AmiDistributionConfiguration : {};
    return {
      region: typeof entry.Region === 'string' ? entry.Region : undefined,
      entry,
      ami,
      permission: isObj(ami.LaunchPermissionConfiguration) ? ami.LaunchPermissionConfiguration : {},
    };
  });
}

function checksOf(distribution: FoundDistribution, caller: Caller, options: PlanOptions): Check[] {
  const account = distribution.account ?? caller.account;
  const env = { account, region: distribution.region ?? caller.region, partition: caller.partition };
  const checks: Check[] = [];
  const value = (v: unknown) => literal(v, env);
  const strings = (v: unknown, what: string, region: string): string[] => {
    if (v !== undefined && !Array.isArray(v)) {
      checks.push({ kind: 'not-checkable', account, region, resource: what, reason: 'the whole list is known only at deploy time' });
      return [];
    }
    return list(v).flatMap(item => {
      const text = value(item);
      if (text === undefined) {
        checks.push({ kind: 'not-checkable', account, region, resource: what, reason: `${JSON.stringify(item)} is known only at deploy time` });
        return [];
      }
      return [text];
    });
  };

  const entries = entriesOf(distribution.properties).filter(e => {
    if (e.region === undefined) {
      checks.push({ kind: 'not-checkable', account, resource: 'a Region entry', reason: `its Region ${JSON.stringify(e.entry.Region)} is known only at deploy time` });
      return false;
    }
    return !options.regions || options.regions.includes(e.region);
  });

  for (const e of entries) {
    const region = e.region!;
    const targets = strings(e.ami.TargetAccountIds, `${region} TargetAccountIds`, region);
    const keys: RoleKey[] = [];
    if (e.ami.KmsKeyId !== undefined) {
      const text = value(e.ami.KmsKeyId);
      const app = text === undefined ? appKey(distribution, e.ami.KmsKeyId) : undefined;
      keys.push(text === undefined
        ? { region, unknown: JSON.stringify(e.ami.KmsKeyId), ...(app ? { app } : {}) }
        : { region, arn: kmsArnOf(text, env.partition, region, account) });
    }
    const executionRoles = executionRoleArns(distribution, env);
    for (const target of targets.filter(t => t !== account)) {
      if (distribution.lifecyclePolicies?.length) {
        checks.push({ kind: 'lifecycle-role', account: target, sourceAccount: account, policies: distribution.lifecyclePolicies });
      }
      const arns = executionRoles.flatMap(r => r.arn ?? []);
      checks.push({ kind: 'cross-account-role', account: target, sourceAccount: account, keys, ...(arns.length > 0 ? { executionRoles: arns } : {}) });
      for (const r of executionRoles.filter(x => x.arn === undefined)) {
        checks.push({
          kind: 'not-checkable',
          account: target,
          resource: `trust of the execution role of pipeline ${r.pipeline}`,
          reason: `its ARN ${JSON.stringify(r.written)} is known only at deploy time, so whether ${CROSS_ACCOUNT_ROLE} of ${target} trusts it cannot be checked`,
          fix: 'give the execution role a literal roleName (or pass its literal ARN), or check that the executionRoles of the target account\'s CrossAccountDistributionRole name it',
        });
      }
    }
    for (const lt of list(e.entry.LaunchTemplateConfigurations).filter(isObj)) {
      const id = value(lt.LaunchTemplateId);
      const ltAccount = lt.AccountId === undefined ? account : value(lt.AccountId);
      if (id === undefined || ltAccount === undefined) {
        checks.push({ kind: 'not-checkable', account, region, resource: `launch template ${JSON.stringify(lt.LaunchTemplateId)}`, reason: 'its ID or account is known only at deploy time' });
      } else {
        checks.push({ kind: 'launch-template', account: ltAccount, region, launchTemplateId: id });
      }
    }
    const container = isObj(e.entry.ContainerDistributionConfiguration) ? e.entry.ContainerDistributionConfiguration : undefined;
    const repository = container && isObj(container.TargetRepository) ? container.TargetRepository : undefined;
    if (repository) {
      const name = value(repository.RepositoryName);
      const app = name === undefined ? distribution.appResource?.(repository.RepositoryName) : undefined;
      if (app?.type === 'AWS::ECR::Repository') {
        // A repository of this app, by Ref or a cross-stack reference: its name is known once its stack is deployed.
        checks.push({ kind: 'ecr-repository', account: app.account ?? account, region, repositoryName: `${app.logicalId} of stack ${app.stack}`, app });
      } else if (name === undefined) {
        checks.push({ kind: 'not-checkable', account, region, resource: 'ECR repository', reason: `its name ${JSON.stringify(repository.RepositoryName)} is known only at deploy time` });
      } else {
        checks.push({ kind: 'ecr-repository', account, region, repositoryName: name });
      }
    }
    for (const p of list(e.entry.SsmParameterConfigurations).filter(isObj)) {
      const name = value(p.ParameterName);
      const owner = p.AmiAccountId === undefined ? account : value(p.AmiAccountId);
      const dataType = p.DataType === undefined ? 'text' : value(p.DataType);
      if (name === undefined || owner === undefined || dataType === undefined) {
        checks.push({ kind: 'not-checkable', account, region, resource: `SSM parameter ${JSON.stringify(p.ParameterName)}`, reason: 'its name, account or data type is known only at deploy time' });
      } else {
        checks.push({ kind: 'ssm-parameter', account: owner, region, parameterName: name, dataType });
      }
    }
    for (const arn of strings(e.permission.OrganizationArns, `${region} OrganizationArns`, region)) {
      checks.push({ kind: 'organization', account: caller.account, organizationArn: arn });
    }
    for (const arn of strings(e.permission.OrganizationalUnitArns, `${region} OrganizationalUnitArns`, region)) {
      checks.push({ kind: 'organizational-unit', account: caller.account, organizationalUnitArn: arn });
    }
    checks.push(...keyAccessChecks(distribution, region, targets.filter(t => t !== account), caller, value));
  }
  checks.push(...accountSettingChecks(distribution, entries, account, env));
  checks.push(...(distribution.library
    ? libraryKeyChecks(distribution.library.keys, entries, account, env, distribution)
    : templateKeyChecks(entries, account, env, distribution)));
  return checks;
}

type ExecutionRoleArn = { pipeline: string; written: unknown; arn?: string };

/**
 * The execution roles of the pipelines that distribute with this configuration, as ARNs: a literal ARN or role name
 * (`ExecutionRole` takes either), or an IAM role of the app with a literal `RoleName` (and `Path`); else unknown.
 * Image Builder assumes the target accounts' role with it, so that role must trust it.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-imagebuilder-imagepipeline.html#cfn-imagebuilder-imagepipeline-executionrole
 */
function executionRoleArns(distribution: FoundDistribution, env: Env & { account: string }): ExecutionRoleArn[] {
  return (distribution.pipelines ?? []).map(p => {
    const text = literal(p.executionRole, env);
    const roleName = p.role ? literal(p.role.roleName, env) : undefined;
    const path = p.role?.path === undefined ? '/' : literal(p.role.path, env);
    const arn = text !== undefined
      ? (text.startsWith('arn:') ? text : `arn:${env.partition}:iam::${env.account}:role/${text}`)
      : roleName !== undefined && path !== undefined ? `arn:${env.partition}:iam::${p.role?.account ?? env.account}:role${path}${roleName}` : undefined;
    return { pipeline: p.name, written: p.executionRole, ...(arn ? { arn } : {}) };
  });
}

/**
 * Where the keys let only the organization's role of target accounts copy (`TargetAccountKeyAccess.organization()`,
 * recorded by the library): each OU must exist, and each target account must be in the organization, under one of
 * the OUs when given; else its copies fail with AccessDenied on the key.
 */
function keyAccessChecks(
  distribution: FoundDistribution, region: string, targets: string[], caller: Caller, value: (v: unknown) => string | undefined,
): Check[] {
  const access = distribution.library?.targetAccess?.find(a => a.region === region);
  if (!access || targets.length === 0) {
    return [];
  }
  const organizationArn = value(access.organizationArn);
  const units = list(access.organizationalUnitArns).map(value);
  if (organizationArn === undefined || units.some(u => u === undefined)) {
    return [{ kind: 'not-checkable', account: caller.account, region, resource: `TargetAccountKeyAccess.organization() of Region ${region}`, reason: 'its organization or OU ARNs are known only at deploy time' }];
  }
  const organizationalUnitArns = units as string[];
  return [
    ...organizationalUnitArns.map((arn): Check => ({ kind: 'organizational-unit', account: caller.account, organizationalUnitArn: arn })),
    ...targets.map((target): Check => ({ kind: 'key-access-unit', account: target, organizationArn, organizationalUnitArns, regions: [region] })),
  ];
}

/**
 * The account settings each distribution needs (account-settings.ts): AMI block public access off where the AMI
 * is made public; no AWS managed default EBS key in the build Region when other accounts use the AMI (unless the
 * library records a sourceKey: the recipe's key, checked as a key); every Region enabled in the accounts that
 * receive a copy; Allowed AMIs of the accounts an AMI is shared with allowing the distribution account; the launch
 * template of fast launch.
 */
function accountSettingChecks(distribution: FoundDistribution, entries: EntryView[], account: string, env: Env): Check[] {
  const checks: Check[] = [];
  const value = (v: unknown) => literal(v, env);
  const optIn = new Map<string, Set<string>>();
  let sharedOutside = false;
  for (const e of entries) {
    const region = e.region!;
    const c = consumersOf(e, env);
    const userGroups = list(e.permission.UserGroups).map(value);
    if (userGroups.includes('all')) {
      checks.push({ kind: 'ami-block-public-access', account, region });
    }
    // Other accounts use the AMI: by literal IDs, organizations, OUs, public, or values known only at deploy time.
    const lists = [e.ami.TargetAccountIds, e.permission.UserIds, e.permission.OrganizationArns, e.permission.OrganizationalUnitArns];
    const written = lists.some(v => v !== undefined && !Array.isArray(v)) ? Infinity : lists.reduce((n: number, v) => n + list(v).length, 0);
    const known = c.targets.length + c.launch.length + c.organizations.length + c.units.length;
    sharedOutside ||= [...c.targets, ...c.launch].some(a => a !== account) || c.organizations.length + c.units.length > 0
      || userGroups.includes('all') || written > known;
    for (const a of [account, ...c.targets]) {
      optIn.set(a, (optIn.get(a) ?? new Set()).add(region));
    }
    // The AMI's name, when it has no build-time placeholder ({{ imagebuilder:buildDate }}).
    const name = value(e.ami.Name);
    const amiName = name !== undefined && !name.includes('{{') ? name : undefined;
    for (const consumer of new Set(c.launch.filter(a => a !== account))) {
      checks.push({ kind: 'allowed-images', account: consumer, region, owner: account, ...(amiName ? { amiName } : {}) });
    }
    for (const f of list(e.entry.FastLaunchConfigurations).filter(isObj)) {
      const template = isObj(f.LaunchTemplate) ? f.LaunchTemplate : undefined;
      if (f.Enabled === false || !template) {
        continue;
      }
      const id = template.LaunchTemplateId === undefined ? undefined : value(template.LaunchTemplateId);
      const templateName = template.LaunchTemplateName === undefined ? undefined : value(template.LaunchTemplateName);
      const owner = f.AccountId === undefined ? account : value(f.AccountId);
      const version = template.LaunchTemplateVersion === undefined ? undefined : value(template.LaunchTemplateVersion);
      if ((id ?? templateName) === undefined || owner === undefined || (template.LaunchTemplateVersion !== undefined && version === undefined)) {
        checks.push({ kind: 'not-checkable', account, region, resource: 'the launch template of fast launch', reason: 'its ID or name, account or version is known only at deploy time' });
      } else {
        checks.push({ kind: 'fast-launch-template', account: owner, region, ...(id ? { launchTemplateId: id } : { launchTemplateName: templateName }), ...(version ? { version } : {}) });
      }
    }
  }
  for (const [a, regions] of optIn) {
    checks.push({ kind: 'region-opt-in', account: a, regions: [...regions] });
  }
  const hasSourceKey = distribution.library?.keys.some(k => k.source) ?? false;
  if (sharedOutside && !hasSourceKey && env.region !== undefined) {
    checks.push({ kind: 'ebs-encryption-default', account, region: env.region });
  }
  return checks;
}

/** The KMS key or alias resource of this app a template value names, if any. */
function appKey(distribution: FoundDistribution, value: unknown): AppResource | undefined {
  const app = distribution.appResource?.(value);
  return app && (app.type === 'AWS::KMS::Key' || app.type === 'AWS::KMS::Alias') ? app : undefined;
}

/** How a key of this app is named in messages before its key ID is known. */
const appKeyName = (app: AppResource) => `KMS ${app.type === 'AWS::KMS::Alias' ? 'alias' : 'key'} ${app.logicalId} of stack ${app.stack}`;

/** Who outside the key's owner uses an entry's AMI. */
function consumersOf(e: EntryView, env: Env) {
  const values = (v: unknown) => list(v).map(x => literal(x, env)).filter((x): x is string => x !== undefined);
  return {
    targets: values(e.ami.TargetAccountIds),
    launch: values(e.permission.UserIds),
    organizations: values(e.permission.OrganizationArns),
    units: values(e.permission.OrganizationalUnitArns),
  };
}

/**
 * Keys of a hand-written configuration: each literal `KmsKeyId`, with the statements its Regions need, as the
 * library computes them for its own keys (key-statements.ts).
 */
function templateKeyChecks(entries: EntryView[], account: string, env: Env, distribution: FoundDistribution): Check[] {
  const checks: Check[] = [];
  const byKey = new Map<string, EntryView[]>();
  const apps = new Map<string, AppResource>();
  for (const e of entries) {
    if (e.ami.KmsKeyId === undefined) {
      continue;
    }
    let keyId = literal(e.ami.KmsKeyId, env);
    const app = keyId === undefined ? appKey(distribution, e.ami.KmsKeyId) : undefined;
    if (app) {
      // A key of this app, by Ref or a cross-stack reference: checked by its key ID once its stack is deployed.
      keyId = appKeyName(app);
      apps.set(keyId, app);
    }
    if (keyId === undefined) {
      checks.push({ kind: 'not-checkable', account, region: e.region, resource: `KMS key ${JSON.stringify(e.ami.KmsKeyId)}`, reason: 'it is known only at deploy time (a key of this app: its policy is deployed with it)' });
    } else {
      byKey.set(keyId, [...(byKey.get(keyId) ?? []), e]);
    }
  }
  for (const [keyId, users] of byKey) {
    const app = apps.get(keyId);
    const owner = app?.account ?? arnAccount(keyId) ?? account;
    const needs: KeyNeed[] = users.map(e => {
      const c = consumersOf(e, env);
      return {
        copyAccounts: [...c.targets, ...(owner !== account ? [account] : [])],
        launchAccounts: c.launch,
        organizationIds: c.organizations.flatMap(arn => organizationIdFromArn(arn) ?? []),
        organizationalUnitPaths: c.units.flatMap(arn => organizationalUnitPathFromArn(arn) ?? []),
        autoScalingGrants: false,
      };
    });
    checks.push({
      kind: 'key',
      account: owner,
      region: users[0].region,
      keyId,
      keyRegion: arnRegion(keyId) ?? users[0].region!,
      uses: users.map(e => `the key of Region ${e.region}`),
      required: keyPolicyStatementsJson(needs, owner, env.partition),
      sharedOutsideOwner: needs.some(n => [...n.copyAccounts, ...n.launchAccounts].some(a => a !== owner)
        || n.organizationIds.length + n.organizationalUnitPaths.length > 0),
      ...(app ? { app } : {}),
    });
  }
  return checks;
}

/** Keys of a `DistributionConfiguration`: what the library recorded, with the statements `requiredKeyPolicy()` returns. */
function libraryKeyChecks(keys: KeyRecord[], entries: EntryView[], account: string, env: Env, distribution: FoundDistribution): Check[] {
  const stack = distribution.stack;
  const regions = new Set(entries.map(e => e.region));
  return keys.filter(k => k.source || k.regions.some(r => regions.has(r))).flatMap((k): Check[] => {
    const uses = [...k.regions.map(r => `the key of Region ${r}`), ...(k.source ? ['the source key'] : [])];
    const entry = entries.find(e => k.regions.includes(e.region!));
    // A Region's copy uses the key as its entry names it (an imported alias is an ARN of that Region).
    const keyId = entry ? literal(entry.ami.KmsKeyId, env) : literal(k.keyArn, env);
    if (k.managedByApp) {
      const app = keyId === undefined ? appKey(distribution, entry ? entry.ami.KmsKeyId : k.keyArn) : undefined;
      if (app) {
        // A key of the app's stacks (`Fn::GetAtt Key.Arn`, or imported from another stack): CloudFormation tells
        // whether its stack is deployed, and its key ID when it is.
        const keyRegion = entry?.region ?? app.region ?? env.region ?? '';
        return [{ kind: 'key', account: app.account ?? account, region: keyRegion, keyId: appKeyName(app), keyRegion, uses, required: [], sharedOutsideOwner: false, ownedByApp: true, app }];
      }
      if (keyId === undefined) {
        // A key of the distribution's own stack (or one it imports): it deploys with the distribution.
        return [{
          kind: 'deployed-by-app',
          account,
          region: entry?.region,
          resource: `KMS key of ${uses.join(', ')}`,
          stack,
          reason: `deployed with the distribution (${JSON.stringify(entry?.ami.KmsKeyId ?? k.keyArn)}), with the library's key policy`,
        }];
      }
      const keyRegion = arnRegion(keyId) ?? entry?.region ?? env.region ?? '';
      return [{ kind: 'key', account: arnAccount(keyId) ?? account, region: keyRegion, keyId, keyRegion, uses, required: [], sharedOutsideOwner: false, ownedByApp: true }];
    }
    if (keyId === undefined) {
      return [{ kind: 'not-checkable', account, region: entry?.region, resource: `KMS key of ${uses.join(', ')}`, reason: `its ARN ${JSON.stringify(k.keyArn)} is known only at deploy time` }];
    }
    const owner = arnAccount(keyId) ?? account;
    const required = k.requiredStatements ?? [];
    return [{
      kind: 'key',
      account: owner,
      region: arnRegion(keyId) ?? entry?.region ?? env.region,
      keyId,
      keyRegion: arnRegion(keyId) ?? entry?.region ?? env.region ?? '',
      uses,
      required,
      sharedOutsideOwner: required.length > 0,
    }];
  });
}
