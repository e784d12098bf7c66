import { Arn, ArnFormat, Aws, Names, Resource, Stack, Token, aws_iam as iam, aws_kms as kms, region_info as regionInfo } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * What launching an instance from a shared encrypted AMI needs on each key involved.
 * `kms:CreateGrant` is granted separately, only for AWS resources.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html (sharing encrypted AMIs)
 */
export const LAUNCH_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];

/**
 * What Image Builder, acting for a target account, needs to copy the AMI into that account and
 * re-encrypt it with the destination Region's key: the launch actions plus `kms:Encrypt`.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */
export const COPY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];

/**
 * Grants let EC2 and EBS use the key on the consumer's behalf; the condition keeps them to AWS resources.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
 */
export const GRANT_ACTIONS = ['kms:CreateGrant'];
export const GRANT_CONDITION = { Bool: { 'kms:GrantIsForAWSResource': true } };

/** The accounts, organizations and OUs that use the AMI of one Region. */
export interface KeyConsumers {
  /** Target accounts: they receive a copy. */
  readonly copyAccounts: string[];
  /** Launch-permission accounts. */
  readonly launchAccounts: string[];
  /** Organization IDs (`o-...`) with launch permission. */
  readonly organizationIds: string[];
  /** `aws:PrincipalOrgPaths` patterns of OUs with launch permission. */
  readonly organizationalUnitPaths: string[];
}

/** Which part a key plays: it encrypts a Region's copy, or the AMI the build creates (the source key). */
export enum KeyUse {
  REGION = 'region',
  SOURCE = 'source',
}

type Audience = 'accounts' | 'organizations' | 'organizationalUnits';

/** One key-policy statement, before it becomes a `PolicyStatement`. */
export interface KeyStatementSpec {
  readonly sid: string;
  readonly actions: string[];
  readonly audience: Audience;
  /** Account IDs, organization IDs or OU path patterns, by audience. */
  readonly members: string[];
  readonly grant: boolean;
}

/**
 * The statements a key needs for the given consumers: one per purpose and audience, each with a
 * `Sid` that says why, and `kms:CreateGrant` only in statements with `kms:GrantIsForAWSResource`.
 * Accounts equal to `ownerAccount` are left out: the key's own account is not a consumer.
 */
export function keyStatementSpecs(consumers: KeyConsumers, use: KeyUse, ownerAccount?: string): KeyStatementSpec[] {
  const others = (accounts: string[]) => unique(accounts.filter(a => a !== ownerAccount));
  const groups: Array<{ sid: string; actions: string[]; audience: Audience; members: string[] }> = use === KeyUse.REGION
    ? [
      { sid: 'ImageBuilderCopyIntoTargetAccounts', actions: COPY_ACTIONS, audience: 'accounts', members: others(consumers.copyAccounts) },
      { sid: 'ImageBuilderLaunchByAccounts', actions: LAUNCH_ACTIONS, audience: 'accounts', members: others(consumers.launchAccounts) },
      { sid: 'ImageBuilderLaunchByOrganizations', actions: LAUNCH_ACTIONS, audience: 'organizations', members: unique(consumers.organizationIds) },
      { sid: 'ImageBuilderLaunchByOrganizationalUnits', actions: LAUNCH_ACTIONS, audience: 'organizationalUnits', members: unique(consumers.organizationalUnitPaths) },
    ]
    : [
      { sid: 'ImageBuilderSourceKeyForAccounts', actions: LAUNCH_ACTIONS, audience: 'accounts', members: others([...consumers.copyAccounts, ...consumers.launchAccounts]) },
      { sid: 'ImageBuilderSourceKeyForOrganizations', actions: LAUNCH_ACTIONS, audience: 'organizations', members: unique(consumers.organizationIds) },
      { sid: 'ImageBuilderSourceKeyForOrganizationalUnits', actions: LAUNCH_ACTIONS, audience: 'organizationalUnits', members: unique(consumers.organizationalUnitPaths) },
    ];
  return groups
    .filter(g => g.members.length > 0)
    .flatMap(g => [
      { ...g, grant: false },
      { ...g, sid: `${g.sid}CreateGrant`, actions: GRANT_ACTIONS, grant: true },
    ]);
}

/** Builds the IAM statement of a spec. `region` picks the partition of account principals. */
export function toPolicyStatement(spec: KeyStatementSpec, region: string): iam.PolicyStatement {
  const statement = new iam.PolicyStatement({ sid: spec.sid, actions: spec.actions, resources: ['*'] });
  addMembers(statement, spec, spec.members, region);
  if (spec.grant) {
    statement.addConditions(GRANT_CONDITION);
  }
  return statement;
}

function addMembers(statement: iam.PolicyStatement, spec: KeyStatementSpec, members: string[], region: string) {
  if (spec.audience === 'accounts') {
    statement.addPrincipals(...members.map(account => accountRootPrincipal(account, region)));
    return;
  }
  statement.addAnyPrincipal();
  setOrganizationCondition(statement, spec, members);
}

/** Principal `*`, restricted to the organizations or OUs by their condition key. */
function setOrganizationCondition(statement: iam.PolicyStatement, spec: KeyStatementSpec, members: string[]) {
  if (spec.audience === 'organizations') {
    statement.addCondition('StringEquals', { 'aws:PrincipalOrgID': members });
  } else {
    statement.addCondition('ForAnyValue:StringLike', { 'aws:PrincipalOrgPaths': members });
  }
}

/** `arn:<partition>:iam::<account>:root`, with a literal partition when the Region is known. */
function accountRootPrincipal(account: string, region: string): iam.IPrincipal {
  const partition = partitionOf(region);
  return Token.isUnresolved(partition) ? new iam.AccountPrincipal(account) : new iam.ArnPrincipal(`arn:${partition}:iam::${account}:root`);
}

/** The partition of a concrete, known Region; otherwise the `AWS::Partition` pseudo parameter. */
function partitionOf(region: string): string {
  return (!Token.isUnresolved(region) && regionInfo.RegionInfo.get(region).partition) || Aws.PARTITION;
}

interface AppliedStatement {
  readonly statement: iam.PolicyStatement;
  readonly members: Set<string>;
}

/** Statements already added to each owned key, by Sid, so that distributions and Regions sharing a key merge into them. */
const appliedStatements = new WeakMap<kms.IKey, Map<string, AppliedStatement>>();

/**
 * Adds the statements to the key's policy, merging members into statements with the same Sid.
 * Returns false when the key's policy cannot be changed by this app (an imported key or alias).
 */
export function applyKeyStatements(key: kms.IKey, specs: KeyStatementSpec[]): boolean {
  if (!canEditPolicy(key)) {
    return false;
  }
  let applied = appliedStatements.get(key);
  if (!applied) {
    applied = new Map();
    appliedStatements.set(key, applied);
  }
  const region = Stack.of(key).region;
  for (const spec of specs) {
    const existing = applied.get(spec.sid);
    if (!existing) {
      const statement = toPolicyStatement(spec, region);
      key.addToResourcePolicy(statement, true);
      applied.set(spec.sid, { statement, members: new Set(spec.members) });
      continue;
    }
    const added = spec.members.filter(m => !existing.members.has(m));
    if (added.length === 0) {
      continue;
    }
    added.forEach(m => existing.members.add(m));
    if (spec.audience === 'accounts') {
      existing.statement.addPrincipals(...added.map(account => accountRootPrincipal(account, region)));
    } else {
      // A condition's values are replaced as a whole.
      setOrganizationCondition(existing.statement, spec, [...existing.members]);
    }
  }
  return true;
}

/** True for keys whose policy this app writes: a `kms.Key`, or an alias made in the app for one. */
export function canEditPolicy(key: kms.IKey): boolean {
  if (key instanceof kms.Key) {
    return true;
  }
  return key instanceof kms.Alias && canEditPolicy(key.aliasTargetKey);
}

/** True for AWS managed keys (`alias/aws/...`), which cannot be shared with other accounts. */
export function isAwsManagedKeyId(keyId: string): boolean {
  return /(^|:)alias\/aws\//.test(keyId);
}

function isAlias(key: kms.IKey): key is kms.IAlias {
  return typeof (key as kms.IAlias).aliasName === 'string';
}

/** Id of the alias the library gives a key that a distribution in another Region uses. */
const CROSS_REGION_ALIAS_ID = 'ImageBuilderDistributionAlias';

/**
 * The `KmsKeyId` a distribution entry of `region` writes for `key`.
 *
 * - A `kms.Key` of this app in another Region's stack: an alias with a deterministic name in the key's
 *   own stack (one per key), its ARN written as a plain string, and a stack dependency, so no
 *   cross-region reference (and no custom resource) is needed.
 * - An imported alias (`Alias.fromAliasName`): the alias ARN in the entry's Region, since alias names are per Region.
 * - Anything else: the key ARN.
 */
export function kmsKeyIdFor(scope: IConstruct, region: string, key: kms.IKey): string {
  const distributionStack = Stack.of(scope);
  if (isAlias(key) && !Resource.isOwnedResource(key)) {
    return aliasArn(region, Stack.of(key).account, key.aliasName);
  }
  if (!Resource.isOwnedResource(key)) {
    return key.keyArn;
  }
  const keyStack = Stack.of(key);
  if (keyStack === distributionStack || !differs(keyStack.region, distributionStack.region)) {
    return key.keyArn;
  }
  // Once per pair of stacks: aws-cdk-lib keeps every reason given, so repeating it costs time in large apps.
  if (!distributionStack.dependencies.includes(keyStack)) {
    distributionStack.addStackDependency(keyStack, 'the KMS key of an Image Builder distribution Region');
  }
  const aliasName = isAlias(key) && !Token.isUnresolved(key.aliasName) ? key.aliasName : crossRegionAliasOf(key as kms.Key);
  return aliasArn(keyStack.region, keyStack.account, aliasName);
}

function crossRegionAliasOf(key: kms.Key): string {
  const existing = key.node.tryFindChild(CROSS_REGION_ALIAS_ID) as kms.Alias | undefined;
  if (existing) {
    return existing.aliasName;
  }
  const aliasName = `alias/imagebuilder-distribution/${Names.uniqueResourceName(key, { maxLength: 200 })}`;
  new kms.Alias(key, CROSS_REGION_ALIAS_ID, { aliasName, targetKey: key });
  return aliasName;
}

/**
 * How an IAM policy in `scope`'s stack names `key`: its ARN; or, for a `kms.Key` of this app in another
 * account or Region (whose key ID is not known at synth time), that environment's key ARNs
 * restricted to the key's alias with `kms:ResourceAliases`.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
 */
export function crossAccountKeyReference(scope: IConstruct, key: kms.IKey): { resource: string; aliasName?: string } {
  const keyStack = Stack.of(key);
  const here = Stack.of(scope);
  if (key instanceof kms.Key && keyStack !== here && (differs(keyStack.region, here.region) || differs(keyStack.account, here.account))) {
    return {
      resource: `arn:${partitionOf(keyStack.region)}:kms:${keyStack.region}:${keyStack.account}:key/*`,
      aliasName: crossRegionAliasOf(key),
    };
  }
  return { resource: key.keyArn };
}

/** Both concrete and different. */
function differs(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
}

function aliasArn(region: string, account: string, aliasName: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${account}:${aliasName}`;
}

/**
 * The Region a key lives in, when it is known at synth time: the stack Region of a key the app owns,
 * the Region of an imported ARN. Imported aliases are used in the entry's own Region.
 */
export function keyRegionOf(key: kms.IKey, entryRegion: string): string | undefined {
  if (Resource.isOwnedResource(key)) {
    const region = Stack.of(key).region;
    return Token.isUnresolved(region) ? undefined : region;
  }
  if (isAlias(key)) {
    return entryRegion;
  }
  return regionOfArn(key.keyArn);
}

/** The Region of a concrete ARN, or undefined. */
function regionOfArn(arn: string): string | undefined {
  if (Token.isUnresolved(arn) || !arn.startsWith('arn:')) {
    return undefined;
  }
  return Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region || undefined;
}

/** The account that owns a key, when known: its stack's account or its ARN's account. */
export function ownerAccountOf(key: kms.IKey): string | undefined {
  const account = Resource.isOwnedResource(key) || isAlias(key) ? Stack.of(key).account : accountOfArn(key.keyArn);
  return account && !Token.isUnresolved(account) ? account : undefined;
}

function accountOfArn(arn: string): string | undefined {
  if (Token.isUnresolved(arn) || !arn.startsWith('arn:')) {
    return undefined;
  }
  return Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).account || undefined;
}

/** A human name for a key in messages: its ARN, alias name or construct path. */
export function describeKey(key: kms.IKey): string {
  if (isAlias(key) && !Token.isUnresolved(key.aliasName)) {
    return key.aliasName;
  }
  if (!Token.isUnresolved(key.keyArn)) {
    return key.keyArn;
  }
  return key.node.path;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
