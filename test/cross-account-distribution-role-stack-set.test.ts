import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, Stack, Validations, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { synthError } from './helpers';
import { schemaErrors } from './schema';
import { CrossAccountDistributionRole, CrossAccountDistributionRoleStackSet } from '../src';

/*
 * The target-account role on every account of OUs: a service-managed StackSet whose template is the role's,
 * as CrossAccountDistributionRole writes it.
 */

const SOURCE = '111111111111';
const OU = 'ou-ab12-cdefghij';
const KEY_ARN = `arn:aws:kms:us-east-1:${SOURCE}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** A stack of the management account. */
const orgStack = (app = new App(), region = 'us-east-1') => new Stack(app, 'Org', { env: { account: '999999999999', region } });

function stackSetOf(stack: Stack): any {
  const stackSets = Template.fromStack(stack).findResources('AWS::CloudFormation::StackSet');
  expect(Object.keys(stackSets)).toHaveLength(1);
  return Object.values<any>(stackSets)[0].Properties;
}

const errorOf = (build: () => unknown): string => {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
};

test('a service-managed StackSet with automatic deployment deploys the role to the OUs, in the stack\'s Region', () => {
  const stack = orgStack();
  new CrossAccountDistributionRoleStackSet(stack, 'Roles', {
    organizationalUnitIds: [OU, 'r-ab12'],
    sourceAccounts: [SOURCE],
    keys: [kms.Key.fromKeyArn(stack, 'SourceKey', KEY_ARN)],
  });
  const props = stackSetOf(stack);
  expect(props).toMatchObject({
    PermissionModel: 'SERVICE_MANAGED',
    CallAs: 'SELF',
    AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
    Capabilities: ['CAPABILITY_NAMED_IAM'],
    ManagedExecution: { Active: true },
    OperationPreferences: { MaxConcurrentPercentage: 100, FailureTolerancePercentage: 10, ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE', RegionConcurrencyType: 'PARALLEL' },
    StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: [OU, 'r-ab12'] }, Regions: ['us-east-1'] }],
  });
  expect(props.StackSetName).toMatch(/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/);
  expect(props.TemplateURL).toBeUndefined();

  const template = JSON.parse(props.TemplateBody);
  // A plain template: no parameters, bootstrap rule, outputs, conditions or metadata.
  expect(Object.keys(template)).toEqual(['Resources']);
  const resources = Object.values<any>(template.Resources);
  expect(resources.map(r => r.Type).sort()).toEqual(['AWS::IAM::Policy', 'AWS::IAM::Role']);
  resources.forEach(r => expect(r.Metadata).toBeUndefined());
  const role = resources.find(r => r.Type === 'AWS::IAM::Role').Properties;
  expect(role.RoleName).toBe('EC2ImageBuilderDistributionCrossAccountRole');
  expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
    Action: 'sts:AssumeRole',
    Effect: 'Allow',
    Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${SOURCE}:root`]] } },
    // Image Builder's service-linked role of the source account only.
    Condition: {
      ArnLike: {
        'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder']] },
      },
    },
  }]);
  expect(role.ManagedPolicyArns).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess']] }]);
  const statements = resources.find(r => r.Type === 'AWS::IAM::Policy').Properties.PolicyDocument.Statement;
  expect(statements).toEqual([
    { Sid: 'ImageBuilderUseSourceKeys', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'], Resource: KEY_ARN },
    { Sid: 'ImageBuilderUseSourceKeysCreateGrant', Effect: 'Allow', Action: 'kms:CreateGrant', Resource: KEY_ARN, Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } },
  ]);
});

test('the template is the role CrossAccountDistributionRole writes in a stack of any account', () => {
  const stack = orgStack();
  const props = { sourceAccounts: [SOURCE, '222222222222'], launchTemplateUpdates: true, ssmParameterNames: ['/golden/ami-id'] };
  const stackSet = new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: [OU], ...props });
  const plain = new Stack(new App(), 'Plain');
  new CrossAccountDistributionRole(plain, 'Distribution', props);
  const expected = Template.fromStack(plain).toJSON().Resources;
  expect(JSON.parse(stackSet.roleTemplate).Resources).toEqual(expected);
  expect(JSON.parse(stackSetOf(stack).TemplateBody)).toEqual({ Resources: expected });
});

test('a key of this app in another account and Region is named by its alias, which the app creates in the key\'s stack', () => {
  const app = new App();
  const keyStack = new Stack(app, 'Keys', { env: { account: SOURCE, region: 'eu-west-1' } });
  const key = new kms.Key(keyStack, 'Key');
  const stack = orgStack(app);
  const stackSet = new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE], keys: [key] });
  const aliases = Template.fromStack(keyStack).findResources('AWS::KMS::Alias');
  expect(Object.values<any>(aliases)).toHaveLength(1);
  const aliasName = Object.values<any>(aliases)[0].Properties.AliasName;
  const policy = Object.values<any>(JSON.parse(stackSet.roleTemplate).Resources).find(r => r.Type === 'AWS::IAM::Policy');
  expect(policy.Properties.PolicyDocument.Statement[0]).toEqual({
    Sid: 'ImageBuilderUseSourceKeysByAlias',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'],
    Resource: `arn:aws:kms:eu-west-1:${SOURCE}:key/*`,
    Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [aliasName] } },
  });
  expect(() => app.synth()).not.toThrow();
});

test('from a delegated administrator, in a Region of choice, with the operation preferences given', () => {
  const stack = orgStack();
  new CrossAccountDistributionRoleStackSet(stack, 'Roles', {
    organizationalUnitIds: [OU],
    sourceAccounts: [SOURCE],
    delegatedAdministrator: true,
    region: 'eu-west-1',
    stackSetName: 'golden-ami-distribution-role',
    maxConcurrentPercentage: 25,
    failureTolerancePercentage: 0,
  });
  expect(stackSetOf(stack)).toMatchObject({
    CallAs: 'DELEGATED_ADMIN',
    StackSetName: 'golden-ami-distribution-role',
    StackInstancesGroup: [{ Regions: ['eu-west-1'] }],
    OperationPreferences: { MaxConcurrentPercentage: 25, FailureTolerancePercentage: 0 },
  });
});

test('a stack without an explicit environment deploys the instances in its own Region; OUs may be a list parameter', () => {
  const stack = new Stack(new App(), 'Org');
  const units = new CfnParameter(stack, 'Units', { type: 'List<String>' });
  new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: units.valueAsList, sourceAccounts: [SOURCE] });
  expect(stackSetOf(stack).StackInstancesGroup).toEqual([{ DeploymentTargets: { OrganizationalUnitIds: { Ref: 'Units' } }, Regions: [{ Ref: 'AWS::Region' }] }]);
});

test('the StackSet\'s template and the role\'s template pass the vendored schemas and cfn-lint', () => {
  const stack = orgStack();
  const stackSet = new CrossAccountDistributionRoleStackSet(stack, 'Roles', {
    organizationalUnitIds: [OU],
    sourceAccounts: [SOURCE],
    keys: [kms.Key.fromKeyArn(stack, 'SourceKey', KEY_ARN)],
    launchTemplateUpdates: true,
    ssmParameterNames: ['/golden/ami-id'],
  });
  const outer = Template.fromStack(stack).toJSON();
  const inner = JSON.parse(stackSet.roleTemplate);
  expect(schemaErrors(outer, ['AWS::CloudFormation::StackSet'])).toEqual([]);
  expect(schemaErrors(inner, ['AWS::IAM::Role', 'AWS::IAM::Policy'])).toEqual([]);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-set-lint-'));
  try {
    fs.writeFileSync(path.join(dir, 'stack-set.json'), JSON.stringify(outer));
    fs.writeFileSync(path.join(dir, 'role.json'), stackSet.roleTemplate);
    const cfnLint = path.join(__dirname, '..', '.venv-test', 'bin', 'cfn-lint');
    // cfn-lint exits non-zero with any finding; the output names it.
    const output = execFileSync(cfnLint, ['--format', 'parseable', '--', path.join(dir, 'stack-set.json'), path.join(dir, 'role.json')], { encoding: 'utf-8' });
    expect(output).toBe('');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing is left in the temporary folder', () => {
  const stack = orgStack();
  const before = new Set(fs.readdirSync(os.tmpdir()));
  new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE] });
  // Only the construct's own folders: other test files synthesize into the same temporary folder at the same time.
  expect(fs.readdirSync(os.tmpdir()).filter(f => !before.has(f) && f.startsWith('imagebuilder-role-stack-set-'))).toEqual([]);
});

describe('mistakes are stopped where they are made', () => {
  const build = (props: Partial<ConstructorParameters<typeof CrossAccountDistributionRoleStackSet>[2]>, stack = orgStack()) => errorOf(() =>
    new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE], ...props }));

  test('no OU', () => {
    expect(build({ organizationalUnitIds: [] })).toMatch(/^\[StackSetOrganizationalUnits\] CrossAccountDistributionRoleStackSet: organizationalUnitIds is empty.*Fix: pass the IDs of the OUs.*\(at Org\/Roles\)$/);
  });

  test('an OU ARN instead of its ID: the fix gives the ID', () => {
    expect(build({ organizationalUnitIds: ['arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij'] }))
      .toMatch(/^\[StackSetOrganizationalUnits\] .*organizationalUnitIds\[0\] is "arn:aws:organizations::999999999999:ou\/o-abcdefghij\/ou-ab12-cdefghij", which is not the ID of an OU or root\. Fix: pass its ID, 'ou-ab12-cdefghij'\./);
  });

  test('an account ID instead of an OU', () => {
    expect(build({ organizationalUnitIds: [SOURCE] })).toMatch(/^\[StackSetOrganizationalUnits\] .*organizationalUnitIds\[0\] is "111111111111"/);
  });

  test('a StackSet name CloudFormation rejects', () => {
    expect(build({ stackSetName: '1-roles' })).toMatch(/^\[StackSetName\] .*stackSetName is "1-roles"/);
    expect(build({ stackSetName: 'roles_v1' })).toMatch(/^\[StackSetName\]/);
    expect(build({ stackSetName: 'a'.repeat(129) })).toMatch(/^\[StackSetName\]/);
    expect(build({ stackSetName: 'a'.repeat(128) })).toBe('');
  });

  test('a Region that is not one', () => {
    expect(build({ region: 'us-east-1,eu-west-1' })).toMatch(/^\[StackSetRegion\] .*region is "us-east-1,eu-west-1", which is not a Region name/);
  });

  test('percentages out of bounds', () => {
    expect(build({ maxConcurrentPercentage: 0 })).toMatch(/^\[StackSetOperationPreferences\] .*maxConcurrentPercentage is 0, but CloudFormation takes a whole percentage from 1 to 100/);
    expect(build({ failureTolerancePercentage: 100.5 })).toMatch(/^\[StackSetOperationPreferences\] .*failureTolerancePercentage is 100.5/);
    expect(build({ failureTolerancePercentage: 100, maxConcurrentPercentage: 1 })).toBe('');
  });

  test('values known only at deploy time cannot go into the one template', () => {
    const stack = orgStack();
    const accounts = new CfnParameter(stack, 'Accounts', { type: 'List<String>' });
    expect(build({ sourceAccounts: accounts.valueAsList }, stack)).toMatch(/^\[StackSetTemplateValue\] .*sourceAccounts\[0\] is known only at deploy time.*Fix: pass the literal value/);
    const stack2 = orgStack();
    const name = new CfnParameter(stack2, 'Name');
    expect(build({ ssmParameterNames: [name.valueAsString] }, stack2)).toMatch(/^\[StackSetTemplateValue\] .*ssmParameterNames\[0\]/);
    const stack3 = orgStack();
    const arn = new CfnParameter(stack3, 'KeyArn');
    expect(build({ keys: [kms.Key.fromKeyArn(stack3, 'Key', arn.valueAsString)] }, stack3)).toMatch(/^\[StackSetTemplateValue\] .*keys\[0\] has an ARN known only at deploy time/);
  });

  test('a key of this app in a stack without account and Region', () => {
    const app = new App();
    const key = new kms.Key(new Stack(app, 'Keys'), 'Key');
    expect(build({ keys: [key] }, orgStack(app))).toMatch(/^\[StackSetTemplateValue\] .*keys\[0\] is .* of stack Keys, which has no explicit account and Region.*Fix: give that stack an env/);
  });

  test('the role\'s own checks, said of this construct', () => {
    expect(build({ sourceAccounts: ['12345'] })).toMatch(/^\[AccountId\] CrossAccountDistributionRoleStackSet: sourceAccounts\[0\] is "12345".*\(at Org\/Roles\)$/);
    expect(build({ sourceAccounts: [] })).toMatch(/^\[NoSourceAccounts\] CrossAccountDistributionRoleStackSet: /);
    expect(build({ keys: [kms.Key.fromKeyArn(orgStack(), 'Key', 'arn:aws:kms:us-east-1:111111111111:key/*')] })).toMatch(/^\[CrossAccountRoleKey\] /);
  });

  test('two StackSets of the role for one OU', () => {
    const stack = orgStack();
    new CrossAccountDistributionRoleStackSet(stack, 'First', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE] });
    expect(build({ organizationalUnitIds: ['ou-zz99-zzzzzzzz', OU] }, stack)).toMatch(/^\[DuplicateCrossAccountRole\] .*ou-ab12-cdefghij is already a target of Org\/First/);
  });

  test('a template over CloudFormation\'s TemplateBody limit', () => {
    const names = Array.from({ length: 60 }, (_, i) => `/golden/${String(i).padStart(3, '0')}/${'p'.repeat(990)}`);
    expect(build({ ssmParameterNames: names })).toMatch(/^\[StackSetTemplateSize\] .*the role's template has \d+ bytes, over CloudFormation's limit of 51200 bytes/);
  });
});

test('the role\'s policy size check runs at synth, and its acknowledgement on the StackSet counts', () => {
  const sourceAccounts = Array.from({ length: 70 }, (_, i) => String(100000000000 + i));
  const stack = orgStack();
  new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: [OU], sourceAccounts });
  expect(synthError(stack)).toMatch(/\[CrossAccountRolePolicySize\] CrossAccountDistributionRoleStackSet: the role's trust policy has at least \d+ characters/);

  const acknowledged = orgStack();
  const stackSet = new CrossAccountDistributionRoleStackSet(acknowledged, 'Roles', { organizationalUnitIds: [OU], sourceAccounts });
  Validations.of(stackSet).acknowledge({ id: 'cdk-imagebuilder-distribution:CrossAccountRolePolicySize', reason: 'Role trust policy length raised to 4096' });
  expect(synthError(acknowledged)).toBe('');
});

test('an opt-in Region is a warning: accounts that have not enabled it get no role', () => {
  const stack = orgStack(new App(), 'ap-east-1');
  new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE] });
  const warnings = Annotations.fromStack(stack).findWarning('/Org/Roles', Match.stringLikeRegexp('ap-east-1, an opt-in Region'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0].entry.data).toMatch(/cdk-imagebuilder-distribution:StackSetOptInRegion/);

  const usual = orgStack(new App(), 'eu-west-1');
  new CrossAccountDistributionRoleStackSet(usual, 'Roles', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE] });
  expect(Annotations.fromStack(usual).findWarning('*', Match.anyValue())).toEqual([]);
});

test('preflight\'s record: the StackSet, its OUs, Region, role and keys (by ARN, or by alias for a key of the app)', () => {
  const app = new App();
  const stack = orgStack(app);
  const euKey = new kms.Key(new Stack(app, 'Keys', { env: { account: SOURCE, region: 'eu-west-1' } }), 'Key');
  const keys = [kms.Key.fromKeyArn(stack, 'Imported', KEY_ARN), euKey];
  new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE], stackSetName: 'golden-roles', delegatedAdministrator: true, keys });
  const artifact = app.synth().getStackByName('Org');
  const entries = artifact.findMetadataByType('cdk-imagebuilder-distribution:role-stack-set');
  expect(entries.map(e => e.data)).toEqual([{
    version: 1,
    logicalId: Object.keys(artifact.template.Resources).find(id => artifact.template.Resources[id].Type === 'AWS::CloudFormation::StackSet'),
    stackSetName: 'golden-roles',
    roleName: 'EC2ImageBuilderDistributionCrossAccountRole',
    organizationalUnitIds: [OU],
    region: 'us-east-1',
    callAs: 'DELEGATED_ADMIN',
    sourceAccounts: [SOURCE],
    keys: [
      { arn: KEY_ARN, region: 'us-east-1', account: SOURCE },
      { aliasName: expect.stringMatching(/^alias\/imagebuilder-distribution\/KeysKey/), region: 'eu-west-1', account: SOURCE },
    ],
  }]);
});

test('execution roles go into the role\'s trust by literal ARN; one known only at deploy time is an error', () => {
  const stack = orgStack();
  const execution = iam.Role.fromRoleArn(stack, 'Execution', `arn:aws:iam::${SOURCE}:role/ImageBuilderDistribution`);
  const stackSet = new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE], executionRoles: [execution] });
  const role = Object.values<any>(JSON.parse(stackSet.roleTemplate).Resources).find(r => r.Type === 'AWS::IAM::Role');
  expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnLike['aws:PrincipalArn'][1]).toBe(`arn:aws:iam::${SOURCE}:role/ImageBuilderDistribution`);

  const other = orgStack();
  const owned = new iam.Role(other, 'Owned', { assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  expect(() => new CrossAccountDistributionRoleStackSet(other, 'Roles', { organizationalUnitIds: [OU], sourceAccounts: [SOURCE], executionRoles: [owned] }))
    .toThrow(/\[StackSetTemplateValue\] CrossAccountDistributionRoleStackSet: executionRoles\[0\] has an ARN known only at deploy time.*Fix: pass the role by its literal ARN/);
});
