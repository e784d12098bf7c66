import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DistributionConfiguration } from '../src';
import { Ec2Endpoint, startEc2Endpoint } from './endpoints/ec2';
import { ImageBuilderEndpoint, defaultHandlers, imageArn, imageOf, startImageBuilderEndpoint } from './endpoints/imagebuilder';
import { serveDistribution } from './endpoints/imagebuilder-distribute';
import { DEFAULT_ACCOUNT, Moto, resetMoto, startMoto } from './preflight/moto';
import { deployedConfiguration, seedAmi } from './verify/world';
import { Io } from '../src/cli/common/options';
import { EXIT } from '../src/cli/common/report';
import { USAGE, main } from '../src/cli/main';

/*
 * `distribute` and `retry` through the command, with the verify verb main.ts hands them: Image Builder from the local
 * endpoint (DistributeImage, RetryImage, GetImage), EC2, SSM and STS from moto, and what moto does not keep of an AMI
 * (its snapshots' keys) from the local EC2 endpoint. What the image distributed is seeded, or not, and verify's
 * verdict is the command's exit code.
 */

jest.setTimeout(180_000);

const REGION = 'us-east-1';
const ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/ImageBuilderDistribution`;

let moto: Moto;
let ec2: Ec2Endpoint;
let ib: ImageBuilderEndpoint;
const savedEnv = { ...process.env };
const tempDirs: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
  ec2 = await startEc2Endpoint(moto.endpoint);
  ib = await startImageBuilderEndpoint();
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    // EC2's three image calls from the local EC2 endpoint, everything else passed to moto; Image Builder locally.
    AWS_ENDPOINT_URL: ec2.endpoint,
    AWS_ENDPOINT_URL_IMAGEBUILDER: ib.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  await ib?.close();
  await ec2?.close();
  await moto?.stop();
  process.env = savedEnv;
  tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

beforeEach(async () => {
  // Each test serves its own distribution: the default handlers again, and nothing left of the last test.
  Object.assign(ib.handlers, defaultHandlers());
  ib.state.images.clear();
  ec2.state.images.clear();
  ec2.state.snapshots.clear();
  await resetMoto(moto);
});

afterEach(() => {
  expect(ec2.problems).toEqual([]);
  expect(ib.problems).toEqual([]);
});

/** The app and its configuration as deployed (GetDistributionConfiguration, GetImage). */
function synth(): { app: string; arn: string; deployed: Record<string, unknown> } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'distribute-verify-'));
  tempDirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'GoldenAmi', { env: { account: DEFAULT_ACCOUNT, region: REGION } });
  new DistributionConfiguration(stack, 'Distribution', { distributionConfigurationName: 'golden-ami' }).addRegion(REGION);
  const [resource] = Object.values<any>(Template.fromStack(stack).findResources('AWS::ImageBuilder::DistributionConfiguration'));
  app.synth();
  const arn = `arn:aws:imagebuilder:${REGION}:${DEFAULT_ACCOUNT}:distribution-configuration/golden-ami`;
  return { app: outdir, arn, deployed: deployedConfiguration(arn, resource.Properties) };
}

async function run(argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { out: t => stdout.push(t), err: t => stderr.push(t) };
  const code = await main(argv, io);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

test('the command lists distribute and retry as the commands that change AWS', async () => {
  expect(USAGE).toMatch(/distribute +CHANGES AWS: /);
  expect(USAGE).toMatch(/retry +CHANGES AWS: /);
  expect(USAGE).toMatch(/preflight +check, read-only/);
});

test('distribute: the AMI arrived as configured, so verify passes and the command exits 0', async () => {
  const { app, arn, deployed } = synth();
  const ami = await seedAmi(ec2, DEFAULT_ACCOUNT, REGION, 'golden-copy');
  const source = await seedAmi(ec2, DEFAULT_ACCOUNT, REGION, 'golden-source');
  serveDistribution(ib, { configurations: new Map([[arn, deployed]]), amis: [{ region: REGION, accountId: DEFAULT_ACCOUNT, image: ami }] });
  const result = await run(['distribute', '--image', source, '--execution-role', ROLE, '--app', app, '--poll-interval', '10ms']);
  expect(result).toEqual(expect.objectContaining({ code: EXIT.OK }));
  expect(result.stdout).toMatch(/^distribute: arn:aws:imagebuilder:us-east-1:\d{12}:image\/\S+\ndistribute: console: https:\/\//);
});

test('distribute: the AMI the image reports does not exist, so verify finds it and the command exits 1', async () => {
  const { app, arn, deployed } = synth();
  const source = await seedAmi(ec2, DEFAULT_ACCOUNT, REGION, 'golden-source');
  serveDistribution(ib, { configurations: new Map([[arn, deployed]]), amis: [{ region: REGION, accountId: DEFAULT_ACCOUNT, image: 'ami-0000000000000dead' }] });
  const result = await run(['distribute', '--image', source, '--execution-role', ROLE, '--app', app, '--poll-interval', '10ms']);
  expect(result.code).toBe(EXIT.FINDINGS);
  expect(result.stdout).toMatch(new RegExp(`FAIL .*${DEFAULT_ACCOUNT}.*${REGION}.*ami-0000000000000dead`));
});

test('retry: a FAILED image resumes, ends AVAILABLE, and is verified', async () => {
  const { app, arn, deployed } = synth();
  const ami = await seedAmi(ec2, DEFAULT_ACCOUNT, REGION, 'golden-retried');
  serveDistribution(ib, { configurations: new Map([[arn, deployed]]), amis: [{ region: REGION, accountId: DEFAULT_ACCOUNT, image: ami }] });
  const failed = imageArn(REGION, DEFAULT_ACCOUNT, 'golden', '1.0.0', 7);
  ib.state.images.set(failed, imageOf({ arn: failed, distributionConfiguration: deployed, amis: [], status: 'FAILED' }));
  const result = await run(['retry', '--image', failed, '--app', app, '--poll-interval', '10ms']);
  expect(result).toEqual(expect.objectContaining({ code: EXIT.OK }));
  expect(ib.calls.map(c => c.operation)).toContain('RetryImage');
});
