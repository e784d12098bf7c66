import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { ImageBuilderEndpoint, ServiceError, imageArn, imageOf, startImageBuilderEndpoint } from './endpoints/imagebuilder';
import { serveDistribution } from './endpoints/imagebuilder-distribute';
import { DEFAULT_ACCOUNT, Moto, resetMoto, startMoto } from './preflight/moto';
import { DEFAULT_CONCURRENCY, Io } from '../src/cli/common/options';
import { EXIT } from '../src/cli/common/report';
import { VerifyImage, VerifyOptions, distribute, retry } from '../src/cli/distribute/command';

/*
 * `distribute` and `retry` end to end: the caller's identity from moto (STS), Image Builder from the local endpoint
 * (test/endpoints: moto has no Image Builder; every request and answer is checked against Image Builder's model),
 * the configuration from a synthesized app. Verifying is the verify verb's: these tests hand the verbs a recording
 * function in its place (main.ts hands them verify's), so what is asserted here is what the verbs ask of it.
 */

const REGION = 'us-east-1';
const CONFIGURATION_ARN = `arn:aws:imagebuilder:${REGION}:${DEFAULT_ACCOUNT}:distribution-configuration/golden-ami`;
const ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/ImageBuilderDistribution`;
const CONFIGURATION = {
  arn: CONFIGURATION_ARN,
  name: 'golden-ami',
  timeoutMinutes: 360,
  distributions: [{ region: REGION, amiDistributionConfiguration: { name: 'golden-{{ imagebuilder:buildDate }}' } }],
};

jest.setTimeout(120_000);

let moto: Moto;
let ib: ImageBuilderEndpoint;
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
    AWS_REGION: REGION,
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

beforeEach(async () => {
  await resetMoto(moto);
  ib = await startImageBuilderEndpoint();
  process.env.AWS_ENDPOINT_URL_IMAGEBUILDER = ib.endpoint;
});

afterEach(async () => {
  // Whatever a test did, the endpoint saw only requests and sent only answers that match Image Builder's model.
  expect(ib.problems).toEqual([]);
  await ib.close();
});

/** An app with one distribution configuration named `golden-ami` (or more), synthesized into a cloud assembly. */
function synth(names = ['Golden AMI']): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'distribute-'));
  tempDirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'GoldenAmi', { env: { account: DEFAULT_ACCOUNT, region: REGION } });
  names.forEach((name, i) => new DistributionConfiguration(stack, `Distribution${i}`, {
    distributionConfigurationName: name,
    amiName: 'golden-{{ imagebuilder:buildDate }}',
  }).addRegion(REGION));
  app.synth();
  return outdir;
}

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: t => stdout.push(t), err: t => stderr.push(t) };
}

/** A verify that records what it was asked and answers `code`. */
function verifyDouble(code: number): VerifyImage & { calls: VerifyOptions[] } {
  const calls: VerifyOptions[] = [];
  const double = async (options: VerifyOptions, io: Io) => {
    calls.push(options);
    io.out(`verify: ${options.image}`);
    return code;
  };
  return Object.assign(double, { calls });
}

const fast = ['--poll-interval', '10ms'];

describe('distribute', () => {
  test('distributes the AMI with the app\'s deployed configuration, follows it to AVAILABLE, prints the link, and exits as verify does', async () => {
    serveDistribution(ib, { configurations: new Map([[CONFIGURATION_ARN, CONFIGURATION]]), states: [{ status: 'PENDING' }, { status: 'DISTRIBUTING' }, { status: 'DISTRIBUTING' }, { status: 'AVAILABLE' }] });
    const app = synth();
    for (const verdict of [EXIT.OK, EXIT.FINDINGS, EXIT.UNCHECKED]) {
      const io = capture();
      const verify = verifyDouble(verdict);
      const code = await distribute(['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--app', app, ...fast], io, { verify });
      expect({ code, stderr: io.stderr }).toEqual({ code: verdict, stderr: expect.any(Array) });
      const started = ib.calls.filter(c => c.operation === 'DistributeImage').pop()!;
      expect(started.input).toEqual({ sourceImage: 'ami-0123456789abcdef0', distributionConfigurationArn: CONFIGURATION_ARN, executionRole: ROLE, clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      const image = [...ib.state.images.keys()].pop()!;
      expect(io.stdout[0]).toBe(`distribute: ${image}\ndistribute: console: https://${REGION}.console.aws.amazon.com/imagebuilder/home?region=${REGION}#/images/${encodeURIComponent(image)}/details`);
      // Each change of state once, on stderr.
      expect(io.stderr.filter(l => / after \d+ s$/.test(l)).map(l => l.split(': ')[2].split(' ')[0])).toEqual(['PENDING', 'DISTRIBUTING', 'AVAILABLE']);
      const settings = expect.objectContaining({ budgetMs: 300_000 });
      expect(verify.calls).toEqual([{ image, app, settings, concurrency: DEFAULT_CONCURRENCY, json: false }]);
    }
  });

  test('an image that ends FAILED exits 1 whatever verify finds, and says how to retry', async () => {
    serveDistribution(ib, { configurations: new Map([[CONFIGURATION_ARN, CONFIGURATION]]), states: [{ status: 'DISTRIBUTING' }, { status: 'FAILED', reason: 'Distribution failed in eu-west-1: access denied to the KMS key' }] });
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    const code = await distribute(['--image', 'ssm:/golden/ami-id', '--execution-role', 'ImageBuilderDistribution', '--app', synth(), ...fast], io, { verify });
    expect(code).toBe(EXIT.FINDINGS);
    expect(io.stderr.join('\n')).toMatch(/the image ended FAILED: Distribution failed in eu-west-1: access denied to the KMS key\. .*'cdk-imagebuilder-distribution retry --image arn:aws:imagebuilder:/);
    // What did arrive is still verified.
    expect(verify.calls).toHaveLength(1);
  });

  test('an image still distributing when --timeout is spent: exit 3, it goes on in AWS, verify later; verify is not run', async () => {
    serveDistribution(ib, { configurations: new Map([[CONFIGURATION_ARN, CONFIGURATION]]), states: [{ status: 'DISTRIBUTING' }] });
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    const code = await distribute(['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--app', synth(), '--poll-interval', '50ms', '--timeout', '3'], io, { verify });
    expect(code).toBe(EXIT.UNCHECKED);
    expect(io.stderr.join('\n')).toMatch(/the image is still DISTRIBUTING after 3 s \(--timeout\)\. It goes on in AWS: verify it once it is AVAILABLE with 'cdk-imagebuilder-distribution verify --image arn:aws:imagebuilder:\S+ --app /);
    expect(verify.calls).toEqual([]);
  });

  test('a configuration that is not deployed is a usage error with the fix; nothing is started', async () => {
    serveDistribution(ib, { configurations: new Map() });
    const io = capture();
    const code = await distribute(['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--app', synth(), ...fast], io, { verify: verifyDouble(EXIT.OK) });
    expect(code).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(new RegExp(`the distribution configuration GoldenAmi/Distribution0/Resource is not deployed: ${CONFIGURATION_ARN.replace(/[.*]/g, '\\$&')} does not exist in account ${DEFAULT_ACCOUNT}, Region ${REGION}\\. Fix: deploy its stack first \\('cdk deploy GoldenAmi'\\), or pass --distribution-arn`));
    expect(ib.calls.map(c => c.operation)).not.toContain('DistributeImage');
  });

  test('an app with several configurations needs --distribution; --distribution-arn skips the app', async () => {
    serveDistribution(ib, { configurations: new Map([[CONFIGURATION_ARN, CONFIGURATION]]) });
    const app = synth(['Golden AMI', 'Other AMI']);
    let io = capture();
    expect(await distribute(['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--app', app, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/has 2 distribution configurations with AMI settings\. Fix: pass --distribution with one of:\n {2}GoldenAmi\/Distribution0\/Resource\n {2}GoldenAmi\/Distribution1\/Resource/);

    io = capture();
    expect(await distribute(['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--app', app, '--distribution', 'GoldenAmi/Distribution0/Resource', ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);

    io = capture();
    expect(await distribute(['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--app', '/no/such/app', '--distribution-arn', CONFIGURATION_ARN, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
  });

  test('Image Builder refusing to start is exit 2 with its message; nothing is followed', async () => {
    serveDistribution(ib, { configurations: new Map([[CONFIGURATION_ARN, CONFIGURATION]]) });
    ib.handlers.DistributeImage = () => {
      throw new ServiceError('InvalidRequestException', 'The source image ami-0123456789abcdef0 does not exist in us-east-1.');
    };
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    expect(await distribute(['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--app', synth(), ...fast], io, { verify })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/distribute: Image Builder refused DistributeImage: InvalidRequestException: The source image ami-0123456789abcdef0 does not exist in us-east-1\. Nothing was started\./);
    expect(ib.calls.map(c => c.operation)).not.toContain('GetImage');
    expect(verify.calls).toEqual([]);
  });

  test.each([
    [['--execution-role', ROLE], /--image is missing/],
    [['--image', 'golden', '--execution-role', ROLE], /--image golden is not an AMI ID, an image ARN or ssm:<parameter>/],
    [['--image', 'ami-0123456789abcdef0'], /--execution-role is missing/],
    [['--image', 'ami-0123456789abcdef0', '--execution-role', 'arn:aws:iam::1:role/x y'], /--execution-role arn:aws:iam::1:role\/x y is not a role ARN or name/],
    [['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--poll-interval', '0'], /--poll-interval takes a number of seconds greater than 0, not 0/],
    [['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--unknown'], /Unknown option '--unknown'/],
  ])('usage error %#: exit 2, nothing called', async (argv, message) => {
    const io = capture();
    expect(await distribute(argv, io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(message);
    expect(ib.calls).toEqual([]);
  });

  test('--help says it changes AWS, and what the role needs', async () => {
    const io = capture();
    expect(await distribute(['--help'], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    expect(io.stdout.join('\n')).toMatch(/It CHANGES AWS: it is one of the two commands of this tool that do \(distribute and retry\)/);
    expect(io.stdout.join('\n')).toMatch(/grantDistribute\(\)/);
  });
});

describe('retry', () => {
  const failed = imageArn(REGION, DEFAULT_ACCOUNT, 'golden', '1.0.0', 3);
  const seedFailed = () => ib.state.images.set(failed, imageOf({ arn: failed, distributionConfiguration: CONFIGURATION, amis: [], status: 'FAILED' }));

  test('retries a FAILED image in place, follows it to AVAILABLE, prints the link, and exits as verify does', async () => {
    serveDistribution(ib, { configurations: new Map([[CONFIGURATION_ARN, CONFIGURATION]]), states: [{ status: 'DISTRIBUTING' }, { status: 'AVAILABLE' }] });
    seedFailed();
    const io = capture();
    const verify = verifyDouble(EXIT.FINDINGS);
    const app = synth();
    expect(await retry(['--image', failed, '--app', app, ...fast], io, { verify })).toBe(EXIT.FINDINGS);
    expect(ib.calls.find(c => c.operation === 'RetryImage')!.input).toEqual({ imageBuildVersionArn: failed, clientToken: expect.any(String) });
    expect(io.stdout[0]).toBe(`retry: ${failed}\nretry: console: https://${REGION}.console.aws.amazon.com/imagebuilder/home?region=${REGION}#/images/${encodeURIComponent(failed)}/details`);
    expect(verify.calls).toEqual([expect.objectContaining({ image: failed, app })]);
  });

  test('--json keeps stdout for verify\'s document: the link goes to stderr', async () => {
    serveDistribution(ib, { configurations: new Map([[CONFIGURATION_ARN, CONFIGURATION]]) });
    seedFailed();
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    expect(await retry(['--image', failed, '--app', synth(), '--json', ...fast], io, { verify })).toBe(EXIT.OK);
    expect(io.stdout).toEqual([`verify: ${failed}`]);
    expect(io.stderr.join('\n')).toContain('retry: console: https://');
    expect(verify.calls[0].json).toBe(true);
  });

  test('an image that is not FAILED or CANCELLED: Image Builder refuses, exit 2', async () => {
    serveDistribution(ib, { configurations: new Map() });
    ib.state.images.set(failed, imageOf({ arn: failed, distributionConfiguration: CONFIGURATION, amis: [] }));
    const io = capture();
    expect(await retry(['--image', failed, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/Image Builder refused RetryImage: InvalidRequestException: .* is AVAILABLE; only FAILED or CANCELLED images can be retried/);
  });

  test('--image must be an image build version ARN', async () => {
    const io = capture();
    expect(await retry(['--image', 'ami-0123456789abcdef0'], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/--image ami-0123456789abcdef0 is not an image build version ARN/);
  });
});
