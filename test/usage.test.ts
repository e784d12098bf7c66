import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateLaunchTemplateCommand, CreateTagsCommand, DescribeImagesCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { App, Stack } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { Ec2Endpoint, startEc2Endpoint } from './endpoints/ec2';
import { ImageBuilderEndpoint, imageArn, imageOf, startImageBuilderEndpoint } from './endpoints/imagebuilder';
import { DEFAULT_ACCOUNT, Moto, startMoto } from './preflight/moto';
import { deployedConfiguration } from './verify/world';
import { readAssembly } from '../src/cli/common/assembly';
import { main } from '../src/cli/main';

/*
 * The usage command against moto (EC2, SSM, STS, Auto Scaling) and the local Image Builder endpoint, with the local
 * EC2 endpoint in between as in test/retire.test.ts (moto has no DescribeImageReferences: the direct reads answer).
 * One world for the file, read only: a pipeline with two images (1.0.0/1 and 1.0.0/2), each copied to A and B in
 * us-east-1; B's launch template uses B's copy of the older image, the app's SSM parameter in A the newer copy.
 */

jest.setTimeout(180_000);

const A = DEFAULT_ACCOUNT;
const B = '111111111111';
const ROLE = 'UsageAccess';
const NAME = 'golden';
const REGION = 'us-east-1';
const CONFIG_ARN = `arn:aws:imagebuilder:${REGION}:${A}:distribution-configuration/${NAME}`;
const PIPELINE_ARN = `arn:aws:imagebuilder:${REGION}:${A}:image-pipeline/${NAME}`;
const OLD = imageArn(REGION, A, NAME, '1.0.0', 1);
const NEW = imageArn(REGION, A, NAME, '1.0.0', 2);

let moto: Moto;
let ib: ImageBuilderEndpoint;
let ec2Endpoint: Ec2Endpoint;
const savedEnv = { ...process.env };
let outdir: string;
/** AMI IDs by `image/account`. */
const amis: Record<string, string> = {};
let templateId: string;

type ClientClass<T> = new (config: Record<string, unknown>) => T;

async function client<T>(service: ClientClass<T>, account: string): Promise<T> {
  if (account === DEFAULT_ACCOUNT) {
    return new service({ region: REGION });
  }
  const sts = new STSClient({ region: REGION });
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/Seeder`, RoleSessionName: 'seed' }));
  const c = assumed.Credentials!;
  const credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
  return new service({ region: REGION, credentials });
}

beforeAll(async () => {
  moto = await startMoto({ managedPolicies: false, defaultAmis: false });
  ib = await startImageBuilderEndpoint();
  ec2Endpoint = await startEc2Endpoint(moto.endpoint, { emulate: [] });
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: ec2Endpoint.endpoint,
    AWS_ENDPOINT_URL_IMAGEBUILDER: ib.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  await (await client(EC2Client, A)).send(new DescribeImagesCommand({ Owners: ['self'] }));

  for (const arn of [OLD, NEW]) {
    for (const account of [A, B]) {
      const ec2 = await client(EC2Client, account);
      const id = (await ec2.send(new RegisterImageCommand({ Name: `golden ${arn.split('/').slice(-2).join('/')}` }))).ImageId!;
      await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Ec2ImageBuilderArn', Value: arn }] }));
      amis[`${arn}/${account}`] = id;
    }
  }
  const template = await (await client(EC2Client, B)).send(new CreateLaunchTemplateCommand({
    LaunchTemplateName: 'team-b', LaunchTemplateData: { ImageId: amis[`${OLD}/${B}`], InstanceType: 't3.micro' },
  }));
  templateId = template.LaunchTemplate!.LaunchTemplateId!;
  await (await client(SSMClient, A)).send(new PutParameterCommand({ Name: '/golden/ami', Value: amis[`${NEW}/${A}`], Type: 'String' }));

  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'usage-'));
  const app = new App({ outdir });
  new DistributionConfiguration(new Stack(app, 'Golden', { env: { account: A, region: REGION } }), 'Dist', {
    distributionConfigurationName: NAME,
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    targetAccounts: [B],
  }).addRegion(REGION, { ssmParameters: [{ parameterName: '/golden/ami' }] });
  app.synth();
  const [found] = readAssembly(outdir).filter(d => d.properties.Name === NAME);
  ib.state.pipelines.set(PIPELINE_ARN, { arn: PIPELINE_ARN, name: NAME, distributionConfigurationArn: CONFIG_ARN, status: 'ENABLED' });
  // The newer image first: the order of the listing is not the order of the versions.
  for (const arn of [NEW, OLD]) {
    ib.state.images.set(arn, imageOf({
      arn,
      pipelineArn: PIPELINE_ARN,
      distributionConfiguration: deployedConfiguration(CONFIG_ARN, found.properties),
      amis: [A, B].map(accountId => ({ region: REGION, accountId, image: amis[`${arn}/${accountId}`] })),
    }));
  }
});

afterAll(async () => {
  await ec2Endpoint?.close();
  await ib?.close();
  await moto?.stop();
  process.env = savedEnv;
  if (outdir) {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

afterEach(() => {
  expect(ib.problems).toEqual([]);
  expect(ec2Endpoint.problems).toEqual([]);
});

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('the table lists each consumer with the version it uses and how far behind it is', async () => {
  const { code, out } = await run(['usage', '--image', PIPELINE_ARN, '--assume-role-name', ROLE]);

  const lines = out.split('\n');
  expect(lines[0]).toMatch(/^ACCOUNT\s+REGION\s+CONSUMER\s+IMAGE VERSION\s+BEHIND$/);
  // By account (111111111111 before 123456789012), then Region and consumer.
  expect(lines[1].split(/ {2,}/)).toEqual([B, REGION, `launch template ${templateId} (team-b, version 1 ($Default, $Latest))`, `1.0.0/1 (${amis[`${OLD}/${B}`]})`, '1']);
  expect(lines[2].split(/ {2,}/)).toEqual([A, REGION, 'SSM parameter /golden/ami (a parameter of the app)', `1.0.0/2 (${amis[`${NEW}/${A}`]})`, '0']);
  expect(lines[3]).toBe('2 images, 2 consumers, 0 unchecked');
  expect(lines).toHaveLength(4);
  expect(code).toBe(0);
});

test('--json: the same as one document; an image version ARN lists its build versions', async () => {
  const { code, out } = await run(['usage', '--image', `arn:aws:imagebuilder:${REGION}:${A}:image/${NAME}/1.0.0`, '--assume-role-name', ROLE, '--json']);

  const report = JSON.parse(out);
  expect(report.images.map((i: { arn: string }) => i.arn)).toEqual([OLD, NEW]);
  expect(report.consumers).toEqual([
    expect.objectContaining({ account: B, region: REGION, kind: 'launch-template', id: templateId, imageArn: OLD, version: '1.0.0/1', versionsBehind: 1 }),
    expect.objectContaining({ account: A, region: REGION, kind: 'ssm-parameter', id: '/golden/ami', imageArn: NEW, version: '1.0.0/2', versionsBehind: 0 }),
  ]);
  expect(report.unchecked).toEqual([]);
  expect(report.exitCode).toBe(0);
  expect(code).toBe(0);
});

test('--max-versions-behind 0 exits 1 naming the launch template; 1 passes', async () => {
  const behind = await run(['usage', '--image', PIPELINE_ARN, '--assume-role-name', ROLE, '--max-versions-behind', '0']);
  expect(behind.code).toBe(1);
  expect(behind.err).toContain(`usage: BEHIND  ${B}  ${REGION}  launch template ${templateId} (team-b, version 1 ($Default, $Latest)) uses 1.0.0/1, 1 version behind (at most 0 allowed)`);
  expect(behind.err).not.toContain('/golden/ami uses');

  expect((await run(['usage', '--image', PIPELINE_ARN, '--assume-role-name', ROLE, '--max-versions-behind', '1'])).code).toBe(0);
});

test('an account the caller cannot enter: exit 3, its copies UNCHECKED with the fix, never "unused"', async () => {
  const { code, out } = await run(['usage', '--image', PIPELINE_ARN, '--max-versions-behind', '5', '--json']);

  const report = JSON.parse(out);
  expect(report.unchecked.map((u: { account: string; version: string }) => [u.account, u.version])).toEqual([[B, '1.0.0/1'], [B, '1.0.0/2']]);
  for (const u of report.unchecked) {
    expect(u.fix).toMatch(/--assume-role-name/);
  }
  expect(report.consumers.map((c: { account: string }) => c.account)).toEqual([A]);
  expect(code).toBe(3);

  const text = await run(['usage', '--image', PIPELINE_ARN]);
  expect(text.out).toMatch(new RegExp(`^${B}\\s+${REGION}\\s+UNCHECKED: `, 'm'));
  expect(text.code).toBe(3);
});

test.each([
  [['usage'], /--image is required/],
  [['usage', '--image', 'ami-0123456789abcdef0'], /is not an image pipeline ARN/],
  [['usage', '--image', PIPELINE_ARN, '--max-versions-behind', 'two'], /--max-versions-behind takes a whole number/],
  [['usage', '--image', `arn:aws:imagebuilder:${REGION}:${A}:image-pipeline/nothing`], /cannot read .*: Image Builder answered ResourceNotFoundException/],
])('exit 2: %j', async (args, message) => {
  const { code, out, err } = await run(args);
  expect(code).toBe(2);
  expect(out).toBe('');
  expect(err).toMatch(message);
});

test('--help lists the options and exit codes; the command lists usage', async () => {
  const help = await run(['usage', '--help']);
  expect(help.code).toBe(0);
  for (const option of ['--image ARN', '--app DIR', '--max-versions-behind N', '--json', '--assume-role-name NAME', '--timeout SECONDS', '--concurrency N']) {
    expect(help.out).toContain(option);
  }
  expect(help.out).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
  expect((await run(['--help'])).out).toMatch(/^ {2}usage {8}list, read-only, /m);
});
