import { App, Lazy, Stack, Validations, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { decide } from './authorization/evaluate';
import { deploy } from './authorization/resolve';
import { propertyRuns } from './property-runs';
import { withoutCdkValidation } from './without-cdk-validation';
import { CrossAccountDistributionRole, DistributionConfiguration } from '../src';

/*
 * Acknowledging never widens access (issue 18, section 3): for arbitrary invalid accounts, organizations and
 * OUs, acknowledged or not, no key policy, role, `requiredKeyPolicy()` document or preflight record holds them;
 * only 12-digit accounts, organization IDs and OU paths of valid ARNs (or deploy-time values) appear, and the
 * IAM policy evaluator denies outsiders while the valid consumers keep their access.
 */

withoutCdkValidation();

const DIST = '111111111111';
const TARGET = '222222222222';
const LAUNCHER = '333333333333';
const OUTSIDER = '888888888888';
const MANAGEMENT = '999999999999';
const ORG = 'o-aaaaaaaaaa';
const OU = 'ou-aaaa-11111111';
const ORG_ARN = `arn:aws:organizations::${MANAGEMENT}:organization/${ORG}`;
const OU_ARN = `arn:aws:organizations::${MANAGEMENT}:ou/${ORG}/${OU}`;
const IMPORTED_EU_KEY = `arn:aws:kms:eu-west-1:${DIST}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const RULES = ['AccountId', 'OrganizationArn', 'OrganizationalUnitArn'];

// The API model's patterns (written here, not taken from the library): what is valid.
const ACCOUNT = /^[0-9]{12}$/;
const ORGANIZATION_ARN = /^arn:aws[^:]*:organizations::[0-9]{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN_PATTERN = /^arn:aws[^:]*:organizations::[0-9]{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}/;
// What a key policy may hold for them.
const ROOT = /^arn:aws:iam::[0-9]{12}:root$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const OU_PATH = /^o-[a-z0-9]{10,32}\/\*\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}\/\*$/;

const invalidAccount = fc.oneof(
  fc.constantFrom('*', '', '?', 'null', 'NaN', '12345678901', '1234567890123', ' 222222222222', '22222222222*', `arn:aws:iam::${OUTSIDER}:root`, 'arn:aws:iam::*:root', '*:root'),
  fc.stringMatching(/^[0-9*? ]{1,14}$/),
  fc.string(),
).filter(v => !ACCOUNT.test(v));
const invalidOrganization = fc.oneof(
  fc.constantFrom('*', '', ORG, 'o-*', `arn:aws:organizations::*:organization/${ORG}`, `arn:aws:organizations::${MANAGEMENT}:organization/*`,
    `arn:aws:organizations::${MANAGEMENT}:organization/o-*`, `arn:aws:organizations::${MANAGEMENT}:organization/${ORG}/*`, `${ORG_ARN} `),
  fc.string().map(s => `arn:aws:organizations::${MANAGEMENT}:organization/${s}`),
  fc.string(),
).filter(v => !ORGANIZATION_ARN.test(v));
const invalidUnit = fc.oneof(
  fc.constantFrom('*', '', OU, `${ORG}/*`, `arn:aws:organizations::${MANAGEMENT}:ou/${ORG}/*`, `arn:aws:organizations::${MANAGEMENT}:ou/*/${OU}`,
    `arn:aws:organizations::*:ou/${ORG}/${OU}`, `arn:aws:organizations::${MANAGEMENT}:ou/o-*/ou-*`),
  fc.string().map(s => `arn:aws:organizations::${MANAGEMENT}:ou/${ORG}/${s}`),
  fc.string(),
).filter(v => !OU_ARN_PATTERN.test(v));

/** A value as written, or as a token that stands for it (`Lazy.string`): the same value either way. */
const written = (values: fc.Arbitrary<string>) => fc.tuple(values, fc.boolean()).map(([value, lazy]) => ({ value, lazy }));
const mixed = (valid: string, invalid: fc.Arbitrary<string>) => fc.tuple(fc.boolean(), fc.array(written(invalid), { minLength: 1, maxLength: 3 }))
  .map(([withValid, invalids]) => ({ valid: withValid ? [valid] : [], invalid: invalids }));

const scenario = fc.record({
  acknowledged: fc.boolean(),
  targets: mixed(TARGET, invalidAccount),
  launchers: mixed(LAUNCHER, invalidAccount),
  organizations: mixed(ORG_ARN, invalidOrganization),
  units: mixed(OU_ARN, invalidUnit),
  /** Where the invalid values go: the build Region (its own key, also the source key) or a Region with an imported key. */
  region: fc.constantFrom('us-east-1', 'eu-west-1'),
  /** The target accounts as one list token (`Lazy.list`) that stands for them. */
  targetsAsList: fc.boolean(),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;
type Mixed = Scenario['targets'];

const valuesOf = (m: Mixed) => [...m.valid, ...m.invalid.map(({ value, lazy }) => (lazy ? Lazy.string({ produce: () => value }) : value))];
const invalidValues = (s: Scenario) => [s.targets, s.launchers, s.organizations, s.units].flatMap(m => m.invalid.map(i => i.value));

function build(s: Scenario) {
  const app = new App();
  const stack = new Stack(app, 'Distribution', { env: { account: DIST, region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key');
  const euKey = kms.Key.fromKeyArn(stack, 'EuKey', IMPORTED_EU_KEY);
  const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', sourceKey: key });
  const consumers = {
    targetAccounts: s.targetsAsList ? Lazy.list({ produce: () => valuesOf(s.targets) }) : valuesOf(s.targets),
    launchPermission: { accounts: valuesOf(s.launchers), organizations: valuesOf(s.organizations), organizationalUnits: valuesOf(s.units) },
  };
  distribution.addRegion('us-east-1', { kmsKey: key, ...(s.region === 'us-east-1' ? consumers : { targetAccounts: [TARGET] }) });
  distribution.addRegion('eu-west-1', { kmsKey: euKey, ...(s.region === 'eu-west-1' ? consumers : { targetAccounts: [TARGET] }) });
  const target = new Stack(app, 'Target', { env: { account: TARGET, region: 'us-east-1' } });
  new CrossAccountDistributionRole(target, 'Role', { sourceAccounts: [DIST], keys: [key, euKey], launchTemplateUpdates: true });
  if (s.acknowledged) {
    for (const rule of RULES) {
      Validations.of(stack).acknowledge({ id: `cdk-imagebuilder-distribution:${rule}`, reason: 'generated' });
    }
  }
  return { app, stack, distribution };
}

/** Every principal and organization condition value of a list of policy statements. */
function grantees(statements: any[]): { principals: string[]; orgIds: string[]; orgPaths: string[] } {
  const strings = (v: unknown): string[] => [v].flat(2).map(x => (typeof x === 'string' ? x : JSON.stringify(x)));
  return {
    principals: statements.flatMap(s => (s.Principal === undefined ? [] : s.Principal === '*' ? ['*'] : strings(s.Principal.AWS ?? s.Principal.Service ?? s.Principal))),
    orgIds: statements.flatMap(s => Object.values<any>(s.Condition ?? {}).flatMap(c => strings(c['aws:PrincipalOrgID'] ?? []))),
    orgPaths: statements.flatMap(s => Object.values<any>(s.Condition ?? {}).flatMap(c => strings(c['aws:PrincipalOrgPaths'] ?? []))),
  };
}

function kmsRequest(account: string, keyArn: string, policy: any, action: string, org?: { id: string; path: string }) {
  return decide({
    principal: `arn:aws:iam::${account}:role/Launcher`,
    action,
    resource: keyArn,
    resourceAccount: DIST,
    context: {
      'aws:PrincipalAccount': account,
      'aws:PrincipalArn': `arn:aws:iam::${account}:role/Launcher`,
      'kms:CallerAccount': account,
      'kms:ViaService': `ec2.${keyArn.split(':')[3]}.amazonaws.com`,
      ...(org ? { 'aws:PrincipalOrgID': org.id, 'aws:PrincipalOrgPaths': [org.path] } : {}),
      ...(action === 'kms:CreateGrant' ? { 'kms:GrantIsForAWSResource': 'true' } : { 'kms:EncryptionContextKeys': ['aws:ebs:id'] }),
    },
    identityPolicies: [{ name: 'AllowAll', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
    resourcePolicy: policy,
  });
}

jest.setTimeout(600_000);

test('invalid accounts, organizations and OUs never reach a policy, acknowledged or not, and outsiders stay denied', async () => {
  await fc.assert(fc.asyncProperty(scenario, async s => {
    const { app, stack, distribution } = build(s);
    if (s.acknowledged) {
      // Acknowledged: synth passes, with a warning that the values got no access.
      app.synth();
    } else {
      expect(() => app.synth()).toThrow(/\[(AccountId|OrganizationArn|OrganizationalUnitArn)\]/);
    }
    const assembly = app.synth({ force: true, skipValidation: true });
    const deployment = deploy(assembly);
    if (s.acknowledged) {
      const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('left out of every key policy and role')).map(w => w.entry.data);
      expect(warnings.length).toBeGreaterThan(0);
    }

    // Every policy the app writes or hands out.
    const keyPolicies = deployment.keys.map(k => ({ arn: k.arn, policy: k.policy }));
    const required = ['us-east-1', 'eu-west-1'].map(region => distribution.requiredKeyPolicy(region)).concat(distribution.requiredSourceKeyPolicy())
      .map(doc => deployment.resolve('Distribution', stack.resolve(doc.toJSON())));
    const records = assembly.getStackByName('Distribution').findMetadataByType('cdk-imagebuilder-distribution:preflight').map(m => m.data as any);
    expect(records.length).toBe(1);
    const recorded = records.flatMap(r => r.keys).flatMap((k: any) => k.requiredStatements ?? []).map((st: any) => deployment.resolve('Distribution', st));
    const roleDocuments = deployment.roles.flatMap(r => [r.trustPolicy, ...r.identityPolicies.map(p => p.policy)]);
    const statements = [...keyPolicies.map(k => k.policy), ...required, ...roleDocuments].flatMap(doc => doc?.Statement ?? []).concat(recorded);

    const found = grantees(statements);
    expect(found.principals.filter(p => p !== '*' && !ROOT.test(p) && !ACCOUNT.test(p) && !/^arn:aws:iam::[0-9]{12}:role\//.test(p))).toEqual([]);
    expect(found.orgIds.filter(v => !ORG_ID.test(v))).toEqual([]);
    expect(found.orgPaths.filter(v => !OU_PATH.test(v))).toEqual([]);
    // No invalid value is a principal or an organization condition, in any form.
    // (An invalid value may spell a valid one's ID, such as the organization ID where its ARN goes: that ID is
    // there for the valid ARN.)
    const invalid = new Set(invalidValues(s));
    const legitimate = new Set([DIST, TARGET, LAUNCHER, ORG, `${ORG}/*/${OU}/*`]);
    const fromInvalid = (v: string) => !legitimate.has(v) && (invalid.has(v) || (v.startsWith('arn:') && invalid.has(v.split(':')[4])));
    expect([...found.principals.filter(p => p !== '*'), ...found.orgIds, ...found.orgPaths].filter(fromInvalid)).toEqual([]);
    // A statement open to anyone is always restricted to an organization or OU.
    for (const st of statements.filter((x: any) => x.Principal === '*' || [x.Principal?.AWS].flat().includes('*'))) {
      const conditions = Object.values<any>(st.Condition ?? {});
      expect(conditions.some(c => c['aws:PrincipalOrgID'] !== undefined || c['aws:PrincipalOrgPaths'] !== undefined)).toBe(true);
    }

    // The evaluator: outsiders are denied on every key policy; the valid consumers keep their access.
    const usKey = keyPolicies.find(k => k.arn.includes(':us-east-1:'))!;
    const euPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DIST}:root` }, Action: 'kms:*', Resource: '*' }, ...(required[1]?.Statement ?? [])] };
    const keysToCheck = [{ arn: usKey.arn, policy: usKey.policy }, { arn: IMPORTED_EU_KEY, policy: euPolicy }];
    const outsiders = [
      { account: OUTSIDER },
      { account: '707070707070', org: { id: 'o-bbbbbbbbbb', path: 'o-bbbbbbbbbb/r-cd34/ou-bbbb-11111111/' } },
      ...(s.organizations.valid.length === 0 ? [{ account: '505050505050', org: { id: ORG, path: `${ORG}/r-ab12/ou-aaaa-99999999/` } }] : []),
    ];
    for (const k of keysToCheck) {
      for (const outsider of outsiders) {
        for (const action of ['kms:Decrypt', 'kms:CreateGrant']) {
          const decision = await kmsRequest(outsider.account, k.arn, k.policy, action, outsider.org);
          const asked = { key: k.arn, outsider, action };
          expect({ ...asked, allowed: decision.allowed, errors: decision.errors }).toEqual({ ...asked, allowed: false, errors: undefined });
        }
      }
    }
    const consumerKey = keysToCheck[s.region === 'us-east-1' ? 0 : 1];
    if (s.launchers.valid.length > 0) {
      expect((await kmsRequest(LAUNCHER, consumerKey.arn, consumerKey.policy, 'kms:Decrypt')).allowed).toBe(true);
    }
    if (s.units.valid.length > 0) {
      expect((await kmsRequest('606060606060', consumerKey.arn, consumerKey.policy, 'kms:Decrypt', { id: ORG, path: `${ORG}/r-ab12/${OU}/` })).allowed).toBe(true);
    }
  }), { numRuns: propertyRuns(0.2) });
});
