import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { FaultEndpoint, startFaultEndpoint } from './preflight/faults';
import { DEFAULT_ACCOUNT, Moto, startMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { Io } from '../src/cli/common/options';
import { main } from '../src/cli/main';

/*
 * Preflight of many accounts (a small version of bench/preflight-scale.ts): 50 target accounts in 2 Regions
 * against moto, through the fault endpoint, which counts the requests in flight. The bound (--concurrency) holds
 * for every request AWS would see, and results reach stdout as they complete, not at the end.
 */

jest.setTimeout(180_000);

const DIST = DEFAULT_ACCOUNT;
const ROLE = 'PreflightAccess';
const TARGETS = Array.from({ length: 50 }, (_, i) => String(200000000000 + i));
const REGIONS = ['eu-west-1', 'us-west-2'];

let moto: Moto;
let faults: FaultEndpoint;
const savedEnv = { ...process.env };
let outdir: string;

beforeAll(async () => {
  moto = await startMoto({ managedPolicies: false, defaultAmis: false });
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
    AWS_ENDPOINT_URL: moto.endpoint,
  });
  // A key per Region whose policy lets every target account copy; each target's role may use both.
  const keys: string[] = [];
  for (const region of REGIONS) {
    keys.push(await seed.createKey(DIST, region, [{
      Effect: 'Allow',
      Principal: { AWS: TARGETS.map(t => `arn:aws:iam::${t}:root`) },
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*', 'kms:CreateGrant'],
      Resource: '*',
    }]));
  }
  for (const target of TARGETS) {
    await seed.createCrossAccountRole(target, DIST, { keyArns: keys, managedPolicyStandIn: true });
  }
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-scale-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
  const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', targetAccounts: TARGETS });
  REGIONS.forEach((region, i) => dist.addRegion(region, { kmsKey: kms.Key.fromKeyArn(stack, `Key${i}`, keys[i]) }));
  app.synth();
  process.env.AWS_ENDPOINT_URL = faults.endpoint;
});

afterAll(async () => {
  await faults?.close();
  await moto?.stop();
  process.env = savedEnv;
  if (outdir) {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

/** Runs preflight; notes, for each line written to stdout, how many requests the endpoint had received by then. */
async function run(args: string[], io: Partial<Io> = {}) {
  faults.setRules([]);
  const out: Array<{ text: string; requestsSoFar: number }> = [];
  const err: string[] = [];
  const requests = () => [...faults.seen.values()].reduce((a, b) => a + b, 0);
  const code = await main(['preflight', '--app', outdir, '--assume-role-name', ROLE, ...args], {
    out: text => out.push({ text, requestsSoFar: requests() }),
    err: text => err.push(text),
    ...io,
  });
  return { code, out, err, requests: requests(), peak: faults.inFlight.peak };
}

test('50 accounts x 2 Regions: never more requests in flight than --concurrency, and results streamed as they complete', async () => {
  const { code, out, err, requests, peak } = await run(['--concurrency', '4']);

  // 50 roles, 2 keys, the Regions of 51 accounts and EBS encryption by default: every one checked and passed.
  expect(out[out.length - 1].text).toBe('104 checks: 104 passed, 0 failed, 0 unchecked, 0 deployed by this app');
  expect(code).toBe(0);
  // The bound holds at the wire (each attempt is a request); and the checks did run at once.
  expect(peak).toBeLessThanOrEqual(4);
  expect(peak).toBeGreaterThanOrEqual(2);
  // One sts:AssumeRole per account, whatever the number of checks and Regions in it.
  expect(faults.seen.get('sts:AssumeRole')).toBe(50);
  // Streamed: the first result was written while most of the requests were still to be sent.
  const results = out.filter(o => /^PASS /.test(o.text));
  expect(results).toHaveLength(104);
  expect(results[0].requestsSoFar).toBeLessThan(requests / 2);
  // Progress on stderr, plain lines when it is not a terminal: the start and the end.
  expect(err[0]).toBe('preflight: 104 checks to run');
  expect(err[err.length - 1]).toMatch(/^preflight: 104 of 104 checks done \(0 failed, 0 unchecked\), \d+ s$/);
});

test('with --concurrency 1, one request at a time', async () => {
  const { code, peak } = await run(['--concurrency', '1', '--json']);
  expect(code).toBe(0);
  expect(peak).toBe(1);
});

test('--json-lines: notices, a JSON object per check as it completes, and the summary last', async () => {
  const { code, out } = await run(['--json-lines']);

  const records = out.map(o => JSON.parse(o.text));
  expect(records.filter(r => r.type === 'check')).toHaveLength(104);
  expect(records[records.length - 1]).toMatchObject({ type: 'summary', exitCode: 0, summary: { passed: 104, failed: 0, unchecked: 0, deployedByApp: 0 }, caller: { account: DIST } });
  expect(records.slice(0, -1).every(r => r.type === 'check' && ['pass', 'fail', 'unchecked', 'deploys'].includes(r.status))).toBe(true);
  expect(code).toBe(0);
  expect((await main(['preflight', '--json', '--json-lines'], { out: () => {}, err: () => {} }))).toBe(2);
});

test('on a terminal, a progress bar redrawn in place on stderr, cleared at the end', async () => {
  const raw: string[] = [];
  const { code, err } = await run([], { errIsTTY: true, errRaw: text => raw.push(text) });

  expect(code).toBe(0);
  expect(err).toEqual([]);
  expect(raw[0]).toMatch(/^\r\x1b\[K\[-{30}\] 0 of 104 checks done/);
  expect(raw.some(r => /^\r\x1b\[K\[#{30}\] 104 of 104 checks done \(0 failed, 0 unchecked\)/.test(r))).toBe(true);
  expect(raw[raw.length - 1]).toBe('\r\x1b[K');
});
