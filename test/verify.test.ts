import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, aws_ec2 as ec2, aws_kms as kms } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { Ec2Endpoint, startEc2Endpoint } from './endpoints/ec2';
import { ImageBuilderEndpoint, ServiceError, defaultHandlers, imageArn, imageOf, startImageBuilderEndpoint } from './endpoints/imagebuilder';
import { FaultEndpoint, startFaultEndpoint } from './preflight/faults';
import { DEFAULT_ACCOUNT, Moto, resetMoto, startMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import * as world from './verify/world';
import { readAssembly } from '../src/cli/common/assembly';
import { main } from '../src/cli/main';

/*
 * The verify command against real parts: EC2, KMS, SSM, STS and IAM on moto in server mode, seeded with what a
 * distribution leaves behind, and the command run as a user runs it (its arguments, its output, its exit code).
 *
 * Emulated, because moto cannot answer them (each local endpoint validates its answers against botocore's model
 * of the service, test/endpoints/model.ts):
 * - Image Builder (GetImage, ListImagePipelineImages, GetImagePipeline): moto has no Image Builder
 *   (test/endpoints/imagebuilder.ts, through AWS_ENDPOINT_URL_IMAGEBUILDER).
 * - EC2 DescribeImages and DescribeSnapshots: moto 5.2.5 does not keep a snapshot's KMS key (a snapshot of a
 *   volume created with KmsKeyId reports Encrypted: true and no KmsKeyId; CreateImage, CopyImage and RegisterImage
 *   drop the encryption), so the image's snapshots and their keys come from a local endpoint in front of moto
 *   (test/endpoints/ec2.ts), which passes every other call through. EC2 DescribeFastLaunchImages too: moto has
 *   no fast launch.
 * Everything else is moto's: the AMIs are registered there, with their launch permissions; launch templates,
 * SSM parameters, KMS keys and aliases (kms:DescribeKey), and the roles the command assumes.
 */

jest.setTimeout(180_000);

const DIST = DEFAULT_ACCOUNT;
const TARGET = '111111111111';
const LAUNCHER = '222222222222';
const ROLE = 'VerifyAccess';
const NAME = 'golden';
const CONFIG_ARN = `arn:aws:imagebuilder:us-east-1:${DIST}:distribution-configuration/${NAME}`;
const PIPELINE_ARN = `arn:aws:imagebuilder:us-east-1:${DIST}:image-pipeline/golden`;
const IMAGE_ARN = imageArn('us-east-1', DIST, 'golden', '1.0.0', 2);

let moto: Moto;
let ec2Endpoint: Ec2Endpoint;
let ib: ImageBuilderEndpoint;
let faults: FaultEndpoint;
const savedEnv = { ...process.env };
const tempDirs: string[] = [];

beforeAll(async () => {
  // verify reads no IAM, and no public AMI: moto need not copy them into every account it sees (seconds each).
  moto = await startMoto({ managedPolicies: false, defaultAmis: false });
  ec2Endpoint = await startEc2Endpoint(moto.endpoint);
  ib = await startImageBuilderEndpoint();
  // In front of it all, the fault-injecting endpoint: it passes everything through until a test sets rules.
  faults = await startFaultEndpoint(ec2Endpoint.endpoint);
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    // Every service through the fault endpoint, then the EC2 endpoint, which answers its three calls and passes
    // the rest to moto.
    AWS_ENDPOINT_URL: faults.endpoint,
    AWS_ENDPOINT_URL_IMAGEBUILDER: ib.endpoint,
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
  await ib?.close();
  await ec2Endpoint?.close();
  await moto?.stop();
  process.env = savedEnv;
  tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

beforeEach(async () => {
  faults.setRules([]);
  ib.handlers.GetImage = defaultHandlers().GetImage;
  await resetMoto(moto);
  for (const map of [ec2Endpoint.state.images, ec2Endpoint.state.snapshots, ec2Endpoint.state.fastLaunch, ib.state.images, ib.state.pipelines]) {
    map.clear();
  }
  ec2Endpoint.calls.length = 0;
  ib.calls.length = 0;
});

afterEach(() => {
  // No local endpoint answered anything its service's model does not allow.
  expect(ec2Endpoint.problems).toEqual([]);
  expect(ib.problems).toEqual([]);
});

/** Synthesizes an app into a cloud assembly directory. */
function synth(build: (stack: Stack) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-'));
  tempDirs.push(outdir);
  const app = new App({ outdir });
  build(new Stack(app, 'Golden', { env: { account: DIST, region: 'us-east-1' } }));
  app.synth();
  return outdir;
}

async function run(args: string[]) {
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
}

async function runJson(args: string[]) {
  const { code, out, err } = await run([...args, '--json']);
  const report = JSON.parse(out) as {
    image: string;
    summary: { passed: number; failed: number; unchecked: number };
    checks: JsonResult[];
    notices: string[];
  };
  return { code, err, ...report };
}

const VERIFY = ['verify', '--image', IMAGE_ARN, '--assume-role-name', ROLE];

/** What a correct distribution left behind, and the app that configured it. */
interface Distributed {
  readonly app: string;
  /** AMI IDs by `region/account`. */
  readonly amis: Record<string, string>;
  readonly usKey: string;
  readonly euKeyId: string;
  readonly launchTemplateId: string;
  readonly oldAmi: string;
}

/**
 * Two Regions, the distribution account and one target account: us-east-1 with a key by ARN and an SSM parameter,
 * eu-west-1 with a key by alias and a launch template in the target account, which Image Builder points at the
 * distribution account's AMI (so the target account is in its launch permissions); the owner's AMIs shared with
 * LAUNCHER and TARGET, and tagged. `skip` leaves out steps, as a distribution gone wrong would.
 */
async function distributeCorrectly(skip: { launchTemplateVersion?: boolean; usKeyInApp?: boolean; fastLaunch?: boolean } = {}): Promise<Distributed> {
  const usKey = await seed.createKey(DIST, 'us-east-1', []);
  const euKeyArn = await seed.createKey(DIST, 'eu-west-1', [], { alias: 'alias/golden' });
  const euKeyId = euKeyArn;
  const oldAmi = await world.seedAmi(ec2Endpoint, TARGET, 'eu-west-1', 'golden 1.0.0/1', { keyArn: euKeyArn });

  const amis: Record<string, string> = {};
  for (const [region, keyArn] of [['us-east-1', usKey], ['eu-west-1', euKeyArn]] as const) {
    amis[`${region}/${DIST}`] = await world.seedAmi(ec2Endpoint, DIST, region, 'golden 1.0.0/2', { keyArn, tags: { team: 'platform' }, launchPermission: [LAUNCHER, TARGET] });
    amis[`${region}/${TARGET}`] = await world.seedAmi(ec2Endpoint, TARGET, region, 'golden 1.0.0/2', { keyArn });
  }
  await world.seedParameter(DIST, 'us-east-1', '/golden/ami', amis[`us-east-1/${DIST}`]);
  const launchTemplateId = await world.seedLaunchTemplate(TARGET, 'eu-west-1', 'golden', oldAmi, skip.launchTemplateVersion ? undefined : amis[`eu-west-1/${DIST}`]);

  const app = synth(stack => {
    new DistributionConfiguration(stack, 'Dist', {
      distributionConfigurationName: NAME,
      amiName: 'golden-{{ imagebuilder:buildDate }}',
      amiTags: { team: 'platform' },
      targetAccounts: [TARGET],
      launchPermission: { accounts: [LAUNCHER, TARGET] },
    })
      .addRegion('us-east-1', {
        ...(skip.usKeyInApp ? {} : { kmsKey: kms.Key.fromKeyArn(stack, 'UsKey', usKey) }),
        ssmParameters: [{ parameterName: '/golden/ami' }],
        ...(skip.fastLaunch ? { fastLaunch: [{ enabled: true, maxParallelLaunches: 6 }] } : {}),
      })
      .addRegion('eu-west-1', {
        kmsKey: kms.Alias.fromAliasName(stack, 'EuAlias', 'alias/golden'),
        launchTemplates: [{ launchTemplate: ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'Lt', { launchTemplateId }), accountId: TARGET, setDefaultVersion: true }],
      });
  });
  registerImage(app, amis);
  return { app, amis, usKey, euKeyId, launchTemplateId, oldAmi };
}

/** The image in the local Image Builder endpoint: its configuration as deploying the app made it, and its AMIs. */
function registerImage(app: string, amis: Record<string, string>, arn = IMAGE_ARN) {
  const [found] = readAssembly(app).filter(d => d.properties.Name === NAME);
  ib.state.pipelines.set(PIPELINE_ARN, { arn: PIPELINE_ARN, name: 'golden', distributionConfigurationArn: CONFIG_ARN, status: 'ENABLED' });
  ib.state.images.set(arn, imageOf({
    arn,
    distributionConfiguration: world.deployedConfiguration(CONFIG_ARN, found.properties),
    amis: Object.entries(amis).map(([key, image]) => ({ region: key.split('/')[0], accountId: key.split('/')[1], image })),
    pipelineArn: PIPELINE_ARN,
  }));
}

/** The one result of a check in a Region and account. */
function resultOf(checks: JsonResult[], check: string, account: string, region: string): JsonResult {
  const found = checks.filter(c => c.check === check && c.account === account && c.region === region);
  expect(found).toHaveLength(1);
  return found[0];
}

test('a correct distribution passes every check in every Region and account, and the exit code is 0', async () => {
  const d = await distributeCorrectly();

  const { code, checks, summary, image, notices } = await runJson([...VERIFY, '--app', d.app]);

  expect(checks.filter(c => c.status !== 'pass')).toEqual([]);
  // Every value of the intent is the app's (none known only at deploy time).
  expect(notices).toEqual([]);
  expect(code).toBe(0);
  expect(image).toBe(IMAGE_ARN);
  // image; per Region: 2 AMIs and their snapshots' keys, the owner's launch permissions and tags; the parameter; the template.
  expect(summary).toEqual({ passed: 1 + 2 * (2 * 2 + 2) + 1 + 1, failed: 0, unchecked: 0, deployedByApp: 0 });
  expect(resultOf(checks, 'ami', TARGET, 'eu-west-1').message).toBe(`AMI ${d.amis[`eu-west-1/${TARGET}`]} exists and is available`);
  expect(resultOf(checks, 'encryption', TARGET, 'eu-west-1').message).toMatch(new RegExp(`is encrypted with the configured key ${d.euKeyId}$`));
  expect(resultOf(checks, 'launch-permission', DIST, 'us-east-1').message).toBe(`exactly as configured: account ${TARGET}, account ${LAUNCHER}`);
  expect(resultOf(checks, 'ssm-parameter', DIST, 'us-east-1').message).toBe(`holds the image's AMI ${d.amis[`us-east-1/${DIST}`]}`);
  expect(resultOf(checks, 'launch-template', TARGET, 'eu-west-1').message).toBe(`its default version launches the image's AMI ${d.amis[`eu-west-1/${DIST}`]} (of ${DIST}, which lets ${TARGET} launch it)`);
  expect(resultOf(checks, 'ami-tags', DIST, 'eu-west-1').message).toBe('the 1 configured tag (team) are on the AMI');

  // The calls the local EC2 endpoint answered (the rest went to moto).
  expect(new Set(ec2Endpoint.calls.map(c => c.operation))).toEqual(new Set(['DescribeImages', 'DescribeSnapshots']));
});

test('without a configured key, the key used is named with whether it can be shared', async () => {
  const d = await distributeCorrectly({ usKeyInApp: true });
  const [snapshot] = world.snapshotsOf(ec2Endpoint, 'us-east-1', d.amis[`us-east-1/${TARGET}`]);
  world.setSnapshot(ec2Endpoint, TARGET, 'us-east-1', snapshot, undefined);

  const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

  expect(resultOf(checks, 'encryption', DIST, 'us-east-1')).toMatchObject({
    status: 'pass',
    message: `no key is configured for us-east-1; the snapshots are encrypted with ${d.usKey} (customer managed: it can be shared through its key policy)`,
  });
  expect(resultOf(checks, 'encryption', TARGET, 'us-east-1')).toMatchObject({
    status: 'pass',
    message: `no key is configured for us-east-1 and the snapshots (${snapshot}) are not encrypted`,
  });
  expect(checks.filter(c => c.status !== 'pass')).toEqual([]);
  expect(code).toBe(0);
});

test('fast launch where configured: enabled passes, still enabling is unchecked, otherwise a finding', async () => {
  const d = await distributeCorrectly({ fastLaunch: true });
  const ami = d.amis[`us-east-1/${DIST}`];
  const fastLaunch = (state: string) => ec2Endpoint.state.fastLaunch.set(`us-east-1/${ami}`, {
    ImageId: ami, ResourceType: 'snapshot', MaxParallelLaunches: 6, OwnerId: DIST, State: state, StateTransitionTime: new Date(),
  });
  const verdict = async () => {
    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);
    expect(checks.filter(c => c.check !== 'fast-launch' && c.status !== 'pass')).toEqual([]);
    return { code, result: resultOf(checks, 'fast-launch', DIST, 'us-east-1') };
  };

  fastLaunch('enabled');
  expect(await verdict()).toEqual({ code: 0, result: expect.objectContaining({ status: 'pass', resource: `fast launch of ${ami}`, message: 'fast launch is enabled' }) });
  fastLaunch('enabling');
  expect(await verdict()).toEqual({ code: 3, result: expect.objectContaining({ status: 'unchecked', message: `could not check fast launch of ${ami}: it is still being enabled` }) });
  ec2Endpoint.state.fastLaunch.clear();
  expect(await verdict()).toEqual({ code: 1, result: expect.objectContaining({ status: 'fail', message: 'fast launch is not enabled' }) });
});

test('an image pipeline ARN verifies the pipeline\'s latest image', async () => {
  const d = await distributeCorrectly();
  const older = imageArn('us-east-1', DIST, 'golden', '1.0.0', 1);
  ib.state.images.set(older, { ...ib.state.images.get(IMAGE_ARN)!, arn: older, version: '1.0.0/1', dateCreated: '2026-11-01T00:00:00.000Z' });

  const { code, image, err } = await runJson(['verify', '--image', PIPELINE_ARN, '--assume-role-name', ROLE, '--app', d.app]);

  expect(image).toBe(IMAGE_ARN);
  expect(err).toMatch(`the latest image of ${PIPELINE_ARN} is ${IMAGE_ARN}`);
  expect(code).toBe(0);
});

describe('each defect is found: exit 1, naming the Region, the account and what differs, and nothing else fails', () => {
  const only = (checks: JsonResult[]) => {
    const failed = checks.filter(c => c.status !== 'pass');
    expect(failed).toHaveLength(1);
    return failed[0];
  };

  test('the AMI is missing in one account (deregistered after the distribution)', async () => {
    const d = await distributeCorrectly();
    const missing = d.amis[`us-east-1/${TARGET}`];
    ec2Endpoint.state.images.delete(`us-east-1/${missing}`);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(only(checks)).toMatchObject({
      check: 'ami',
      status: 'fail',
      account: TARGET,
      region: 'us-east-1',
      message: `AMI ${missing}, which the image lists for account ${TARGET}, does not exist there (deregistered, or never copied)`,
    });
    expect(code).toBe(1);
  });

  test('the AMI is missing in one account (the image distributed none there)', async () => {
    const d = await distributeCorrectly();
    const { [`eu-west-1/${TARGET}`]: _, ...partial } = d.amis;
    registerImage(d.app, partial);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(only(checks)).toMatchObject({
      check: 'ami',
      status: 'fail',
      account: TARGET,
      region: 'eu-west-1',
      message: `the image distributed no AMI to account ${TARGET} in eu-west-1 (its output lists ${d.amis[`eu-west-1/${DIST}`]} in ${DIST})`,
    });
    expect(code).toBe(1);
  });

  test('a snapshot encrypted with another key', async () => {
    const d = await distributeCorrectly();
    const other = await seed.createKey(TARGET, 'us-east-1', []);
    const ami = d.amis[`us-east-1/${TARGET}`];
    const [snapshot] = world.snapshotsOf(ec2Endpoint, 'us-east-1', ami);
    world.setSnapshot(ec2Endpoint, TARGET, 'us-east-1', snapshot, other);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(only(checks)).toMatchObject({
      check: 'encryption',
      status: 'fail',
      account: TARGET,
      region: 'us-east-1',
      message: `${snapshot} is encrypted with ${other}, not with the configured key ${d.usKey}`,
    });
    expect(code).toBe(1);
  });

  test('an unencrypted snapshot where a key is configured', async () => {
    const d = await distributeCorrectly();
    const ami = d.amis[`eu-west-1/${DIST}`];
    const [snapshot] = world.snapshotsOf(ec2Endpoint, 'eu-west-1', ami);
    world.setSnapshot(ec2Endpoint, DIST, 'eu-west-1', snapshot, undefined);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(only(checks)).toMatchObject({
      check: 'encryption',
      status: 'fail',
      account: DIST,
      region: 'eu-west-1',
      message: `${snapshot} is not encrypted, not with the configured key arn:aws:kms:eu-west-1:${DIST}:alias/golden (${d.euKeyId})`,
    });
    expect(code).toBe(1);
  });

  test('a launch permission more than configured', async () => {
    const d = await distributeCorrectly();
    await world.addLaunchPermission(DIST, 'us-east-1', d.amis[`us-east-1/${DIST}`], ['333333333333']);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(only(checks)).toMatchObject({
      check: 'launch-permission',
      status: 'fail',
      account: DIST,
      region: 'us-east-1',
      message: 'not configured, yet granted: account 333333333333',
      fix: expect.stringMatching(/^remove what is not configured/),
    });
    expect(code).toBe(1);
  });

  test('a stale SSM parameter', async () => {
    const d = await distributeCorrectly();
    await world.seedParameter(DIST, 'us-east-1', '/golden/ami', 'ami-00000000000000001');

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(only(checks)).toMatchObject({
      check: 'ssm-parameter',
      status: 'fail',
      account: DIST,
      region: 'us-east-1',
      resource: 'SSM parameter /golden/ami',
      message: `holds "ami-00000000000000001", not the image's AMI ${d.amis[`us-east-1/${DIST}`]}`,
    });
    expect(code).toBe(1);
  });

  test('a launch template still on the old AMI', async () => {
    const d = await distributeCorrectly({ launchTemplateVersion: true });

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(only(checks)).toMatchObject({
      check: 'launch-template',
      status: 'fail',
      account: TARGET,
      region: 'eu-west-1',
      message: `its default version launches ${d.oldAmi}, not the image's AMI (${d.amis[`eu-west-1/${DIST}`]}, ${d.amis[`eu-west-1/${TARGET}`]})`,
    });
    expect(code).toBe(1);
  });

  test('the text report names the result, the check, the account, the Region and what differs', async () => {
    const d = await distributeCorrectly();
    await world.seedParameter(DIST, 'us-east-1', '/golden/ami', 'ami-00000000000000001');

    const { code, out } = await run([...VERIFY, '--app', d.app]);

    expect(out.split('\n')[0]).toBe(`verify: image ${IMAGE_ARN}; app ${d.app}; caller arn:aws:sts::${DIST}:user/moto`);
    expect(out).toContain(`FAIL      ssm-parameter       ${DIST}  us-east-1  SSM parameter /golden/ami: holds "ami-00000000000000001", not the image's AMI ${d.amis[`us-east-1/${DIST}`]} Fix: `);
    expect(out.split('\n').pop()).toBe('15 checks: 14 passed, 1 failed, 0 unchecked, 0 deployed by this app');
    expect(code).toBe(1);
  });
});

describe('what could not be checked is never a pass: exit 3, with the reason and the fix', () => {
  test('a stalled DescribeSnapshots: every encryption check is unchecked, the deadline really aborted the calls', async () => {
    const d = await distributeCorrectly();
    faults.setRules([{ service: 'ec2', operation: 'DescribeSnapshots', fault: 'stall' }]);

    const { code, checks, summary } = await runJson([...VERIFY, '--app', d.app, '--call-timeout', '1', '--max-attempts', '1']);

    const encryption = checks.filter(c => c.check === 'encryption');
    expect(encryption).toHaveLength(4);
    for (const c of encryption) {
      expect(c.status).toBe('unchecked');
      expect(c.message).toMatch(/no answer in 1 s \(ec2:DescribeSnapshots\)/);
      expect(c.fix).toMatch(/raise --call-timeout/);
    }
    expect(summary).toMatchObject({ failed: 0, unchecked: 4 });
    expect(faults.abortedByClient.filter(c => c === 'ec2:DescribeSnapshots').length).toBeGreaterThanOrEqual(1);
    expect(code).toBe(3);
  });

  test('kms:DescribeKey denied: the configured keys cannot be resolved, so no snapshot passes', async () => {
    const d = await distributeCorrectly();
    faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'access-denied' }]);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    const encryption = checks.filter(c => c.check === 'encryption');
    expect(encryption.map(c => c.status)).toEqual(['unchecked', 'unchecked', 'unchecked', 'unchecked']);
    expect(encryption[0].message).toMatch(/access denied to kms:DescribeKey \(AccessDeniedException\)/);
    expect(checks.filter(c => c.status === 'fail')).toEqual([]);
    expect(code).toBe(3);
    // --allow-unchecked turns it into 0, and the checks are still reported.
    faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'access-denied' }]);
    const allowed = await runJson([...VERIFY, '--app', d.app, '--allow-unchecked']);
    expect(allowed.code).toBe(0);
    expect(allowed.summary.unchecked).toBe(4);
  });

  test('a finding wins over what could not be checked: exit 1', async () => {
    const d = await distributeCorrectly();
    await world.seedParameter(DIST, 'us-east-1', '/golden/ami', 'ami-00000000000000001');
    faults.setRules([{ service: 'ec2', operation: 'DescribeImageAttribute', fault: 'throttle' }]);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app, '--max-attempts', '1']);

    expect(checks.filter(c => c.check === 'launch-permission').map(c => c.status)).toEqual(['unchecked', 'unchecked']);
    expect(resultOf(checks, 'ssm-parameter', DIST, 'us-east-1').status).toBe('fail');
    expect(code).toBe(1);
  });

  test('GetImage denied: the image could not be read (exit 3), nothing else is claimed', async () => {
    const d = await distributeCorrectly();
    ib.handlers.GetImage = () => {
      throw new ServiceError('ForbiddenException', 'You are not authorized to perform this operation.');
    };

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(checks).toEqual([expect.objectContaining({ check: 'image', status: 'unchecked', message: expect.stringMatching(/access denied to imagebuilder:GetImage \(ForbiddenException\)/) })]);
    expect(code).toBe(3);
  });

  test('without --assume-role-name, the target account\'s checks cannot run, the run says so first', async () => {
    const d = await distributeCorrectly();

    const { code, checks, notices, err } = await runJson(['verify', '--image', IMAGE_ARN, '--app', d.app]);

    const elsewhere = checks.filter(c => c.account === TARGET);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(elsewhere.every(c => c.status === 'unchecked' && /pass --assume-role-name/.test(c.fix ?? ''))).toBe(true);
    expect(checks.filter(c => c.account === DIST).every(c => c.status === 'pass')).toBe(true);
    expect(notices[0]).toMatch(`without --assume-role-name, the checks in account ${TARGET} cannot run`);
    expect(err).toMatch(notices[0]);
    expect(code).toBe(3);
  });

  test('an image still distributing is not verified yet (exit 3)', async () => {
    const d = await distributeCorrectly();
    ib.state.images.get(IMAGE_ARN)!.state = { status: 'DISTRIBUTING' };

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(checks).toEqual([expect.objectContaining({ check: 'image', status: 'unchecked', message: `could not check ${IMAGE_ARN}: it is still DISTRIBUTING` })]);
    expect(code).toBe(3);
  });
});

describe('the command could not run: exit 2, one line, no stack trace', () => {
  test.each([
    [['verify'], /--image is required/],
    [['verify', '--image', 'ami-0123456789abcdef0'], /is not an image build version ARN .* or an image pipeline ARN/],
    [['verify', '--image', IMAGE_ARN, '--bogus'], /Unknown option '--bogus'/],
    [['verify', '--image', IMAGE_ARN, '--app', path.join(os.tmpdir(), 'no-such-assembly')], /is not a cloud assembly \(no manifest.json\)/],
  ])('%j', async (args, message) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err).not.toMatch(/^\s+at /m);
  });

  /** An app with only a configuration named `name` (nothing seeded: these runs stop before any check). */
  const appWith = (name: string) => synth(stack => {
    new DistributionConfiguration(stack, 'Other', { distributionConfigurationName: name, amiName: `${name}-{{ imagebuilder:buildDate }}` })
      .addRegion('us-east-1');
  });

  test('an image that does not exist', async () => {
    const missing = imageArn('us-east-1', DIST, 'golden', '9.9.9', 1);
    const { code, err } = await run(['verify', '--image', missing, '--app', appWith(NAME)]);
    expect(err).toBe(`verify: cannot read the image ${missing}: Image Builder answered ClientException: The resource ${missing} does not exist.. Fix: check the ARN (its Region and account).`);
    expect(code).toBe(2);
  });

  test('an app without the image\'s distribution configuration', async () => {
    const configuration = { arn: CONFIG_ARN, name: NAME, timeoutMinutes: 720 };
    ib.state.images.set(IMAGE_ARN, imageOf({ arn: IMAGE_ARN, distributionConfiguration: configuration, amis: [] }));
    const { code, err } = await run([...VERIFY, '--app', appWith('other')]);
    expect(err).toMatch(`verify: the image was distributed with ${CONFIG_ARN}, but the app has no distribution configuration golden in account ${DIST}, Region us-east-1 (it has Golden/Other/Resource (other, ${DIST}/us-east-1)). Fix: pass --app`);
    expect(code).toBe(2);
  });

  test('--help describes the options and the exit codes (exit 0), and the command lists verify', async () => {
    const help = await run(['verify', '--help']);
    expect(help.code).toBe(0);
    for (const option of ['--image ARN', '--app DIR', '--json', '--assume-role-name NAME', '--timeout SECONDS', '--allow-unchecked']) {
      expect(help.out).toContain(option);
    }
    expect(help.out).toMatch(/Exit codes:\n {2}0 {2}everything was checked and is as configured\n {2}1 {2}something differs/);
    expect((await run(['--help'])).out).toMatch(/^ {2}verify {7}check, read-only, what an image distributed in every Region and account$/m);
  });
});

test('the app and the configuration the image was distributed with differ: a configuration finding (exit 1)', async () => {
  const d = await distributeCorrectly();
  const image = ib.state.images.get(IMAGE_ARN)!;
  // The image was distributed before the app added LAUNCHER to the launch permissions.
  image.distributionConfiguration.distributions.forEach((e: any) => {
    e.amiDistributionConfiguration.launchPermission.userIds = [TARGET];
  });

  const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

  const configuration = checks.filter(c => c.check === 'configuration');
  expect(configuration.map(c => [c.region, c.message])).toEqual([
    ['us-east-1', `launch permission accounts of Region us-east-1: the app has ["${TARGET}","${LAUNCHER}"], the image was distributed with ["${TARGET}"]`],
    ['eu-west-1', `launch permission accounts of Region eu-west-1: the app has ["${TARGET}","${LAUNCHER}"], the image was distributed with ["${TARGET}"]`],
  ]);
  expect(code).toBe(1);
});

describe('an answer without what a check needs is never a pass, and loses no other result (issue 25)', () => {
  test('kms:DescribeKey without KeyMetadata: the encryption checks are unchecked with the reason, every other result is there', async () => {
    const d = await distributeCorrectly();
    faults.setRules([{ service: 'kms', operation: 'DescribeKey', fault: 'empty' }]);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    const encryption = checks.filter(c => c.check === 'encryption');
    expect(encryption).toHaveLength(4);
    for (const c of encryption) {
      expect(c).toMatchObject({ status: 'unchecked', message: expect.stringMatching(/: the answer of kms:DescribeKey has no KeyMetadata$/), fix: expect.stringMatching(/^run again/) });
    }
    // image, 4 AMIs, 2 launch permissions, 2 tags, the parameter, the template: all checked and passed.
    expect(checks.filter(c => c.check !== 'encryption').map(c => c.status)).toEqual(Array(11).fill('pass'));
    expect(code).toBe(3);
  });

  test('ec2:DescribeImages without the AMI\'s owner: that AMI is unchecked, never "exists and is available"', async () => {
    const d = await distributeCorrectly();
    const ami = d.amis[`us-east-1/${TARGET}`];
    delete ec2Endpoint.state.images.get(`us-east-1/${ami}`)!.OwnerId;

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(resultOf(checks, 'ami', TARGET, 'us-east-1')).toMatchObject({
      status: 'unchecked',
      message: `could not check ${ami}: the answer of ec2:DescribeImages has no OwnerId of ${ami}`,
    });
    expect(checks.filter(c => c.status === 'fail')).toEqual([]);
    expect(code).toBe(3);
  });

  test('an empty ssm:GetParameter: unchecked, not a parameter that holds "undefined"', async () => {
    const d = await distributeCorrectly();
    faults.setRules([{ service: 'ssm', operation: 'GetParameter', fault: 'empty' }]);

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(resultOf(checks, 'ssm-parameter', DIST, 'us-east-1')).toMatchObject({
      status: 'unchecked',
      message: 'could not check SSM parameter /golden/ami: the answer of ssm:GetParameter has no Parameter.Value',
    });
    expect(code).toBe(3);
  });

  test('an empty imagebuilder:GetImage: the image could not be read (exit 3), not "no distribution configuration" (exit 2)', async () => {
    const d = await distributeCorrectly();
    ib.handlers.GetImage = () => ({ requestId: '11111111-2222-3333-4444-555555555555' });

    const { code, checks } = await runJson([...VERIFY, '--app', d.app]);

    expect(checks).toEqual([expect.objectContaining({ check: 'image', status: 'unchecked', message: `could not check ${IMAGE_ARN}: the answer of imagebuilder:GetImage has no image` })]);
    expect(code).toBe(3);
  });

  test('an app and an image with no Region to compare: nothing to verify is exit 2, never a green', async () => {
    const d = await distributeCorrectly();
    // A hand-edited assembly whose configuration lists no Region entry, and an image distributed with none.
    const template = path.join(d.app, 'Golden.template.json');
    const doc = JSON.parse(fs.readFileSync(template, 'utf-8'));
    const [logicalId] = Object.entries<any>(doc.Resources).find(([, r]) => r.Type === 'AWS::ImageBuilder::DistributionConfiguration')!;
    doc.Resources[logicalId].Properties.Distributions = 'not a list';
    fs.writeFileSync(template, JSON.stringify(doc));
    ib.state.images.get(IMAGE_ARN)!.distributionConfiguration.distributions = [];

    const { code, out, err } = await run([...VERIFY, '--app', d.app]);

    expect(err).toMatch(/has no Region to check \(its Distributions is not a list, and the image was distributed with none\): there is nothing to verify/);
    expect(out).toBe('');
    expect(code).toBe(2);
  });
});
