import { App, Stack } from 'aws-cdk-lib';
import { CrossAccountDistributionRoleStackSet, DistributionConfiguration } from '../src';
import { DEFAULT_ACCOUNT, useMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { main } from '../src/cli/main';

/*
 * preflight and the StackSet of the target-account role (CrossAccountDistributionRoleStackSet), against moto in
 * server mode: an organization with OUs and member accounts seeded through the AWS API, the command run as a user
 * runs it. Which accounts the StackSet covers is read with organizations:ListParents by the caller.
 */

jest.setTimeout(180_000);

const DIST = DEFAULT_ACCOUNT; // the distribution account, and the organization's management account
const ROLE = 'PreflightAccess';
const STACK_SET = 'golden-roles';

const { tempDir } = useMoto();

interface JsonResult {
  check: string;
  status: string;
  account?: string;
  resource: string;
  message: string;
  fix?: string;
}

/**
 * An app with a distribution into `targets`, and in a stack of the management account the StackSet of the role for
 * the OUs `units`, trusting `sourceAccounts`. Returns the cloud assembly directory and the StackSet's logical ID.
 */
function synth(targets: string[], units: string[], sourceAccounts = [DIST], distributionAccount = DIST): { app: string; logicalId: string } {
  const outdir = tempDir('preflight-stack-set-');
  const app = new App({ outdir });
  const golden = new Stack(app, 'Golden', { env: { account: distributionAccount, region: 'us-east-1' } });
  new DistributionConfiguration(golden, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', targetAccounts: targets }).addRegion('us-east-1');
  const org = new Stack(app, 'Org', { env: { account: DIST, region: 'us-east-1' } });
  const stackSet = new CrossAccountDistributionRoleStackSet(org, 'Roles', { organizationalUnitIds: units, sourceAccounts, stackSetName: STACK_SET });
  app.synth();
  return { app: outdir, logicalId: org.resolve(stackSet.stackSet.logicalId) };
}

async function preflight(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--json'], { out: t => out.push(t), err: t => err.push(t) });
  const report = JSON.parse(out.join('\n')) as { checks: JsonResult[] };
  return { code, err: err.join('\n'), checks: report.checks };
}

/** The role check of a target account. */
function roleOf(checks: JsonResult[], account: string): JsonResult {
  const found = checks.filter(c => c.check === 'cross-account-role' && c.account === account);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The StackSet's stack as CloudFormation has it once deployed (moto has no AWS::CloudFormation::StackSet: a stand-in of the same logical ID). */
async function deployStackSet(logicalId: string) {
  await seed.deployStack(DIST, 'us-east-1', 'Org', { [logicalId]: { Type: 'AWS::SNS::Topic' } });
}

/** An organization with the OU `workloads`; returns the OU's ID. */
async function organization(): Promise<string> {
  const { ouArn } = await seed.createOrganization();
  return ouArn.split('/').pop()!;
}

test('before the StackSet is deployed: an account of its OU is "role from StackSet X", DEPLOYS; an account outside it needs the role', async () => {
  const ou = await organization();
  const inside = await seed.createMemberAccount('inside', ou);
  const outside = await seed.createMemberAccount('outside');
  const { app, logicalId } = synth([inside, outside], [ou]);

  const { code, checks } = await preflight(['preflight', '--app', app, '--assume-role-name', ROLE]);

  const covered = roleOf(checks, inside);
  expect(covered.status).toBe('deploys');
  expect(covered.message).toBe(`role from StackSet ${STACK_SET} (${ou}, stack Org): created by this app, stack Org: not deployed yet (CloudFormation has no ${logicalId} in stack Org of ${DIST} in us-east-1); checked live once that stack is deployed`);
  const uncovered = roleOf(checks, outside);
  expect(uncovered.status).toBe('fail');
  expect(uncovered.message).toMatch(new RegExp(`^does not exist in target account ${outside}`));
  expect(uncovered.fix).toMatch(new RegExp(`or move the account into an OU of StackSet ${STACK_SET}$`));
  expect(code).toBe(1);
});

test('an OU below the StackSet\'s OU is covered too (ListParents up to the root), and the root covers every member account', async () => {
  const ou = await organization();
  const child = await seed.createOrganizationalUnit(ou, 'team');
  const nested = await seed.createMemberAccount('nested', child);
  const { app } = synth([nested], [ou]);
  expect(roleOf((await preflight(['preflight', '--app', app, '--assume-role-name', ROLE])).checks, nested).message).toMatch(new RegExp(`^role from StackSet ${STACK_SET} \\(${ou}, stack Org\\): created by this app`));

  const root = await seed.rootId();
  const { app: whole } = synth([nested], [root]);
  const { code, checks } = await preflight(['preflight', '--app', whole, '--assume-role-name', ROLE]);
  expect(roleOf(checks, nested).message).toMatch(new RegExp(`^role from StackSet ${STACK_SET} \\(${root}, stack Org\\)`));
  expect(code).toBe(0);
});

test('once the StackSet is deployed, the role it made is checked live: it passes, and a missing one fails with where to look', async () => {
  const ou = await organization();
  const made = await seed.createMemberAccount('made', ou);
  const failed = await seed.createMemberAccount('failed', ou);
  const { app, logicalId } = synth([made, failed], [ou]);
  await deployStackSet(logicalId);
  // The stack instance of `made` created the role; that of `failed` did not.
  await seed.createCrossAccountRole(made, DIST);

  const { code, checks } = await preflight(['preflight', '--app', app, '--assume-role-name', ROLE]);

  expect(roleOf(checks, made)).toMatchObject({
    status: 'pass',
    message: `role from StackSet ${STACK_SET} (${ou}, stack Org): trusts ${DIST} and has Ec2ImageBuilderCrossAccountDistributionAccess`,
  });
  expect(roleOf(checks, failed)).toMatchObject({
    status: 'fail',
    message: `role from StackSet ${STACK_SET} (${ou}, stack Org): the StackSet is deployed, but the role does not exist in ${failed}: its stack instance failed or is not created yet, and the copy fails with AccessDenied on sts:AssumeRole.`,
    fix: `read the status reason of the account's stack instance (aws cloudformation list-stack-instances --stack-set-name ${STACK_SET} --stack-instance-account ${failed} --call-as SELF) and fix it`,
  });
  expect(code).toBe(1);
});

test('before the deploy: a StackSet whose role does not trust the distribution account, and an account that has the role already, are findings', async () => {
  const ou = await organization();
  const account = await seed.createMemberAccount('member', ou);
  const { app } = synth([account], [ou], ['222222222222']);
  const untrusted = roleOf((await preflight(['preflight', '--app', app, '--assume-role-name', ROLE])).checks, account);
  expect(untrusted).toMatchObject({ status: 'fail', fix: `add '${DIST}' to the sourceAccounts of StackSet ${STACK_SET}` });
  expect(untrusted.message).toMatch(/the StackSet's role does not trust the distribution account 123456789012/);

  const { app: trusting } = synth([account], [ou]);
  await seed.createCrossAccountRole(account, DIST);
  const taken = roleOf((await preflight(['preflight', '--app', trusting, '--assume-role-name', ROLE])).checks, account);
  expect(taken.status).toBe('fail');
  expect(taken.message).toMatch(/the account has EC2ImageBuilderDistributionCrossAccountRole already, so the StackSet's stack instance in it will fail with the name taken/);
});

test('when the organization cannot be read, a missing role is unchecked with the reason and the fix, never a pass; an existing role is checked as usual', async () => {
  // No organization: Organizations answers AWSOrganizationsNotInUseException.
  const target = '444444444444';
  const { app } = synth([target], ['ou-ab12-cdefghij']);

  const { code, checks } = await preflight(['preflight', '--app', app, '--assume-role-name', ROLE]);

  expect(roleOf(checks, target)).toMatchObject({
    status: 'unchecked',
    message: `does not exist in target account ${target}, and whether StackSet ${STACK_SET} deploys it there cannot be known: the caller's account is in no organization (organizations:DescribeOrganization: AWSOrganizationsNotInUseException)`,
    fix: 'run preflight with credentials of the organization\'s management account or of a delegated administrator',
  });
  expect(code).toBe(3);

  await seed.createCrossAccountRole(target, DIST);
  const again = await preflight(['preflight', '--app', app, '--assume-role-name', ROLE]);
  expect(roleOf(again.checks, target)).toMatchObject({ status: 'pass', message: `trusts ${DIST} and has Ec2ImageBuilderCrossAccountDistributionAccess` });
  expect(again.code).toBe(0);
});

test('the management account is never covered, even under the root the StackSet targets: it needs a role of its own', async () => {
  await organization();
  const root = await seed.rootId();
  const source = '222222222222';
  const { app } = synth([DIST], [root], [source], source);

  const { checks } = await preflight(['preflight', '--app', app, '--assume-role-name', ROLE]);

  const management = roleOf(checks, DIST);
  expect(management.status).toBe('fail');
  expect(management.message).toMatch(new RegExp(`^does not exist in target account ${DIST}`));
  expect(management.fix).toMatch(new RegExp(`in account ${DIST} \\(the organization's management account: StackSet ${STACK_SET} never deploys to it\\)$`));
});
