import * as fc from 'fast-check';
import { ALLOW_ALL, decide } from './authorization/evaluate';
import { propertyRuns } from './property-runs';
import { UNKNOWN_KEY_ID, actionMatches, evaluate, keyPolicyCoverage, trustRequest } from '../src/cli/preflight/policy-coverage';
import { KeyNeed, keyPolicyStatementsJson } from '../src/private/key-statements';

/*
 * The preflight's key-policy comparison, proven with an independent IAM policy evaluator: a live policy the
 * comparison accepts allows every request the required statements are for; a statement it reports missing
 * stands for a request the live policy denies.
 */

jest.setTimeout(120_000);

const OWNER = '999999999999';
const KEY = `arn:aws:kms:eu-west-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ORG = 'o-abcdefghij';
// The OU of another organization: each statement's requests then need that statement alone.
const OU_ORG = 'o-klmnopqrst';
const OU = 'ou-kl12-cdefghij';
const OWNER_STATEMENT = { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'kms:*', Resource: '*' };

const NEEDS: KeyNeed[] = [{
  copyAccounts: ['111111111111'],
  launchAccounts: ['222222222222'],
  organizationIds: [ORG],
  organizationalUnitPaths: [`${OU_ORG}/*/${OU}/*`],
  autoScalingGrants: false,
}];
const REQUIRED = keyPolicyStatementsJson(NEEDS, OWNER, 'aws') as Array<Record<string, any>>;

const list = (v: unknown): any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A concrete action a statement's action pattern stands for (`kms:ReEncrypt*` -> `kms:ReEncryptFrom`). */
const concreteAction = (pattern: string) => pattern.replace('*', 'From');

/** The caller's organization: the OU's for an OU statement, the organization's for an organization statement, another one for accounts. */
function orgContextOf(statement: Record<string, any>) {
  const conditions = JSON.stringify(statement.Condition ?? {});
  const [org, path] = conditions.includes('aws:PrincipalOrgPaths') ? [OU_ORG, `${OU_ORG}/r-kl12/${OU}/`]
    : conditions.includes('aws:PrincipalOrgID') ? [ORG, `${ORG}/r-ab12/ou-ab12-99999999/`]
      : ['o-unnamed000', 'o-unnamed000/r-zz99/ou-zz99-99999999/'];
  return { 'aws:PrincipalOrgID': org, 'aws:PrincipalOrgPaths': [path] };
}

/**
 * The requests a required statement is for: a role of each named account (or an account of the organization
 * or OU for `*`), each action, with the context AWS sets for an EBS request (the grant is for an AWS resource).
 */
function requestsOf(statement: Record<string, any>) {
  const principals = list(statement.Principal?.AWS ?? statement.Principal);
  return principals.flatMap(principal => list(statement.Action).map(pattern => {
    const account = principal === '*' ? '505050505050' : /::([0-9]{12}):root$/.exec(principal)![1];
    const action = concreteAction(pattern);
    return {
      principal: `arn:aws:iam::${account}:role/Consumer`,
      action,
      resource: KEY,
      resourceAccount: OWNER,
      context: {
        ...orgContextOf(statement),
        ...(action === 'kms:CreateGrant' ? { 'kms:GrantIsForAWSResource': 'true' } : {}),
      },
      identityPolicies: [ALLOW_ALL],
      statementSid: statement.Sid as string,
    };
  }));
}

/** A live policy: the required statements, each kept, dropped, narrowed or broadened; perhaps a deny. */
const livePolicies = fc.record({
  changes: fc.array(fc.constantFrom('keep', 'drop', 'drop-principal', 'drop-action', 'extra-condition', 'broaden'), { minLength: REQUIRED.length, maxLength: REQUIRED.length }),
  deny: fc.option(fc.constantFrom(...REQUIRED.flatMap(s => list(s.Action))), { nil: undefined }),
}).map(({ changes, deny }) => {
  const statements = REQUIRED.flatMap((statement, i): Array<Record<string, any>> => {
    const principals = list(statement.Principal.AWS);
    switch (changes[i]) {
      case 'drop': return [];
      case 'drop-principal': return principals.length > 1 ? [{ ...statement, Principal: { AWS: principals.slice(1) } }] : [];
      case 'drop-action': return list(statement.Action).length > 1 ? [{ ...statement, Action: list(statement.Action).slice(1) }] : [];
      case 'extra-condition': return [{ ...statement, Condition: { ...statement.Condition, IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }];
      case 'broaden': return [{ ...statement, Action: 'kms:*' }];
      default: return [statement];
    }
  });
  const denial = deny ? [{ Sid: 'DenyIt', Effect: 'Deny', Principal: { AWS: '*' }, Action: deny, Resource: '*' }] : [];
  return { Version: '2012-10-17', Statement: [OWNER_STATEMENT, ...statements, ...denial] };
});

test('a policy the comparison accepts allows every required request; a missing statement stands for a denied request', async () => {
  await fc.assert(fc.asyncProperty(livePolicies, async policy => {
    const coverage = keyPolicyCoverage(policy, REQUIRED, KEY);
    const missingSids = new Set(coverage.missing.map(s => s.Sid));
    for (const statement of REQUIRED) {
      const decisions = await Promise.all(requestsOf(statement).map(async r => ({ r, decision: await decide({ ...r, resourcePolicy: policy }) })));
      for (const { decision } of decisions) {
        expect(decision.errors).toBeUndefined();
        expect(decision.ignoredContextKeys.filter(k => !k.startsWith('aws:'))).toEqual([]);
      }
      if (missingSids.has(statement.Sid)) {
        // Reported missing: some request of the statement is denied.
        expect(decisions.some(d => !d.decision.allowed)).toBe(true);
      } else {
        // Accepted: every request of the statement is allowed.
        expect(decisions.filter(d => !d.decision.allowed).map(d => `${d.r.principal} ${d.r.action}`)).toEqual([]);
      }
    }
  }), { numRuns: propertyRuns(0.25) });
});

describe('keyPolicyCoverage', () => {
  test('the required statements themselves grant everything', () => {
    expect(keyPolicyCoverage({ Statement: [OWNER_STATEMENT, ...REQUIRED] }, REQUIRED, KEY)).toEqual({ missing: [], deniedBy: [] });
  });

  test('an account ID stands for its root, and kms:* without conditions covers every action', () => {
    const policy = { Statement: [{ Effect: 'Allow', Principal: { AWS: ['111111111111', '222222222222'] }, Action: 'kms:*', Resource: '*' }] };
    const accountsOnly = REQUIRED.filter(s => list(s.Principal.AWS)[0] !== '*');
    expect(keyPolicyCoverage(policy, accountsOnly, KEY).missing).toEqual([]);
  });

  test('a missing statement is cut down to the principals that lack it, Sid first', () => {
    const copy = REQUIRED.find(s => s.Sid === 'ImageBuilderCopy')!;
    const launch = REQUIRED.find(s => s.Sid === 'ImageBuilderLaunchByAccounts')!;
    const grant = REQUIRED.find(s => s.Sid === 'ImageBuilderCreateGrantForAccounts')!;
    const policy = { Statement: [copy, launch, { ...grant, Principal: { AWS: 'arn:aws:iam::111111111111:root' } }] };
    const { missing } = keyPolicyCoverage(policy, [copy, launch, grant], KEY);
    expect(missing).toEqual([{
      Sid: 'ImageBuilderCreateGrantForAccounts',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::222222222222:root' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
    }]);
    expect(Object.keys(missing[0])[0]).toBe('Sid');
  });

  test('a deny without conditions is named', () => {
    const policy = { Statement: [...REQUIRED, { Sid: 'NoGrants', Effect: 'Deny', Principal: '*', Action: 'kms:CreateGrant', Resource: '*' }] };
    const coverage = keyPolicyCoverage(policy, REQUIRED, KEY);
    expect(coverage.deniedBy).toEqual(['NoGrants']);
    expect(coverage.missing.map(s => s.Sid)).toEqual(['ImageBuilderCreateGrantForAccounts', 'ImageBuilderCreateGrantForOrganizations', 'ImageBuilderCreateGrantForOrganizationalUnits']);
  });
});

test('actionMatches: IAM wildcards, case-insensitive', () => {
  expect(actionMatches('kms:ReEncrypt*', 'kms:ReEncryptFrom')).toBe(true);
  expect(actionMatches('KMS:decrypt', 'kms:Decrypt')).toBe(true);
  expect(actionMatches('kms:*', 'kms:CreateGrant')).toBe(true);
  expect(actionMatches('*', 'kms:CreateGrant')).toBe(true);
  expect(actionMatches('kms:Re?ncrypt*', 'kms:ReEncryptTo')).toBe(true);
  expect(actionMatches('kms:Decrypt', 'kms:DecryptX')).toBe(false);
  expect(actionMatches('kms:Create*', 'kms:Decrypt')).toBe(false);
});

const SRC = '123456789012';
const SLR = `arn:aws:iam::${SRC}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`;
const TARGET_ROLE = 'arn:aws:iam::111111111111:role/EC2ImageBuilderDistributionCrossAccountRole';

test('trust policies: Allow for the account, its root or the service-linked role; Deny wins; unknown conditions are "unknown"', () => {
  const trust = (...statements: object[]) => ({ Statement: statements });
  const allow = (principal: unknown, extra: object = {}) => ({ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', ...extra });
  const verdict = (policy: object) => evaluate([policy], trustRequest(SRC, 'aws')).verdict;
  expect(verdict(trust(allow(`arn:aws:iam::${SRC}:root`)))).toBe('allowed');
  expect(verdict(trust(allow(SRC)))).toBe('allowed');
  expect(verdict(trust(allow(SLR)))).toBe('allowed');
  expect(verdict(trust(allow(`arn:aws:iam::${SRC}:role/Other`)))).toBe('denied');
  expect(verdict(trust(allow('arn:aws:iam::999999999999:root')))).toBe('denied');
  expect(verdict(trust({ Effect: 'Allow', Principal: { AWS: SRC }, Action: 'sts:TagSession' }))).toBe('denied');
  expect(verdict(trust(allow(SRC), { Effect: 'Deny', Principal: '*', Action: 'sts:*' }))).toBe('denied');
  expect(evaluate([trust(allow(SRC), { Sid: 'NoImageBuilder', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/aws-service-role/imagebuilder.amazonaws.com/*' } } })], trustRequest(SRC, 'aws')))
    .toEqual({ verdict: 'denied', because: ['NoImageBuilder'] });
  expect(verdict(trust(allow(SRC), { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringNotEquals: { 'aws:PrincipalAccount': SRC } } }))).toBe('allowed');
  // Conditions on what the command cannot know.
  expect(evaluate([trust(allow(SRC, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } } }))], trustRequest(SRC, 'aws')))
    .toEqual({ verdict: 'unknown', because: ['statement 1 (StringEquals aws:PrincipalOrgID)'] });
  expect(verdict(trust(allow(SRC), { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }))).toBe('unknown');
  expect(verdict(trust(allow(SRC, { Condition: { StringEquals: { 'sts:ExternalId': 'x' } } })))).toBe('unknown');
  // A known condition that fails decides, whatever the unknown one would say.
  expect(verdict(trust(allow(SRC, { Condition: { StringEquals: { 'aws:PrincipalAccount': '999999999999', 'aws:PrincipalOrgID': 'o-abcdefghij' } } })))).toBe('denied');
});

/** Trust policies from parts that matter to Image Builder's request: principals, actions, known and unknown conditions, Deny. */
const trustStatement = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny'),
  Principal: fc.constantFrom<unknown>('*', { AWS: '*' }, { AWS: SRC }, { AWS: `arn:aws:iam::${SRC}:root` }, { AWS: SLR }, { AWS: 'arn:aws:iam::999999999999:root' },
    { AWS: `arn:aws:iam::${SRC}:role/Other` }, { Service: 'imagebuilder.amazonaws.com' }),
  Action: fc.constantFrom<unknown>('sts:AssumeRole', 'sts:*', '*', 'sts:TagSession', ['sts:AssumeRole', 'sts:TagSession'], 'sts:Assume*'),
  Condition: fc.option(fc.dictionary(
    fc.constantFrom('StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'ArnLike', 'ArnNotLike', 'ArnEquals', 'StringEqualsIgnoreCase', 'ForAnyValue:StringEquals', 'StringEqualsIfExists', 'Null'),
    fc.dictionary(
      fc.constantFrom('aws:PrincipalAccount', 'aws:PrincipalArn', 'aws:PrincipalOrgID', 'sts:ExternalId'),
      fc.constantFrom<unknown>(SRC, '999999999999', SLR, '*imagebuilder*', `arn:aws:iam::${SRC}:role/*`, 'arn:aws:iam::999999999999:*', 'o-abcdefghij', [SRC, '999999999999'], 'true', 'false'),
      { minKeys: 1, maxKeys: 2 }),
    { minKeys: 1, maxKeys: 2 }), { nil: undefined }),
}).map(s => JSON.parse(JSON.stringify(s)));

test('trust verdicts agree with the IAM evaluator whenever they are not "unknown"', async () => {
  let decided = 0;
  await fc.assert(fc.asyncProperty(fc.array(trustStatement, { minLength: 1, maxLength: 4 }), async statements => {
    const policy = { Version: '2012-10-17', Statement: statements };
    const ours = evaluate([policy], trustRequest(SRC, 'aws'));
    if (ours.verdict === 'unknown') {
      return;
    }
    decided++;
    const truth = await decide({
      principal: `arn:aws:sts::${SRC}:assumed-role/AWSServiceRoleForImageBuilder/ImageBuilder`,
      action: 'sts:AssumeRole',
      resource: TARGET_ROLE,
      resourceAccount: '111111111111',
      context: { 'aws:PrincipalAccount': SRC, 'aws:PrincipalArn': SLR, 'aws:PrincipalType': 'AssumedRole' },
      identityPolicies: [ALLOW_ALL],
      resourcePolicy: policy,
    });
    expect(truth.errors).toBeUndefined();
    expect(ours.verdict).toBe(truth.allowed ? 'allowed' : 'denied');
  }), { numRuns: propertyRuns(0.5) });
  // The property must decide often enough to mean something.
  expect(decided).toBeGreaterThan(propertyRuns(0.5) / 4);
});

test('identity policies of the role: KMS actions on a key by ARN, by alias (kms:ResourceAliases), Deny, and unknown conditions', () => {
  const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const byAlias = `arn:aws:kms:eu-west-1:123456789012:key/${UNKNOWN_KEY_ID}`;
  const request = (resource: string, context: Record<string, string[]> = {}) => ({ principals: [], action: 'kms:Decrypt', resource, context: { 'aws:principalaccount': ['111111111111'], ...context } });
  const policy = (...statements: object[]) => ({ Statement: statements });
  expect(evaluate([policy({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key })], request(key)).verdict).toBe('allowed');
  expect(evaluate([policy({ Effect: 'Allow', Action: 'kms:*', Resource: 'arn:aws:kms:eu-west-1:123456789012:key/*' })], request(key)).verdict).toBe('allowed');
  expect(evaluate([policy({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:us-east-1:123456789012:key/*' })], request(key)).verdict).toBe('denied');
  expect(evaluate([policy({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key }), { Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }] }], request(key)).verdict).toBe('denied');
  // A key named by alias: a policy on the key's ARN cannot be confirmed; one on key/* with the alias condition can.
  expect(evaluate([policy({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key })], request(byAlias, { 'kms:resourcealiases': ['alias/golden'] })).verdict).toBe('unknown');
  const aliasStatement = { Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:123456789012:key/*', Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/golden'] } } };
  expect(evaluate([policy(aliasStatement)], request(byAlias, { 'kms:resourcealiases': ['alias/golden'] })).verdict).toBe('allowed');
  expect(evaluate([policy(aliasStatement)], request(byAlias, { 'kms:resourcealiases': ['alias/other'] })).verdict).toBe('denied');
  // The same statement for a key named by ARN: its aliases are not known.
  expect(evaluate([policy(aliasStatement)], request(key)).verdict).toBe('unknown');
});
