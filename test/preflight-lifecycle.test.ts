import { App, Stack } from 'aws-cdk-lib';
import { CrossAccountDistributionRole, DistributionConfiguration, DistributionLifecycle, LifecycleAction, LifecycleFilter } from '../src';
import { DEFAULT_ACCOUNT, useMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { main } from '../src/cli/main';

/*
 * preflight and a DistributionLifecycle, against moto in server mode: a lifecycle policy retires the copies in a
 * target account only through the role Ec2ImageBuilderCrossAccountLifecycleAccess of that account, so each target
 * account of a governed distribution is checked for it (one source account, one target account).
 */

jest.setTimeout(180_000);

const DIST = DEFAULT_ACCOUNT;
const TARGET = '111111111111';
const ROLE = 'PreflightAccess';

const { tempDir } = useMoto();

const outdir = () => tempDir('preflight-lifecycle-');

/** An app whose lifecycle policy governs a distribution into TARGET. */
function synth(): string {
  const app = new App({ outdir: outdir() });
  const stack = new Stack(app, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
  const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', targetAccounts: [TARGET] })
    .addRegion('us-east-1');
  new DistributionLifecycle(stack, 'Lifecycle', {
    distributions: [dist],
    recipes: [{ name: 'golden' }],
    rules: [{ action: LifecycleAction.DELETE, filter: LifecycleFilter.count(5) }],
  });
  app.synth();
  return app.outdir;
}

/** A template value with the partition resolved (`Ref AWS::Partition`, `Fn::Join`), as CloudFormation would. */
function resolved(value: unknown): any {
  if (Array.isArray(value)) {
    return value.map(resolved);
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, any>;
    if (v.Ref === 'AWS::Partition') {
      return 'aws';
    }
    if (v['Fn::Join']) {
      return (resolved(v['Fn::Join'][1]) as string[]).join(v['Fn::Join'][0]);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolved(x)]));
  }
  return value;
}

/**
 * Creates in TARGET the lifecycle role exactly as `lifecycle: true` on CrossAccountDistributionRole writes it: its
 * trust policy and managed policies from the synthesized template (through IAM: moto's CloudFormation leaves out
 * a role's ManagedPolicyArns).
 */
async function createLifecycleRoleAsWritten() {
  const app = new App({ outdir: outdir() });
  const stack = new Stack(app, 'Target', { env: { account: TARGET, region: 'us-east-1' } });
  const role = new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: [DIST], lifecycle: true });
  const resources = app.synth().getStackByName(stack.stackName).template.Resources;
  const props = resolved(resources[stack.getLogicalId(role.lifecycleRole!.node.defaultChild as any)].Properties);
  await seed.createRole(TARGET, props.RoleName, props.AssumeRolePolicyDocument, props.ManagedPolicyArns);
}

async function lifecycleResults(app: string) {
  const out: string[] = [];
  const code = await main(['preflight', '--app', app, '--assume-role-name', ROLE, '--json'], { out: t => out.push(t), err: () => undefined });
  const checks = (JSON.parse(out.join('\n')) as { checks: Array<Record<string, string>> }).checks;
  return { code, checks: checks.filter(c => c.check === 'lifecycle-role') };
}

test('a target account without the lifecycle role fails, naming the account and the fix', async () => {
  await seed.createCrossAccountRole(TARGET, DIST);

  const { code, checks } = await lifecycleResults(synth());

  expect(checks).toHaveLength(1);
  expect(checks[0]).toMatchObject({ status: 'fail', account: TARGET, resource: 'Ec2ImageBuilderCrossAccountLifecycleAccess' });
  expect(checks[0].message).toContain(`does not exist in target account ${TARGET}`);
  expect(checks[0].message).toContain('lifecycle policy Golden/Lifecycle/Resource');
  expect(checks[0].fix).toContain('lifecycle: true on the CrossAccountDistributionRole (or CrossAccountDistributionRoleStackSet)');
  expect(checks[0].fix).toContain(TARGET);
  expect(code).toBe(1);
});

test('a target account with the lifecycle role as CrossAccountDistributionRole writes it passes', async () => {
  await seed.createCrossAccountRole(TARGET, DIST);
  await createLifecycleRoleAsWritten();

  const { code, checks } = await lifecycleResults(synth());

  expect(checks).toEqual([expect.objectContaining({
    status: 'pass',
    account: TARGET,
    message: `trusts Image Builder for images of ${DIST} and has EC2ImageBuilderLifecycleExecutionPolicy`,
  })]);
  expect(code).not.toBe(1);
});

test('a lifecycle role that trusts Image Builder for images of another account only fails, naming the source account', async () => {
  await seed.createCrossAccountRole(TARGET, DIST);
  await seed.createRole(TARGET, 'Ec2ImageBuilderCrossAccountLifecycleAccess', {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Service: 'imagebuilder.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' }, ArnLike: { 'aws:SourceArn': 'arn:aws:imagebuilder:*:*:image/*/*/*' } },
    }],
  }, ['arn:aws:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy']);

  const { code, checks } = await lifecycleResults(synth());

  expect(checks).toHaveLength(1);
  expect(checks[0]).toMatchObject({ status: 'fail', account: TARGET });
  expect(checks[0].message).toContain(`does not allow sts:AssumeRole to imagebuilder.amazonaws.com for images of ${DIST}`);
  expect(checks[0].fix).toContain(`aws:SourceAccount ${DIST}`);
  expect(code).toBe(1);
});
