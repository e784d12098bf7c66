import { DefaultTokenResolver, IPostProcessor, IResolvable, IResolveContext, Lazy, Reference, Resource, Stack, StringConcat, Token, Tokenization, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { KEY_POLICY_MAX_BYTES } from './key-actions';
import { KeyNeed, isListToken, keyPolicyStatements, keyPolicyStatementsJson } from './key-policy';
import { canEditPolicy, concrete, crossEnvironmentAliasOf, describeKey, differs, inOtherEnvironment, isAlias, keyEnvironment, kmsArn, partitionOf, resolveKey } from './key-reference';
import { distributionTemplateFix, watchTemplateSize } from './policy-size';
import { RegionDistribution } from './region-distribution';
import { AmiDistributionSettings } from '../region-options';
import { constructionError, report } from './errors';
import { settingText, spell } from './rules/messages';

/*
 * The one owner of key wiring: for each Region of a distribution, the `KmsKeyId` it writes (an alias and a
 * stack dependency for keys in other Regions or accounts), and the key-policy statements its consumers
 * need on every key the app owns, written once per key when the app is synthesized.
 */

/** What the wiring reads from a distribution. */
export interface DistributionModel {
  /** The distribution construct. */
  readonly scope: IConstruct;
  /** The key of the AMI the build creates in the build Region. */
  readonly sourceKey?: kms.IKey;
  /** The Regions, in the order they were added. */
  entries(): RegionDistribution[];
}

/** The distributions that use each key of the app, and whether its statements are written yet. */
const wiringsByKey = new WeakMap<kms.Key, Set<KeyWiring>>();

export class KeyWiring {
  private readonly keyIds = new Map<string, string>();
  private index?: { generation: number; byKey: Map<kms.IKey, RegionDistribution[]> };

  constructor(private readonly model: DistributionModel) {
    if (model.sourceKey) {
      this.register(model.sourceKey);
    }
  }

  /** The distribution's account, when concrete. */
  public get distributionAccount(): string | undefined {
    return concrete(Stack.of(this.model.scope).account);
  }

  /** The build Region: image pipelines use distribution configurations of their own Region. */
  public get buildRegion(): string | undefined {
    return concrete(Stack.of(this.model.scope).region);
  }

  /** Wires a Region whose settings are set: its key's `KmsKeyId`, and its consumers on the keys they reach. */
  public wireRegion(entry: RegionDistribution) {
    generation++;
    const reached = [entry.kmsKey, this.model.sourceKey].filter((k): k is kms.IKey => k !== undefined);
    if (reached.length > 0) {
      this.rejectListTokens(entry);
    }
    if (entry.kmsKey) {
      this.keyIds.set(entry.region, this.kmsKeyIdFor(entry.region, entry.kmsKey));
      this.register(entry.kmsKey);
      this.checkReach(entry, entry.kmsKey, regionValues(entry));
    }
    if (this.model.sourceKey) {
      this.checkReach(entry, this.model.sourceKey, sourceValues(entry, entry.region === this.buildRegion));
    }
  }

  /**
   * The same check as `wireRegion()`, with every token looked into (a parameter inside `Fn.join`, `Fn.select`,
   * `Fn.sub` or a `Lazy`): run when the app is synthesized, before aws-cdk-lib resolves cross-stack references,
   * where a value of this stack in another stack's key policy would be its "cyclic reference" error.
   */
  public checkDeployTimeValues() {
    for (const entry of this.model.entries()) {
      if (!entry.ami) {
        continue;
      }
      if (entry.kmsKey) {
        this.checkReach(entry, entry.kmsKey, regionValues(entry), true);
      }
      if (this.model.sourceKey) {
        this.checkReach(entry, this.model.sourceKey, sourceValues(entry, entry.region === this.buildRegion), true);
      }
    }
  }

  /** The `KmsKeyId` written for a Region, if it has a key. */
  public kmsKeyIdOf(region: string): string | undefined {
    return this.keyIds.get(region);
  }

  /**
   * The keys this distribution uses (each once, aliases of the app's keys as their key), with what they
   * encrypt: the Regions whose copies they encrypt, and whether they are the source key.
   */
  public keysInUse(): Array<{ key: kms.IKey; uses: string[]; regions: string[]; source: boolean }> {
    const found = new Map<kms.IKey, { regions: string[]; source: boolean }>();
    const use = (key: kms.IKey) => {
      const resolved = resolveKey(key);
      const existing = found.get(resolved) ?? { regions: [], source: false };
      found.set(resolved, existing);
      return existing;
    };
    for (const entry of this.model.entries()) {
      if (entry.kmsKey) {
        use(entry.kmsKey).regions.push(entry.region);
      }
    }
    if (this.model.sourceKey) {
      use(this.model.sourceKey).source = true;
    }
    return [...found].map(([key, { regions, source }]) => ({
      key,
      regions,
      source,
      uses: [...regions.map(region => `the key of Region ${region}`), ...(source ? ['the source key'] : [])],
    }));
  }

  /** What this distribution needs on a key: for each Region it encrypts, and as the source key. */
  public needsOn(key: kms.IKey): KeyNeed[] {
    const resolved = resolveKey(key);
    const owner = keyEnvironment(resolved).account;
    const needs = this.entriesUsing(resolved).map(entry => this.regionNeed(entry, owner));
    if (this.model.sourceKey && resolveKey(this.model.sourceKey) === resolved) {
      needs.push(...this.sourceNeeds(owner));
    }
    return needs;
  }

  /**
   * A Region's key: target accounts copy with it, launch consumers launch from the copy it encrypts, and
   * the distribution account's Image Builder copies with it when another account owns it.
   */
  public regionNeed(entry: RegionDistribution, owner: string | undefined): KeyNeed {
    const consumers = entry.consumers;
    // Target accounts are named one by one, or reached as the Image Builder role of their organization.
    const scope = entry.targetRoleScope;
    return {
      copyAccounts: [...(scope ? [] : consumers.targetAccounts), ...this.distributionAccountIfNotOwner(owner)],
      launchAccounts: consumers.launchAccounts,
      organizationIds: consumers.organizationIds,
      organizationalUnitPaths: consumers.organizationalUnitPaths,
      autoScalingGrants: entry.autoScalingGrants,
      copyRoleScopes: scope && consumers.targetAccounts.length > 0 ? [scope] : [],
    };
  }

  /**
   * The source key: every copy into a target account reads the AMI it encrypts; consumers with launch
   * permission in the build Region launch from that AMI itself. Consumers of other Regions launch from
   * copies encrypted with their Region's key, and do not get it.
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
   */
  public sourceNeeds(owner: string | undefined): KeyNeed[] {
    const entries = this.model.entries();
    const build = entries.find(e => e.region === this.buildRegion);
    const needs: KeyNeed[] = [{
      copyAccounts: this.distributionAccountIfNotOwner(owner),
      launchAccounts: entries.filter(e => !e.targetRoleScope).flatMap(e => e.consumers.targetAccounts),
      organizationIds: [],
      organizationalUnitPaths: [],
      autoScalingGrants: false,
      readRoleScopes: entries.filter(e => e.copiesThroughOrganization).map(e => e.targetRoleScope!),
    }];
    if (build) {
      const consumers = build.consumers;
      needs.push({
        copyAccounts: [],
        launchAccounts: consumers.launchAccounts,
        organizationIds: consumers.organizationIds,
        organizationalUnitPaths: consumers.organizationalUnitPaths,
        autoScalingGrants: build.autoScalingGrants,
      });
    }
    return needs;
  }

  /** The Regions that use `key`: those it encrypts, and every Region when it is the source key (their copies read it). */
  public entriesOn(key: kms.IKey): RegionDistribution[] {
    const resolved = resolveKey(key);
    if (this.model.sourceKey && resolveKey(this.model.sourceKey) === resolved) {
      return this.model.entries();
    }
    return this.entriesUsing(resolved);
  }

  /** The Regions whose key is `resolved`; indexed once per state of the app, as every key of a large app asks. */
  private entriesUsing(resolved: kms.IKey): RegionDistribution[] {
    if (this.index?.generation !== generation) {
      const byKey = new Map<kms.IKey, RegionDistribution[]>();
      for (const entry of this.model.entries()) {
        if (entry.kmsKey) {
          const key = resolveKey(entry.kmsKey);
          byKey.set(key, [...(byKey.get(key) ?? []), entry]);
        }
      }
      this.index = { generation, byKey };
    }
    return this.index.byKey.get(resolved) ?? [];
  }

  /** The statements for `needs`, as a document (for keys whose policy is managed elsewhere). */
  public requiredPolicy(needs: KeyNeed[], owner: string | undefined, region: string | undefined): iam.PolicyDocument {
    return new iam.PolicyDocument({ statements: keyPolicyStatements(needs, owner, partitionOf(region), Stack.of(this.model.scope)) });
  }

  /**
   * The statements this distribution needs on `key`, as a document; `region` stands for the key's Region
   * where the key does not say (an imported alias is used in each entry's own Region).
   */
  public requiredPolicyOn(key: kms.IKey, region: string | undefined): iam.PolicyDocument {
    const env = keyEnvironment(key);
    return this.requiredPolicy(this.needsOn(key), env.account, env.region ?? region);
  }

  /** The distribution account, when another (known) account owns the key: its Image Builder copies with the key. */
  private distributionAccountIfNotOwner(owner: string | undefined): string[] {
    const account = this.distributionAccount;
    return account && owner && differs(account, owner) ? [account] : [];
  }

  /**
   * The `KmsKeyId` an entry of `region` writes for `key`:
   * - a key of this app in another Region or account: an alias of it in its own stack (the alias the user
   *   made, or one the library makes), its ARN written as a plain string, and a stack dependency, so that no
   *   cross-region or cross-account reference (and no custom resource) is needed;
   * - an imported alias (`Alias.fromAliasName`): the alias ARN in the entry's Region, as alias names are per Region;
   * - anything else: the key ARN.
   */
  private kmsKeyIdFor(region: string, key: kms.IKey): string {
    const resolved = resolveKey(key);
    if (!Resource.isOwnedResource(resolved)) {
      return isAlias(resolved) ? kmsArn(region, Stack.of(resolved).account, resolved.aliasName) : resolved.keyArn;
    }
    if (!inOtherEnvironment(this.model.scope, resolved)) {
      return resolved.keyArn;
    }
    const keyStack = Stack.of(resolved);
    const here = Stack.of(this.model.scope);
    // Once per pair of stacks: aws-cdk-lib keeps every reason given, so repeating it costs time in large apps.
    if (!here.dependencies.includes(keyStack)) {
      here.addStackDependency(keyStack, 'the KMS key of an Image Builder distribution Region');
    }
    return kmsArn(keyStack.region, keyStack.account, crossEnvironmentAliasOf(key));
  }

  /** Records that this distribution uses an owned key; its statements are written when the app is synthesized. */
  private register(key: kms.IKey) {
    if (!canEditPolicy(key)) {
      return;
    }
    generation++;
    const target = resolveKey(key) as kms.Key;
    let wirings = wiringsByKey.get(target);
    if (!wirings) {
      const users = new Set<KeyWiring>();
      wiringsByKey.set(target, users);
      renderStatementsLazily(target, users);
      target.node.addValidation({ validate: () => keyPolicySizeErrors(target, users) });
      watchTemplateSize(Stack.of(target), distributionTemplateFix);
      wirings = users;
    }
    wirings.add(this);
  }

  /**
   * Organizations and OUs become `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` values, which need each
   * organization's ID: CloudFormation cannot take the IDs out of a list of ARNs known only at deploy time.
   */
  private rejectListTokens(entry: RegionDistribution) {
    const units = entry.ami?.targetAccountKeyAccess?._organizationalUnitArns;
    if (entry.targetRoleScope && Array.isArray(units) && units.some(isListToken)) {
      throw constructionError('ListTokenOrganizations', `Region ${entry.region}: ${settingLabel(entry, 'targetAccountKeyAccess')} has OU ARNs that are a list known only at deploy time (such as a CommaDelimitedList parameter), but the key policies need the path of each OU, which CloudFormation cannot take out of such a list. Fix: give each ARN as its own value, e.g. one String parameter per ARN, or Fn.select(0, list), Fn.select(1, list) and so on.`, this.model.scope);
    }
    const permission = entry.launchPermission;
    for (const field of ['organizations', 'organizationalUnits'] as const) {
      if ((permission[field] ?? []).some(isListToken)) {
        throw constructionError('ListTokenOrganizations', `Region ${entry.region}: ${settingLabel(entry, `launchPermission.${field}`)} is a list known only at deploy time (such as a CommaDelimitedList parameter), but the key policies need the ID of each ${field === 'organizations' ? 'organization' : 'OU'}, which CloudFormation cannot take out of such a list. Fix: give each ARN as its own value, e.g. one String parameter per ARN, or Fn.select(0, list), Fn.select(1, list) and so on.`, this.model.scope);
      }
    }
  }

  /**
   * A deploy-time value of another stack cannot go into the policy of an owned key: the key's stack would
   * read a value of a stack that deploys after it (aws-cdk-lib stops with "cyclic reference"), or an export
   * of another Region or account.
   */
  private checkReach(entry: RegionDistribution, key: kms.IKey, values: Array<{ path: string; value: string }>, deep = false) {
    if (!canEditPolicy(key)) {
      return;
    }
    const keyStack = Stack.of(resolveKey(key));
    const here = Stack.of(this.model.scope);
    if (keyStack === here) {
      return;
    }
    for (const { path, value } of values) {
      const origin = foreignOrigin(value, here, keyStack, deep);
      if (origin) {
        throw constructionError('DeployTimeValueInKeyPolicy', `Region ${entry.region}: ${settingLabel(entry, path)} is ${origin}, but it goes into the policy of the key ${describeKey(key)}, which stack ${keyStack.node.path} deploys before this distribution's stack; CloudFormation cannot pass the value there. Fix: pass a plain value (e.g. the account ID as a string), or a value of the key's own stack, or create the key in this distribution's stack.`, this.model.scope);
      }
    }
  }
}

/** The values of a Region that its key's policy holds. */
function regionValues(entry: RegionDistribution): Array<{ path: string; value: string }> {
  const permission = entry.launchPermission;
  return [
    ...targetValues(entry),
    ...listed('launchPermission.accounts', permission.accounts),
    ...listed('launchPermission.organizations', permission.organizations),
    ...listed('launchPermission.organizationalUnits', permission.organizationalUnits),
  ];
}

/** The values of a Region that the source key's policy holds: target accounts, and launch consumers of the build Region. */
function sourceValues(entry: RegionDistribution, isBuildRegion: boolean): Array<{ path: string; value: string }> {
  return isBuildRegion ? regionValues(entry) : targetValues(entry);
}

/** What the key policies hold for a Region's target accounts: the accounts, or the organization and OUs of their roles. */
function targetValues(entry: RegionDistribution): Array<{ path: string; value: string }> {
  const access = entry.ami?.targetAccountKeyAccess;
  if (!entry.targetRoleScope || !access) {
    return listed('targetAccounts', entry.ami?.targetAccounts);
  }
  if ((entry.ami?.targetAccounts ?? []).length === 0) {
    return [];
  }
  return [
    ...(typeof access._organizationArn === 'string' ? [{ path: 'targetAccountKeyAccess', value: access._organizationArn }] : []),
    ...(access._organizationalUnitArns ?? []).filter((v): v is string => typeof v === 'string').map(value => ({ path: 'targetAccountKeyAccess', value })),
  ];
}

function listed(path: string, values: string[] | undefined): Array<{ path: string; value: string }> {
  return (values ?? []).map((value, i) => ({ path: `${path}[${i}]`, value }));
}

/** How the user wrote a Region's setting: in `addRegion()`, or as the construct's default. */
function settingLabel(entry: RegionDistribution, path: string): string {
  const setting = path.split(/[.[]/)[0] as keyof AmiDistributionSettings;
  return settingText(entry.region, entry.originOf(setting), path);
}

/**
 * What makes `value` unusable in `keyStack`: a reference to a construct of another stack, or an import
 * (`Fn.importValue`) written in a stack of another Region or account. Undefined when it can be used.
 */
function foreignOrigin(value: string, here: Stack, keyStack: Stack, deep: boolean): string | undefined {
  const reversed = Tokenization.reverseList([value]);
  if (!reversed && !Token.isUnresolved(value)) {
    return undefined;
  }
  const tokens = deep ? tokensIn(value, here) : reversed ? [reversed] : Tokenization.reverseString(value).tokens;
  for (const token of tokens) {
    if (Reference.isReference(token)) {
      const stack = Stack.of(token.target);
      if (stack !== keyStack) {
        return `a deploy-time value of stack ${stack.node.path} (${JSON.stringify(here.resolve(token))})`;
      }
    } else if (JSON.stringify(here.resolve(token)).includes('Fn::ImportValue')
      && (differs(here.region, keyStack.region) || differs(here.account, keyStack.account))) {
      return `an import of ${here.node.path}'s Region and account (${JSON.stringify(here.resolve(token))})`;
    }
  }
  return undefined;
}

/** Every token `value` holds, at any depth (inside intrinsic functions and lazy values), as `stack` resolves it. */
function tokensIn(value: string, stack: Stack): IResolvable[] {
  const found: IResolvable[] = [];
  class Finder extends DefaultTokenResolver {
    public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor) {
      found.push(t);
      return super.resolveToken(t, context, postProcessor);
    }
  }
  // An item of a list token (`Lazy.list`, `valueAsList`, `Fn.split`) resolves only as a list: as a string,
  // aws-cdk-lib throws "Found an encoded list token string in a scalar string context".
  const resolvable = Tokenization.reverseList([value]) ? [value] : value;
  Tokenization.resolve(resolvable, { scope: stack, resolver: new Finder(new StringConcat()), preparing: true });
  return found;
}

/**
 * The key's policy as rendered: its own statements (the key's defaults, and any `addToResourcePolicy()`), then
 * the statements of every distribution that uses the key, computed when the template is synthesized, so that
 * however many distributions and Regions use the key, and in whatever order they were added, each purpose is
 * one statement.
 */
function renderStatementsLazily(key: kms.Key, wirings: Set<KeyWiring>) {
  const resource = key.node.defaultChild as kms.CfnKey;
  const own = resource.keyPolicy;
  resource.keyPolicy = Lazy.uncachedAny({
    produce: (context: IResolveContext) => {
      // The key's own document is resolved in the caller's context, so that aws-cdk-lib still sees its references;
      // the library's statements are left to the caller, which resolves what a producer returns.
      const document = context.resolve(own) ?? { Version: '2012-10-17', Statement: [] };
      return { ...document, Statement: [...(document.Statement ?? []), ...statementsOf(key, wirings)] };
    },
  });
  ownPolicies.set(key, own);
}

/** Bumped by every change to what distributions need, so that the statements of a key are computed once per state. */
let generation = 0;
const statementCache = new WeakMap<kms.Key, { generation: number; statements: unknown[] }>();
const ownPolicies = new WeakMap<kms.Key, unknown>();

/** The library's statements of a key (unresolved JSON), computed once for each state of the app. */
function statementsOf(key: kms.Key, wirings: Set<KeyWiring>): unknown[] {
  const cached = statementCache.get(key);
  if (cached?.generation === generation) {
    return cached.statements;
  }
  const stack = Stack.of(key);
  const needs = [...wirings].flatMap(w => w.needsOn(key));
  const statements = keyPolicyStatementsJson(needs, concrete(stack.account), partitionOf(stack.region), stack);
  statementCache.set(key, { generation, statements });
  return statements;
}

/**
 * KMS rejects a key policy over 32,768 bytes. The size is estimated as deployed: pseudo parameters and
 * joins written out; other deploy-time values count as their CloudFormation text.
 */
function keyPolicySizeErrors(key: kms.Key, wirings: Set<KeyWiring>): string[] {
  // Most policies are far below the limit: their unresolved text (tokens are short placeholders) tells so cheaply.
  const own = ownPolicies.get(key);
  const ownLength = own instanceof iam.PolicyDocument ? JSON.stringify(own.toJSON()).length : KEY_POLICY_MAX_BYTES;
  const estimate = JSON.stringify(statementsOf(key, wirings)).length + ownLength;
  if (estimate < KEY_POLICY_MAX_BYTES / 2) {
    return [];
  }
  const stack = Stack.of(key);
  const policy = stack.resolve((key.node.defaultChild as kms.CfnKey).keyPolicy);
  const bytes = Buffer.byteLength(JSON.stringify(asDeployed(policy, stack)), 'utf-8');
  if (bytes <= KEY_POLICY_MAX_BYTES) {
    return [];
  }
  const sharing = `${spell('launchPermission')}.${spell('organizations')} or ${spell('organizationalUnits')}`;
  // Which accounts fill the policy: target accounts named one by one (their copies need the key), or launch accounts.
  const entries = [...wirings].flatMap(w => w.entriesOn(key));
  const targets = new Set(entries.filter(e => !e.targetRoleScope).flatMap(e => e.ami?.targetAccounts ?? [])).size;
  const launchers = new Set(entries.flatMap(e => e.launchPermission.accounts ?? [])).size;
  const targetFix = `reach the target accounts as their organization's Image Builder role, whose statements keep the same size however many accounts there are (${spell('targetAccountKeyAccess')}: TargetAccountKeyAccess.${spell('organization')}(...), on the construct or the Regions using the key)`;
  const launchFix = `share with organizations or OUs (${sharing}) instead of listing many launch accounts`;
  const fixes = targets >= launchers ? [targetFix, ...(launchers > 0 ? [launchFix] : [])] : [launchFix, ...(targets > 0 ? [targetFix] : [])];
  return report(key, [{
    rule: 'KeyPolicySize',
    level: 'error',
    text: `[KeyPolicySize] The policy of the key ${key.node.path} is about ${bytes} bytes once deployed; KMS accepts at most ${KEY_POLICY_MAX_BYTES}. Fix: ${fixes.join('; or ')}; or give some Regions or distributions a key of their own. (The policy names ${targets} target account${targets === 1 ? '' : 's'} of ${spell('targetAccounts')} and ${launchers} launch account${launchers === 1 ? '' : 's'}.)`,
  }]);
}

function asDeployed(value: unknown, stack: Stack): unknown {
  if (Array.isArray(value)) {
    return value.map(v => asDeployed(v, stack));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const obj = value as Record<string, unknown>;
  const pseudo: Record<string, string | undefined> = {
    'AWS::Partition': concrete(stack.region) ? partitionOf(stack.region) : 'aws',
    'AWS::AccountId': concrete(stack.account) ?? '000000000000',
    'AWS::Region': concrete(stack.region) ?? 'us-east-1',
  };
  if (typeof obj.Ref === 'string' && pseudo[obj.Ref] !== undefined) {
    return pseudo[obj.Ref];
  }
  const join = obj['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1].map(p => asDeployed(p, stack));
    if (parts.every(p => typeof p === 'string')) {
      return parts.join(join[0]);
    }
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, asDeployed(v, stack)]));
}
