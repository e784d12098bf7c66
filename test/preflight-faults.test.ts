import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { closedPort, FaultEndpoint, startFaultEndpoint } from './preflight/faults';
import { DEFAULT_ACCOUNT, Moto, startMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { main } from '../src/cli/main';

/*
 * The preflight command when AWS does not answer as hoped: a stalled endpoint, access denied, throttling past
 * the retries, expired credentials, a refused connection. A fault-injecting endpoint (test/preflight/faults.ts)
 * sits in front of moto and answers the named calls with the fault in their wire format; everything else is
 * moto's answer. Each case asserts the exit code and the message. Deadlines are short (options of the command).
 */

jest.setTimeout(60_000);

const DIST = DEFAULT_ACCOUNT;
const TARGET = '111111111111';
const ROLE = 'PreflightAccess';
const AMI_NAME = 'golden-{{ imagebuilder:buildDate }}';
/** Short deadlines, so that the faults cost little time (long enough for moto's answers on a busy machine). */
const FAST = ['--call-timeout', '5', '--max-attempts', '3'];

let moto: Moto;
let faults: FaultEndpoint;
const savedEnv = { ...process.env };
const tempDirs: string[] = [];
let keyArn: string;
let app: string;

beforeAll(async () => {
  moto = await startMoto();
  faults = await startFaultEndpoint(moto.endpoint);
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  await faults?.close();
  await moto?.stop();
  process.env = savedEnv;
  tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

/** A key shared with TARGET and TARGET's role, seeded in moto once; an app that uses them. */
beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  keyArn = await seed.createKey(DIST, 'eu-west-1', [{
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${TARGET}:root` },
    Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*', 'kms:CreateGrant'],
    Resource: '*',
  }]);
  await seed.createCrossAccountRole(TARGET, DIST, { keyArns: [keyArn] });
  app = synth(TARGET);
  // moto loads a service's models at its first call, and builds each account's backends at the account's first
  // call (seconds on busy cores): one run with the default deadlines warms them, so that the short deadlines
  // below measure the faults only.
  await main(['preflight', '--app', app, '--assume-role-name', ROLE], { out: () => undefined, err: () => undefined });
});

/** The command talks to the fault endpoint, which injects nothing until a test says so. */
beforeEach(() => {
  process.env.AWS_ENDPOINT_URL = faults.endpoint;
  delete process.env.AWS_ENDPOINT_URL_KMS;
  faults.setRules([]);
});

function synth(target: string): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-faults-'));
  tempDirs.push(outdir);
  const cdkApp = new App({ outdir });
  const stack = new Stack(cdkApp, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
  new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME, targetAccounts: [target] })
    .addRegion('eu-west-1', { kmsKey: kms.Key.fromKeyArn(stack, 'EuKey', keyArn) });
  cdkApp.synth();
  return outdir;
}

async function preflight(args: string[], assembly = app) {
  const out: string[] = [];
  const err: string[] = [];
  const started = Date.now();
  const code = await main(['preflight', '--app', assembly, ...args], { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n'), seconds: (Date.now() - started) / 1000 };
}

async function checksOf(args: string[], assembly = app) {
  const run = await preflight([...args, '--json'], assembly);
  const report = JSON.parse(run.out) as { exitCode: number; checks: Array<{ check: string; status: string; message: string; fix?: string }> };
  const of = (check: string) => {
    const found = report.checks.filter(c => c.check === check);
    expect(found).toHaveLength(1);
    return found[0];
  };
  return { ...run, report, of };
}

test('through the fault endpoint without faults, everything passes: the proxy itself changes nothing', async () => {
  const { code, report } = await checksOf(['--assume-role-name', ROLE, ...FAST]);
  // The role and the key, and the account settings: both accounts' Regions, EBS encryption by default (off in moto).
  expect(report.checks.map(c => [c.check, c.status]).sort()).toEqual([
    ['cross-account-role', 'pass'], ['ebs-encryption-default', 'pass'], ['key', 'pass'], ['region-opt-in', 'pass'], ['region-opt-in', 'pass'],
  ]);
  expect(code).toBe(0);
  expect(report.exitCode).toBe(0);
});

test('a stalled endpoint: "could not check X: no answer in N s", the call really aborted, exit 3', async () => {
  faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'stall' }]);

  const { code, of, seconds } = await checksOf(['--assume-role-name', ROLE, '--call-timeout', '1.5']);

  expect(of('key')).toMatchObject({ status: 'unchecked', message: `could not check ${keyArn}: no answer in 1.5 s (kms:DescribeKey)`, fix: expect.stringMatching(/raise --call-timeout/) });
  expect(of('cross-account-role').status).toBe('pass');
  expect(code).toBe(3);
  expect(seconds).toBeLessThan(6);
  // The client closed the stalled connection: the deadline aborts the request, it does not only log.
  await new Promise(resolve => setTimeout(resolve, 100));
  expect(faults.abortedByClient).toContain('kms:DescribeKey');
});

test('the run budget (--timeout) aborts every call still waiting, whatever the per-call deadline', async () => {
  faults.setRules([{ service: 'kms', fault: 'stall' }, { service: 'iam', fault: 'stall' }]);

  const { code, of, seconds } = await checksOf(['--assume-role-name', ROLE, '--timeout', '1', '--call-timeout', '60']);

  expect(of('key').message).toBe(`could not check ${keyArn}: the run's budget of 1 s was spent before kms:DescribeKey answered`);
  expect(of('cross-account-role').message).toMatch(/^could not check EC2ImageBuilderDistributionCrossAccountRole: the run's budget of 1 s was spent before iam:GetRole answered/);
  expect(code).toBe(3);
  expect(seconds).toBeLessThan(5);
});

test('access denied to a read call: unchecked with the permission to add, exit 3', async () => {
  faults.setRules([{ service: 'iam', operation: 'GetRole', fault: 'access-denied' }]);

  const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);

  expect(of('cross-account-role')).toMatchObject({
    status: 'unchecked',
    message: 'could not check EC2ImageBuilderDistributionCrossAccountRole: access denied to iam:GetRole (AccessDenied)',
    fix: expect.stringMatching(/^give the credentials the read-only permission iam:GetRole/),
  });
  expect(code).toBe(3);
});

test('cloudformation:DescribeStackResource denied: a resource of the app is unchecked (never "created by this app"), with the permission to add, exit 3', async () => {
  faults.setRules([{ service: 'cloudformation', operation: 'DescribeStackResource', fault: 'access-denied' }]);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-faults-'));
  tempDirs.push(outdir);
  const cdkApp = new App({ outdir });
  const stack = new Stack(cdkApp, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
  new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME }).addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key') });
  cdkApp.synth();

  const { code, of } = await checksOf(FAST, outdir);

  expect(of('key')).toMatchObject({
    status: 'unchecked',
    message: expect.stringMatching(/^could not check KMS key Key\w+ of stack Golden: access denied to cloudformation:DescribeStackResource \(AccessDenied\)$/),
    fix: 'give the credentials the read-only permission cloudformation:DescribeStackResource (see README, "Preflight")',
  });
  expect(faults.seen.get('cloudformation:DescribeStackResource')).toBeGreaterThan(0);
  expect(code).toBe(3);
});

test('sts:AssumeRole denied for --assume-role-name: the checks of that account are unchecked, with both causes and fixes', async () => {
  faults.setRules([{ service: 'sts', operation: 'AssumeRole', fault: 'access-denied' }]);

  const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);

  expect(of('cross-account-role')).toMatchObject({
    status: 'unchecked',
    message: expect.stringMatching(`^could not check EC2ImageBuilderDistributionCrossAccountRole: cannot assume arn:aws:iam::${TARGET}:role/${ROLE}: sts:AssumeRole was denied \\(AccessDenied\\): either no role ${ROLE} exists in ${TARGET}, or its trust policy`),
    fix: `create ${ROLE} in ${TARGET} trusting ${DIST} (or the caller's role), or allow the caller sts:AssumeRole on arn:aws:iam::${TARGET}:role/${ROLE}`,
  });
  expect(of('key').status).toBe('pass');
  expect(code).toBe(3);
});

test('throttled past the retries: "throttled after N attempts", each attempt made, exit 3', async () => {
  faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'throttle' }]);

  const { code, of } = await checksOf(['--assume-role-name', ROLE, '--call-timeout', '10', '--max-attempts', '3']);

  expect(of('key')).toMatchObject({
    status: 'unchecked',
    message: `could not check ${keyArn}: throttled (ThrottlingException) after 3 attempts of kms:DescribeKey`,
    fix: expect.stringMatching(/lower --concurrency/),
  });
  expect(faults.seen.get('kms:DescribeKey')).toBe(3);
  expect(code).toBe(3);
});

test('throttled on a query-protocol service (IAM): the same verdict', async () => {
  faults.setRules([{ service: 'iam', operation: 'GetRole', fault: 'throttle' }]);

  const { of } = await checksOf(['--assume-role-name', ROLE, '--call-timeout', '10', '--max-attempts', '2']);

  expect(of('cross-account-role').message).toBe('could not check EC2ImageBuilderDistributionCrossAccountRole: throttled (Throttling) after 2 attempts of iam:GetRole');
  expect(faults.seen.get('iam:GetRole')).toBe(2);
});

test('expired credentials: the caller\'s exit 2 with the fix; a check\'s is unchecked', async () => {
  faults.setRules([{ service: 'sts', operation: 'GetCallerIdentity', fault: 'expired' }]);
  const caller = await preflight(['--assume-role-name', ROLE, ...FAST]);
  expect(caller.code).toBe(2);
  expect(caller.err).toBe('preflight: no usable AWS credentials or Region (the credentials have expired (ExpiredToken, sts:GetCallerIdentity)). Fix: refresh them (aws sso login, a new session token, or a new assume-role session) and run again.');

  faults.setRules([{ service: 'kms', fault: 'expired' }]);
  const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);
  expect(of('key')).toMatchObject({ status: 'unchecked', message: `could not check ${keyArn}: the credentials have expired (ExpiredTokenException, kms:DescribeKey)` });
  expect(code).toBe(3);
});

test('connection refused: the caller\'s exit 2; one service\'s endpoint refused makes its checks unchecked', async () => {
  const port = await closedPort();
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
  const caller = await preflight(FAST);
  expect(caller.code).toBe(2);
  expect(caller.err).toMatch(new RegExp(`^preflight: no usable AWS credentials or Region \\(connection refused by http://127.0.0.1:${port}/? \\(sts:GetCallerIdentity\\)\\)\\. Fix: check AWS_ENDPOINT_URL`));

  process.env.AWS_ENDPOINT_URL = faults.endpoint;
  process.env.AWS_ENDPOINT_URL_KMS = `http://127.0.0.1:${port}`;
  const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);
  expect(of('key')).toMatchObject({ status: 'unchecked', message: expect.stringMatching(new RegExp(`^could not check ${keyArn}: connection refused by http://127.0.0.1:${port}/? \\(kms:DescribeKey\\)$`)) });
  expect(of('cross-account-role').status).toBe('pass');
  expect(code).toBe(3);
});

test('--allow-unchecked: unchecked items are still reported, and the exit code is 0', async () => {
  faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'stall' }]);

  const { code, out } = await preflight(['--assume-role-name', ROLE, '--call-timeout', '1.5', '--allow-unchecked']);

  expect(out).toMatch(/^UNCHECKED key .*no answer in 1\.5 s/m);
  expect(out).toMatch(/5 checks: 4 passed, 0 failed, 1 unchecked, 0 deployed by this app$/);
  expect(code).toBe(0);
});

test('a finding wins over unchecked items: exit 1', async () => {
  faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'access-denied' }]);

  // 222222222222 has no role: a finding (moto's first IAM call in a new account is slow: a longer deadline).
  const { code, of } = await checksOf(['--assume-role-name', ROLE, '--call-timeout', '60'], synth('222222222222'));

  expect(of('cross-account-role')).toMatchObject({ status: 'fail' });
  expect(of('key').status).toBe('unchecked');
  expect(code).toBe(1);
});

test('without --assume-role-name: said first, before any check, and the run does not exit 0', async () => {
  const { code, err, out } = await preflight(FAST);

  expect(err.split('\n')[0]).toBe(`preflight: without --assume-role-name, 2 checks in account ${TARGET} cannot run (the caller is in ${DIST}), so this run cannot pass. Fix: pass --assume-role-name with a role the caller may assume in that account (e.g. OrganizationAccountAccessRole).`);
  expect(out.split('\n')[1]).toMatch(/^NOTE {2}without --assume-role-name/);
  expect(out).toMatch(new RegExp(`^UNCHECKED cross-account-role  ${TARGET}  global  could not check EC2ImageBuilderDistributionCrossAccountRole: no credentials for account ${TARGET}`, 'm'));
  expect(code).toBe(3);
});

describe('each fault reads as what it is (issue 25)', () => {
  const at = faultsAt();
  test('a connection reset: "reset", not "no answer in N s"', async () => {
    faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'reset' }]);

    const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);

    expect(of('key')).toMatchObject({
      status: 'unchecked',
      message: expect.stringMatching(new RegExp(`^could not check ${keyArn}: the connection to ${at()} was reset before kms:DescribeKey answered \\(ECONNRESET after 3 attempts\\)$`)),
      fix: expect.stringMatching(/^run again; if it persists, check what sits between here and/),
    });
    expect(of('cross-account-role').status).toBe('pass');
    expect(code).toBe(3);
  });

  test('HTTP 429 with an empty body: throttled after N attempts, not "Unknown"', async () => {
    faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'http-429' }]);

    const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);

    expect(of('key')).toMatchObject({ status: 'unchecked', message: `could not check ${keyArn}: throttled (HTTP 429) after 3 attempts of kms:DescribeKey` });
    expect(faults.seen.get('kms:DescribeKey')).toBe(3);
    expect(code).toBe(3);
  });

  test('HTTP 503 with an empty body: unavailable after N attempts, not "Unknown"', async () => {
    faults.setRules([{ service: 'iam', operation: 'GetRole', fault: 'http-503' }]);

    const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);

    expect(of('cross-account-role')).toMatchObject({
      status: 'unchecked',
      message: expect.stringMatching(new RegExp(`^could not check EC2ImageBuilderDistributionCrossAccountRole: ${at()} was unavailable \\(HTTP 503\\) after 3 attempts \\(iam:GetRole\\)$`)),
    });
    expect(code).toBe(3);
  });

  test('HTTP 500 with an HTML page: a server error, not a call the endpoint "does not implement"', async () => {
    faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'http-500' }]);

    const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);

    expect(of('key')).toMatchObject({
      status: 'unchecked',
      message: expect.stringMatching(new RegExp(`^could not check ${keyArn}: ${at()} answered a server error \\(HTTP 500\\) after 3 attempts \\(kms:DescribeKey\\)$`)),
    });
    expect(code).toBe(3);
  });

  test('kms:DescribeKey without KeyMetadata: that check is unchecked with the reason, the others still run', async () => {
    faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'empty' }]);

    const { code, of, report } = await checksOf(['--assume-role-name', ROLE, ...FAST]);

    expect(of('key')).toMatchObject({ status: 'unchecked', message: `could not check ${keyArn}: the answer of kms:DescribeKey has no KeyMetadata` });
    expect(report.checks.filter(c => c.check !== 'key').every(c => c.status === 'pass')).toBe(true);
    expect(code).toBe(3);
  });

  test('ec2:GetEbsEncryptionByDefault without EbsEncryptionByDefault: unchecked, never "off"', async () => {
    faults.setRules([{ service: 'ec2', operation: 'GetEbsEncryptionByDefault', fault: 'empty' }]);

    const { code, of } = await checksOf(['--assume-role-name', ROLE, ...FAST]);

    expect(of('ebs-encryption-default')).toMatchObject({ status: 'unchecked', message: expect.stringMatching(/^not checkable: ec2:GetEbsEncryptionByDefault answered without EbsEncryptionByDefault/) });
    expect(code).toBe(3);
  });

  test('an empty ssm:GetParameter: unchecked, never "exists with data type text"', async () => {
    faults.setRules([{ service: 'ssm', operation: 'GetParameter', fault: 'empty' }]);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-faults-'));
    tempDirs.push(outdir);
    const cdkApp = new App({ outdir });
    const stack = new Stack(cdkApp, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
    new DistributionConfiguration(stack, 'Dist', { amiName: AMI_NAME }).addRegion('us-east-1', { ssmParameters: [{ parameterName: '/golden/ami' }] });
    cdkApp.synth();

    const { code, of } = await checksOf(FAST, outdir);

    expect(of('ssm-parameter')).toMatchObject({ status: 'unchecked', message: 'could not check SSM parameter /golden/ami: the answer of ssm:GetParameter has no Parameter' });
    expect(code).toBe(3);
  });
});

/** The fault endpoint as messages name it (a RegExp source, with or without a trailing slash). */
function faultsAt(): () => string {
  return () => `${faults.endpoint.replace(/[.]/g, '\\.')}/?`;
}
