import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DistributionConfiguration } from '../src';
import { ImageBuilderEndpoint, Obj, ServiceError, imageArn, imageOf, startImageBuilderEndpoint } from './endpoints/imagebuilder';
import { DistributionScript, serveDistribution } from './endpoints/imagebuilder-distribute';
import { DEFAULT_ACCOUNT, Moto, resetMoto, startMoto } from './preflight/moto';
import { deployedConfiguration } from './verify/world';
import { DEFAULT_CONCURRENCY, Io } from '../src/cli/common/options';
import { EXIT } from '../src/cli/common/report';
import { VerifyImage, VerifyOptions, distribute, retry } from '../src/cli/distribute/command';

/*
 * `distribute` and `retry` end to end: the caller's identity, the source AMI and its SSM parameter from moto (STS,
 * EC2, SSM), Image Builder from the local endpoint (test/endpoints: moto has no Image Builder; every request and
 * answer is checked against Image Builder's model; it honours client tokens as Image Builder does, and can take a
 * request without ever answering it), the configuration from a synthesized app. Verifying is the verify verb's: these tests hand the verbs a recording
 * function in its place (main.ts hands them verify's), so what is asserted here is what the verbs ask of it.
 */

const REGION = 'us-east-1';
const CONFIGURATION_ARN = `arn:aws:imagebuilder:${REGION}:${DEFAULT_ACCOUNT}:distribution-configuration/golden-ami`;
const ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/ImageBuilderDistribution`;
const OUTSIDER = '222222222222';
/** The configuration an image records (GetImage's `distributionConfiguration`). */
const RECORDED = { arn: CONFIGURATION_ARN, name: 'golden-ami', timeoutMinutes: 720, distributions: [{ region: REGION }] };

jest.setTimeout(120_000);

let moto: Moto;
let ib: ImageBuilderEndpoint;
const savedEnv = { ...process.env };
const tempDirs: string[] = [];

beforeAll(async () => {
  // STS, EC2 and SSM only: no managed policies, no public AMIs to load.
  moto = await startMoto({ managedPolicies: false, defaultAmis: false });
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

/**
 * An app with one distribution configuration named `golden-ami` (or more), synthesized into a cloud assembly, and
 * each configuration as GetDistributionConfiguration answers it once the app is deployed (by ARN).
 */
function synth(names = ['Golden AMI']): { app: string; deployed: Map<string, Obj> } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'distribute-'));
  tempDirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'GoldenAmi', { env: { account: DEFAULT_ACCOUNT, region: REGION } });
  names.forEach((name, i) => new DistributionConfiguration(stack, `Distribution${i}`, {
    distributionConfigurationName: name,
    amiName: 'golden-{{ imagebuilder:buildDate }}',
  }).addRegion(REGION));
  const configurations = new Map<string, Obj>();
  for (const resource of Object.values<any>(Template.fromStack(stack).findResources('AWS::ImageBuilder::DistributionConfiguration'))) {
    const arn = `arn:aws:imagebuilder:${REGION}:${DEFAULT_ACCOUNT}:distribution-configuration/${String(resource.Properties.Name).toLowerCase().replace(/ /g, '-')}`;
    configurations.set(arn, deployedConfiguration(arn, resource.Properties));
  }
  app.synth();
  return { app: outdir, deployed: configurations };
}

/** The app deployed, served by the local endpoint with `script`'s states. */
function deployed(script: Omit<DistributionScript, 'configurations'> = {}, names?: string[]): { app: string; script: DistributionScript } {
  const { app, deployed: configurations } = synth(names);
  const full: DistributionScript = { ...script, configurations };
  serveDistribution(ib, full);
  return { app, script: full };
}

/** An available AMI of the caller's account in REGION (moto). */
async function seedSource(): Promise<string> {
  return (await new EC2Client({ region: REGION }).send(new RegisterImageCommand({ Name: `golden-source-${Date.now()}` }))).ImageId!;
}

const distributeCalls = () => ib.calls.filter(c => c.operation === 'DistributeImage');

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
    const { app } = deployed({ states: [{ status: 'PENDING' }, { status: 'DISTRIBUTING' }, { status: 'DISTRIBUTING' }, { status: 'AVAILABLE' }] });
    const ami = await seedSource();
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    const code = await distribute(['--image', ami, '--execution-role', ROLE, '--app', app, ...fast], io, { verify });
    expect({ code, stderr: io.stderr }).toEqual({ code: EXIT.OK, stderr: expect.any(Array) });
    const [started] = distributeCalls();
    const token = started.input.clientToken;
    expect(started.input).toEqual({
      sourceImage: ami,
      distributionConfigurationArn: CONFIGURATION_ARN,
      executionRole: ROLE,
      clientToken: expect.stringMatching(/^distribute-[0-9a-f]{48}$/),
      tags: { 'cdk-imagebuilder-distribution:client-token': token },
    });
    const image = [...ib.state.images.keys()].pop()!;
    expect(io.stdout[0]).toBe(`distribute: ${image}\ndistribute: console: https://${REGION}.console.aws.amazon.com/imagebuilder/home?region=${REGION}#/images/${encodeURIComponent(image)}/details`);
    // Each change of state once, on stderr.
    expect(io.stderr.filter(l => / after \d+ s$/.test(l)).map(l => l.split(': ')[2].split(' ')[0])).toEqual(['PENDING', 'DISTRIBUTING', 'AVAILABLE']);
    const settings = expect.objectContaining({ budgetMs: 300_000 });
    expect(verify.calls).toEqual([{ image, app, settings, concurrency: DEFAULT_CONCURRENCY, json: false }]);
  });

  test.each([EXIT.FINDINGS, EXIT.UNCHECKED])('exits as verify does: %s', async verdict => {
    const { app } = deployed();
    const ami = await seedSource();
    const io = capture();
    expect(await distribute(['--image', ami, '--execution-role', ROLE, '--app', app, ...fast], io, { verify: verifyDouble(verdict) })).toBe(verdict);
  });

  test('the client token is derived from the request: a rerun sends the same token and starts no second distribution; another role, another token', async () => {
    const { app } = deployed();
    const ami = await seedSource();
    const argv = ['--image', ami, '--execution-role', ROLE, '--app', app, ...fast];
    expect(await distribute(argv, capture(), { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    expect(await distribute(argv, capture(), { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    // The role by name is the role of the configuration's account: the same request.
    expect(await distribute(['--image', ami, '--execution-role', 'ImageBuilderDistribution', '--app', app, ...fast], capture(), { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    const tokens = distributeCalls().map(c => c.input.clientToken);
    expect(new Set(tokens).size).toBe(1);
    expect(ib.state.images.size).toBe(1);

    expect(await distribute(['--image', ami, '--execution-role', `arn:aws:iam::${DEFAULT_ACCOUNT}:role/Other`, '--app', app, ...fast], capture(), { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    expect(distributeCalls().pop()!.input.clientToken).not.toBe(tokens[0]);
    expect(ib.state.images.size).toBe(2);

    // --client-token overrides it.
    expect(await distribute([...argv, '--client-token', 'release-2026-12-06'], capture(), { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    expect(distributeCalls().pop()!.input).toEqual(expect.objectContaining({ clientToken: 'release-2026-12-06', tags: { 'cdk-imagebuilder-distribution:client-token': 'release-2026-12-06' } }));
    expect(ib.state.images.size).toBe(3);
  });

  test('--dry-run resolves and compares, prints the exact request, sends no DistributeImage, exits 0', async () => {
    const { app } = deployed();
    const ami = await seedSource();
    await new SSMClient({ region: REGION }).send(new PutParameterCommand({ Name: '/golden/ami-id', Value: ami, Type: 'String' }));
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    const code = await distribute(['--image', 'ssm:/golden/ami-id', '--execution-role', 'ImageBuilderDistribution', '--app', app, '--dry-run', ...fast], io, { verify });
    expect(code).toBe(EXIT.OK);
    expect(ib.calls.map(c => c.operation)).toEqual(['GetDistributionConfiguration']);
    expect(ib.state.images.size).toBe(0);
    expect(verify.calls).toEqual([]);
    const printed = JSON.parse(io.stdout.join('\n'));
    expect(printed).toEqual({
      operation: 'DistributeImage',
      account: DEFAULT_ACCOUNT,
      region: REGION,
      request: {
        sourceImage: 'ssm:/golden/ami-id',
        distributionConfigurationArn: CONFIGURATION_ARN,
        executionRole: ROLE,
        clientToken: expect.stringMatching(/^distribute-[0-9a-f]{48}$/),
        tags: { 'cdk-imagebuilder-distribution:client-token': printed.request.clientToken },
      },
    });
    const stderr = io.stderr.join('\n');
    expect(stderr).toContain(`ssm:/golden/ami-id is ${ami}`);
    expect(stderr).toMatch(/dry run: nothing was sent\. DistributeImage would be sent in account \d{12}, Region us-east-1/);

    // The request sent afterwards is the one printed.
    expect(await distribute(['--image', 'ssm:/golden/ami-id', '--execution-role', 'ImageBuilderDistribution', '--app', app, ...fast], capture(), { verify })).toBe(EXIT.OK);
    expect(distributeCalls().map(c => c.input)).toEqual([printed.request]);
  });

  test('an extra launch-permission account in the deployed configuration is refused before any DistributeImage: exit 1, naming it, its Region and account', async () => {
    const { app, script } = deployed();
    const configuration = script.configurations.get(CONFIGURATION_ARN)!;
    configuration.distributions[0].amiDistributionConfiguration.launchPermission = { userIds: [OUTSIDER] };
    const ami = await seedSource();
    for (const extra of [[], ['--dry-run']]) {
      const io = capture();
      const verify = verifyDouble(EXIT.OK);
      expect(await distribute(['--image', ami, '--execution-role', ROLE, '--app', app, ...extra, ...fast], io, { verify })).toBe(EXIT.FINDINGS);
      const stderr = io.stderr.join('\n');
      expect(stderr).toContain(`the deployed configuration ${CONFIGURATION_ARN} (account ${DEFAULT_ACCOUNT}, Region ${REGION}) differs from the app's GoldenAmi/Distribution0/Resource; nothing was sent:`);
      expect(stderr).toContain(`Region ${REGION}, account ${DEFAULT_ACCOUNT}: amiDistributionConfiguration.launchPermission.userIds: the deployed configuration has ${OUTSIDER}, which the app does not`);
      expect(stderr).toMatch(/Fix: deploy the app \('cdk deploy GoldenAmi'\) .* or pass --accept-deployed-configuration/);
      expect(distributeCalls()).toEqual([]);
      expect(verify.calls).toEqual([]);
    }

    // Taken as it is, on request, saying so.
    const io = capture();
    expect(await distribute(['--image', ami, '--execution-role', ROLE, '--app', app, '--accept-deployed-configuration', ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    expect(io.stderr.join('\n')).toContain(`--accept-deployed-configuration: distributing with ${CONFIGURATION_ARN} (account ${DEFAULT_ACCOUNT}, Region ${REGION}) as it is deployed, although it differs from the app's`);
    expect(distributeCalls()).toHaveLength(1);
  });

  test('a Region the deployed configuration has and the app has not is a difference too', async () => {
    const { app, script } = deployed();
    script.configurations.get(CONFIGURATION_ARN)!.distributions.push({ region: 'eu-west-1', amiDistributionConfiguration: { targetAccountIds: [OUTSIDER] } });
    const io = capture();
    expect(await distribute(['--image', await seedSource(), '--execution-role', ROLE, '--app', app, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.FINDINGS);
    expect(io.stderr.join('\n')).toContain(`Region eu-west-1, account ${DEFAULT_ACCOUNT}: the deployed configuration distributes to Region eu-west-1, the app does not`);
    expect(distributeCalls()).toEqual([]);
  });

  test.each(['hang', 'reset'] as const)('a DistributeImage accepted but never answered (%s), run twice: exit 3 both times, what started is reported, never "nothing was started", one token', async answer => {
    const { app } = deployed({ answer });
    const ami = await seedSource();
    const argv = ['--image', ami, '--execution-role', ROLE, '--app', app, '--call-timeout', '2', '--max-attempts', '2', ...fast];
    const outputs: string[] = [];
    for (const run of [1, 2]) {
      const io = capture();
      const verify = verifyDouble(EXIT.OK);
      const started = Date.now();
      expect({ run, code: await distribute(argv, io, { verify }) }).toEqual({ run, code: EXIT.UNCHECKED });
      // Ends by itself: the call's deadline, not the test's.
      expect(Date.now() - started).toBeLessThan(30_000);
      const stderr = io.stderr.join('\n');
      outputs.push(stderr);
      expect(stderr).not.toMatch(/nothing was started/i);
      expect(stderr).toMatch(/DistributeImage was sent, and its answer did not come back \(.+\): whether it started is not known yet\./);
      expect(verify.calls).toEqual([]);
    }
    const [image] = [...ib.state.images.keys()];
    expect(ib.state.images.size).toBe(1);
    const tokens = new Set(distributeCalls().map(c => c.input.clientToken));
    expect(distributeCalls().length).toBeGreaterThanOrEqual(2);
    expect(tokens.size).toBe(1);
    const [token] = tokens;
    for (const stderr of outputs) {
      // Nothing read its state since it started.
      expect(stderr).toContain(`Image Builder started it: ${image} is PENDING, tagged cdk-imagebuilder-distribution:client-token=${token}.`);
      expect(stderr).toContain(`verify it once it is AVAILABLE with 'cdk-imagebuilder-distribution verify --image ${image} --app ${app}'`);
      expect(stderr).toContain(`run the same command again, which sends the same client token and so cannot start a second distribution: cdk-imagebuilder-distribution distribute ${argv.join(' ')} --client-token ${token}`);
    }
  });

  test('a server error after DistributeImage started the image: exit 3 with the image, never "nothing was started"', async () => {
    const { app } = deployed();
    const accept = ib.handlers.DistributeImage;
    ib.handlers.DistributeImage = async (input, state) => {
      await accept(input, state);
      throw new ServiceError('ServiceException', 'An internal error occurred.');
    };
    const io = capture();
    expect(await distribute(['--image', await seedSource(), '--execution-role', ROLE, '--app', app, '--max-attempts', '2', ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.UNCHECKED);
    const stderr = io.stderr.join('\n');
    expect(stderr).not.toMatch(/nothing was started/i);
    expect(stderr).toContain(`Image Builder started it: ${[...ib.state.images.keys()][0]} is PENDING`);
    expect(ib.state.images.size).toBe(1);
  });

  test('no image with the token: exit 3, the outcome unknown, with the command that finds out later', async () => {
    const { app } = deployed();
    ib.handlers.DistributeImage = () => {
      throw new ServiceError('ServiceUnavailableException', 'Try again later.');
    };
    const io = capture();
    expect(await distribute(['--image', await seedSource(), '--execution-role', ROLE, '--app', app, '--max-attempts', '1', ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.UNCHECKED);
    const stderr = io.stderr.join('\n');
    expect(stderr).not.toMatch(/nothing was started/i);
    expect(stderr).toMatch(/no image tagged cdk-imagebuilder-distribution:client-token=distribute-[0-9a-f]{48} is listed in account \d{12}, Region us-east-1 yet \(0 image build versions looked through\): it may not have started/);
    expect(stderr).toMatch(/find out later: run the same command again, .*--client-token distribute-[0-9a-f]{48}$/m);
  });

  test.each([
    ['BUILDING', undefined, /is BUILDING, not AVAILABLE: only an AVAILABLE image can be distributed/],
    ['FAILED', 'Test phase failed', /is FAILED \(Test phase failed\), not AVAILABLE/],
  ])('a source image that is %s is refused before any DistributeImage: exit 2 with the reason', async (status, reason, message) => {
    const { app } = deployed();
    const source = imageArn(REGION, DEFAULT_ACCOUNT, 'golden', '1.0.0', 2);
    const image = imageOf({ arn: source, distributionConfiguration: RECORDED, amis: [{ region: REGION, accountId: DEFAULT_ACCOUNT, image: 'ami-0123456789abcdef0' }], status });
    ib.state.images.set(source, { ...image, state: { status, ...(reason ? { reason } : {}) } });
    for (const extra of [[], ['--dry-run']]) {
      const io = capture();
      expect(await distribute(['--image', source, '--execution-role', ROLE, '--app', app, ...extra, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
      expect(io.stderr.join('\n')).toMatch(message);
      expect(io.stdout).toEqual([]);
    }
    expect(distributeCalls()).toEqual([]);
  });

  test('an AVAILABLE Image Builder image is distributed by its ARN; an AMI that does not exist is refused', async () => {
    const { app } = deployed();
    const ami = await seedSource();
    const source = imageArn(REGION, DEFAULT_ACCOUNT, 'golden', '1.0.0', 2);
    const amis = [{ region: REGION, accountId: DEFAULT_ACCOUNT, image: ami }];
    ib.state.images.set(source, imageOf({ arn: source, distributionConfiguration: RECORDED, amis }));
    let io = capture();
    expect(await distribute(['--image', source, '--execution-role', ROLE, '--app', app, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    expect(io.stderr.join('\n')).toContain(`${source} is AVAILABLE, with ${ami} in ${REGION}`);

    io = capture();
    expect(await distribute(['--image', 'ami-0000000000000dead', '--execution-role', ROLE, '--app', app, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toContain('the source image ami-0000000000000dead does not exist in Region us-east-1');
    expect(distributeCalls()).toHaveLength(1);
  });

  test('SIGINT while following: says what still runs in AWS and how to follow or verify it, exits 3', async () => {
    const { app } = deployed({ states: [{ status: 'DISTRIBUTING' }] });
    const ami = await seedSource();
    const signals = new EventEmitter();
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    let ended = false;
    const running = distribute(['--image', ami, '--execution-role', ROLE, '--app', app, '--poll-interval', '50ms'], io, { verify, signals })
      .finally(() => (ended = true));
    while (!ended && !io.stderr.some(l => / DISTRIBUTING after /.test(l))) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    expect(signals.listenerCount('SIGINT')).toBe(1);
    signals.emit('SIGINT');
    expect(await running).toBe(EXIT.UNCHECKED);
    const image = [...ib.state.images.keys()][0];
    const stderr = io.stderr.join('\n');
    expect(stderr).toContain(`stopped by SIGINT: ${image} is still DISTRIBUTING and goes on in AWS`);
    expect(stderr).toContain(`verify it once it is AVAILABLE with 'cdk-imagebuilder-distribution verify --image ${image} --app ${app}'`);
    expect(stderr).toContain('Follow it again by running the same command');
    expect(verify.calls).toEqual([]);
    expect([signals.listenerCount('SIGINT'), signals.listenerCount('SIGTERM')]).toEqual([0, 0]);
  });

  test('an image that ends FAILED exits 1 whatever verify finds, and says how to retry', async () => {
    const { app } = deployed({ states: [{ status: 'DISTRIBUTING' }, { status: 'FAILED', reason: 'Distribution failed in eu-west-1: access denied to the KMS key' }] });
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    const code = await distribute(['--image', await seedSource(), '--execution-role', 'ImageBuilderDistribution', '--app', app, ...fast], io, { verify });
    expect(code).toBe(EXIT.FINDINGS);
    expect(io.stderr.join('\n')).toMatch(/the image ended FAILED: Distribution failed in eu-west-1: access denied to the KMS key\. .*'cdk-imagebuilder-distribution retry --image arn:aws:imagebuilder:/);
    // What did arrive is still verified.
    expect(verify.calls).toHaveLength(1);
  });

  test('an image still distributing when --timeout is spent: exit 3, it goes on in AWS, verify later; verify is not run', async () => {
    const { app } = deployed({ states: [{ status: 'DISTRIBUTING' }] });
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    const code = await distribute(['--image', await seedSource(), '--execution-role', ROLE, '--app', app, '--poll-interval', '50ms', '--timeout', '3'], io, { verify });
    expect(code).toBe(EXIT.UNCHECKED);
    expect(io.stderr.join('\n')).toMatch(/the image is still DISTRIBUTING after 3 s \(--timeout\)\. It goes on in AWS: verify it once it is AVAILABLE with 'cdk-imagebuilder-distribution verify --image arn:aws:imagebuilder:\S+ --app /);
    expect(verify.calls).toEqual([]);
  });

  test('a configuration that is not deployed is a usage error with the fix; nothing is started', async () => {
    serveDistribution(ib, { configurations: new Map() });
    const io = capture();
    const code = await distribute(['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--app', synth().app, ...fast], io, { verify: verifyDouble(EXIT.OK) });
    expect(code).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(new RegExp(`the distribution configuration GoldenAmi/Distribution0/Resource is not deployed: ${CONFIGURATION_ARN.replace(/[.*]/g, '\\$&')} does not exist in account ${DEFAULT_ACCOUNT}, Region ${REGION}\\. Fix: deploy its stack first \\('cdk deploy GoldenAmi'\\), or pass --distribution-arn`));
    expect(distributeCalls()).toEqual([]);
  });

  test('an app with several configurations needs --distribution; --distribution-arn is compared with the app\'s configuration of that name, or needs --accept-deployed-configuration', async () => {
    const { app } = deployed({}, ['Golden AMI', 'Other AMI']);
    const ami = await seedSource();
    let io = capture();
    expect(await distribute(['--image', ami, '--execution-role', ROLE, '--app', app, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/has 2 distribution configurations with AMI settings\. Fix: pass --distribution with one of:\n {2}GoldenAmi\/Distribution0\/Resource\n {2}GoldenAmi\/Distribution1\/Resource/);

    io = capture();
    expect(await distribute(['--image', ami, '--execution-role', ROLE, '--app', app, '--distribution', 'GoldenAmi/Distribution0/Resource', ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);

    io = capture();
    expect(await distribute(['--image', ami, '--execution-role', ROLE, '--app', app, '--distribution-arn', CONFIGURATION_ARN, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);

    io = capture();
    expect(await distribute(['--image', ami, '--execution-role', ROLE, '--app', '/no/such/app', '--distribution-arn', CONFIGURATION_ARN, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/\/no\/such\/app has no distribution configuration named as .* to compare the deployed one with.* Nothing was sent\. Fix: pass --app .* or --accept-deployed-configuration/);

    io = capture();
    expect(await distribute(['--image', ami, '--execution-role', ROLE, '--app', '/no/such/app', '--distribution-arn', CONFIGURATION_ARN, '--accept-deployed-configuration', ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    expect(io.stderr.join('\n')).toContain('as it is deployed, compared with no app\'s');
    // The same request as with the app's configuration: one image.
    expect(ib.state.images.size).toBe(1);
  });

  test('Image Builder refusing to start is exit 2 with its message; nothing is followed', async () => {
    const { app } = deployed();
    ib.handlers.DistributeImage = () => {
      throw new ServiceError('InvalidRequestException', 'The execution role cannot be assumed by imagebuilder.amazonaws.com.');
    };
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    expect(await distribute(['--image', await seedSource(), '--execution-role', ROLE, '--app', app, ...fast], io, { verify })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/distribute: Image Builder refused DistributeImage: InvalidRequestException: The execution role cannot be assumed by imagebuilder\.amazonaws\.com\. Nothing was started\./);
    expect(ib.calls.map(c => c.operation)).not.toContain('GetImage');
    expect(ib.calls.map(c => c.operation)).not.toContain('ListImageBuildVersions');
    expect(verify.calls).toEqual([]);
  });

  test('a client token used before with other parameters: exit 2, nothing new started, and never "nothing was started"', async () => {
    const { app } = deployed();
    const ami = await seedSource();
    const argv = ['--image', ami, '--app', app, '--client-token', 'release-1', ...fast];
    expect(await distribute([...argv, '--execution-role', ROLE], capture(), { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    const io = capture();
    expect(await distribute([...argv, '--execution-role', 'Other'], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    const stderr = io.stderr.join('\n');
    expect(stderr).toContain('the client token release-1 was already used with other parameters, so this request started nothing new; the earlier request with that token may have started a distribution');
    expect(stderr).not.toMatch(/nothing was started/i);
    expect(ib.state.images.size).toBe(1);
  });

  test.each([
    [['--execution-role', ROLE], /--image is missing/],
    [['--image', 'golden', '--execution-role', ROLE], /--image golden is not an AMI ID, an image ARN or ssm:<parameter>/],
    [['--image', 'ami-0123456789abcdef0'], /--execution-role is missing/],
    [['--image', 'ami-0123456789abcdef0', '--execution-role', 'arn:aws:iam::1:role/x y'], /--execution-role arn:aws:iam::1:role\/x y is not a role ARN or name/],
    [['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--poll-interval', '0'], /--poll-interval takes a number of seconds greater than 0, not 0/],
    [['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--client-token', 'x'.repeat(65)], /--client-token takes 1 to 64 printable ASCII characters without spaces, not "x{65}" \(65 characters\)/],
    [['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--client-token', 'a b'], /--client-token takes 1 to 64 printable ASCII characters/],
    [['--image', 'ami-0123456789abcdef0', '--execution-role', ROLE, '--unknown'], /Unknown option '--unknown'/],
  ])('usage error %#: exit 2, nothing called', async (argv, message) => {
    const io = capture();
    expect(await distribute(argv, io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(message);
    expect(ib.calls).toEqual([]);
  });

  test('--help says it changes AWS, what the role needs, what the client token covers and that how long Image Builder honours it is not documented', async () => {
    const io = capture();
    expect(await distribute(['--help'], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    const help = io.stdout.join('\n').replace(/\s+/g, ' ');
    expect(help).toMatch(/It CHANGES AWS: it is one of the two commands of this tool that do \(distribute and retry\)/);
    expect(help).toMatch(/grantDistribute\(\)/);
    expect(help).toContain('the request\'s client token is derived from the source image (as given, and the AMI it resolves to), the configuration\'s ARN and deployed content, the execution role and the verb');
    expect(help).toContain('How long Image Builder remembers a token is not documented');
    expect(help).toContain('--dry-run');
    expect(help).toContain('--accept-deployed-configuration');
  });
});

describe('retry', () => {
  const failed = imageArn(REGION, DEFAULT_ACCOUNT, 'golden', '1.0.0', 3);
  const seedFailed = () => ib.state.images.set(failed, { ...imageOf({ arn: failed, distributionConfiguration: RECORDED, amis: [], status: 'FAILED' }), state: { status: 'FAILED', reason: 'Distribution failed' } });

  test('retries a FAILED image in place with a token derived from it, follows it to AVAILABLE, prints the link, and exits as verify does', async () => {
    const { app } = deployed({ states: [{ status: 'DISTRIBUTING' }, { status: 'AVAILABLE' }] });
    seedFailed();
    const io = capture();
    const verify = verifyDouble(EXIT.FINDINGS);
    expect(await retry(['--image', failed, '--app', app, ...fast], io, { verify })).toBe(EXIT.FINDINGS);
    expect(ib.calls.find(c => c.operation === 'RetryImage')!.input).toEqual({ imageBuildVersionArn: failed, clientToken: expect.stringMatching(/^retry-[0-9a-f]{48}$/) });
    expect(io.stdout[0]).toBe(`retry: ${failed}\nretry: console: https://${REGION}.console.aws.amazon.com/imagebuilder/home?region=${REGION}#/images/${encodeURIComponent(failed)}/details`);
    expect(verify.calls).toEqual([expect.objectContaining({ image: failed, app })]);
  });

  test('--dry-run prints the RetryImage request and sends none; a rerun of a retry whose answer was lost sends the same token', async () => {
    const { app } = deployed({ states: [{ status: 'FAILED', reason: 'Distribution failed' }] });
    seedFailed();
    const io = capture();
    expect(await retry(['--image', failed, '--app', app, '--dry-run'], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.OK);
    const printed = JSON.parse(io.stdout.join('\n'));
    expect(printed).toEqual({ operation: 'RetryImage', account: DEFAULT_ACCOUNT, region: REGION, request: { imageBuildVersionArn: failed, clientToken: expect.stringMatching(/^retry-[0-9a-f]{48}$/) } });
    expect(ib.calls.map(c => c.operation)).toEqual(['GetImage']);

    // RetryImage accepted, its answer lost: the image still shows FAILED, the rerun sends the same token.
    const accept = ib.handlers.RetryImage;
    ib.handlers.RetryImage = async (input, state) => {
      await accept(input, state);
      throw new ServiceError('ServiceException', 'An internal error occurred.');
    };
    for (const run of [1, 2]) {
      const out = capture();
      expect({ run, code: await retry(['--image', failed, '--app', app, '--max-attempts', '1', ...fast], out, { verify: verifyDouble(EXIT.OK) }) }).toEqual({ run, code: EXIT.UNCHECKED });
      expect(out.stderr.join('\n')).not.toMatch(/nothing was started/i);
      expect(out.stderr.join('\n')).toMatch(/RetryImage was sent, and its answer did not come back/);
    }
    const tokens = ib.calls.filter(c => c.operation === 'RetryImage').map(c => c.input.clientToken);
    expect(tokens).toEqual([printed.request.clientToken, printed.request.clientToken]);
  });

  test('--json keeps stdout for verify\'s document: the link goes to stderr', async () => {
    const { app } = deployed();
    seedFailed();
    const io = capture();
    const verify = verifyDouble(EXIT.OK);
    expect(await retry(['--image', failed, '--app', app, '--json', ...fast], io, { verify })).toBe(EXIT.OK);
    expect(io.stdout).toEqual([`verify: ${failed}`]);
    expect(io.stderr.join('\n')).toContain('retry: console: https://');
    expect(verify.calls[0].json).toBe(true);
  });

  test('an image that is not FAILED or CANCELLED is refused before any RetryImage, exit 2', async () => {
    serveDistribution(ib, { configurations: new Map() });
    ib.state.images.set(failed, imageOf({ arn: failed, distributionConfiguration: RECORDED, amis: [], status: 'DISTRIBUTING' }));
    const io = capture();
    expect(await retry(['--image', failed, ...fast], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/is DISTRIBUTING: RetryImage resumes only a FAILED or CANCELLED image, so nothing was sent/);
    expect(ib.calls.map(c => c.operation)).not.toContain('RetryImage');
  });

  test('--image must be an image build version ARN', async () => {
    const io = capture();
    expect(await retry(['--image', 'ami-0123456789abcdef0'], io, { verify: verifyDouble(EXIT.OK) })).toBe(EXIT.USAGE);
    expect(io.stderr.join('\n')).toMatch(/--image ami-0123456789abcdef0 is not an image build version ARN/);
  });
});
