import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { schemaErrors } from './schema';
import { buildBasicApp } from '../examples/basic/app';

const app = buildBasicApp(new App());
const stacks = app.node.children.filter(Stack.isStack);
const pipeline = stacks.find(s => s.stackName === 'GoldenAmiPipeline')!;
const keys = stacks.find(s => s.stackName === 'GoldenAmiKeys-eu-west-1')!;

test('the example has a key stack and a pipeline stack', () => {
  expect(stacks.map(s => `${s.stackName}@${s.region}`).sort()).toEqual(['GoldenAmiKeys-eu-west-1@eu-west-1', 'GoldenAmiPipeline@us-east-1']);
});

test('the pipeline stack distributes to both Regions, each with its own Region\'s key, without cross-region plumbing', () => {
  const template = Template.fromStack(pipeline);
  const [dist] = Object.values<any>(template.findResources('AWS::ImageBuilder::DistributionConfiguration'));
  const [us, eu] = dist.Properties.Distributions;
  expect(us.Region).toBe('us-east-1');
  expect(us.AmiDistributionConfiguration.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SourceKey/), 'Arn'] });
  expect(eu.Region).toBe('eu-west-1');
  expect(eu.AmiDistributionConfiguration.KmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:111111111111:alias\/imagebuilder-distribution\//);
  expect(eu.AmiDistributionConfiguration.LaunchPermissionConfiguration).toEqual({ UserIds: ['222222222222'] });
  for (const stack of stacks) {
    const types = Object.values<any>(Template.fromStack(stack).toJSON().Resources).map(r => r.Type);
    expect(types.filter(t => t.startsWith('Custom::') || t === 'AWS::Lambda::Function')).toEqual([]);
  }
  expect(pipeline.dependencies).toContain(keys);
});

test('the alias the distribution names is created in the key stack', () => {
  const template = Template.fromStack(pipeline);
  const [dist] = Object.values<any>(template.findResources('AWS::ImageBuilder::DistributionConfiguration'));
  const aliasName = dist.Properties.Distributions[1].AmiDistributionConfiguration.KmsKeyId.split(':').pop();
  Template.fromStack(keys).hasResourceProperties('AWS::KMS::Alias', { AliasName: aliasName });
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s validates against the CloudFormation schemas', (_name, stack) => {
  expect(schemaErrors(Template.fromStack(stack).toJSON())).toEqual([]);
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s matches its snapshot', (_name, stack) => {
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});
