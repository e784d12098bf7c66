import { App, Stack, aws_iam as iam, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { DEFAULT_ACCOUNT, useMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { main } from '../src/cli/main';

/*
 * preflight and the execution role of an image pipeline, against moto in server mode: Image Builder distributes as
 * the pipeline's execution role, so the target account's role must trust that role, not only Image Builder's
 * service-linked role (CrossAccountDistributionRole trusts only these by aws:PrincipalArn, unless
 * trustEntireSourceAccount).
 */

jest.setTimeout(180_000);

const DIST = DEFAULT_ACCOUNT;
const TARGET = '111111111111';
const ROLE = 'PreflightAccess';
const EXECUTION_ROLE = `arn:aws:iam::${DIST}:role/ImageBuilderDistribution`;
const SERVICE_ROLE = 'arn:aws:iam::*:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder';

const { tempDir } = useMoto();

/** The trust statement CrossAccountDistributionRole writes: the source account, for these principal ARNs only. */
const trustFor = (principalArns: string[]) => [{
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${DIST}:root` },
  Action: 'sts:AssumeRole',
  Condition: { ArnLike: { 'aws:PrincipalArn': principalArns } },
}];

/** An app whose pipeline distributes to TARGET with an execution role of its own stack (`roleName` as given). */
function synth(roleName?: string): string {
  const outdir = tempDir('preflight-exec-');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
  const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', targetAccounts: [TARGET] })
    .addRegion('us-east-1');
  const role = new iam.Role(stack, 'ExecutionRole', { roleName, assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  new imagebuilder.CfnImagePipeline(stack, 'Pipeline', {
    name: 'golden',
    imageRecipeArn: `arn:aws:imagebuilder:us-east-1:${DIST}:image-recipe/golden/1.0.0`,
    infrastructureConfigurationArn: `arn:aws:imagebuilder:us-east-1:${DIST}:infrastructure-configuration/golden`,
    distributionConfigurationArn: dist.distributionConfigurationArn,
    executionRole: role.roleArn,
  });
  app.synth();
  return outdir;
}

async function roleResults(app: string) {
  const out: string[] = [];
  const code = await main(['preflight', '--app', app, '--assume-role-name', ROLE, '--json'], { out: t => out.push(t), err: () => undefined });
  const checks = (JSON.parse(out.join('\n')) as { checks: Array<Record<string, string>> }).checks;
  return { code, checks: checks.filter(c => c.account === TARGET && /cross-account-role|not-checkable/.test(c.check)) };
}

test('a target role that trusts only the service-linked role fails, naming the account, the execution role and the fix', async () => {
  await seed.createCrossAccountRole(TARGET, DIST, { trustStatements: trustFor([SERVICE_ROLE]) });

  const { code, checks } = await roleResults(synth('ImageBuilderDistribution'));

  expect(checks).toHaveLength(1);
  expect(checks[0]).toMatchObject({ check: 'cross-account-role', status: 'fail', account: TARGET, resource: 'EC2ImageBuilderDistributionCrossAccountRole' });
  expect(checks[0].message).toContain(`does not allow sts:AssumeRole to the execution role ${EXECUTION_ROLE}`);
  expect(checks[0].message).toContain(`into ${TARGET} fails with AccessDenied`);
  expect(checks[0].fix).toContain(`add ${EXECUTION_ROLE} to the executionRoles of the CrossAccountDistributionRole`);
  expect(checks[0].fix).toContain('trustEntireSourceAccount: true');
  expect(code).toBe(1);
});

test('a target role that trusts the execution role too passes', async () => {
  await seed.createCrossAccountRole(TARGET, DIST, { trustStatements: trustFor([SERVICE_ROLE, EXECUTION_ROLE]) });

  const { checks } = await roleResults(synth('ImageBuilderDistribution'));

  expect(checks).toEqual([expect.objectContaining({
    check: 'cross-account-role',
    status: 'pass',
    message: `trusts ${DIST} (and the execution role ${EXECUTION_ROLE}) and has Ec2ImageBuilderCrossAccountDistributionAccess`,
  })]);
});

test('an execution role whose name CloudFormation generates is unchecked, with the reason', async () => {
  await seed.createCrossAccountRole(TARGET, DIST, { trustStatements: trustFor([SERVICE_ROLE]) });

  const { code, checks } = await roleResults(synth(undefined));

  // The service-linked role's trust is still checked; the execution role's is reported as not checkable.
  expect(checks.find(c => c.check === 'cross-account-role')?.status).toBe('pass');
  const unchecked = checks.find(c => c.check === 'not-checkable');
  expect(unchecked).toMatchObject({ status: 'unchecked', resource: 'trust of the execution role of pipeline Golden/Pipeline' });
  expect(unchecked?.message).toMatch(/its ARN .*ExecutionRole.* is known only at deploy time/);
  expect(code).toBe(3);
});
