import { App, CfnParameter, Stack, aws_ecr as ecr, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { newStack, synthError } from './helpers';
import { DistributionConfiguration } from '../src';

/*
 * grantDistribute() beyond the authorization suite (test/authorization.test.ts decides its requests): values known
 * only at deploy time, imported aliases, a stale grant, container Regions, and the Grant it returns.
 */

const executionRole = (stack: Stack) => new iam.Role(stack, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
const statementsOf = (stack: Stack): any[] => {
  const policies = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
  return policies.flatMap(p => p.Properties.PolicyDocument.Statement);
};
const withAction = (statements: any[], action: string) => statements.filter(s => [s.Action].flat().includes(action));

test('a Region added after the grant fails synth, naming the fix', () => {
  const stack = newStack();
  const distribution = new DistributionConfiguration(stack, 'Distribution').addRegion('us-east-1');
  distribution.grantDistribute(executionRole(stack));
  distribution.addRegion('eu-west-1');
  expect(synthError(stack)).toMatch(/grantDistribute\(\) was called before the last addRegion\(\).*Fix: call grantDistribute\(\) after every addRegion\(\) call/);
});

test('granted after the last addRegion(), the app synthesizes', () => {
  const stack = newStack();
  const distribution = new DistributionConfiguration(stack, 'Distribution').addRegion('us-east-1').addRegion('eu-west-1');
  const grant = distribution.grantDistribute(executionRole(stack));
  expect(grant.success).toBe(true);
  expect(synthError(stack)).toBe('');
  const copy = withAction(statementsOf(stack), 'ec2:CopyImage');
  expect(copy).toHaveLength(1);
  expect(copy[0].Resource).toEqual(expect.arrayContaining([
    { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:us-east-1::image/*']] },
    { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1::image/*']] },
  ]));
  // No key, no target account, no parameter: nothing of them is granted.
  expect(withAction(statementsOf(stack), 'kms:Decrypt')).toEqual([]);
  expect(withAction(statementsOf(stack), 'sts:AssumeRole')).toEqual([]);
  expect(withAction(statementsOf(stack), 'ssm:PutParameter')).toEqual([]);
});

test('values known at deploy time: a stack without environment, a parameter name, a list of accounts, an imported alias', () => {
  const app = new App();
  const stack = new Stack(app, 'Agnostic');
  const name = new CfnParameter(stack, 'ParameterName').valueAsString;
  const accounts = new CfnParameter(stack, 'Accounts', { type: 'CommaDelimitedList' }).valueAsList;
  const alias = kms.Alias.fromAliasName(stack, 'Alias', 'alias/golden');
  const distribution = new DistributionConfiguration(stack, 'Distribution')
    .addRegion('eu-west-1', { kmsKey: alias, targetAccounts: accounts, ssmParameters: [{ parameterName: name }] });
  distribution.grantDistribute(executionRole(stack));
  expect(synthError(stack)).toBe('');
  const statements = statementsOf(stack);

  const assume = withAction(statements, 'sts:AssumeRole');
  expect(assume).toHaveLength(1);
  // The ARNs come from the list at deploy time; the delimiter of Fn::Join is a literal (CloudFormation's rule).
  expect(JSON.stringify(assume[0].Resource)).toContain('"Fn::Split"');
  expect(JSON.stringify(assume[0].Resource)).toContain(':role/EC2ImageBuilderDistributionCrossAccountRole,arn:*:iam::');

  // Both forms of a name that may or may not start with '/'.
  const put = withAction(statements, 'ssm:PutParameter');
  expect(put).toHaveLength(1);
  expect(put[0].Resource).toHaveLength(2);

  // The alias names a key of the stack's account in the Region it is used in.
  const byAlias = withAction(statements, 'kms:Decrypt');
  expect(byAlias).toHaveLength(1);
  expect(byAlias[0].Condition['ForAnyValue:StringEquals']).toEqual({ 'kms:ResourceAliases': ['alias/golden'] });
  expect(byAlias[0].Condition.StringLike).toEqual({ 'kms:ViaService': 'ec2.*.amazonaws.com' });
  expect(JSON.stringify(byAlias[0].Resource)).toContain(':kms:eu-west-1:');
});

test('container Regions get nothing: DistributeImage and RetryImage distribute AMIs', () => {
  const stack = newStack();
  const repository = ecr.Repository.fromRepositoryName(stack, 'Repository', 'golden/app');
  const distribution = new DistributionConfiguration(stack, 'Distribution').addContainerRegion('us-east-1', { repository });
  distribution.grantDistribute(executionRole(stack));
  expect(synthError(stack)).toBe('');
  const resources = JSON.stringify(withAction(statementsOf(stack), 'ec2:CopyImage')[0].Resource);
  // Only the build Region, where the source AMI of DistributeImage is.
  expect(resources).toContain(':ec2:us-east-1::image/*');
  expect(statementsOf(stack).flatMap(s => [s.Action].flat()).filter((a: string) => a.startsWith('ecr:'))).toEqual([]);
});

test('a grant after synthesis is an error, like addRegion()', () => {
  const stack = newStack();
  const distribution = new DistributionConfiguration(stack, 'Distribution').addRegion('us-east-1');
  const role = executionRole(stack);
  (stack.node.root as App).synth();
  expect(() => distribution.grantDistribute(role)).toThrow(/\[ModifiedAfterSynthesis\]/);
});

test('tags go on images and snapshots only as CopyImage creates them, or on images already Image Builder\'s', () => {
  const stack = newStack();
  const distribution = new DistributionConfiguration(stack, 'Distribution').addRegion('us-east-1').addRegion('eu-west-1');
  distribution.grantDistribute(executionRole(stack));
  const tagging = withAction(statementsOf(stack), 'ec2:CreateTags');
  const arn = (region: string, type: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${region}::${type}/*`]] });
  expect(tagging).toEqual([
    {
      Action: 'ec2:CreateTags',
      Effect: 'Allow',
      Resource: [arn('us-east-1', 'image'), arn('eu-west-1', 'image'), arn('us-east-1', 'snapshot'), arn('eu-west-1', 'snapshot')],
      Condition: { StringEquals: { 'ec2:CreateAction': 'CopyImage' } },
    },
    {
      Action: 'ec2:CreateTags',
      Effect: 'Allow',
      Resource: [arn('us-east-1', 'image'), arn('eu-west-1', 'image')],
      Condition: { StringEquals: { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } },
    },
  ]);
  // Sharing and fast launch need the tag on the image or snapshot, which no statement puts on an existing one.
  for (const action of ['ec2:ModifyImageAttribute', 'ec2:ModifySnapshotAttribute']) {
    expect(withAction(statementsOf(stack), action).map(s => s.Condition)).toEqual([{ StringEquals: { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } }]);
  }
});
