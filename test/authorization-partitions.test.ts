import { App, Stack, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { CrossAccountDistributionRole, DistributionConfiguration, TargetAccountKeyAccess } from '../src';
import { ALLOW_ALL, Request, decide } from './authorization/evaluate';
import { Deployment, deploy } from './authorization/resolve';

/*
 * The policies of a distribution in the partitions other than `aws`: every ARN pattern the library writes uses the
 * stack's partition (a literal `arn:aws:` names nothing in aws-cn or aws-us-gov), and requests made there are decided
 * as in `aws`: Image Builder's service-linked role assumes the target account's role, that role copies with a key
 * shared with the organization's target-account roles (the key policy's role pattern), the execution role copies.
 */

const SOURCE = '111111111111';
const TARGET = '222222222222';
const ORG = 'o-aaaaaaaaaa';
const EXECUTION_ROLE = 'ImageBuilderExecution';

const PARTITIONS = [
  { partition: 'aws-cn', regions: ['cn-north-1', 'cn-northwest-1'] },
  { partition: 'aws-us-gov', regions: ['us-gov-west-1', 'us-gov-east-1'] },
];

function build(partition: string, [buildRegion, otherRegion]: string[]) {
  const app = new App();
  const distributionStack = new Stack(app, 'Distribution', { env: { account: SOURCE, region: buildRegion } });
  const otherKeys = new Stack(app, 'Keys', { env: { account: SOURCE, region: otherRegion } });
  const buildKey = new kms.Key(distributionStack, 'BuildKey');
  const otherKey = new kms.Key(otherKeys, 'OtherKey');
  const distribution = new DistributionConfiguration(distributionStack, 'Distribution', {
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    sourceKey: buildKey,
    targetAccountKeyAccess: TargetAccountKeyAccess.organization(`arn:${partition}:organizations::999999999999:organization/${ORG}`),
  })
    .addRegion(buildRegion, { kmsKey: buildKey, targetAccounts: [TARGET], ssmParameters: [{ parameterName: '/golden/ami-id' }], autoScalingGrants: true, launchPermission: { accounts: ['444444444444'] } })
    .addRegion(otherRegion, { kmsKey: otherKey, targetAccounts: [TARGET] });
  const executionRole = new iam.Role(distributionStack, 'ExecutionRole', { roleName: EXECUTION_ROLE, assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  distribution.grantDistribute(executionRole);
  const targetStack = new Stack(app, 'Target', { env: { account: TARGET, region: buildRegion } });
  new CrossAccountDistributionRole(targetStack, 'DistributionRole', {
    sourceAccounts: [SOURCE],
    keys: [buildKey, otherKey],
    executionRoles: [iam.Role.fromRoleArn(targetStack, 'Execution', `arn:${partition}:iam::${SOURCE}:role/${EXECUTION_ROLE}`)],
    launchTemplateUpdates: true,
    ssmParameterNames: ['/golden/ami-id'],
  });
  return app.synth();
}

/** The requests, one per kind of statement whose ARN pattern names the partition. */
function requests(partition: string, [buildRegion, otherRegion]: string[], deployment: Deployment): Array<{ description: string; request: Request }> {
  const targetRole = deployment.roles.find(r => r.account === TARGET)!;
  const executionRole = deployment.roles.find(r => r.name === EXECUTION_ROLE)!;
  const key = deployment.keys.find(k => k.region === otherRegion)!;
  const serviceRole = `arn:${partition}:iam::${SOURCE}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`;
  return [
    {
      description: `Image Builder's service-linked role of ${SOURCE} assumes the target account's role`,
      request: {
        principal: serviceRole,
        action: 'sts:AssumeRole',
        resource: targetRole.arn,
        resourceAccount: TARGET,
        context: { 'aws:PrincipalAccount': SOURCE, 'aws:PrincipalArn': serviceRole },
        identityPolicies: [ALLOW_ALL],
        resourcePolicy: targetRole.trustPolicy,
      },
    },
    {
      description: `the target account's role, in the organization, copies with the key of ${otherRegion} (the key policy's role pattern)`,
      request: {
        principal: `arn:${partition}:sts::${TARGET}:assumed-role/${targetRole.name}/ImageBuilderDistribution`,
        action: 'kms:Decrypt',
        resource: key.arn,
        resourceAccount: SOURCE,
        context: {
          'aws:PrincipalAccount': TARGET,
          'aws:PrincipalArn': targetRole.arn,
          'aws:PrincipalOrgID': ORG,
          'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-aaaa-11111111/`],
          'kms:CallerAccount': TARGET,
          'kms:ViaService': `ec2.${otherRegion}.amazonaws.com`,
          'kms:EncryptionContextKeys': ['aws:ebs:id'],
          'kms:ResourceAliases': key.aliases,
        },
        identityPolicies: [ALLOW_ALL],
        resourcePolicy: key.policy,
      },
    },
    {
      description: `the execution role creates the copy in ${otherRegion}`,
      request: {
        principal: `arn:${partition}:sts::${SOURCE}:assumed-role/${EXECUTION_ROLE}/ImageBuilder`,
        action: 'ec2:CopyImage',
        resource: `arn:${partition}:ec2:${otherRegion}::image/ami-0123456789abcdef0`,
        resourceAccount: SOURCE,
        context: { 'aws:PrincipalAccount': SOURCE, 'aws:PrincipalArn': executionRole.arn },
        identityPolicies: executionRole.identityPolicies,
      },
    },
    {
      description: `the execution role sets its parameter in ${buildRegion}`,
      request: {
        principal: `arn:${partition}:sts::${SOURCE}:assumed-role/${EXECUTION_ROLE}/ImageBuilder`,
        action: 'ssm:PutParameter',
        resource: `arn:${partition}:ssm:${buildRegion}:${SOURCE}:parameter/golden/ami-id`,
        resourceAccount: SOURCE,
        context: { 'aws:PrincipalAccount': SOURCE, 'aws:PrincipalArn': executionRole.arn },
        identityPolicies: executionRole.identityPolicies,
      },
    },
  ];
}

jest.setTimeout(60_000);

describe.each(PARTITIONS.map(p => [p.partition, p] as const))('%s', (partition, { regions }) => {
  const assembly = build(partition, regions);

  test('no ARN the library writes names the aws partition', () => {
    for (const stack of assembly.stacks) {
      const literals = JSON.stringify(stack.template).match(/arn:aws:[^"]*/g) ?? [];
      expect({ stack: stack.stackName, literals }).toEqual({ stack: stack.stackName, literals: [] });
    }
    // The key policy's role pattern and the Auto Scaling grantee are written with the partition as a literal.
    const keyPolicy = JSON.stringify(assembly.stacks.find(s => s.stackName === 'Distribution')!.template);
    expect(keyPolicy).toContain(`arn:${partition}:iam::*:role/EC2ImageBuilderDistributionCrossAccountRole`);
    expect(keyPolicy).toContain(`arn:${partition}:iam::\${aws:PrincipalAccount}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`);
  });

  test('Image Builder\'s requests in the partition are allowed', async () => {
    const deployment = deploy(assembly);
    const denied: string[] = [];
    for (const { description, request } of requests(partition, regions, deployment)) {
      const decision = await decide(request);
      if (!decision.allowed || decision.errors || decision.ignoredContextKeys.length > 0) {
        denied.push(`${description}${decision.errors ? ` (${decision.errors})` : ''}${decision.ignoredContextKeys.length ? ` (ignored ${decision.ignoredContextKeys.join(', ')})` : ''}`);
      }
    }
    expect(denied).toEqual([]);
  });

  test('the suite can fail: the same policies written with arn:aws: deny every one of them', async () => {
    const deployment = deploy(assembly);
    const inAws = (value: unknown) => JSON.parse(JSON.stringify(value).split(`arn:${partition}:`).join('arn:aws:'));
    const moved: Deployment = {
      ...deployment,
      keys: deployment.keys.map(k => ({ ...k, policy: inAws(k.policy) })),
      roles: deployment.roles.map(r => ({
        ...r,
        trustPolicy: inAws(r.trustPolicy),
        identityPolicies: r.identityPolicies.map(p => ({ ...p, policy: inAws(p.policy) })),
      })),
    };
    for (const { description, request } of requests(partition, regions, moved)) {
      // The request's own ARNs stay in the partition: only the policies are moved.
      const original = requests(partition, regions, deployment).find(r => r.description === description)!.request;
      const decision = await decide({ ...original, identityPolicies: request.identityPolicies, resourcePolicy: request.resourcePolicy });
      expect({ description, allowed: decision.allowed }).toEqual({ description, allowed: false });
    }
  });
});
