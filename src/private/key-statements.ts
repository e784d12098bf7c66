import { ACCOUNT_ID, ORGANIZATION_ID, OU_PATH, isString } from './identifiers';
import { COPY_ACTIONS, GRANT_ACTIONS, GRANT_FOR_AWS_RESOURCE, LAUNCH_ACTIONS, TARGET_ACCOUNT_ROLE_NAME, autoScalingGrantConditions } from './key-actions';

export { organizationIdFromArn, organizationalUnitPathFromArn } from './identifiers';

/*
 * The key-policy statements a key needs for the accounts, organizations and OUs that use it, as the JSON a
 * key policy holds. Pure (no aws-cdk-lib): needs in, statements out. The constructs render them through
 * key-policy.ts; the preflight command (src/cli/preflight) computes the same statements from a synthesized template.
 */

/** Who uses a key for one purpose (a Region's copies, or the build Region's AMI as the source key). */
export interface KeyNeed {
  /**
   * Accounts whose Image Builder copies the AMI with the key: target accounts (through their cross-account
   * role), and the distribution account when another account owns the key.
   */
  readonly copyAccounts: string[];
  /** Accounts that launch instances from an AMI the key encrypts. */
  readonly launchAccounts: string[];
  /** Organization IDs (`o-...`) whose accounts launch instances from it. */
  readonly organizationIds: string[];
  /** `aws:PrincipalOrgPaths` patterns of OUs whose accounts launch instances from it. */
  readonly organizationalUnitPaths: string[];
  /** Whether these consumers may create grants for their own EC2 Auto Scaling service-linked role. */
  readonly autoScalingGrants: boolean;
  /**
   * Target accounts reached as the Image Builder role of any account of an organization (and its OUs), not one
   * by one (`TargetAccountKeyAccess.organization()`): their copies are encrypted with the key.
   */
  readonly copyRoleScopes?: RoleScope[];
  /** The same, for copies that read the AMI the key encrypts (the source key). */
  readonly readRoleScopes?: RoleScope[];
}

/** The target-account roles of an organization, or of OUs of it. */
export interface RoleScope {
  /** The organization ID (`o-...`). */
  readonly organizationId: string;
  /** `aws:PrincipalOrgPaths` patterns of OUs of that organization; empty for the whole organization. */
  readonly organizationalUnitPaths: string[];
}

/**
 * `targetRoles`: any principal (`"AWS": "*"`) whose ARN is the target-account role, in the organization and OUs
 * the statement's conditions name; its one member stands for the scope.
 */
export type Audience = 'accounts' | 'organizations' | 'organizationalUnits' | 'targetRoles';

export interface StatementSpec {
  readonly sid: string;
  readonly actions: string[];
  readonly audience: Audience;
  readonly members: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}

/**
 * The statements for `needs` on a key owned by `ownerAccount` (which is never listed: its own policy
 * statement already covers it), in the key's `partition`, as JSON. One statement per purpose and audience,
 * each with a `Sid` that says why; an account that copies is not listed again as a launcher; `kms:CreateGrant`
 * only in statements of its own, with `kms:GrantIsForAWSResource` or (for Auto Scaling) a grantee condition.
 * An account member for which `isList` holds stands for a whole list (a deploy-time list of accounts) and
 * gets a statement of its own (`<Sid>List<n>`).
 */
export function keyPolicyStatementsJson(
  needs: KeyNeed[], ownerAccount: string | undefined, partition: string, isList: (value: string) => boolean = () => false,
  concreteOf: ConcreteOf = literal): unknown[] {
  return statementSpecs(needs, ownerAccount, partition, concreteOf).flatMap(spec => split(spec, isList).map(({ sid, members, list }) => ({
    Sid: sid,
    Effect: 'Allow',
    Action: scalar(spec.actions),
    Principal: { AWS: list ? [list] : spec.audience === 'accounts' ? scalar(members.map(a => rootArn(a, partition))) : '*' },
    Resource: '*',
    ...(spec.conditions || spec.audience !== 'accounts' ? { Condition: conditionsOf(spec, members) } : {}),
  })));
}

/** One value as itself, several as a list: how IAM documents (and aws-cdk-lib) write them. */
function scalar(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

function rootArn(account: string, partition: string): string {
  return `arn:${partition}:iam::${account}:root`;
}

/** The statement's conditions, with the organization condition of its audience. */
function conditionsOf(spec: StatementSpec, members: string[]): Record<string, Record<string, unknown>> {
  if (spec.audience === 'targetRoles') {
    return { ...spec.conditions };
  }
  const audience: Record<string, Record<string, unknown>> = spec.audience === 'organizations'
    ? { StringEquals: { 'aws:PrincipalOrgID': members } }
    : spec.audience === 'organizationalUnits' ? { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': members } } : {};
  return { ...spec.conditions, ...audience };
}

/** A spec's statements: its plain members, and each list token among account members on its own (`<Sid>List<n>`). */
export function split(spec: StatementSpec, isList: (value: string) => boolean): Array<{ sid: string; members: string[]; list?: string }> {
  const lists = spec.audience === 'accounts' ? spec.members.filter(isList) : [];
  const plain = spec.members.filter(m => !lists.includes(m));
  return [
    ...(plain.length > 0 ? [{ sid: spec.sid, members: plain }] : []),
    ...lists.map((list, i) => ({ sid: `${spec.sid}List${i + 1}`, members: [], list })),
  ];
}

/**
 * What a member is at synth: a literal (the value itself, or what a token stands for when that is known at
 * synth), the values of a list token, or undefined when it is known only at deploy time.
 */
export type ConcreteOf = (value: string) => string | Array<string | undefined> | undefined;

/** Every value is what it says (no tokens): the preflight command reads synthesized templates. */
const literal: ConcreteOf = value => value;

/**
 * The statement specs for `needs`. Only valid members are taken: 12-digit accounts, organization IDs and OU
 * paths of valid ARNs, and values known only at deploy time (`concreteOf`). Anything else is a value a rule
 * reports (`AccountId`, `OrganizationArn`, `OrganizationalUnitArn`): acknowledged or not, it gets no access to
 * the key. A list token with an invalid value is left out whole.
 */
export function statementSpecs(
  needs: KeyNeed[], ownerAccount: string | undefined, partition: string, concreteOf: ConcreteOf = literal): StatementSpec[] {
  const valid = (pattern: RegExp) => (values: readonly unknown[]): string[] => unique(values.filter(isString).filter(v => {
    const concrete = concreteOf(v);
    const ok = (c: string | undefined) => c === undefined || pattern.test(c);
    return Array.isArray(concrete) ? concrete.length > 0 && concrete.every(ok) : ok(concrete);
  }));
  const accounts = valid(ACCOUNT_ID);
  const notOwner = (values: readonly unknown[]) => accounts(values).filter(a => a !== ownerAccount);
  const copy = notOwner(needs.flatMap(n => n.copyAccounts));
  const launch = notOwner(needs.flatMap(n => n.launchAccounts)).filter(a => !copy.includes(a));
  const organizationIds = valid(ORGANIZATION_ID);
  const unitPaths = valid(OU_PATH);
  const organizations = organizationIds(needs.flatMap(n => n.organizationIds));
  const units = unitPaths(needs.flatMap(n => n.organizationalUnitPaths));
  const roleScopes = validScopes(concreteOf);
  const copyScopes = roleScopes(needs.flatMap(n => n.copyRoleScopes ?? []));
  const copyKeys = copyScopes.map(scopeKey);
  const readScopes = roleScopes(needs.flatMap(n => n.readRoleScopes ?? [])).filter(s => !copyKeys.includes(scopeKey(s)));
  const roleSpecs = (sid: string, actions: string[], scopes: RoleScope[], extra?: Record<string, Record<string, unknown>>): StatementSpec[] =>
    scopes.map((scope, i) => ({
      sid: `${sid}${i === 0 ? '' : i + 1}`,
      actions,
      audience: 'targetRoles' as const,
      members: ['*'],
      conditions: { ...extra, ...roleScopeConditions(scope, partition) },
    }));
  const scaling = needs.filter(n => n.autoScalingGrants);
  // Statements without members are dropped: the conditions are only built when some consumer needs them.
  const scalingConditions = scaling.length > 0 ? autoScalingGrantConditions(partition) : undefined;

  const specs: StatementSpec[] = [
    { sid: 'ImageBuilderCopy', actions: COPY_ACTIONS, audience: 'accounts', members: copy },
    { sid: 'ImageBuilderLaunchByAccounts', actions: LAUNCH_ACTIONS, audience: 'accounts', members: launch },
    { sid: 'ImageBuilderLaunchByOrganizations', actions: LAUNCH_ACTIONS, audience: 'organizations', members: organizations },
    { sid: 'ImageBuilderLaunchByOrganizationalUnits', actions: LAUNCH_ACTIONS, audience: 'organizationalUnits', members: units },
    ...roleSpecs('ImageBuilderCopyByTargetAccountRoles', COPY_ACTIONS, copyScopes),
    ...roleSpecs('ImageBuilderReadByTargetAccountRoles', LAUNCH_ACTIONS, readScopes),
    ...roleSpecs('ImageBuilderCreateGrantForTargetAccountRoles', GRANT_ACTIONS, [...copyScopes, ...readScopes], GRANT_FOR_AWS_RESOURCE),
    { sid: 'ImageBuilderCreateGrantForAccounts', actions: GRANT_ACTIONS, audience: 'accounts', members: [...copy, ...launch], conditions: GRANT_FOR_AWS_RESOURCE },
    { sid: 'ImageBuilderCreateGrantForOrganizations', actions: GRANT_ACTIONS, audience: 'organizations', members: organizations, conditions: GRANT_FOR_AWS_RESOURCE },
    { sid: 'ImageBuilderCreateGrantForOrganizationalUnits', actions: GRANT_ACTIONS, audience: 'organizationalUnits', members: units, conditions: GRANT_FOR_AWS_RESOURCE },
    {
      sid: 'ImageBuilderAutoScalingGrantsForAccounts',
      actions: GRANT_ACTIONS,
      audience: 'accounts',
      members: notOwner(scaling.flatMap(n => [...n.copyAccounts, ...n.launchAccounts])),
      conditions: scalingConditions,
    },
    {
      sid: 'ImageBuilderAutoScalingGrantsForOrganizations',
      actions: GRANT_ACTIONS,
      audience: 'organizations',
      members: organizationIds(scaling.flatMap(n => n.organizationIds)),
      conditions: scalingConditions,
    },
    {
      sid: 'ImageBuilderAutoScalingGrantsForOrganizationalUnits',
      actions: GRANT_ACTIONS,
      audience: 'organizationalUnits',
      members: unitPaths(scaling.flatMap(n => n.organizationalUnitPaths)),
      conditions: scalingConditions,
    },
  ];
  return specs;
}
/**
 * The conditions that keep a `targetRoles` statement to the role Image Builder assumes in target accounts of
 * the organization (and OUs): `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` are the organization and OU path
 * of the principal's account; `aws:PrincipalArn` is, for a role session, the ARN of the role (not of the
 * session), so `ArnLike` on `role/<name>` in any account matches that role only, at the root path, as Image
 * Builder names it.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
export function roleScopeConditions(scope: RoleScope, partition: string): Record<string, Record<string, unknown>> {
  return {
    StringEquals: { 'aws:PrincipalOrgID': scope.organizationId },
    ...(scope.organizationalUnitPaths.length > 0 ? { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': scope.organizationalUnitPaths } } : {}),
    ArnLike: { 'aws:PrincipalArn': `arn:${partition}:iam::*:role/${TARGET_ACCOUNT_ROLE_NAME}` },
  };
}

function scopeKey(scope: RoleScope): string {
  return JSON.stringify([scope.organizationId, [...scope.organizationalUnitPaths].sort()]);
}

/**
 * The scopes whose organization ID and OU paths are valid (or known only at deploy time), with every OU in the
 * organization, each once. A scope with any invalid value is left out whole: it gets no access (a rule reports it).
 */
function validScopes(concreteOf: ConcreteOf): (scopes: RoleScope[]) => RoleScope[] {
  const text = (v: unknown): string | undefined => {
    if (!isString(v)) {
      return '';
    }
    const c = concreteOf(v);
    return Array.isArray(c) ? '' : c;
  };
  return scopes => {
    const seen = new Set<string>();
    return scopes.filter(scope => {
      const org = text(scope.organizationId);
      if (org !== undefined && !ORGANIZATION_ID.test(org)) {
        return false;
      }
      if (!Array.isArray(scope.organizationalUnitPaths) || !scope.organizationalUnitPaths.every(p => {
        const path = text(p);
        return path === undefined || (OU_PATH.test(path) && (org === undefined || path.startsWith(`${org}/`)));
      })) {
        return false;
      }
      const key = scopeKey(scope);
      if (seen.has(key)) {
        return false;
      }
      seen.add(key);
      return true;
    });
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
