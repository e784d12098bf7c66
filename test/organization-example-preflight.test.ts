import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { DEFAULT_ACCOUNT, Moto, startMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { OrganizationConfig, buildOrganizationApp } from '../examples/organization/app';
import { main } from '../src/cli/main';

/*
 * preflight on the organization example (examples/organization/app.ts), as docs/guides/organization.md says to run
 * it: after `cdk synth`, before the first deploy, with credentials of the management account (moto's default
 * account) and a role it can assume in every member account. One moto, one organization: the pipeline account at
 * the root, two target accounts in the OU `workloads`.
 */

jest.setTimeout(180_000);

let moto: Moto;
let config: OrganizationConfig;
let assembly: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // No role is created live here: moto need not copy its AWS managed policies into every account it sees.
  moto = await startMoto({ managedPolicies: false, defaultAmis: false });
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const { organizationArn, ouArn } = await seed.createOrganization();
  const workloadsOu = ouArn.split('/').pop()!;
  const pipelineAccount = await seed.createMemberAccount('pipeline');
  const targetAccounts = [await seed.createMemberAccount('workload-a', workloadsOu), await seed.createMemberAccount('workload-b', workloadsOu)];
  config = { managementAccount: DEFAULT_ACCOUNT, pipelineAccount, organizationArn, workloadsOu, targetAccounts };
  assembly = fs.mkdtempSync(path.join(os.tmpdir(), 'organization-example-'));
  buildOrganizationApp(new App({ outdir: assembly }), config).synth();
});

afterAll(async () => {
  await moto?.stop();
  process.env = savedEnv;
  if (assembly) {
    fs.rmSync(assembly, { recursive: true, force: true });
  }
});

interface JsonResult {
  check: string;
  status: string;
  account?: string;
  region?: string;
  resource: string;
  message: string;
  fix?: string;
}

async function preflight(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['preflight', '--app', assembly, ...args, '--json'], { out: t => out.push(t), err: t => err.push(t) });
  const report = JSON.parse(out.join('\n')) as { checks: JsonResult[]; notices?: string[] };
  return { code, err: err.join('\n'), checks: report.checks, notices: report.notices ?? [] };
}

test('from the management account with a role in each member account: every check passes or is deployed by the app (exit 0)', async () => {
  const { code, checks } = await preflight(['--assume-role-name', 'OrganizationAccountAccessRole']);
  const [pipeline, a, b] = [config.pipelineAccount, ...config.targetAccounts];
  expect(checks.map(c => `${c.status} ${c.check} ${c.account} ${c.region ?? '-'}`).sort()).toEqual([
    `deploys cross-account-role ${a} -`,
    `deploys cross-account-role ${b} -`,
    `deploys key ${pipeline} eu-west-1`,
    `deploys key ${pipeline} us-east-1`,
    // The OU of TargetAccountKeyAccess.organization() exists, and each target account sits under it.
    `pass key-access-unit ${a} -`,
    `pass key-access-unit ${b} -`,
    `pass organization ${DEFAULT_ACCOUNT} -`,
    `pass organizational-unit ${DEFAULT_ACCOUNT} -`,
    `pass region-opt-in ${a} -`,
    `pass region-opt-in ${b} -`,
    `pass region-opt-in ${pipeline} -`,
  ].sort());
  // Each target account's role is the StackSet's, whose stack is not deployed yet.
  for (const account of config.targetAccounts) {
    const [role] = checks.filter(c => c.check === 'cross-account-role' && c.account === account);
    expect(role.message).toMatch(new RegExp(`^role from StackSet imagebuilder-distribution-roles \\(${config.workloadsOu}, stack DistributionRoles\\): created by this app`));
  }
  // The organization the key statements and the launch permission name is the caller's.
  expect(checks.find(c => c.check === 'organization')).toMatchObject({ resource: config.organizationArn, message: 'is the caller\'s organization' });
  expect(code).toBe(0);
});

test('without --assume-role-name the member accounts cannot be checked: it says so and does not pass (exit 3)', async () => {
  const { code, notices, checks } = await preflight([]);
  expect(notices.join('\n')).toMatch(/without --assume-role-name, \d+ checks? in accounts? .* cannot run/);
  expect(checks.some(c => c.status === 'unchecked' && c.account === config.pipelineAccount)).toBe(true);
  expect(code).toBe(3);
});
