import { App, CfnParameter, Duration, Stack, aws_events as events, aws_logs as logs, aws_sns as sns } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { Decision, decide } from './authorization/evaluate';
import { deploy } from './authorization/resolve';
import { synthError, warningsOf } from './helpers';
import { propertyRuns } from './property-runs';
import { schemaErrors } from './schema';
import { DistributionConfiguration, DistributionVerification, DistributionVerificationProps } from '../src';
import { DistributionError } from '../src/private/errors';

/*
 * DistributionVerification: what it deploys (the rules that start the function, the function's environment, the
 * log group, the topic, the alarms and the dashboard), checked against the CloudFormation schemas; and its role,
 * evaluated as AWS evaluates each call the handler makes (allowed) and each change it must never make (denied).
 */

const ACCOUNT = '111111111111';
const TARGET = '222222222222';
const NAME = 'golden-{{ imagebuilder:buildDate }}';

function build(props: Partial<DistributionVerificationProps> = {}, region = 'us-east-1') {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region } });
  const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: NAME, distributionConfigurationName: 'golden' })
    .addRegion(region, { targetAccounts: [TARGET] }).addRegion('eu-west-1', { targetAccounts: [TARGET] });
  const verification = new DistributionVerification(stack, 'Verification', { distributions: [distribution], ...props });
  return { app, stack, distribution, verification };
}

const only = (template: Template, type: string) => {
  const found = Object.values<any>(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0].Properties;
};

describe('the template', () => {
  const { stack, verification } = build();
  const template = Template.fromStack(stack);
  const id = (construct: any) => stack.getLogicalId(construct.node.defaultChild);

  test('an image that becomes AVAILABLE starts the function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.imagebuilder'],
        'detail-type': ['EC2 Image Builder Image State Change'],
        'detail': { state: { status: ['AVAILABLE'] } },
      },
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(verification.function), 'Arn'] } })],
    });
  });

  test('and a daily schedule, to catch drift', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(verification.function), 'Arn'] } })],
    });
    // EventBridge may invoke it: one permission per rule.
    expect(Object.values<any>(template.findResources('AWS::Lambda::Permission')).map(p => p.Properties.Principal)).toEqual(['events.amazonaws.com', 'events.amazonaws.com']);
  });

  test('the function: Node.js 22, the command\'s handler, 15 minutes, its log group, the environment the handler reads', () => {
    const fn = only(template, 'AWS::Lambda::Function');
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'main.handler', Timeout: 900, MemorySize: 1024 });
    expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: id(verification.logGroup) } });
    expect(fn.Role).toEqual({ 'Fn::GetAtt': [id(verification.role), 'Arn'] });
    // After its policy (the role itself through the GetAtt: cfn-lint W3005 reports a DependsOn on it).
    const resource = Object.values<any>(template.findResources('AWS::Lambda::Function'))[0];
    expect(resource.DependsOn).toEqual([stack.getLogicalId(verification.role.node.findChild('DefaultPolicy').node.defaultChild as any)]);
    const env = fn.Environment.Variables;
    expect(env.VERIFY_ROLE_NAME).toBe('ImageBuilderDistributionVerification');
    expect(env.VERIFY_NAMESPACE).toBe('ImageBuilderDistribution');
    expect(env.VERIFY_CONCURRENCY).toBe('16');
    expect(env.VERIFY_METRICS_BY_ACCOUNT).toBe('true');
    expect(env.VERIFY_TOPIC_ARN).toEqual({ Ref: id(verification.topic) });
    // A JSON list of the configurations' ARNs, resolved at deploy time.
    expect(JSON.stringify(env.VERIFY_CONFIGURATIONS)).toContain('["');
    expect(JSON.stringify(env.VERIFY_CONFIGURATIONS)).toContain(`"Fn::GetAtt":["${stack.getLogicalId(stack.node.findChild('Dist').node.defaultChild as any)}","Arn"]`);
  });

  test('the log group keeps the records a year, and stays when the stack goes', () => {
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('the topic is encrypted with a rotated key that the account\'s CloudWatch alarms may use, and takes TLS only', () => {
    const topic = only(template, 'AWS::SNS::Topic');
    const key = Object.values<any>(template.findResources('AWS::KMS::Key'))[0].Properties;
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/TopicKey/), 'Arn'] });
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toEqual(expect.arrayContaining([expect.objectContaining({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }),
    })]));
    const policy = only(template, 'AWS::SNS::TopicPolicy');
    expect(policy.PolicyDocument.Statement).toEqual([expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
  });

  test('two alarms on the totals (no dimension), each notifying the topic', () => {
    const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map(a => a.Properties);
    expect(alarms.map(a => a.MetricName).sort()).toEqual(['CopiesFailing', 'CopiesUnchecked']);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        Namespace: 'ImageBuilderDistribution',
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: id(verification.topic) }],
      });
      expect(alarm.Dimensions).toBeUndefined();
    }
  });

  test('the dashboard: the last verdict of each Region and account from the log, the four metrics, the function\'s errors, the alarms', () => {
    // The body as CloudWatch receives it, with each deploy-time value named by its logical ID.
    const join = only(template, 'AWS::CloudWatch::Dashboard').DashboardBody['Fn::Join'];
    expect(join[0]).toBe('');
    const text = join[1].map((p: any) => (typeof p === 'string' ? p : p.Ref ?? p['Fn::GetAtt'].join('.'))).join('');
    const widgets: any[] = JSON.parse(text).widgets;
    const log = id(verification.logGroup);
    expect(widgets.filter(w => w.type === 'log').map(w => [w.properties.view, w.properties.query])).toEqual([
      ['table', `SOURCE '${log}' | filter record = "copy"\n| stats latest(verdict) as lastVerdict, latest(image) as lastImage, latest(ami) as lastAmi, max(@timestamp) as lastVerified by region, account, configuration\n| sort lastVerified asc`],
      ['table', `SOURCE '${log}' | filter record = "copy" and verdict != "present"\n| fields @timestamp, verdict, region, account, image, \`findings.0.message\` as finding, \`findings.0.fix\` as fix\n| sort @timestamp desc\n| limit 100`],
    ]);
    const graphs = widgets.filter(w => w.type === 'metric').map(w => w.properties.metrics.map((m: any[]) => m.slice(0, 2).join(' ')));
    expect(graphs).toEqual([
      ['ImageBuilderDistribution CopiesExpected', 'ImageBuilderDistribution CopiesPresent', 'ImageBuilderDistribution CopiesFailing', 'ImageBuilderDistribution CopiesUnchecked'],
      ['AWS/Lambda Errors', 'AWS/Lambda Invocations'],
    ]);
    expect(widgets.find(w => w.type === 'alarm').properties.alarms).toEqual([`${id(verification.failureAlarm)}.Arn`, `${id(verification.uncheckedAlarm)}.Arn`]);
  });

  test('every resource is valid against its CloudFormation schema, with no warning', () => {
    const types = [...new Set(Object.values<any>(template.toJSON().Resources).map(r => r.Type))];
    expect(types.sort()).toEqual([
      'AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::Events::Rule', 'AWS::IAM::Policy', 'AWS::IAM::Role',
      'AWS::ImageBuilder::DistributionConfiguration', 'AWS::KMS::Key', 'AWS::Lambda::Function', 'AWS::Lambda::Permission',
      'AWS::Logs::LogGroup', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy',
    ]);
    expect(schemaErrors(template.toJSON(), types)).toEqual([]);
    expect(warningsOf(stack)).toEqual([]);
  });
});

test('the options: a given topic (no key, no topic made), a schedule, a namespace, the role name, metrics without accounts, the dashboard name', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const topic = new sns.Topic(stack, 'Mine');
  const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1');
  const verification = new DistributionVerification(stack, 'Verification', {
    distributions: [distribution],
    topic,
    schedule: events.Schedule.rate(Duration.hours(6)),
    metricNamespace: 'Golden',
    roleName: 'ReadOnlyVerification',
    metricsByAccount: false,
    concurrency: 4,
    dashboardName: 'golden-fleet',
    logRetention: logs.RetentionDays.ONE_MONTH,
  });
  expect(verification.topic).toBe(topic);
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::SNS::Topic', 1);
  template.resourceCountIs('AWS::KMS::Key', 0);
  template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
  template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'golden-fleet' });
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  const env = only(template, 'AWS::Lambda::Function').Environment.Variables;
  expect(env).toMatchObject({ VERIFY_NAMESPACE: 'Golden', VERIFY_ROLE_NAME: 'ReadOnlyVerification', VERIFY_METRICS_BY_ACCOUNT: 'false', VERIFY_CONCURRENCY: '4' });
  expect(env.VERIFY_TOPIC_ARN).toEqual({ Ref: stack.getLogicalId(topic.node.defaultChild as any) });
  const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map(a => a.Properties);
  expect(alarms.map(a => a.Namespace)).toEqual(['Golden', 'Golden']);
  expect(synthError(stack)).toBe('');
});

test('the metric methods: Sum of the namespace\'s metric, the totals unless a dimension is asked for', () => {
  const { stack, verification } = build({ metricNamespace: 'Golden' });
  const byRegion = verification.metricCopiesPresent({ dimensionsMap: { Region: 'eu-west-1' }, period: Duration.hours(1) });
  expect(byRegion).toMatchObject({ namespace: 'Golden', metricName: 'CopiesPresent', statistic: 'Sum', dimensions: { Region: 'eu-west-1' } });
  expect(byRegion.period.toSeconds()).toBe(3600);
  expect(verification.metricCopiesExpected()).toMatchObject({ metricName: 'CopiesExpected', dimensions: undefined });
  expect(verification.metricCopiesFailing().metricName).toBe('CopiesFailing');
  expect(verification.metricCopiesUnchecked().metricName).toBe('CopiesUnchecked');
  expect(verification.failureAlarm.node.scope).toBe(verification);
  expect(stack.resolve(verification.uncheckedAlarm.alarmArn)).toBeDefined();
});

describe('the function\'s role, evaluated', () => {
  const { app, verification } = build();
  const deployment = deploy(app.synth());
  const role = deployment.roles.find(r => r.name === 'ImageBuilderDistributionVerifier-us-east-1')!;
  const topicKey = deployment.keys.find(k => k.logicalId.includes('TopicKey'))!;
  const stackTemplate = app.synth().getStackByName('Stack').template;
  const topicArn: string = deployment.resolve('Stack', { Ref: Stack.of(verification).getLogicalId(verification.topic.node.defaultChild as any) });
  const topicPolicy = deployment.resolve('Stack', Object.values<any>(stackTemplate.Resources).find(r => r.Type === 'AWS::SNS::TopicPolicy').Properties.PolicyDocument);
  const logGroupName: string = deployment.resolve('Stack', { Ref: Stack.of(verification).getLogicalId(verification.logGroup.node.defaultChild as any) });
  const session = `arn:aws:sts::${ACCOUNT}:assumed-role/ImageBuilderDistributionVerifier-us-east-1/verifier`;
  const otherKeyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
  // A target account's role that trusts the source account (the read-only role trusts the verifier this way or narrower).
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] };

  const ask = (action: string, resource: string, resourcePolicy?: any, context: Record<string, string> = {}): Promise<Decision> => decide({
    principal: session,
    action,
    resource,
    resourceAccount: resource === '*' ? ACCOUNT : resource.split(':')[4] || ACCOUNT,
    context: { 'aws:PrincipalArn': role.arn, 'aws:SecureTransport': 'true', ...context },
    identityPolicies: role.identityPolicies,
    resourcePolicy,
  });
  const image = (region = 'us-east-1') => `arn:aws:imagebuilder:${region}:${ACCOUNT}:image/golden/1.0.0/4`;
  const ami = 'arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0';
  const parameter = `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/golden/ami`;
  const distributionKey = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const stream = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${logGroupName}:log-stream:2026/12/06/[$LATEST]abc`;

  const allowed: Array<[string, () => Promise<Decision>]> = [
    ['imagebuilder:GetImage of an image of its Region', () => ask('imagebuilder:GetImage', image())],
    ['imagebuilder:ListImagePipelines', () => ask('imagebuilder:ListImagePipelines', '*')],
    ['imagebuilder:ListImagePipelineImages', () => ask('imagebuilder:ListImagePipelineImages', `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image-pipeline/golden`)],
    ['sts:AssumeRole of the read-only role of a target account', () => ask('sts:AssumeRole', `arn:aws:iam::${TARGET}:role/ImageBuilderDistributionVerification`, trust)],
    ...['DescribeImages', 'DescribeSnapshots', 'DescribeFastLaunchImages', 'DescribeLaunchTemplateVersions'].map(a =>
      [`ec2:${a}`, () => ask(`ec2:${a}`, '*')] as [string, () => Promise<Decision>]),
    ['ec2:DescribeImageAttribute of a copy', () => ask('ec2:DescribeImageAttribute', ami)],
    ['kms:DescribeKey of a copy\'s key', () => ask('kms:DescribeKey', distributionKey, otherKeyPolicy)],
    ['ssm:GetParameter of a parameter the distribution writes', () => ask('ssm:GetParameter', parameter)],
    ['sns:Publish to its topic over TLS', () => ask('sns:Publish', topicArn, topicPolicy)],
    ['kms:GenerateDataKey of the topic\'s key (publishing)', () => ask('kms:GenerateDataKey', topicKey.arn, topicKey.policy)],
    ['kms:Decrypt of the topic\'s key (publishing)', () => ask('kms:Decrypt', topicKey.arn, topicKey.policy)],
    ['logs:CreateLogStream in its log group', () => ask('logs:CreateLogStream', stream)],
    ['logs:PutLogEvents in its log group', () => ask('logs:PutLogEvents', stream)],
  ];
  test.each(allowed)('allowed: %s', async (_name, request) => {
    const decision = await request();
    expect(decision.errors).toBeUndefined();
    expect(decision.allowed).toBe(true);
  });

  const denied: Array<[string, () => Promise<Decision>]> = [
    ['ec2:ModifyImageAttribute', () => ask('ec2:ModifyImageAttribute', ami)],
    ['ec2:DeregisterImage', () => ask('ec2:DeregisterImage', ami)],
    ['ec2:CopyImage', () => ask('ec2:CopyImage', ami)],
    ['kms:Decrypt of a distribution key', () => ask('kms:Decrypt', distributionKey, otherKeyPolicy)],
    ['kms:CreateGrant of a distribution key', () => ask('kms:CreateGrant', distributionKey, otherKeyPolicy)],
    ['ssm:PutParameter', () => ask('ssm:PutParameter', parameter)],
    ['ssm:GetParameter of another account\'s parameter', () => ask('ssm:GetParameter', `arn:aws:ssm:eu-west-1:${TARGET}:parameter/golden/ami`, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ssm:*', Resource: '*' }] })],
    ['sts:AssumeRole of another role of a target account', () => ask('sts:AssumeRole', `arn:aws:iam::${TARGET}:role/OrganizationAccountAccessRole`, trust)],
    ['sts:AssumeRole of a role of its own account', () => ask('sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/Admin`, trust)],
    ['sns:Publish to another topic', () => ask('sns:Publish', `arn:aws:sns:us-east-1:${ACCOUNT}:other`)],
    ['sns:Publish to its topic without TLS', () => ask('sns:Publish', topicArn, topicPolicy, { 'aws:SecureTransport': 'false' })],
    ['imagebuilder:GetImage of an image of another Region', () => ask('imagebuilder:GetImage', image('eu-west-1'))],
    ['imagebuilder:DeleteImage', () => ask('imagebuilder:DeleteImage', image())],
    ['imagebuilder:StartImagePipelineExecution', () => ask('imagebuilder:StartImagePipelineExecution', `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image-pipeline/golden`)],
    ['imagebuilder:SendWorkflowStepAction (release rings add it, not the verification)', () => ask('imagebuilder:SendWorkflowStepAction', image())],
    ['logs:PutLogEvents in another log group', () => ask('logs:PutLogEvents', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:other:log-stream:x`)],
  ];
  test.each(denied)('denied: %s', async (_name, request) => {
    const decision = await request();
    expect(decision.errors).toBeUndefined();
    expect(decision.allowed).toBe(false);
  });
});

test('tokens are values: an environment-agnostic stack, a concurrency and a configuration ARN known at deploy time', () => {
  const app = new App();
  const stack = new Stack(app, 'Agnostic');
  const concurrency = new CfnParameter(stack, 'Concurrency', { type: 'Number' }).valueAsNumber;
  const arn = new CfnParameter(stack, 'Configuration').valueAsString;
  new DistributionVerification(stack, 'Verification', {
    distributions: [DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Dist', arn)],
    concurrency,
  });
  expect(synthError(stack)).toBe('');
  const env = only(Template.fromStack(stack), 'AWS::Lambda::Function').Environment.Variables;
  expect(env.VERIFY_CONCURRENCY).toEqual({ Ref: 'Concurrency' });
});

test('whatever a JavaScript caller passes, the construct throws only the library\'s own error', () => {
  const anything = fc.constantFrom<unknown>(null, undefined, NaN, Infinity, -1, 0, 1, 16, 64, 65, 2.5, '16', true, {}, [], [null], () => 1);
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1');
  let n = 0;
  fc.assert(fc.property(anything, anything, anything, anything, fc.boolean(), (concurrency, metricsByAccount, roleName, topic, listed) => {
    try {
      const props = { distributions: listed ? [distribution] : concurrency, concurrency, metricsByAccount, roleName, topic };
      new DistributionVerification(stack, `V${n++}`, props as any);
    } catch (e) {
      expect(e).toBeInstanceOf(DistributionError);
      expect((e as DistributionError).rule).toMatch(/^(InvalidInput|VerificationConcurrency|VerificationDistributions|VerificationNames)$/);
    }
  }), { numRuns: propertyRuns(0.5) });
});
