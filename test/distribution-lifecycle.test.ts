import { App, Stack, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { decide } from './authorization/evaluate';
import { newStack, synthError, warningsOf } from './helpers';
import { schemaErrors } from './schema';
import {
  CrossAccountDistributionRole, CrossAccountDistributionRoleStackSet, DistributionConfiguration, DistributionLifecycle,
  LifecycleAction, LifecycleFilter, LifecycleResourceType, LifecycleTimeUnit,
} from '../src';

/*
 * DistributionLifecycle: the lifecycle policy it writes (checked against the CloudFormation schema), its defaults
 * (a DELETE removes the AMIs and their snapshots), and the lifecycle role of the target accounts, whose trust is
 * evaluated as AWS evaluates Image Builder's AssumeRole.
 */

const SOURCE = '111111111111';
const TARGET = '222222222222';

function distribution(stack: Stack) {
  return new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion('us-east-1');
}

test('the policy as written: AMI images by recipe, a DELETE of the AMIs and their snapshots, an execution role with AWS\'s managed policy', () => {
  const stack = newStack();
  new DistributionLifecycle(stack, 'Lifecycle', {
    distributions: [distribution(stack)],
    recipes: [{ name: 'golden-ami' }],
    lifecyclePolicyName: 'golden-retention',
    rules: [
      { action: LifecycleAction.DEPRECATE, filter: LifecycleFilter.age(30, LifecycleTimeUnit.DAYS) },
      { action: LifecycleAction.DELETE, filter: LifecycleFilter.age(90, LifecycleTimeUnit.DAYS, 3), exclusions: { imageTags: { keep: 'true' } } },
    ],
  });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::ImageBuilder::LifecyclePolicy', {
    Name: 'golden-retention',
    Status: 'ENABLED',
    ResourceType: 'AMI_IMAGE',
    ResourceSelection: { Recipes: [{ Name: 'golden-ami', SemanticVersion: 'x.x.x' }] },
    PolicyDetails: [
      { Action: { Type: 'DEPRECATE', IncludeResources: { Amis: true } }, Filter: { Type: 'AGE', Value: 30, Unit: 'DAYS' } },
      {
        Action: { Type: 'DELETE', IncludeResources: { Amis: true, Snapshots: true } },
        Filter: { Type: 'AGE', Value: 90, Unit: 'DAYS', RetainAtLeast: 3 },
        ExclusionRules: { TagMap: { keep: 'true' } },
      },
    ],
  });
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'imagebuilder.amazonaws.com' } }] },
    ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy']] }],
  });
  expect(schemaErrors(template.toJSON(), ['AWS::ImageBuilder::LifecyclePolicy', 'AWS::IAM::Role'])).toEqual([]);
  expect(warningsOf(stack)).toEqual([]);
});

test('a container policy by image tags deletes the container images; a given execution role is used as it is', () => {
  const stack = newStack();
  const executionRole = new iam.Role(stack, 'Given', { assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  new DistributionLifecycle(stack, 'Lifecycle', {
    distributions: [],
    imageTags: { pipeline: 'golden-container' },
    resourceType: LifecycleResourceType.CONTAINER_IMAGE,
    executionRole,
    enabled: false,
    rules: [{ action: LifecycleAction.DELETE, filter: LifecycleFilter.count(5) }],
  });
  const template = Template.fromStack(stack);
  const policy = Object.values<any>(template.findResources('AWS::ImageBuilder::LifecyclePolicy'))[0].Properties;
  expect(policy.Status).toBe('DISABLED');
  expect(policy.ResourceSelection).toEqual({ TagMap: { pipeline: 'golden-container' } });
  expect(policy.PolicyDetails).toEqual([{ Action: { Type: 'DELETE', IncludeResources: { Containers: true } }, Filter: { Type: 'COUNT', Value: 5 } }]);
  expect(policy.ExecutionRole).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(executionRole.node.defaultChild as iam.CfnRole), 'Arn'] });
  template.resourceCountIs('AWS::IAM::Role', 1);
  expect(schemaErrors(template.toJSON(), ['AWS::ImageBuilder::LifecyclePolicy'])).toEqual([]);
});

test('a DISABLE of AMIs that the distribution writes into a launch template and a parameter names both', () => {
  const stack = newStack();
  const template = ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'Fleet', { launchTemplateId: 'lt-0123456789abcdef0' });
  const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' })
    .addRegion('us-east-1', { launchTemplates: [{ launchTemplate: template }], ssmParameters: [{ parameterName: '/golden/ami' }] });
  new DistributionLifecycle(stack, 'Lifecycle', {
    distributions: [dist],
    recipes: [{ name: 'golden-ami' }],
    rules: [{ action: LifecycleAction.DISABLE, filter: LifecycleFilter.age(60, LifecycleTimeUnit.DAYS) }],
  });
  const warnings = warningsOf(stack).filter(w => w.includes('[LifecycleAmiInUse]'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('launch template lt-0123456789abcdef0 in us-east-1');
  expect(warnings[0]).toContain('SSM parameter /golden/ami in us-east-1');
  expect(warnings[0]).toContain('cdk-imagebuilder-distribution retire');
});

test('copies into target accounts: a warning until the app gives each account the lifecycle role', () => {
  const build = (lifecycle: boolean) => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: SOURCE, region: 'us-east-1' } });
    const target = new Stack(app, 'Target', { env: { account: TARGET, region: 'us-east-1' } });
    new CrossAccountDistributionRole(target, 'Role', { sourceAccounts: [SOURCE], lifecycle });
    const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' })
      .addRegion('us-east-1', { targetAccounts: [TARGET] });
    new DistributionLifecycle(stack, 'Lifecycle', {
      distributions: [dist],
      recipes: [{ name: 'golden-ami' }],
      rules: [{ action: LifecycleAction.DELETE, filter: LifecycleFilter.count(3) }],
    });
    return warningsOf(stack).filter(w => w.includes('[LifecycleTargetAccountRole]'));
  };
  expect(build(false)).toEqual([expect.stringContaining(`1 target account (${TARGET})`)]);
  expect(build(true)).toEqual([]);
});

test('the lifecycle role in a target account: the name, policy and trust AWS documents, only with lifecycle: true', () => {
  const stack = newStack('us-east-1');
  new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: [TARGET], lifecycle: true });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::IAM::Role', {
    RoleName: 'Ec2ImageBuilderCrossAccountLifecycleAccess',
    ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy']] }],
  });
  expect(schemaErrors(template.toJSON(), ['AWS::IAM::Role'])).toEqual([]);
  const without = newStack('us-east-1');
  new CrossAccountDistributionRole(without, 'Role', { sourceAccounts: [TARGET] });
  expect(JSON.stringify(Template.fromStack(without).toJSON())).not.toContain('Ec2ImageBuilderCrossAccountLifecycleAccess');
});

describe('the lifecycle role\'s trust, evaluated', () => {
  /** The trust policy as deployed in the target account (pseudo parameters resolved). */
  function trustPolicy(partition = 'aws', region = 'us-east-1'): any {
    const app = new App();
    const stack = new Stack(app, 'Target', { env: { account: TARGET, region } });
    const role = new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: [SOURCE], lifecycle: true });
    const resolved = JSON.stringify(stack.resolve(role.lifecycleRole!.assumeRolePolicy!.toJSON()));
    const text = resolved.replace(/\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":imagebuilder:\*:\*:image\/\*\/\*\/\*"\]\]\}/g, `"arn:${partition}:imagebuilder:*:*:image/*/*/*"`);
    expect(text).not.toContain('Fn::');
    return JSON.parse(text);
  }
  const roleArn = `arn:aws:iam::${TARGET}:role/Ec2ImageBuilderCrossAccountLifecycleAccess`;
  const assume = (principal: string, context: Record<string, string>) => decide({
    principal, action: 'sts:AssumeRole', resource: roleArn, resourceAccount: TARGET, context, identityPolicies: [], resourcePolicy: trustPolicy(),
  });
  const image = (account: string) => `arn:aws:imagebuilder:us-east-1:${account}:image/golden-ami/1.0.0/4`;

  test('allowed: Image Builder, for an image of the source account', async () => {
    expect((await assume('imagebuilder.amazonaws.com', { 'aws:SourceAccount': SOURCE, 'aws:SourceArn': image(SOURCE) })).allowed).toBe(true);
  });
  test('denied: Image Builder for an image of another account', async () => {
    expect((await assume('imagebuilder.amazonaws.com', { 'aws:SourceAccount': '333333333333', 'aws:SourceArn': image('333333333333') })).allowed).toBe(false);
  });
  test('denied: Image Builder for something that is not an image (a distribution configuration of the source account)', async () => {
    expect((await assume('imagebuilder.amazonaws.com', { 'aws:SourceAccount': SOURCE, 'aws:SourceArn': `arn:aws:imagebuilder:us-east-1:${SOURCE}:distribution-configuration/golden` })).allowed).toBe(false);
  });
  test('denied: an IAM role of the source account', async () => {
    expect((await assume(`arn:aws:iam::${SOURCE}:role/Admin`, { 'aws:SourceAccount': SOURCE, 'aws:SourceArn': image(SOURCE) })).allowed).toBe(false);
  });
  test('denied: another service', async () => {
    expect((await assume('ec2.amazonaws.com', { 'aws:SourceAccount': SOURCE, 'aws:SourceArn': image(SOURCE) })).allowed).toBe(false);
  });
});

test('the role StackSet with lifecycle: true deploys the lifecycle role to every account of its OUs', () => {
  const stack = newStack();
  const stackSet = new CrossAccountDistributionRoleStackSet(stack, 'Roles', { organizationalUnitIds: ['ou-ab12-cdefghij'], sourceAccounts: [SOURCE], lifecycle: true });
  const roles = Object.values<any>(JSON.parse(stackSet.roleTemplate).Resources).filter(r => r.Type === 'AWS::IAM::Role').map(r => r.Properties.RoleName);
  expect(roles.sort()).toEqual(['EC2ImageBuilderDistributionCrossAccountRole', 'Ec2ImageBuilderCrossAccountLifecycleAccess']);
  expect(synthError(stack)).toBe('');
});
