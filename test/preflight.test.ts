import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Fn, Stack, aws_ec2 as ec2, aws_ecr as ecr, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { CrossAccountDistributionRole, DistributionConfiguration, SsmParameterDataType } from '../src';
import { DEFAULT_ACCOUNT, Moto, resetMoto, startMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { main } from '../src/cli/main';

/*
 * The preflight command against moto in server mode: accounts seeded through the AWS API, apps synthesized
 * with the library (and by hand), the command run as a user runs it (its arguments, its output, its exit code).
 */

jest.setTimeout(180_000);

const DIST = DEFAULT_ACCOUNT; // the distribution account: moto's account for the caller's own credentials
const TARGET = '111111111111';
const ROLE = 'PreflightAccess';
const AMI_NAME = 'golden-{{ imagebuilder:buildDate }}';

/** What AWS documents for a target account that copies an AMI encrypted with the key (its role re-encrypts the copy). */
const targetStatements = (account: string) => [
  {
    Sid: 'CopyByTarget',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'],
    Resource: '*',
  },
  {
    Sid: 'GrantsForTarget',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  },
];

/** Launch from the AMI for every account of an OU (aws:PrincipalOrgPaths). */
const ouStatements = (ouArn: string) => {
  const [, org, ou] = /:ou\/(o-[a-z0-9]+)\/(ou-[a-z0-9-]+)$/.exec(ouArn)!;
  const paths = { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${org}/*/${ou}/*` } };
  return [
    { Sid: 'LaunchByOu', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'], Resource: '*', Condition: paths },
    { Sid: 'GrantsForOu', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:CreateGrant', Resource: '*', Condition: { ...paths, Bool: { 'kms:GrantIsForAWSResource': true } } },
  ];
};

let moto: Moto;
const savedEnv = { ...process.env };
const tempDirs: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    // Nothing of this machine's AWS configuration.
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  await moto?.stop();
  process.env = savedEnv;
  tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

beforeEach(() => resetMoto(moto));

/** Synthesizes an app into a cloud assembly directory. */
function synth(build: (stack: Stack) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-'));
  tempDirs.push(outdir);
  const app = new App({ outdir });
  build(new Stack(app, 'Golden', { env: { account: DIST, region: 'us-east-1' } }));
  app.synth();
  return outdir;
}

async function preflight(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface JsonResult {
  check: string;
  status: string;
  account?: string;
  region?: string;
  resource: string;
  message: string;
  fix?: string;
  missingStatements?: Array<Record<string, any>>;
}

/** The account-setting checks (test/preflight-account-settings.test.ts), which most tests here leave aside. */
const SETTINGS = ['ami-block-public-access', 'ebs-encryption-default', 'region-opt-in', 'allowed-images', 'fast-launch-template'];

/** The JSON report; `checks` without the account-setting checks, `all` with them (`summary` counts them all). */
async function preflightJson(args: string[]) {
  const { code, out, err } = await preflight([...args, '--json']);
  const report = JSON.parse(out) as { summary: { passed: number; failed: number; unchecked: number; deployedByApp: number }; checks: JsonResult[] };
  return { code, err, summary: report.summary, all: report.checks, checks: report.checks.filter(c => !SETTINGS.includes(c.check)) };
}

/** The one result of a check on a resource (an account, for the role). */
function resultOf(checks: JsonResult[], check: string, where: { account?: string; resource?: string | RegExp }): JsonResult {
  const found = checks.filter(c => c.check === check
    && (where.account === undefined || c.account === where.account)
    && (where.resource === undefined || (typeof where.resource === 'string' ? c.resource === where.resource : where.resource.test(c.resource))));
  expect(found).toHaveLength(1);
  return found[0];
}

test('a correct multi-account setup passes every check, and the exit code is 0', async () => {
  const { ouArn } = await seed.createOrganization();
  const euKeyArn = await seed.createKey(DIST, 'eu-west-1', [...targetStatements(TARGET), ...ouStatements(ouArn)]);
  await seed.createCrossAccountRole(TARGET, DIST, { keyArns: [euKeyArn] });
  const launchTemplateId = await seed.createLaunchTemplate(TARGET, 'eu-west-1', 'golden');
  await seed.createRepository(DIST, 'us-east-1', 'golden');
  await seed.putParameter(DIST, 'us-east-1', '/golden/version', 'text');

  const app = synth(stack => {
    new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME, targetAccounts: [TARGET], launchPermission: { organizationalUnits: [ouArn] } })
      .addRegion('us-east-1', { ssmParameters: [{ parameterName: '/golden/ami', dataType: SsmParameterDataType.AWS_EC2_IMAGE }, { parameterName: '/golden/version' }] })
      .addRegion('eu-west-1', {
        kmsKey: kms.Key.fromKeyArn(stack, 'EuKey', euKeyArn),
        launchTemplates: [{ launchTemplate: ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'Lt', { launchTemplateId }), accountId: TARGET }],
      });
    new DistributionConfiguration(stack, 'Containers').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden') });
  });

  const { code, checks, all, summary } = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);

  expect(all.filter(c => c.status !== 'pass')).toEqual([]);
  // 7 resources, and the account settings: the Regions of both accounts, EBS encryption by default (off in moto).
  expect(summary).toEqual({ passed: 10, failed: 0, unchecked: 0, deployedByApp: 0 });
  expect(all.filter(c => SETTINGS.includes(c.check)).map(c => [c.check, c.account, c.resource]).sort()).toEqual([
    ['ebs-encryption-default', DIST, 'EBS encryption by default'],
    ['region-opt-in', TARGET, 'Regions us-east-1, eu-west-1'],
    ['region-opt-in', DIST, 'Regions us-east-1, eu-west-1'],
  ]);
  expect(code).toBe(0);
  expect(resultOf(checks, 'key', { resource: euKeyArn }).message).toMatch(/grants the 4 statements its consumers need/);
  expect(resultOf(checks, 'cross-account-role', { account: TARGET }).message).toBe(`trusts ${DIST}, has Ec2ImageBuilderCrossAccountDistributionAccess, and may use the key of eu-west-1`);
  expect(resultOf(checks, 'launch-template', { resource: launchTemplateId }).account).toBe(TARGET);
  expect(resultOf(checks, 'ssm-parameter', { resource: 'SSM parameter /golden/ami' }).message).toMatch(/does not exist yet/);
  expect(resultOf(checks, 'ssm-parameter', { resource: 'SSM parameter /golden/version' }).message).toMatch(/exists with data type text/);
  expect(resultOf(checks, 'ecr-repository', { resource: 'ECR repository golden' }).status).toBe('pass');
  expect(resultOf(checks, 'organizational-unit', { resource: ouArn }).status).toBe('pass');
});

test('each seeded defect fails with its fix, none hides another, and the exit code is 1', async () => {
  const { ouArn } = await seed.createOrganization();
  const others = [...targetStatements('222222222222'), ...targetStatements('333333333333'), ...ouStatements(ouArn)];
  // The key lacks the grant statement of one target account.
  const euKeyArn = await seed.createKey(DIST, 'eu-west-1', [targetStatements(TARGET)[0], ...others]);
  const disabledKeyArn = await seed.createKey(DIST, 'us-west-2', [...targetStatements(TARGET), ...others], { disabled: true });
  // TARGET has no role; 222222222222 trusts another account; 333333333333 lacks the managed policy.
  await seed.createCrossAccountRole('222222222222', '999999999999');
  await seed.createCrossAccountRole('333333333333', DIST, { managedPolicy: false });
  await seed.putParameter(DIST, 'us-east-1', '/golden/ami', 'text');

  const app = synth(stack => {
    new DistributionConfiguration(stack, 'Dist', {
      amiName: AMI_NAME,
      targetAccounts: [TARGET, '222222222222', '333333333333'],
      launchPermission: { organizationalUnits: [ouArn] },
    })
      .addRegion('us-east-1', { ssmParameters: [{ parameterName: '/golden/ami', dataType: SsmParameterDataType.AWS_EC2_IMAGE }] })
      .addRegion('eu-west-1', {
        kmsKey: kms.Key.fromKeyArn(stack, 'EuKey', euKeyArn),
        launchTemplates: [{ launchTemplate: ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'Lt', { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: TARGET }],
      })
      .addRegion('us-west-2', { kmsKey: kms.Key.fromKeyArn(stack, 'WestKey', disabledKeyArn) });
    new DistributionConfiguration(stack, 'Containers').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'missing') });
  });

  const { code, checks, summary } = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);

  const key = resultOf(checks, 'key', { resource: euKeyArn });
  expect(key.status).toBe('fail');
  expect(key.message).toMatch(/does not grant 1 of the \d+ statements/);
  expect(key.missingStatements).toEqual([{
    Sid: 'ImageBuilderCreateGrantForAccounts',
    Effect: 'Allow',
    Action: 'kms:CreateGrant',
    Principal: { AWS: `arn:aws:iam::${TARGET}:root` },
    Resource: '*',
    Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
  }]);
  expect(key.fix).toMatch(/add the missing statements to the key policy/);

  expect(resultOf(checks, 'key', { resource: disabledKeyArn })).toMatchObject({ status: 'fail', message: expect.stringMatching(/is Disabled/), fix: expect.stringMatching(/enable the key/) });
  expect(resultOf(checks, 'cross-account-role', { account: TARGET })).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(`does not exist in target account ${TARGET}`),
    fix: expect.stringMatching(`deploy CrossAccountDistributionRole \\(sourceAccounts: \\['${DIST}'\\]\\) in account ${TARGET}`),
  });
  expect(resultOf(checks, 'cross-account-role', { account: '222222222222' })).toMatchObject({
    status: 'fail', message: expect.stringMatching(`does not trust the distribution account ${DIST}`),
  });
  expect(resultOf(checks, 'cross-account-role', { account: '333333333333' })).toMatchObject({
    status: 'fail', message: expect.stringMatching(/lacks the AWS managed policy Ec2ImageBuilderCrossAccountDistributionAccess/),
  });
  expect(resultOf(checks, 'launch-template', { resource: 'lt-0123456789abcdef0' })).toMatchObject({
    status: 'fail', account: TARGET, region: 'eu-west-1', message: expect.stringMatching(`does not exist in account ${TARGET}, Region eu-west-1`),
  });
  expect(resultOf(checks, 'ssm-parameter', { resource: 'SSM parameter /golden/ami' })).toMatchObject({
    status: 'fail', message: expect.stringMatching(/exists with data type text, but the distribution writes it with data type aws:ec2:image/),
  });
  expect(resultOf(checks, 'ecr-repository', { resource: 'ECR repository missing' })).toMatchObject({ status: 'fail', region: 'us-east-1' });
  expect(summary.failed).toBe(8);
  expect(code).toBe(1);
});

test('the text report: a line per check as it completes, then the failures again with their fixes and statements, and a summary line', async () => {
  const euKeyArn = await seed.createKey(DIST, 'eu-west-1', []);
  await seed.createCrossAccountRole(TARGET, DIST, { keyArns: [euKeyArn] });
  const app = synth(stack => {
    new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME, targetAccounts: [TARGET] })
      .addRegion('eu-west-1', { kmsKey: kms.Key.fromKeyArn(stack, 'EuKey', euKeyArn) });
  });

  const { code, out } = await preflight(['preflight', '--app', app, '--assume-role-name', ROLE]);

  const lines = out.split('\n');
  const fail = new RegExp(`^FAIL {6}key {17}${DIST}  eu-west-1  ${euKeyArn}: its policy does not grant 2 of the 2 statements .* Fix: add the missing statements`);
  const copy = `          + {"Sid":"ImageBuilderCopy","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${TARGET}:root"},"Action":["kms:Decrypt","kms:DescribeKey","kms:Encrypt","kms:GenerateDataKeyWithoutPlaintext","kms:ReEncrypt*"],"Resource":"*"}`;
  const grant = /^ {10}\+ \{"Sid":"ImageBuilderCreateGrantForAccounts"/;
  const pass = new RegExp(`^PASS {6}cross-account-role  ${TARGET}  global  EC2ImageBuilderDistributionCrossAccountRole: trusts ${DIST}`);
  expect(lines[0]).toMatch(/^preflight: 1 distribution configuration in .*; caller arn:aws:sts::123456789012:user\/moto, Region us-east-1$/);
  // Streamed in the order the checks completed: each once, a key's statements under it (the role, the key, and
  // the account settings: the Regions of both accounts, EBS encryption by default).
  const again = lines.indexOf('Again, 1 failed and 0 unchecked:');
  const streamed = lines.slice(1, again);
  expect(streamed).toHaveLength(7);
  expect(streamed.filter(l => fail.test(l))).toHaveLength(1);
  expect(streamed.filter(l => pass.test(l))).toHaveLength(1);
  expect(streamed.filter(l => /^PASS {6}(region-opt-in|ebs-encryption-default) /.test(l))).toHaveLength(3);
  const at = streamed.findIndex(l => fail.test(l));
  expect(streamed[at + 1]).toBe(copy);
  expect(streamed[at + 2]).toMatch(grant);
  // Then the failures again (failures first), and the summary.
  expect(lines.slice(again + 1)).toEqual([
    expect.stringMatching(fail),
    copy,
    expect.stringMatching(grant),
    '5 checks: 4 passed, 1 failed, 0 unchecked, 0 deployed by this app',
  ]);
  expect(code).toBe(1);
});

test('without --assume-role-name, other accounts are not checkable (with the fix), and the run is incomplete (exit 3)', async () => {
  const app = synth(stack => {
    new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME, targetAccounts: [TARGET] }).addRegion('us-east-1');
  });

  const { code, checks } = await preflightJson(['preflight', '--app', app]);

  expect(resultOf(checks, 'cross-account-role', { account: TARGET })).toMatchObject({
    status: 'unchecked',
    message: `could not check EC2ImageBuilderDistributionCrossAccountRole: no credentials for account ${TARGET} (the caller is in ${DIST})`,
    fix: expect.stringMatching(/^pass --assume-role-name/),
  });
  expect(code).toBe(3);
});

test('deploy-time values are reported as not checkable, never guessed; a key of the app not deployed yet is "created by this app"', async () => {
  const app = synth(stack => {
    const keyStack = new Stack(stack.node.root as App, 'Keys', { env: { account: DIST, region: 'eu-west-1' } });
    new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME })
      .addRegion('eu-west-1', { kmsKey: new kms.Key(keyStack, 'Key'), launchTemplates: [{ launchTemplate: ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'Lt', { launchTemplateId: Fn.importValue('GoldenTemplateId') }) }] });
  });

  const { code, checks } = await preflightJson(['preflight', '--app', app]);

  expect(checks.map(c => [c.status, c.message]).sort()).toEqual([
    ['deploys', expect.stringMatching(/^created by this app, stack Keys: not deployed yet \(CloudFormation has no Key\w+ in stack Keys of \d{12} in eu-west-1\)/)],
    ['unchecked', 'not checkable: its ID or account is known only at deploy time'],
  ]);
  expect(code).toBe(3);
});

describe('what the app deploys: "created by this app, stack X" until CloudFormation has its stack, then checked live', () => {
  /**
   * The app of a first deploy: a key of the distribution's own stack (Fn::GetAtt Key.Arn), a repository of another
   * stack (a cross-stack reference, Fn::ImportValue), the target account's role in a stack of that account.
   */
  function firstDeployApp() {
    return synth(stack => {
      const root = stack.node.root as App;
      const repoStack = new Stack(root, 'Repos', { env: { account: DIST, region: 'us-east-1' } });
      const roleStack = new Stack(root, 'TargetRole', { env: { account: TARGET, region: 'us-east-1' } });
      const repository = new ecr.Repository(repoStack, 'Repo');
      new CrossAccountDistributionRole(roleStack, 'Role', { sourceAccounts: [DIST] });
      new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME, targetAccounts: [TARGET] })
        .addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key') });
      new DistributionConfiguration(stack, 'Containers').addContainerRegion('us-east-1', { repository });
    });
  }

  /** The logical ID of the only resource of `type` in the synthesized template of `stack`. */
  function logicalIdOf(app: string, stack: string, type: string): string {
    const template = JSON.parse(fs.readFileSync(path.join(app, `${stack}.template.json`), 'utf-8'));
    const ids = Object.keys(template.Resources).filter(id => template.Resources[id].Type === type);
    expect(ids).toHaveLength(1);
    return ids[0];
  }

  // As a JSON string: moto's CloudFormation stores an object KeyPolicy so that kms:DescribeKey then fails (HTTP 500).
  const ownerPolicy = (account: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] });

  test('first deploy: no stack exists yet, every resource of the app is "created by this app, stack X", and the run exits 0', async () => {
    const app = firstDeployApp();

    const { code, checks } = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);

    const key = logicalIdOf(app, 'Golden', 'AWS::KMS::Key');
    const repo = logicalIdOf(app, 'Repos', 'AWS::ECR::Repository');
    const role = logicalIdOf(app, 'TargetRole', 'AWS::IAM::Role');
    expect(checks.map(c => [c.check, c.status, c.resource, c.message]).sort()).toEqual([
      ['cross-account-role', 'deploys', 'EC2ImageBuilderDistributionCrossAccountRole', `created by this app, stack TargetRole: not deployed yet (CloudFormation has no ${role} in stack TargetRole of ${TARGET} in us-east-1); checked live once that stack is deployed`],
      ['ecr-repository', 'deploys', `ECR repository ${repo} of stack Repos`, `created by this app, stack Repos: not deployed yet (CloudFormation has no ${repo} in stack Repos of ${DIST} in us-east-1); checked live once that stack is deployed`],
      ['key', 'deploys', `KMS key ${key} of stack Golden`, `created by this app, stack Golden: not deployed yet (CloudFormation has no ${key} in stack Golden of ${DIST} in us-east-1); checked live once that stack is deployed`],
    ]);
    expect(code).toBe(0);
  });

  test('a resource of the app that exists outside its stack (made by hand) is not the app\'s deployed resource: still "created by this app"', async () => {
    const app = firstDeployApp();
    // The same role name in the target account, but no stack TargetRole: CloudFormation, not the probe, decides.
    await seed.createCrossAccountRole(TARGET, DIST);

    const { code, checks } = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);

    expect(resultOf(checks, 'cross-account-role', {}).status).toBe('deploys');
    expect(code).toBe(0);
  });

  test('once the stacks exist, their resources are checked live by their physical IDs: a disabled key of the app fails', async () => {
    const app = firstDeployApp();
    const key = logicalIdOf(app, 'Golden', 'AWS::KMS::Key');
    const repo = logicalIdOf(app, 'Repos', 'AWS::ECR::Repository');
    const role = logicalIdOf(app, 'TargetRole', 'AWS::IAM::Role');
    const golden = await seed.deployStack(DIST, 'us-east-1', 'Golden', { [key]: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: ownerPolicy(DIST) } } });
    await seed.disableKey(DIST, 'us-east-1', golden[key]);
    await seed.deployStack(DIST, 'us-east-1', 'Repos', { [repo]: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'golden-containers' } } });
    await seed.deployStack(TARGET, 'us-east-1', 'TargetRole', {
      [role]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'EC2ImageBuilderDistributionCrossAccountRole',
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DIST}:root` }, Action: 'sts:AssumeRole' }] },
        },
      },
    });

    const { code, checks } = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);

    expect(resultOf(checks, 'key', {})).toMatchObject({ status: 'fail', message: expect.stringMatching(/is Disabled, so EBS cannot encrypt with it/) });
    expect(resultOf(checks, 'ecr-repository', {})).toMatchObject({ status: 'pass', message: 'exists' });
    // The deployed role is checked live: it lacks its managed policy and the KMS permissions.
    expect(resultOf(checks, 'cross-account-role', {})).toMatchObject({ status: 'fail', message: expect.stringMatching(/lacks the AWS managed policy/) });
    expect(code).toBe(1);
  });

  test('a target role of another owner and a key of the app not deployed yet: the role must allow the key whatever its ID', async () => {
    const app = synth(stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME, targetAccounts: [TARGET] }).addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key') });
    });
    await seed.createCrossAccountRole(TARGET, DIST, { keyArns: [`arn:aws:kms:us-east-1:${DIST}:key/*`] });

    const wildcard = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);

    expect(resultOf(wildcard.checks, 'cross-account-role', {}).status).toBe('pass');
    expect(resultOf(wildcard.checks, 'key', {}).status).toBe('deploys');
    expect(wildcard.code).toBe(0);

    // Once the key's stack exists, the role is checked on the key's real ARN: a role naming another key fails.
    const key = Object.keys(JSON.parse(fs.readFileSync(path.join(app, 'Golden.template.json'), 'utf-8')).Resources).find(id => id.startsWith('Key'))!;
    await seed.deployStack(DIST, 'us-east-1', 'Golden', { [key]: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: ownerPolicy(DIST) } } });
    await resetRole();
    const deployed = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);

    expect(resultOf(deployed.checks, 'cross-account-role', {})).toMatchObject({ status: 'fail', message: expect.stringMatching(/cannot use the key of us-east-1 \(arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}\): lacks kms:Decrypt/) });
    expect(resultOf(deployed.checks, 'key', {}).status).toBe('pass');
    expect(deployed.code).toBe(1);

    async function resetRole() {
      await seed.deleteCrossAccountRole(TARGET);
      await seed.createCrossAccountRole(TARGET, DIST, { keyArns: [`arn:aws:kms:us-east-1:${DIST}:key/00000000-0000-0000-0000-000000000000`] });
    }
  });

  test('an enabled key of the app\'s stack, deployed, passes (enabled, symmetric, in its Region)', async () => {
    const app = synth(stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME }).addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key') });
    });
    const key = logicalIdOf(app, 'Golden', 'AWS::KMS::Key');
    await seed.deployStack(DIST, 'us-east-1', 'Golden', { [key]: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: ownerPolicy(DIST) } } });

    const { code, checks } = await preflightJson(['preflight', '--app', app]);

    expect(checks).toEqual([expect.objectContaining({ check: 'key', status: 'pass', message: 'Enabled symmetric key of us-east-1, deployed by this app (its policy is the library\'s)' })]);
    expect(code).toBe(0);
  });
});

describe('the target role: its trust policy with Deny and conditions, its KMS permissions on the keys of its Regions', () => {
  async function roleResult(options: seed.CrossAccountRoleOptions) {
    const keyArn = await seed.createKey(DIST, 'eu-west-1', targetStatements(TARGET));
    await seed.createCrossAccountRole(TARGET, DIST, { keyArns: [keyArn], ...options });
    const app = synth(stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME, targetAccounts: [TARGET] })
        .addRegion('eu-west-1', { kmsKey: kms.Key.fromKeyArn(stack, 'EuKey', keyArn) });
    });
    const { code, checks } = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);
    return { code, keyArn, role: resultOf(checks, 'cross-account-role', { account: TARGET }) };
  }
  const trusts = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DIST}:root` }, Action: 'sts:AssumeRole' };

  test('a Deny of the trust policy that matches Image Builder\'s role fails the check, naming the statement', async () => {
    const { code, role } = await roleResult({
      trustStatements: [trusts, { Sid: 'NoServiceRoles', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/aws-service-role/*' } } }],
    });
    expect(role).toMatchObject({ status: 'fail', message: expect.stringMatching(`its trust policy denies sts:AssumeRole to Image Builder of ${DIST} \\(NoServiceRoles\\)`) });
    expect(code).toBe(1);
  });

  test('a condition the command cannot evaluate: "cannot confirm", not PASS (exit 3)', async () => {
    const { code, role } = await roleResult({ trustStatements: [{ ...trusts, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } } }] });
    expect(role).toMatchObject({ status: 'unchecked', message: expect.stringMatching(`^cannot confirm that it trusts ${DIST}: .*StringEquals aws:PrincipalOrgID`) });
    expect(code).toBe(3);
  });

  test('a role whose policies do not let it use the key of its Region fails, with the statement to add', async () => {
    const { code, role, keyArn } = await roleResult({ keyArns: [] });
    expect(role).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(`cannot use the key of eu-west-1 \\(${keyArn}\\): lacks kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:GenerateDataKeyWithoutPlaintext, kms:ReEncryptFrom, kms:ReEncryptTo, kms:CreateGrant`),
    });
    expect((role as any).missingStatements).toEqual([{ Effect: 'Allow', Action: expect.arrayContaining(['kms:Decrypt', 'kms:CreateGrant']), Resource: keyArn }]);
    expect(code).toBe(1);
  });
});

test('hand-written CfnDistributionConfiguration: the key statements are derived from the template', async () => {
  const keyArn = await seed.createKey(DIST, 'eu-west-1', [targetStatements(TARGET)[1]]);
  await seed.createCrossAccountRole(TARGET, DIST, { keyArns: [keyArn] });
  const app = synth(stack => {
    new imagebuilder.CfnDistributionConfiguration(stack, 'Dist', {
      name: 'golden',
      distributions: [{ region: 'eu-west-1', amiDistributionConfiguration: { Name: AMI_NAME, KmsKeyId: keyArn, TargetAccountIds: [TARGET] } }],
    });
  });

  const { code, checks } = await preflightJson(['preflight', '--app', app, '--assume-role-name', ROLE]);

  expect(resultOf(checks, 'key', { resource: keyArn }).missingStatements).toEqual([{
    Sid: 'ImageBuilderCopy',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'],
    Principal: { AWS: `arn:aws:iam::${TARGET}:root` },
    Resource: '*',
  }]);
  expect(resultOf(checks, 'cross-account-role', { account: TARGET }).status).toBe('pass');
  expect(code).toBe(1);
});

test('--region-filter checks only the Regions listed', async () => {
  await seed.putParameter(DIST, 'us-east-1', '/golden/ami', 'text');
  const app = synth(stack => {
    new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME })
      .addRegion('us-east-1', { ssmParameters: [{ parameterName: '/golden/ami', dataType: SsmParameterDataType.AWS_EC2_IMAGE }] })
      .addRegion('eu-west-1', { ssmParameters: [{ parameterName: '/golden/ami' }] });
  });

  const all = await preflightJson(['preflight', '--app', app]);
  const eu = await preflightJson(['preflight', '--app', app, '--region-filter', 'eu-west-1']);

  expect(all.checks.map(c => `${c.status} ${c.region}`).sort()).toEqual(['fail us-east-1', 'pass eu-west-1']);
  expect(eu.checks.map(c => `${c.status} ${c.region}`)).toEqual(['pass eu-west-1']);
  expect([all.code, eu.code]).toEqual([1, 0]);
});

describe('usage errors exit with 2 and a message, never a stack trace', () => {
  test('no cloud assembly', async () => {
    const { code, err } = await preflight(['preflight', '--app', path.join(os.tmpdir(), 'no-such-cdk-out')]);
    expect(code).toBe(2);
    expect(err).toMatch(/is not a cloud assembly \(no manifest.json\): run 'cdk synth' first/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  test('an unknown option or command', async () => {
    expect((await preflight(['preflight', '--regions', 'eu-west-1'])).code).toBe(2);
    expect((await preflight(['deploy'])).err).toMatch(/^Unknown command: deploy\.\n\nUsage: cdk-imagebuilder-distribution <command>/);
    expect((await preflight(['preflight', '--concurrency', '0'])).err).toBe('--concurrency takes a whole number of at least 1, not 0.');
  });

  test('no credentials', async () => {
    const app = synth(stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME }).addRegion('us-east-1');
    });
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const { code, err } = await preflight(['preflight', '--app', app]);
      expect(code).toBe(2);
      expect(err).toMatch(/^preflight: no usable AWS credentials or Region \(.*\)\. Fix: configure credentials/);
    } finally {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: saved.id, AWS_SECRET_ACCESS_KEY: saved.secret });
    }
  });

  test('the command without a verb, or with --help, lists the verbs', async () => {
    const none = await preflight([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^No command given\.\n\nUsage: cdk-imagebuilder-distribution <command> \[options\]/);
    const help = await preflight(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^ {2}preflight {4}/m);
  });

  test('--help prints the usage and exits with 0', async () => {
    const { code, out } = await preflight(['preflight', '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: cdk-imagebuilder-distribution preflight \[options\]/);
    expect(out).toMatch(/--assume-role-name NAME/);
  });
});
