import { App, Aws, CfnParameter, Stack, aws_kms as kms } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { DistributionConfiguration } from '../src';
import { propertyRuns } from './property-runs';
import { withoutCdkValidation } from './without-cdk-validation';
import { keyPolicyStatements, keyPolicyStatementsJson } from '../src/private/key-policy';

withoutCdkValidation();

const OWNER = '111111111111';
const HOME = 'us-east-1';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
const ACCOUNTS = [OWNER, '222222222222', '333333333333', '444444444444', '555555555555'];
const ORG_IDS = ['o-aaaaaaaaaa', 'o-bbbbbbbbbb'];
const OUS = [['o-aaaaaaaaaa', 'ou-aaaa-11111111'], ['o-bbbbbbbbbb', 'ou-bbbb-22222222']];

interface RegionSpec {
  readonly region: string;
  /** none, a key in the distribution's stack (home Region only), or a key of the Region's own key stack. */
  readonly key: 'none' | 'local' | 'regional';
  readonly targets: string[];
  readonly launch: string[];
  readonly orgs: string[];
  readonly ous: string[][];
}

const subset = <T>(values: T[]) => fc.subarray(values);
const regionSpec = (region: string) => fc.record({
  region: fc.constant(region),
  key: region === HOME ? fc.constantFrom('none', 'local', 'regional') : fc.constantFrom('none', 'regional'),
  targets: subset(ACCOUNTS),
  launch: subset(ACCOUNTS),
  orgs: subset(ORG_IDS),
  ous: subset(OUS),
}) as fc.Arbitrary<RegionSpec>;
const scenario = fc.record({
  regions: subset(REGIONS).filter(r => r.length > 0).chain(rs => fc.tuple(...rs.map(regionSpec))),
  sourceKey: fc.boolean(),
});

const orgArn = (id: string) => `arn:aws:organizations::999999999999:organization/${id}`;
const ouArn = ([org, ou]: string[]) => `arn:aws:organizations::999999999999:ou/${org}/${ou}`;
const ouPath = ([org, ou]: string[]) => `${org}/*/${ou}/*`;
const rootArn = (account: string) => `arn:aws:iam::${account}:root`;

/** Members of each ImageBuilder statement of a key policy: principals' accounts, or condition values. */
function membersBySid(statements: any[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const s of statements.filter(x => x.Sid?.startsWith('ImageBuilder'))) {
    const aws = [s.Principal.AWS].flat();
    const members = aws[0] === '*'
      ? [s.Condition?.StringEquals?.['aws:PrincipalOrgID'] ?? s.Condition?.['ForAnyValue:StringLike']?.['aws:PrincipalOrgPaths']].flat()
      : aws.map((arn: string) => arn.split(':')[4]);
    result[s.Sid] = [...members].sort();
  }
  return result;
}

/**
 * What the spec says a key's policy must hold: the consumers of the Regions it encrypts; for the source key,
 * also every target account (their copies read the source AMI) and the launch consumers of the build Region.
 * An account that copies is listed once, with the copy actions.
 */
function expectedMembers(specs: RegionSpec[], all: RegionSpec[], isSource: boolean): Record<string, string[]> {
  const build = all.filter(r => r.region === HOME);
  const notOwner = (accounts: string[]) => accounts.filter(a => a !== OWNER);
  const copy = new Set(notOwner(specs.flatMap(r => r.targets)));
  const launch = new Set(notOwner([
    ...specs.flatMap(r => r.launch),
    ...(isSource ? [...all.flatMap(r => r.targets), ...build.flatMap(r => r.launch)] : []),
  ]).filter(a => !copy.has(a)));
  const orgs = new Set([...specs, ...(isSource ? build : [])].flatMap(r => r.orgs));
  const ous = new Set([...specs, ...(isSource ? build : [])].flatMap(r => r.ous.map(ouPath)));
  const expected: Record<string, Set<string>> = {
    ImageBuilderCopy: copy,
    ImageBuilderLaunchByAccounts: launch,
    ImageBuilderLaunchByOrganizations: orgs,
    ImageBuilderLaunchByOrganizationalUnits: ous,
    ImageBuilderCreateGrantForAccounts: new Set([...copy, ...launch]),
    ImageBuilderCreateGrantForOrganizations: orgs,
    ImageBuilderCreateGrantForOrganizationalUnits: ous,
  };
  return Object.fromEntries(Object.entries(expected).filter(([, v]) => v.size > 0).map(([k, v]) => [k, [...v].sort()]));
}

/** The least-privilege list, for any statement of any key policy. */
function leastPrivilegeViolations(statement: any): string[] {
  const actions = [statement.Action].flat();
  const principals = [statement.Principal?.AWS].flat();
  const problems: string[] = [];
  const ownerOnly = principals.every(p => typeof p === 'object' || p === rootArn(OWNER));
  if (actions.includes('kms:*') && !ownerOnly) {
    problems.push('kms:* for another account');
  }
  if (actions.includes('kms:CreateGrant') && statement.Condition?.Bool?.['kms:GrantIsForAWSResource'] !== true) {
    problems.push('kms:CreateGrant without kms:GrantIsForAWSResource');
  }
  if (principals.includes('*') && !statement.Condition?.StringEquals?.['aws:PrincipalOrgID'] && !statement.Condition?.['ForAnyValue:StringLike']?.['aws:PrincipalOrgPaths']) {
    problems.push('principal * without an organization condition');
  }
  if (statement.Sid?.startsWith('ImageBuilder') && actions.includes('kms:CreateGrant') && actions.length > 1) {
    problems.push('kms:CreateGrant mixed with other actions');
  }
  return problems;
}

test('every consumer is in the policy of each key it needs and of no other, within the least-privilege list', () => {
  fc.assert(fc.property(scenario, ({ regions, sourceKey: withSourceKey }) => {
    const app = new App({ treeMetadata: false });
    const env = (region: string) => ({ account: OWNER, region });
    const distStack = new Stack(app, 'Dist', { env: env(HOME) });
    const regionalKeys = new Map<string, kms.Key>();
    const keyOf = (spec: RegionSpec): kms.Key | undefined => {
      if (spec.key === 'none') {
        return undefined;
      }
      if (spec.key === 'local') {
        return (distStack.node.tryFindChild('LocalKey') as kms.Key) ?? new kms.Key(distStack, 'LocalKey');
      }
      if (!regionalKeys.has(spec.region)) {
        regionalKeys.set(spec.region, new kms.Key(new Stack(app, `Keys-${spec.region}`, { env: env(spec.region) }), 'Key'));
      }
      return regionalKeys.get(spec.region);
    };
    const sourceKey = withSourceKey ? new kms.Key(distStack, 'SourceKey') : undefined;
    const dist = new DistributionConfiguration(distStack, 'Dist', { sourceKey });
    for (const spec of regions) {
      dist.addRegion(spec.region, {
        kmsKey: keyOf(spec),
        targetAccounts: spec.targets,
        launchPermission: { accounts: spec.launch, organizations: spec.orgs.map(orgArn), organizationalUnits: spec.ous.map(ouArn) },
      });
    }

    const assembly = app.synth();
    const keyPolicies = new Map<kms.Key, any[]>();
    for (const key of [...regionalKeys.values(), distStack.node.tryFindChild('LocalKey') as kms.Key | undefined, sourceKey]) {
      if (key) {
        const template = assembly.getStackByName(Stack.of(key).stackName).template;
        keyPolicies.set(key, template.Resources[Stack.of(key).getLogicalId(key.node.defaultChild as kms.CfnKey)].Properties.KeyPolicy.Statement);
      }
    }
    for (const [key, statements] of keyPolicies) {
      const encrypts = regions.filter(spec => keyOf(spec) === key);
      const expected = expectedMembers(encrypts, regions, key === sourceKey);
      expect(membersBySid(statements)).toEqual(expected);
      expect(statements.flatMap(leastPrivilegeViolations)).toEqual([]);
    }
  }), { numRuns: propertyRuns(0.06) });
});

test('the least-privilege check itself rejects what it must', () => {
  expect(leastPrivilegeViolations({ Action: 'kms:*', Principal: { AWS: rootArn('222222222222') } })).toEqual(['kms:* for another account']);
  expect(leastPrivilegeViolations({ Action: 'kms:CreateGrant', Principal: { AWS: rootArn('222222222222') } })).toEqual(['kms:CreateGrant without kms:GrantIsForAWSResource']);
  expect(leastPrivilegeViolations({ Action: 'kms:Decrypt', Principal: { AWS: '*' } })).toEqual(['principal * without an organization condition']);
  expect(leastPrivilegeViolations({ Action: 'kms:*', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${OWNER}:root`]] } } })).toEqual([]);
});

test('the JSON a key policy renders is what the aws-cdk-lib statements of requiredKeyPolicy() render', () => {
  const accounts = fc.uniqueArray(fc.constantFrom(...ACCOUNTS, 'LIST'), { maxLength: 4 });
  const need = fc.record({
    copyAccounts: accounts,
    launchAccounts: accounts,
    organizationIds: fc.subarray(ORG_IDS),
    organizationalUnitPaths: fc.subarray(OUS.map(ouPath)),
    autoScalingGrants: fc.boolean(),
  });
  fc.assert(fc.property(fc.array(need, { minLength: 1, maxLength: 3 }), fc.boolean(), (needs, knownPartition) => {
    const stack = new Stack(new App(), 'S', knownPartition ? { env: { account: OWNER, region: HOME } } : {});
    const list = new CfnParameter(stack, 'Accounts', { type: 'CommaDelimitedList' }).valueAsList[0];
    const withLists = needs.map(n => ({ ...n, copyAccounts: n.copyAccounts.map(a => (a === 'LIST' ? list : a)), launchAccounts: n.launchAccounts.map(a => (a === 'LIST' ? list : a)) }));
    const partition = knownPartition ? 'aws' : Aws.PARTITION;
    const json = stack.resolve(keyPolicyStatementsJson(withLists, OWNER, partition));
    const statements = stack.resolve(keyPolicyStatements(withLists, OWNER, partition).map(s => s.toStatementJson()));
    expect(json).toEqual(statements);
  }), { numRuns: propertyRuns(0.2) });
});
