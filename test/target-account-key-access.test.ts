import { App, CfnParameter, Lazy, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { synthError } from './helpers';
import { CrossAccountDistributionRole, DistributionConfiguration, TargetAccountKeyAccess } from '../src';
import { keyPolicyCoverage } from '../src/cli/preflight/policy-coverage';
import { TARGET_ACCOUNT_ROLE_NAME } from '../src/private/key-actions';

/*
 * Organization-scoped key access for target accounts: statements of constant size, limited to the Image Builder
 * role of the organization's (and OUs') accounts; inherited like the other Region settings; validated like
 * the other organization ARNs. What the statements allow and deny is proven by the authorization suite.
 */

const ACCOUNT = '111111111111';
const ORG_ARN = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU_ARN = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij';
const OTHER_ORG_OU_ARN = 'arn:aws:organizations::999999999999:ou/o-klmnopqrst/ou-ab12-cdefghij';
const COPY = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];
const READ = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];
const ROLE_CONDITION = { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/EC2ImageBuilderDistributionCrossAccountRole' } };
const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(200000000000 + i));

function build(props: { targets: string[]; access?: TargetAccountKeyAccess; regionAccess?: TargetAccountKeyAccess; sourceKey?: boolean }) {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key');
  const source = props.sourceKey ? new kms.Key(stack, 'Source') : undefined;
  const dist = new DistributionConfiguration(stack, 'Dist', { targetAccountKeyAccess: props.access, sourceKey: source });
  dist.addRegion('us-east-1', { kmsKey: key, targetAccounts: props.targets, targetAccountKeyAccess: props.regionAccess });
  return { app, stack, key, source, dist };
}

function statementsOf(stack: Stack, key: kms.Key): any[] {
  const template = Template.fromStack(stack).toJSON();
  return template.Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)].Properties.KeyPolicy.Statement
    .filter((s: any) => s.Sid?.startsWith('ImageBuilder'));
}

test('the role name is the one CrossAccountDistributionRole creates', () => {
  expect(TARGET_ACCOUNT_ROLE_NAME).toBe(CrossAccountDistributionRole.ROLE_NAME);
});

test('organization(): the copy actions and CreateGrant for the role of the organization\'s accounts, no account named', () => {
  const { stack, key } = build({ targets: accounts(3), access: TargetAccountKeyAccess.organization(ORG_ARN) });
  expect(statementsOf(stack, key)).toEqual([
    {
      Sid: 'ImageBuilderCopyByTargetAccountRoles',
      Effect: 'Allow',
      Action: COPY,
      Principal: { AWS: '*' },
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' }, ...ROLE_CONDITION },
    },
    {
      Sid: 'ImageBuilderCreateGrantForTargetAccountRoles',
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Principal: { AWS: '*' },
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true }, StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' }, ...ROLE_CONDITION },
    },
  ]);
});

test('organization() with OUs: the OU paths as well; the source key gets the read actions only', () => {
  const { stack, key, source } = build({ targets: accounts(3), access: TargetAccountKeyAccess.organization(ORG_ARN, [OU_ARN]), sourceKey: true });
  const scope = {
    'StringEquals': { 'aws:PrincipalOrgID': 'o-abcdefghij' },
    'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-abcdefghij/*/ou-ab12-cdefghij/*'] },
    ...ROLE_CONDITION,
  };
  expect(statementsOf(stack, key).map(s => [s.Sid, s.Action, s.Condition])).toEqual([
    ['ImageBuilderCopyByTargetAccountRoles', COPY, scope],
    ['ImageBuilderCreateGrantForTargetAccountRoles', 'kms:CreateGrant', { Bool: { 'kms:GrantIsForAWSResource': true }, ...scope }],
  ]);
  expect(statementsOf(stack, source!).map(s => [s.Sid, s.Action, s.Condition])).toEqual([
    ['ImageBuilderReadByTargetAccountRoles', READ, scope],
    ['ImageBuilderCreateGrantForTargetAccountRoles', 'kms:CreateGrant', { Bool: { 'kms:GrantIsForAWSResource': true }, ...scope }],
  ]);
});

test('the key policy has the same size for 10 and for 1,000 target accounts', () => {
  const policy = (n: number) => {
    const { stack, key } = build({ targets: accounts(n), access: TargetAccountKeyAccess.organization(ORG_ARN, [OU_ARN]), sourceKey: true });
    return JSON.stringify(Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)].Properties.KeyPolicy);
  };
  const small = policy(10);
  expect(policy(1000)).toBe(small);
  expect(small).not.toContain('200000000000');
});

test('accounts() is the default: each target account named', () => {
  for (const access of [undefined, TargetAccountKeyAccess.accounts()]) {
    const { stack, key } = build({ targets: ['222222222222'], access });
    expect(statementsOf(stack, key).map(s => [s.Sid, s.Principal])).toEqual([
      ['ImageBuilderCopy', { AWS: 'arn:aws:iam::222222222222:root' }],
      ['ImageBuilderCreateGrantForAccounts', { AWS: 'arn:aws:iam::222222222222:root' }],
    ]);
  }
});

test('a Region inherits the construct\'s setting, or overrides it', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const inherited = new kms.Key(stack, 'Inherited');
  const west = new Stack(app, 'West', { env: { account: ACCOUNT, region: 'us-west-2' } });
  const overridden = new kms.Key(west, 'Overridden');
  new DistributionConfiguration(stack, 'Dist', { targetAccountKeyAccess: TargetAccountKeyAccess.organization(ORG_ARN), targetAccounts: ['222222222222'] })
    .addRegion('us-east-1', { kmsKey: inherited })
    .addRegion('us-west-2', { kmsKey: overridden, targetAccountKeyAccess: TargetAccountKeyAccess.accounts() });
  expect(statementsOf(stack, inherited).map(s => s.Sid)).toEqual(['ImageBuilderCopyByTargetAccountRoles', 'ImageBuilderCreateGrantForTargetAccountRoles']);
  expect(statementsOf(west, overridden).map(s => [s.Sid, s.Principal])).toEqual([
    ['ImageBuilderCopy', { AWS: 'arn:aws:iam::222222222222:root' }],
    ['ImageBuilderCreateGrantForAccounts', { AWS: 'arn:aws:iam::222222222222:root' }],
  ]);
});

test('a Region without target accounts adds nothing', () => {
  const { stack, key } = build({ targets: [], access: TargetAccountKeyAccess.organization(ORG_ARN) });
  expect(statementsOf(stack, key)).toEqual([]);
});

test('requiredKeyPolicy() of an imported key returns the same statements', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const owned = new kms.Key(stack, 'Owned');
  const imported = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
  const dist = new DistributionConfiguration(stack, 'Dist', { targetAccountKeyAccess: TargetAccountKeyAccess.organization(ORG_ARN, [OU_ARN]), targetAccounts: accounts(5) })
    .addRegion('us-east-1', { kmsKey: owned })
    .addRegion('us-west-2', { kmsKey: imported });
  const required = stack.resolve(dist.requiredKeyPolicy('us-west-2').toJSON()).Statement;
  const normalize = (statements: any[]) => statements.map(s => JSON.stringify(Object.keys(s).sort().map(k => [k, s[k]])));
  expect(normalize(required)).toEqual(normalize(statementsOf(stack, owned)));
});

test('a deploy-time organization ARN: the ID is selected from it by CloudFormation', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key');
  const org = new CfnParameter(stack, 'Org').valueAsString;
  new DistributionConfiguration(stack, 'Dist', { targetAccountKeyAccess: TargetAccountKeyAccess.organization(org) })
    .addRegion('us-east-1', { kmsKey: key, targetAccounts: ['222222222222'] });
  expect(statementsOf(stack, key)[0].Condition.StringEquals['aws:PrincipalOrgID']).toEqual({ 'Fn::Select': [1, { 'Fn::Split': ['/', { Ref: 'Org' }] }] });
});

describe('invalid input', () => {
  const stackWith = () => new Stack(new App(), 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  test.each([
    ['an organization ID for the ARN', () => TargetAccountKeyAccess.organization('o-abcdefghij'), /\[InvalidInput\] DistributionConfiguration 'Dist' props targetAccountKeyAccess \(TargetAccountKeyAccess\.organization\(\)\) organizationArn is "o-abcdefghij", which is not an organization ARN.*Fix: pass the organization's ARN/],
    ['an OU ID for an OU ARN', () => TargetAccountKeyAccess.organization(ORG_ARN, ['ou-ab12-cdefghij']), /organizationalUnitArns\[0\] is "ou-ab12-cdefghij", which is not an OU ARN/],
    ['an OU of another organization', () => TargetAccountKeyAccess.organization(ORG_ARN, [OTHER_ORG_OU_ARN]), /organizationalUnitArns\[0\] is ".*", an OU of organization o-klmnopqrst, not of o-abcdefghij/],
    ['null for the ARN', () => TargetAccountKeyAccess.organization(null as any), /\[InvalidInput\] .*organizationArn is null, but it must be a string/],
    ['a plain object', () => ({ _kind: 'organization', _organizationArn: ORG_ARN }) as any, /\[InvalidInput\] .*targetAccountKeyAccess is the object .*, but it must be made by TargetAccountKeyAccess\.accounts\(\) or TargetAccountKeyAccess\.organization/],
  ])('%s: an error at the call', (_name, access, message) => {
    expect(() => new DistributionConfiguration(stackWith(), 'Dist', { targetAccountKeyAccess: access() })).toThrow(message);
  });

  test('in addRegion(), the message names the call', () => {
    const dist = new DistributionConfiguration(stackWith(), 'Dist');
    expect(() => dist.addRegion('eu-west-1', { targetAccountKeyAccess: TargetAccountKeyAccess.organization('o-abcdefghij') }))
      .toThrow(/\[InvalidInput\] addRegion\('eu-west-1', \.\.\.\) targetAccountKeyAccess \(TargetAccountKeyAccess\.organization\(\)\) organizationArn is "o-abcdefghij"/);
  });

  test('a token known at synth is checked then, and its value gets no access', () => {
    const stack = stackWith();
    const key = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'Dist', { targetAccountKeyAccess: TargetAccountKeyAccess.organization(Lazy.string({ produce: () => 'o-abcdefghij' })) })
      .addRegion('us-east-1', { kmsKey: key, targetAccounts: ['222222222222'] });
    expect(synthError(stack)).toMatch(/\[OrganizationArn\] DistributionConfiguration 'Dist' props targetAccountKeyAccess \(TargetAccountKeyAccess\.organization\(\)\) organizationArn is "o-abcdefghij", which is not an organization ARN/);
  });

  test('OU ARNs as a list parameter: an error with the fix', () => {
    const stack = stackWith();
    const units = new CfnParameter(stack, 'Units', { type: 'CommaDelimitedList' }).valueAsList;
    const dist = new DistributionConfiguration(stack, 'Dist', { targetAccountKeyAccess: TargetAccountKeyAccess.organization(ORG_ARN, units) });
    expect(() => dist.addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key'), targetAccounts: ['222222222222'] }))
      .toThrow(/\[ListTokenOrganizations\] Region us-east-1: targetAccountKeyAccess \(a construct default, inherited by Region us-east-1\) has OU ARNs that are a list known only at deploy time.*Fix: give each ARN as its own value/);
  });
});

describe('KeyPolicySize names what fills the policy', () => {
  const sizeError = (targets: number, launchers: number) => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DistributionConfiguration(stack, 'Dist')
      .addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key'), targetAccounts: accounts(targets), launchPermission: { accounts: accounts(launchers).map(a => a.replace(/^2/, '3')) } });
    return synthError(stack);
  };
  test('target accounts: the fix is organization-scoped access (targetAccountKeyAccess)', () => {
    expect(sizeError(500, 0)).toMatch(/\[KeyPolicySize\] The policy of the key Stack\/Key is about 3\d{4} bytes once deployed; KMS accepts at most 32768\. Fix: reach the target accounts as their organization's Image Builder role, .*\(targetAccountKeyAccess: TargetAccountKeyAccess\.organization\(\.\.\.\).*\(The policy names 500 target accounts of targetAccounts and 0 launch accounts\.\)/);
  });
  test('launch accounts first when they are the most', () => {
    expect(sizeError(10, 500)).toMatch(/KMS accepts at most 32768\. Fix: share with organizations or OUs \(launchPermission\.organizations or organizationalUnits\) instead of listing many launch accounts; or reach the target accounts/);
  });
  test('with organization-scoped access, 1,000 target accounts fit', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DistributionConfiguration(stack, 'Dist', { targetAccountKeyAccess: TargetAccountKeyAccess.organization(ORG_ARN) })
      .addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key'), targetAccounts: accounts(1000) });
    expect(synthError(stack)).toBe('');
  });
});

describe('preflight: a key with organization-scoped statements', () => {
  const required = () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const imported = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    const dist = new DistributionConfiguration(stack, 'Dist', { targetAccountKeyAccess: TargetAccountKeyAccess.organization(ORG_ARN, [OU_ARN]), targetAccounts: accounts(50) })
      .addRegion('us-east-1', { kmsKey: imported });
    return stack.resolve(dist.requiredKeyPolicy('us-east-1').toJSON()).Statement as any[];
  };
  const owner = { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };

  test('a live policy with the compact statements covers them', () => {
    const statements = required();
    expect(statements).toHaveLength(2);
    expect(keyPolicyCoverage({ Statement: [owner, ...statements] }, statements)).toEqual({ missing: [], deniedBy: [] });
  });

  test('a live policy that names the target accounts one by one does not: their organization may hold others', () => {
    const statements = required();
    const perAccount = accounts(50).map(a => ({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${a}:root` }, Action: ['kms:*'], Resource: '*' }));
    expect(keyPolicyCoverage({ Statement: [owner, ...perAccount] }, statements).missing.map(s => s.Sid))
      .toEqual(['ImageBuilderCopyByTargetAccountRoles', 'ImageBuilderCreateGrantForTargetAccountRoles']);
  });

  test('a live policy for another organization does not', () => {
    const statements = required();
    const other = JSON.parse(JSON.stringify(statements).replace(/o-abcdefghij/g, 'o-klmnopqrst'));
    expect(keyPolicyCoverage({ Statement: [owner, ...other] }, statements).missing).toHaveLength(2);
  });
});
