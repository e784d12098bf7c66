import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, Lazy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ALLOW_ALL, Request, decide } from './authorization/evaluate';
import { DeployedRole, deploy } from './authorization/resolve';
import { newStack, synthError } from './helpers';
import { schemaErrors } from './schema';
import { CrossAccountDistributionRole, CrossAccountDistributionRoleStackSet } from '../src';
import { verificationRolesIn, verificationStackSetsOf } from '../src/private/verification-role';

/*
 * The read-only role `verification: true` adds to a target account (CrossAccountDistributionRole and the template
 * of its StackSet): the verification function's role of the source accounts, and nothing else, may assume it; it
 * may make exactly the reads verify makes (evaluated on the resources verify reads), and nothing that changes AWS.
 * Policies are evaluated as deployed, with the IAM policy evaluator (test/authorization/evaluate.ts).
 */

const SOURCE = '111111111111';
const OTHER_SOURCE = '333333333333';
const TARGET = '222222222222';
const OUTSIDER = '444444444444';
const REGION = 'eu-west-1';
const ROLE_NAME = 'ImageBuilderDistributionVerification';
// The verification function's role in a source account, in its Region (ImageBuilderDistributionVerifier-<Region>).
const VERIFIER = 'ImageBuilderDistributionVerifier-eu-west-1';
const PARAMETERS = ['/golden/ami-id', 'golden-plain'];

/** The verify calls of src/cli/verify/checks.ts, as it names them to the session (`aws.send(client, command, '<call>')`). */
function verifyCalls(): string[] {
  const source = fs.readFileSync(path.join(__dirname, '..', 'src', 'cli', 'verify', 'checks.ts'), 'utf-8');
  return [...new Set([...source.matchAll(/aws\.send<[^>]*>\([^;]*?'([a-z0-9]+:[A-Za-z]+)'\)/g)].map(m => m[1]))].sort();
}

/** The role as deployed from a synthesized assembly (or the StackSet's template, deployed in TARGET). */
function roleOf(roles: DeployedRole[], name = ROLE_NAME): DeployedRole {
  const role = roles.find(r => r.name === name && r.account === TARGET);
  if (!role) {
    throw new Error(`no role ${name} in ${TARGET}: ${roles.map(r => `${r.account}/${r.name}`).join(', ')}`);
  }
  return role;
}

function fromConstruct(): DeployedRole {
  const app = new App();
  const stack = new Stack(app, 'Target', { env: { account: TARGET, region: 'us-east-1' } });
  new CrossAccountDistributionRole(stack, 'Roles', { sourceAccounts: [SOURCE, OTHER_SOURCE], verification: true, ssmParameterNames: PARAMETERS });
  return roleOf(deploy(app.synth()).roles);
}

function fromStackSet(): DeployedRole {
  const app = new App();
  const stack = new Stack(app, 'Management', { env: { account: '555555555555', region: 'us-east-1' } });
  const stackSet = new CrossAccountDistributionRoleStackSet(stack, 'Roles', {
    organizationalUnitIds: ['ou-ab12-cdefghij'], sourceAccounts: [SOURCE, OTHER_SOURCE], verification: true, ssmParameterNames: PARAMETERS,
  });
  expect(synthError(stack)).toBe('');
  // The template as a stack instance deploys it in a target account of the OU.
  const instance = { stackName: 'StackSet-Roles', environment: { account: TARGET, region: 'us-east-1' }, template: JSON.parse(stackSet.roleTemplate) };
  return roleOf(deploy({ stacks: [instance] } as unknown as cxapi.CloudAssembly).roles);
}

function fromListParameter(): DeployedRole {
  const app = new App();
  const stack = new Stack(app, 'Target', { env: { account: TARGET, region: 'us-east-1' } });
  const sources = new CfnParameter(stack, 'SourceAccounts', { type: 'CommaDelimitedList' });
  const names = new CfnParameter(stack, 'ParameterNames', { type: 'CommaDelimitedList' });
  new CrossAccountDistributionRole(stack, 'Roles', { sourceAccounts: sources.valueAsList, verification: true, ssmParameterNames: names.valueAsList });
  return roleOf(deploy(app.synth(), { SourceAccounts: [SOURCE, OTHER_SOURCE], ParameterNames: PARAMETERS }).roles);
}

const DEPLOYMENTS: Array<[string, () => DeployedRole]> = [
  ['CrossAccountDistributionRole', fromConstruct],
  ['the template of CrossAccountDistributionRoleStackSet', fromStackSet],
  ['CrossAccountDistributionRole with the source accounts and parameter names from list parameters', fromListParameter],
];

/** The default key policy of a key: the account's IAM policies decide. */
const keyPolicy = (account: string) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
});
/** A key of another account whose policy lets the target account use it (as the source keys' policies do). */
const sharedKeyPolicy = (owner: string) => ({
  Version: '2012-10-17',
  Statement: [
    ...keyPolicy(owner).Statement,
    { Sid: 'Target', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TARGET}:root` }, Action: 'kms:*', Resource: '*' },
  ],
});

const IMAGE = `arn:aws:ec2:${REGION}::image/ami-0123456789abcdef0`;
const SNAPSHOT = `arn:aws:ec2:${REGION}::snapshot/snap-0123456789abcdef0`;
const TEMPLATE = `arn:aws:ec2:${REGION}:${TARGET}:launch-template/lt-0123456789abcdef0`;
const KEY = `arn:aws:kms:${REGION}:${TARGET}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SOURCE_KEY = `arn:aws:kms:${REGION}:${SOURCE}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const parameter = (name: string, account = TARGET) => `arn:aws:ssm:${REGION}:${account}:parameter/${name.replace(/^\//, '')}`;

test('the calls verify makes are the ones this suite evaluates', () => {
  // When verify makes another call, the role must allow it and this suite evaluate it: both start here.
  expect(verifyCalls()).toEqual([
    'ec2:DescribeFastLaunchImages', 'ec2:DescribeImageAttribute', 'ec2:DescribeImages', 'ec2:DescribeLaunchTemplateVersions',
    'ec2:DescribeSnapshots', 'kms:DescribeKey', 'ssm:GetParameter',
  ]);
});

describe.each(DEPLOYMENTS)('%s', (_name, build) => {
  let role: DeployedRole;
  beforeAll(() => {
    role = build();
  });

  describe('trust', () => {
    const assume = (principal: string, principalArn: string | undefined, principalAccount: string) => decide({
      principal,
      action: 'sts:AssumeRole',
      resource: role.arn,
      resourceAccount: TARGET,
      context: principalArn ? { 'aws:PrincipalAccount': principalAccount, 'aws:PrincipalArn': principalArn } : {},
      identityPolicies: [ALLOW_ALL],
      resourcePolicy: role.trustPolicy,
    });
    const session = (account: string, name: string) => assume(`arn:aws:sts::${account}:assumed-role/${name.split('/').pop()}/fn`, `arn:aws:iam::${account}:role/${name}`, account);

    test.each([SOURCE, OTHER_SOURCE])('allowed: the verification function\'s role of source account %s', async account => {
      expect(await session(account, VERIFIER)).toMatchObject({ allowed: true, ignoredContextKeys: [] });
    });
    test.each([
      ['another role of a source account (Admin)', () => session(SOURCE, 'Admin')],
      ['the distribution role\'s execution role of a source account', () => session(SOURCE, 'ImageBuilderDistribution')],
      ['a role named like the verifier under a path of a source account', () => session(SOURCE, `team/${VERIFIER}`)],
      ['a user named like the verifier in a source account', () => assume(`arn:aws:iam::${SOURCE}:user/${VERIFIER}`, `arn:aws:iam::${SOURCE}:user/${VERIFIER}`, SOURCE)],
      ['the source account\'s root', () => assume(`arn:aws:iam::${SOURCE}:root`, `arn:aws:iam::${SOURCE}:root`, SOURCE)],
      ['Image Builder\'s service-linked role of a source account', () => session(SOURCE, 'aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder')],
      ['the verifier role of an account that is not a source', () => session(OUTSIDER, VERIFIER)],
      ['the verifier role of the target account itself', () => session(TARGET, VERIFIER)],
      ['the Lambda service', () => assume('lambda.amazonaws.com', undefined, SOURCE)],
      ['Image Builder', () => assume('imagebuilder.amazonaws.com', undefined, SOURCE)],
    ])('denied: %s', async (_who, request) => {
      expect(await request()).toEqual({ allowed: false, ignoredContextKeys: [] });
    });
  });

  describe('permissions', () => {
    const call = (action: string, resource: string, resourceAccount = TARGET, resourcePolicy?: unknown) => decide({
      principal: `arn:aws:sts::${TARGET}:assumed-role/${ROLE_NAME}/cdk-imagebuilder-distribution-preflight`,
      action,
      resource,
      resourceAccount,
      context: { 'aws:PrincipalAccount': TARGET, 'aws:PrincipalArn': role.arn },
      identityPolicies: role.identityPolicies,
      ...(resourcePolicy ? { resourcePolicy } : {}),
    } as Request);

    // Each call of verify, on what it reads in the target account (checks.ts).
    test.each([
      ['ec2:DescribeImages', '*'],
      ['ec2:DescribeSnapshots', '*'],
      ['ec2:DescribeLaunchTemplateVersions', '*'],
      ['ec2:DescribeFastLaunchImages', '*'],
      ['ec2:DescribeImageAttribute', IMAGE],
      ['ec2:DescribeImageAttribute', 'arn:aws:ec2:us-east-1::image/ami-0fedcba9876543210'],
    ])('allowed: %s on %s', async (action, resource) => {
      expect(await call(action, resource)).toMatchObject({ allowed: true, ignoredContextKeys: [] });
    });
    test('allowed: kms:DescribeKey on a key of the account (its key policy leaves it to IAM)', async () => {
      expect(await call('kms:DescribeKey', KEY, TARGET, keyPolicy(TARGET))).toMatchObject({ allowed: true, ignoredContextKeys: [] });
    });
    test.each(PARAMETERS)('allowed: ssm:GetParameter on the parameter %s Image Builder writes', async name => {
      expect(await call('ssm:GetParameter', parameter(name))).toMatchObject({ allowed: true, ignoredContextKeys: [] });
    });

    // What verify does not read, and whatever changes AWS.
    test.each([
      ['kms:DescribeKey', SOURCE_KEY, SOURCE, sharedKeyPolicy(SOURCE), 'a key of another account, whose policy trusts this account'],
      ['ssm:GetParameter', parameter('/other/secret'), TARGET, undefined, 'a parameter Image Builder does not write'],
      ['ssm:GetParameter', parameter('/golden/ami-id', SOURCE), SOURCE, undefined, 'a parameter of another account'],
      ['ssm:GetParameters', parameter('/golden/ami-id'), TARGET, undefined, 'not a call of verify'],
      ['ssm:GetParametersByPath', parameter('/golden'), TARGET, undefined, 'not a call of verify'],
      ['ssm:GetParameterHistory', parameter('/golden/ami-id'), TARGET, undefined, 'not a call of verify'],
      ['ssm:PutParameter', parameter('/golden/ami-id'), TARGET, undefined, 'a write'],
      ['ssm:DeleteParameter', parameter('/golden/ami-id'), TARGET, undefined, 'a write'],
      ['ssm:LabelParameterVersion', parameter('/golden/ami-id'), TARGET, undefined, 'a write'],
      ['ec2:ModifyImageAttribute', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:ResetImageAttribute', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:DeregisterImage', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:DisableImage', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:EnableImageDeprecation', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:CopyImage', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:CreateTags', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:DeleteTags', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:DeleteSnapshot', SNAPSHOT, TARGET, undefined, 'a write'],
      ['ec2:ModifySnapshotAttribute', SNAPSHOT, TARGET, undefined, 'a write'],
      ['ec2:CreateLaunchTemplateVersion', TEMPLATE, TARGET, undefined, 'a write'],
      ['ec2:ModifyLaunchTemplate', TEMPLATE, TARGET, undefined, 'a write'],
      ['ec2:EnableFastLaunch', IMAGE, TARGET, undefined, 'a write'],
      ['ec2:DisableFastLaunch', IMAGE, TARGET, undefined, 'a write'],
      ['kms:Decrypt', KEY, TARGET, keyPolicy(TARGET), 'a use of the key'],
      ['kms:CreateGrant', KEY, TARGET, keyPolicy(TARGET), 'a write'],
      ['kms:PutKeyPolicy', KEY, TARGET, keyPolicy(TARGET), 'a write'],
      ['kms:DisableKey', KEY, TARGET, keyPolicy(TARGET), 'a write'],
      ['kms:ScheduleKeyDeletion', KEY, TARGET, keyPolicy(TARGET), 'a write'],
      ['iam:CreateRole', `arn:aws:iam::${TARGET}:role/Other`, TARGET, undefined, 'a write'],
      ['iam:PutRolePolicy', `arn:aws:iam::${TARGET}:role/${ROLE_NAME}`, TARGET, undefined, 'a write to the role itself'],
      ['iam:AttachRolePolicy', `arn:aws:iam::${TARGET}:role/${ROLE_NAME}`, TARGET, undefined, 'a write to the role itself'],
      ['iam:UpdateAssumeRolePolicy', `arn:aws:iam::${TARGET}:role/${ROLE_NAME}`, TARGET, undefined, 'a write to the role itself'],
      ['iam:PassRole', `arn:aws:iam::${TARGET}:role/EC2ImageBuilderDistributionCrossAccountRole`, TARGET, undefined, 'a role passed on'],
      ['iam:GetRole', `arn:aws:iam::${TARGET}:role/EC2ImageBuilderDistributionCrossAccountRole`, TARGET, undefined, 'not a call of verify'],
      ['imagebuilder:DeleteImage', `arn:aws:imagebuilder:${REGION}:${TARGET}:image/golden/1.0.0/1`, TARGET, undefined, 'a write'],
    ])('denied: %s on %s (%s, %s, %s)', async (action, resource, account, policy, _why) => {
      // Denied by the policies, not for a request the evaluator cannot read.
      expect(await call(action, resource, account, policy)).toEqual({ allowed: false, ignoredContextKeys: [] });
    });

    test('denied: sts:AssumeRole onward, into a role of this account or another that trusts this account', async () => {
      const trusting = (account: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }] });
      const roles = [
        [`arn:aws:iam::${TARGET}:role/EC2ImageBuilderDistributionCrossAccountRole`, TARGET],
        [`arn:aws:iam::${TARGET}:role/OrganizationAccountAccessRole`, TARGET],
        [`arn:aws:iam::${OUTSIDER}:role/Admin`, OUTSIDER],
      ];
      for (const [arn, account] of roles) {
        expect({ arn, ...(await call('sts:AssumeRole', arn, account, trusting(TARGET))) }).toEqual({ arn, allowed: false, ignoredContextKeys: [] });
      }
    });

    test('the policies allow exactly the calls of verify, with no wildcard action', () => {
      const actions = role.identityPolicies.flatMap(p => p.policy.Statement.flatMap((s: any) => {
        expect(s.Effect).toBe('Allow');
        expect(s.NotAction ?? s.NotResource).toBeUndefined();
        return [s.Action].flat();
      }));
      expect(actions.filter(a => /[*?]/.test(a))).toEqual([]);
      expect([...new Set(actions)].sort()).toEqual(verifyCalls());
      // AWS managed policies would change under the role: none.
      expect(role.identityPolicies.every(p => !p.name.startsWith('arn:'))).toBe(true);
    });
  });
});

test('no verification role without verification: true; verificationRoleName names it; the template fits the schema', () => {
  const without = newStack();
  new CrossAccountDistributionRole(without, 'Roles', { sourceAccounts: [SOURCE] });
  expect(JSON.stringify(Template.fromStack(without).toJSON())).not.toContain(ROLE_NAME);

  const stack = newStack();
  const roles = new CrossAccountDistributionRole(stack, 'Roles', { sourceAccounts: [SOURCE], verification: true, verificationRoleName: 'ReadOnlyVerification' });
  expect(roles.verificationRole).toBeDefined();
  const template = Template.fromStack(stack);
  const names = Object.values<any>(template.findResources('AWS::IAM::Role')).map(r => r.Properties.RoleName).sort();
  expect(names).toEqual(['EC2ImageBuilderDistributionCrossAccountRole', 'ReadOnlyVerification']);
  expect(schemaErrors(template.toJSON(), ['AWS::IAM::Role', 'AWS::IAM::Policy'])).toEqual([]);
  // Without ssmParameterNames, Image Builder writes no parameter here: verify reads none.
  expect(JSON.stringify(template.toJSON())).not.toContain('ssm:GetParameter');
  expect(synthError(stack)).toBe('');
});

test('the StackSet\'s template holds the verification role, and its name must be literal', () => {
  const stack = newStack();
  const stackSet = new CrossAccountDistributionRoleStackSet(stack, 'Roles', {
    organizationalUnitIds: ['ou-ab12-cdefghij'], sourceAccounts: [SOURCE], verification: true, verificationRoleName: 'ReadOnlyVerification',
  });
  const roles = Object.values<any>(JSON.parse(stackSet.roleTemplate).Resources).filter(r => r.Type === 'AWS::IAM::Role').map(r => r.Properties.RoleName);
  expect(roles.sort()).toEqual(['EC2ImageBuilderDistributionCrossAccountRole', 'ReadOnlyVerification']);

  const deployTime = newStack();
  const name = new CfnParameter(deployTime, 'Name').valueAsString;
  expect(() => new CrossAccountDistributionRoleStackSet(deployTime, 'Roles', { organizationalUnitIds: ['ou-ab12-cdefghij'], sourceAccounts: [SOURCE], verification: true, verificationRoleName: name }))
    .toThrow(/^\[StackSetTemplateValue\] CrossAccountDistributionRoleStackSet: verificationRoleName is known only at deploy time/);
  const malformed = newStack();
  expect(() => new CrossAccountDistributionRoleStackSet(malformed, 'Roles', { organizationalUnitIds: ['ou-ab12-cdefghij'], sourceAccounts: [SOURCE], verification: true, verificationRoleName: 'a b' }))
    .toThrow(/^\[VerificationRoleName\] CrossAccountDistributionRoleStackSet: verificationRoleName is "a b", which IAM does not accept/);
});

test('a verificationRoleName token: passed at construction, checked at synth when it resolves', () => {
  const good = newStack();
  new CrossAccountDistributionRole(good, 'Roles', { sourceAccounts: [SOURCE], verification: true, verificationRoleName: Lazy.string({ produce: () => 'ReadOnlyVerification' }) });
  expect(synthError(good)).toBe('');
  const bad = newStack();
  new CrossAccountDistributionRole(bad, 'Roles', { sourceAccounts: [SOURCE], verification: true, verificationRoleName: Lazy.string({ produce: () => 'EC2ImageBuilderDistributionCrossAccountRole' }) });
  expect(synthError(bad)).toMatch(/\[VerificationRoleName\] CrossAccountDistributionRole: verificationRoleName is "EC2ImageBuilderDistributionCrossAccountRole", the name of another role this construct makes/);
  // A deploy-time value (a parameter) is left to CloudFormation.
  const deployTime = newStack();
  new CrossAccountDistributionRole(deployTime, 'Roles', { sourceAccounts: [SOURCE], verification: true, verificationRoleName: new CfnParameter(deployTime, 'Name').valueAsString });
  expect(synthError(deployTime)).toBe('');
});

test('JavaScript callers: verification and verificationRoleName of the wrong type are refused by name', () => {
  expect(() => new CrossAccountDistributionRole(newStack(), 'Roles', { sourceAccounts: [SOURCE], verification: 'yes' as any }))
    .toThrow(/\[InvalidInput\].*verification/);
  expect(() => new CrossAccountDistributionRole(newStack(), 'Roles', { sourceAccounts: [SOURCE], verification: true, verificationRoleName: 7 as any }))
    .toThrow(/\[InvalidInput\].*verificationRoleName/);
});

/** Every `Fn::Join` delimiter in a template: CloudFormation takes only a literal string there. */
function joinDelimiters(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    return value.flatMap(joinDelimiters);
  }
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  const join = (value as any)['Fn::Join'];
  return [...(join ? [join[0]] : []), ...Object.values(value).flatMap(joinDelimiters)];
}

test('parameter names from a list parameter: ARNs CloudFormation can build (a literal Fn::Join delimiter), in any stack', () => {
  for (const env of [{ account: TARGET, region: 'us-east-1' }, undefined]) {
    const stack = new Stack(new App(), 'Target', { env });
    const names = new CfnParameter(stack, 'ParameterNames', { type: 'CommaDelimitedList' });
    new CrossAccountDistributionRole(stack, 'Roles', { sourceAccounts: [SOURCE], verification: true, ssmParameterNames: names.valueAsList });
    const template = Template.fromStack(stack).toJSON();
    const delimiters = joinDelimiters(template);
    expect(delimiters.filter(d => typeof d !== 'string')).toEqual([]);
    // The prefix of each name: this account's ARN when the stack's environment is known, else wildcards.
    expect(delimiters).toContain(env ? `,arn:aws:ssm:*:${TARGET}:parameter/` : ',arn:*:ssm:*:*:parameter/');
  }
});

test('the app knows which accounts and StackSets have the verification role, by name (for the verification construct)', () => {
  const app = new App();
  const target = new Stack(app, 'Target', { env: { account: TARGET, region: 'us-east-1' } });
  new CrossAccountDistributionRole(target, 'Roles', { sourceAccounts: [SOURCE], verification: true, verificationRoleName: 'ReadOnlyVerification' });
  const other = new Stack(app, 'Other', { env: { account: OUTSIDER, region: 'us-east-1' } });
  new CrossAccountDistributionRole(other, 'Roles', { sourceAccounts: [SOURCE] });
  const management = new Stack(app, 'Management', { env: { account: '555555555555', region: 'us-east-1' } });
  new CrossAccountDistributionRoleStackSet(management, 'Roles', { organizationalUnitIds: ['ou-ab12-cdefghij'], sourceAccounts: [SOURCE], verification: true });
  new CrossAccountDistributionRoleStackSet(management, 'Plain', { organizationalUnitIds: ['ou-ab12-zzzzzzzz'], sourceAccounts: [SOURCE] });
  expect(verificationRolesIn(target, TARGET)).toEqual(['ReadOnlyVerification']);
  expect(verificationRolesIn(target, OUTSIDER)).toEqual([]);
  // The StackSet's template role lives in an app of its own: not an account of this app.
  expect(verificationRolesIn(target, '555555555555')).toEqual([]);
  expect(verificationStackSetsOf(target)).toEqual([{ path: 'Management/Roles', roleName: ROLE_NAME }]);
  expect(verificationStackSetsOf(new App())).toEqual([]);
});

test('cdk-nag\'s AwsSolutions pack on the verification role: the wildcards the README lists, nothing else', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  try {
    const app = new App({ outdir });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    const stack = new Stack(app, 'Target', { env: { account: TARGET, region: 'us-east-1' } });
    new CrossAccountDistributionRole(stack, 'Roles', { sourceAccounts: [SOURCE], verification: true, ssmParameterNames: ['/golden/ami-id'] });
    // The findings are errors: synth fails after writing the report.
    expect(() => app.synth()).toThrow(/AwsSolutions/);
    const report = JSON.parse(fs.readFileSync(path.join(outdir, cxapi.VALIDATION_REPORT_FILE), 'utf-8'));
    const findings = report.pluginReports.filter((p: any) => p.pluginName === 'AwsSolutions')
      .flatMap((p: any) => p.violations.flatMap((v: any) => v.violatingConstructs.map((c: any) => ({ rule: v.ruleName, at: c.constructPath }))))
      .filter((f: any) => f.at.startsWith('Target/Roles/VerificationRole'))
      .map((f: any) => f.rule)
      .sort();
    expect(findings).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*::image/*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:*:${TARGET}:key/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:${TARGET}:parameter/golden/ami-id]`,
    ]);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

test('trustEntireSourceAccount widens the distribution role\'s trust, never the verification role\'s', async () => {
  const app = new App();
  const stack = new Stack(app, 'Target', { env: { account: TARGET, region: 'us-east-1' } });
  new CrossAccountDistributionRole(stack, 'Roles', { sourceAccounts: [SOURCE], verification: true, trustEntireSourceAccount: true });
  const roles = deploy(app.synth()).roles;
  const assume = (role: DeployedRole, name: string) => decide({
    principal: `arn:aws:sts::${SOURCE}:assumed-role/${name}/session`,
    action: 'sts:AssumeRole',
    resource: role.arn,
    resourceAccount: TARGET,
    context: { 'aws:PrincipalAccount': SOURCE, 'aws:PrincipalArn': `arn:aws:iam::${SOURCE}:role/${name}` },
    identityPolicies: [ALLOW_ALL],
    resourcePolicy: role.trustPolicy,
  });
  expect((await assume(roleOf(roles, 'EC2ImageBuilderDistributionCrossAccountRole'), 'Admin')).allowed).toBe(true);
  expect((await assume(roleOf(roles), 'Admin')).allowed).toBe(false);
  expect((await assume(roleOf(roles), VERIFIER)).allowed).toBe(true);
});
