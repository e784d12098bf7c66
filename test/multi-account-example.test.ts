import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { schemaErrors } from './schema';
import { buildMultiAccountApp } from '../examples/multi-account/app';

const app = buildMultiAccountApp(new App());
// Synthesis adds the dependencies that cross-stack references imply.
app.synth();
const stacks = app.node.children.filter(Stack.isStack);
const byName = (name: string) => stacks.find(s => s.stackName === name)!;

test('source key stacks, the pipeline, and a role stack per target account', () => {
  expect(stacks.map(s => `${s.stackName}@${s.account}/${s.region}`)).toEqual([
    'SourceKeys-us-east-1@111111111111/us-east-1',
    'SourceKeys-eu-west-1@111111111111/eu-west-1',
    'GoldenAmiMultiAccountPipeline@111111111111/us-east-1',
    'DistributionRole-222222222222@222222222222/us-east-1',
    'DistributionRole-333333333333@333333333333/us-east-1',
  ]);
  const pipeline = byName('GoldenAmiMultiAccountPipeline');
  expect(pipeline.dependencies.map(s => s.stackName).sort()).toEqual([
    'DistributionRole-222222222222', 'DistributionRole-333333333333', 'SourceKeys-eu-west-1', 'SourceKeys-us-east-1',
  ]);
});

test('the distribution copies into both accounts and shares with the organization in both Regions', () => {
  const [dist] = Object.values<any>(Template.fromStack(byName('GoldenAmiMultiAccountPipeline')).findResources('AWS::ImageBuilder::DistributionConfiguration'));
  for (const entry of dist.Properties.Distributions) {
    expect(entry.AmiDistributionConfiguration.TargetAccountIds).toEqual(['222222222222', '333333333333']);
    expect(entry.AmiDistributionConfiguration.LaunchPermissionConfiguration).toEqual({ OrganizationArns: ['arn:aws:organizations::999999999999:organization/o-exampleorg1'] });
  }
});

test('each role stack names the source keys by alias, and each alias exists in its key stack', () => {
  for (const account of ['222222222222', '333333333333']) {
    const policy = Object.values<any>(Template.fromStack(byName(`DistributionRole-${account}`)).findResources('AWS::IAM::Policy'))[0];
    const aliases = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'ImageBuilderUseSourceKeysByAlias').Condition['ForAnyValue:StringEquals']['kms:ResourceAliases'];
    expect(aliases).toHaveLength(2);
    const defined = ['SourceKeys-us-east-1', 'SourceKeys-eu-west-1']
      .flatMap(name => Object.values<any>(Template.fromStack(byName(name)).findResources('AWS::KMS::Alias')).map(a => a.Properties.AliasName));
    expect(aliases.sort()).toEqual(defined.sort());
  }
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s validates against the CloudFormation schemas', (_name, stack) => {
  expect(schemaErrors(Template.fromStack(stack).toJSON())).toEqual([]);
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s matches its snapshot', (_name, stack) => {
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});
