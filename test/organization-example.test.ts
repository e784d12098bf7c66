import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { schemaErrors } from './schema';
import { EXAMPLE_ORGANIZATION, buildOrganizationApp, ouArn, roleTrust } from '../examples/organization/app';

/*
 * The organization example (examples/organization/app.ts, docs/guides/organization.md): what each stack holds,
 * where it goes and in which order. test/organization-example-preflight.test.ts runs preflight on it against moto;
 * the Python suite compares its Python twin (examples/organization/app.py) with it and runs cfn-lint over both
 * templates of the StackSet (test/scenarios.ts).
 */

const app = buildOrganizationApp(new App());
app.synth();
const stacks = app.node.children.filter(Stack.isStack);
const byName = (name: string) => stacks.find(s => s.stackName === name)!;
const template = (name: string) => Template.fromStack(byName(name));
const resourcesOf = (name: string, type: string) => Object.values<any>(template(name).findResources(type));

const ORG_ID = 'o-exampleorg1';
const ROLE_PATTERN = 'arn:aws:iam::*:role/EC2ImageBuilderDistributionCrossAccountRole';

test('the replica key and the StackSet deploy first, each in its account and Region; the pipeline stack after both', () => {
  expect(stacks.map(s => `${s.stackName}@${s.account}/${s.region}`).sort()).toEqual([
    'AmiKeys-eu-west-1@111111111111/eu-west-1',
    'DistributionRoles@999999999999/us-east-1',
    'GoldenAmiOrganization@111111111111/us-east-1',
  ]);
  expect(byName('GoldenAmiOrganization').dependencies.map(s => s.stackName).sort()).toEqual(['AmiKeys-eu-west-1', 'DistributionRoles']);
  // The StackSet names the keys by alias: it waits for no key stack, and no key stack waits for it.
  expect(byName('DistributionRoles').dependencies).toEqual([]);
  expect(byName('AmiKeys-eu-west-1').dependencies).toEqual([]);
});

test('each key lets the target-account role of any account of the OU copy, names no account, and lets the organization launch', () => {
  for (const name of ['GoldenAmiOrganization', 'AmiKeys-eu-west-1']) {
    const [key] = resourcesOf(name, 'AWS::KMS::Key');
    const statements = Object.fromEntries(key.Properties.KeyPolicy.Statement.map((s: any) => [s.Sid ?? 'Owner', s]));
    expect(Object.keys(statements).sort()).toEqual([
      'ImageBuilderCopyByTargetAccountRoles',
      'ImageBuilderCreateGrantForOrganizations',
      'ImageBuilderCreateGrantForTargetAccountRoles',
      'ImageBuilderLaunchByOrganizations',
      'Owner',
    ]);
    for (const sid of ['ImageBuilderCopyByTargetAccountRoles', 'ImageBuilderCreateGrantForTargetAccountRoles']) {
      expect({ sid, principal: statements[sid].Principal, condition: statements[sid].Condition }).toEqual({
        sid,
        principal: { AWS: '*' },
        condition: expect.objectContaining({
          'StringEquals': { 'aws:PrincipalOrgID': ORG_ID },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG_ID}/*/ou-ab12-workload/*`] },
          'ArnLike': { 'aws:PrincipalArn': ROLE_PATTERN },
        }),
      });
    }
    expect(statements.ImageBuilderLaunchByOrganizations.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': [ORG_ID] } });
    // Organization-scoped: no target account is named, however many there are.
    expect(JSON.stringify(key.Properties.KeyPolicy)).not.toMatch(/222222222222|333333333333/);
  }
});

test('the distribution copies into the target accounts and shares with the organization in both Regions', () => {
  const [dist] = resourcesOf('GoldenAmiOrganization', 'AWS::ImageBuilder::DistributionConfiguration');
  expect(dist.Properties.Distributions.map((e: any) => e.Region)).toEqual(['us-east-1', 'eu-west-1']);
  for (const entry of dist.Properties.Distributions) {
    expect(entry.AmiDistributionConfiguration.TargetAccountIds).toEqual(['222222222222', '333333333333']);
    expect(entry.AmiDistributionConfiguration.LaunchPermissionConfiguration).toEqual({ OrganizationArns: [EXAMPLE_ORGANIZATION.organizationArn] });
  }
  expect(dist.Properties.Distributions[1].AmiDistributionConfiguration.KmsKeyId)
    .toMatch(/^arn:aws:kms:eu-west-1:111111111111:alias\/imagebuilder-distribution\//);
});

test('the StackSet is service-managed, in the management account, deploys the role to the OU in one Region, and trusts the pipeline account', () => {
  const [stackSet] = resourcesOf('DistributionRoles', 'AWS::CloudFormation::StackSet');
  expect(stackSet.Properties).toMatchObject({
    StackSetName: 'imagebuilder-distribution-roles',
    PermissionModel: 'SERVICE_MANAGED',
    CallAs: 'SELF',
    AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
    StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-workload'] }, Regions: ['us-east-1'] }],
  });
  const role = JSON.parse(stackSet.Properties.TemplateBody);
  const [trust] = Object.values<any>(role.Resources).filter(r => r.Type === 'AWS::IAM::Role').map(r => r.Properties);
  expect(trust.RoleName).toBe('EC2ImageBuilderDistributionCrossAccountRole');
  expect(JSON.stringify(trust.AssumeRolePolicyDocument)).toContain(':iam::111111111111:root');
  // Only Image Builder's service-linked role and the execution role of the pipeline account may assume it.
  expect(JSON.stringify(trust.AssumeRolePolicyDocument)).toContain('role/ImageBuilderDistribution');
  expect(JSON.stringify(trust.AssumeRolePolicyDocument)).toContain('AWSServiceRoleForImageBuilder');
  expect(roleTrust(new Stack(new App(), 'Trust'), EXAMPLE_ORGANIZATION).sourceAccounts).toEqual(['111111111111']);
});

test('the StackSet\'s role uses exactly the two keys, by the aliases their stacks define', () => {
  const [stackSet] = resourcesOf('DistributionRoles', 'AWS::CloudFormation::StackSet');
  const role = JSON.parse(stackSet.Properties.TemplateBody);
  const [policy] = Object.values<any>(role.Resources).filter(r => r.Type === 'AWS::IAM::Policy');
  const copy = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'ImageBuilderUseSourceKeysByAlias');
  const defined = ['GoldenAmiOrganization', 'AmiKeys-eu-west-1'].flatMap(name => resourcesOf(name, 'AWS::KMS::Alias').map(a => a.Properties.AliasName));
  expect(defined).toHaveLength(2);
  expect([...copy.Condition['ForAnyValue:StringEquals']['kms:ResourceAliases']].sort()).toEqual(defined.sort());
  expect(copy.Resource).toEqual(['arn:aws:kms:us-east-1:111111111111:key/*', 'arn:aws:kms:eu-west-1:111111111111:key/*']);
});

test('the execution role trusts Image Builder, has a fixed name, and may assume the role of the target accounts only', () => {
  template('GoldenAmiOrganization').hasResourceProperties('AWS::IAM::Role', {
    RoleName: 'ImageBuilderDistribution',
    AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'imagebuilder.amazonaws.com' } }] },
  });
  const statements = resourcesOf('GoldenAmiOrganization', 'AWS::IAM::Policy').flatMap(p => p.Properties.PolicyDocument.Statement);
  expect(statements.flatMap(s => [s.Action].flat())).toEqual(expect.arrayContaining(['ec2:CopyImage', 'ec2:ModifyImageAttribute', 'kms:Decrypt']));
  const assume = statements.filter(s => s.Action === 'sts:AssumeRole');
  expect(JSON.stringify(assume.map(s => s.Resource))).toBe(JSON.stringify([['222222222222', '333333333333'].map(account =>
    ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/EC2ImageBuilderDistributionCrossAccountRole`]] }))]));
});

test('the OU ARN is built from the organization ARN', () => {
  expect(ouArn(EXAMPLE_ORGANIZATION, 'ou-ab12-workload')).toBe('arn:aws:organizations::999999999999:ou/o-exampleorg1/ou-ab12-workload');
});

test('the app synthesizes without a warning', () => {
  const messages = app.synth().stacks.flatMap(s => s.messages.filter(m => m.level !== 'info').map(m => `${s.stackName}: ${m.entry.data}`));
  expect(messages).toEqual([]);
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s validates against the CloudFormation schemas', (_name, stack) => {
  expect(schemaErrors(Template.fromStack(stack).toJSON())).toEqual([]);
});

test('the role template of the StackSet validates against the CloudFormation schemas', () => {
  const [stackSet] = resourcesOf('DistributionRoles', 'AWS::CloudFormation::StackSet');
  expect(schemaErrors(JSON.parse(stackSet.Properties.TemplateBody), ['AWS::IAM::Role', 'AWS::IAM::Policy'])).toEqual([]);
});
