import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, CreateTagsCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client,
  ModifyImageAttributeCommand, ModifyLaunchTemplateCommand, RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { DescribeParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { App, Stack } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { Ec2Endpoint, Emulated, startEc2Endpoint } from './endpoints/ec2';
import { ImageBuilderEndpoint, imageArn, imageOf, startImageBuilderEndpoint } from './endpoints/imagebuilder';
import { FaultEndpoint, startFaultEndpoint } from './preflight/faults';
import { DEFAULT_ACCOUNT, Moto, resetMoto, startMoto } from './preflight/moto';
import { deployedConfiguration } from './verify/world';
import { readAssembly } from '../src/cli/common/assembly';
import { main } from '../src/cli/main';

/*
 * The retire command against real parts: EC2 (AMIs, snapshots, launch templates, instances), SSM and STS on moto
 * in server mode, GetImage from the local Image Builder endpoint (moto has no Image Builder), and in front of it
 * all the fault-injecting endpoint. moto 5.2.5 has no DescribeImageReferences: retire reads the references
 * directly there, which is the path most tests take. The local EC2 endpoint (test/endpoints/ec2.ts, validated
 * against EC2's model) between the two answers what moto lacks when a test asks it to: DescribeImageReferences,
 * the image usage report, EnableImageDeprecation.
 */

jest.setTimeout(180_000);

const A = DEFAULT_ACCOUNT;
const B = '111111111111';
const ROLE = 'RetireAccess';
const NAME = 'golden';
const CONFIG_ARN = `arn:aws:imagebuilder:us-east-1:${A}:distribution-configuration/${NAME}`;
const IMAGE_ARN = imageArn('us-east-1', A, 'golden', '1.0.0', 1);
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const PIPELINE_ARN = `arn:aws:imagebuilder:us-east-1:${A}:image-pipeline/golden`;

let moto: Moto;
let ib: ImageBuilderEndpoint;
let ec2Endpoint: Ec2Endpoint;
let faults: FaultEndpoint;
const savedEnv = { ...process.env };
const tempDirs: string[] = [];

beforeAll(async () => {
  moto = await startMoto({ managedPolicies: false, defaultAmis: false });
  ib = await startImageBuilderEndpoint();
  ec2Endpoint = await startEc2Endpoint(moto.endpoint, { emulate: [] });
  faults = await startFaultEndpoint(ec2Endpoint.endpoint);
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: faults.endpoint,
    AWS_ENDPOINT_URL_IMAGEBUILDER: ib.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  // moto loads a service's code and backends on its first request: here, so that no test's short deadline meets it.
  for (const region of REGIONS) {
    await (await client(EC2Client, A, region)).send(new DescribeImagesCommand({ Owners: ['self'] }));
    await (await client(SSMClient, A, region)).send(new DescribeParametersCommand({}));
    await (await client(AutoScalingClient, A, region)).send(new DescribeAutoScalingGroupsCommand({}));
  }
});

afterAll(async () => {
  await faults?.close();
  await ec2Endpoint?.close();
  await ib?.close();
  await moto?.stop();
  process.env = savedEnv;
  tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

beforeEach(async () => {
  faults.setRules([]);
  await resetMoto(moto);
  ib.state.images.clear();
  ib.calls.length = 0;
  emulate([]);
  const { imageReferences, imageUsage, usageReports, deprecations } = ec2Endpoint.state;
  [imageReferences, imageUsage, usageReports, deprecations].forEach(map => map.clear());
  ec2Endpoint.calls.length = 0;
});

afterEach(() => {
  // No local endpoint answered anything its service's model does not allow.
  expect(ib.problems).toEqual([]);
  expect(ec2Endpoint.problems).toEqual([]);
});

/** The EC2 calls the local endpoint answers (instead of moto). */
function emulate(calls: Emulated[]) {
  ec2Endpoint.emulated.clear();
  calls.forEach(c => ec2Endpoint.emulated.add(c));
}

type ClientClass<T> = new (config: Record<string, unknown>) => T;

/** A client in `account` (moto's default account directly, the others through an assumed role). */
async function client<T>(service: ClientClass<T>, account: string, region: string): Promise<T> {
  if (account === DEFAULT_ACCOUNT) {
    return new service({ region });
  }
  const assumed = await new STSClient({ region }).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/Seeder`, RoleSessionName: 'seed' }));
  const c = assumed.Credentials!;
  return new service({ region, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
}

/** The AMIs of `account` in `region` that moto still has, with their snapshots' IDs. */
async function amisIn(account: string, region: string): Promise<string[]> {
  const ec2 = await client(EC2Client, account, region);
  return ((await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images ?? []).map(i => i.ImageId!).sort();
}

async function snapshotsIn(account: string, region: string): Promise<string[]> {
  const ec2 = await client(EC2Client, account, region);
  return ((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots ?? []).map(s => s.SnapshotId!).sort();
}

async function synth(build: (stack: Stack) => void): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'retire-'));
  tempDirs.push(outdir);
  const app = new App({ outdir });
  build(new Stack(app, 'Golden', { env: { account: A, region: 'us-east-1' } }));
  app.synth();
  return outdir;
}

/** What a distribution left: four copies (two Regions, accounts A and B), AMI IDs by `region/account`. */
interface World {
  readonly app: string;
  readonly amis: Record<string, string>;
  readonly snapshots: Record<string, string[]>;
  /** B's launch template, which the app does not know, on B's copy in us-east-1. */
  readonly templateId: string;
}

/**
 * The acceptance scenario: the image distributed to A and B in us-east-1 and eu-west-1; B's copy in us-east-1
 * is used by a launch template of B that the app does not know; A's copy in eu-west-1 is the value of the app's
 * SSM parameter. `shareWith` adds launch permissions to A's copy in us-east-1.
 */
async function distribute(options: { shareWith?: string[] } = {}): Promise<World> {
  const amis: Record<string, string> = {};
  const snapshots: Record<string, string[]> = {};
  for (const region of REGIONS) {
    for (const account of [A, B]) {
      const ec2 = await client(EC2Client, account, region);
      const id = (await ec2.send(new RegisterImageCommand({ Name: `golden 1.0.0/1 ${region}` }))).ImageId!;
      await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Ec2ImageBuilderArn', Value: IMAGE_ARN }, { Key: 'CreatedBy', Value: 'EC2 Image Builder' }] }));
      amis[`${region}/${account}`] = id;
      snapshots[`${region}/${account}`] = await snapshotsIn(account, region);
    }
  }
  if (options.shareWith) {
    const ec2 = await client(EC2Client, A, 'us-east-1');
    await ec2.send(new ModifyImageAttributeCommand({ ImageId: amis[`us-east-1/${A}`], LaunchPermission: { Add: options.shareWith.map(UserId => ({ UserId })) } }));
  }
  const bEc2 = await client(EC2Client, B, 'us-east-1');
  const template = await bEc2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'team-b', LaunchTemplateData: { ImageId: amis[`us-east-1/${B}`], InstanceType: 't3.micro' } }));
  const ssm = await client(SSMClient, A, 'eu-west-1');
  await ssm.send(new PutParameterCommand({ Name: '/golden/ami', Value: amis[`eu-west-1/${A}`], Type: 'String' }));

  const app = await synth(stack => {
    new DistributionConfiguration(stack, 'Dist', {
      distributionConfigurationName: NAME,
      amiName: 'golden-{{ imagebuilder:buildDate }}',
      targetAccounts: [B],
    })
      .addRegion('us-east-1')
      .addRegion('eu-west-1', { ssmParameters: [{ parameterName: '/golden/ami' }] });
  });
  const [found] = readAssembly(app).filter(d => d.properties.Name === NAME);
  ib.state.images.set(IMAGE_ARN, imageOf({
    arn: IMAGE_ARN,
    distributionConfiguration: deployedConfiguration(CONFIG_ARN, found.properties),
    amis: Object.entries(amis).map(([key, image]) => ({ region: key.split('/')[0], accountId: key.split('/')[1], image })),
  }));
  return { app, amis, snapshots, templateId: template.LaunchTemplate!.LaunchTemplateId! };
}

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface CopyJson {
  account: string;
  region: string;
  imageId?: string;
  source: string;
  verdict: string;
  change?: string;
  why: string;
  references: Array<{ kind: string; id: string; words: string }>;
  unchecked: Array<{ what: string; reason: string; fix: string }>;
  changes: Array<{ call: string; target: string; outcome: string; message: string }>;
}

async function runJson(args: string[]) {
  const { code, out, err } = await run([...args, '--json']);
  const report = JSON.parse(out) as { exitCode: number; apply: boolean; step: string; notices: string[]; copies: CopyJson[] };
  expect(report.exitCode).toBe(code);
  return { code, err, ...report };
}

const copyOf = (copies: CopyJson[], account: string, region: string) => {
  const found = copies.filter(c => c.account === account && c.region === region);
  expect(found).toHaveLength(1);
  return found[0];
};

/** Every copy of the world, `region/account` to whether moto still has it. */
async function remaining(w: World): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const [key, id] of Object.entries(w.amis)) {
    const [region, account] = key.split('/');
    out[key] = (await amisIn(account, region)).includes(id);
  }
  return out;
}

const ALL_THERE = { [`us-east-1/${A}`]: true, [`us-east-1/${B}`]: true, [`eu-west-1/${A}`]: true, [`eu-west-1/${B}`]: true };

describe('acceptance: four copies, two used (a launch template of B the app does not know, the app\'s SSM parameter)', () => {
  test('a dry run exits 1, changes nothing, names the launch template and the parameter', async () => {
    const w = await distribute();

    const { code, copies, apply } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--assume-role-name', ROLE, '--app', w.app]);

    expect(apply).toBe(false);
    expect(copyOf(copies, B, 'us-east-1')).toMatchObject({
      verdict: 'in-use',
      references: [expect.objectContaining({ kind: 'launch-template', id: w.templateId })],
    });
    expect(copyOf(copies, B, 'us-east-1').why).toBe(`kept: used by launch template ${w.templateId} (team-b, version 1 ($Default, $Latest))`);
    expect(copyOf(copies, A, 'eu-west-1')).toMatchObject({
      verdict: 'in-use',
      why: 'kept: used by SSM parameter /golden/ami (a parameter of the app)',
    });
    for (const [account, region] of [[A, 'us-east-1'], [B, 'eu-west-1']]) {
      expect(copyOf(copies, account, region)).toMatchObject({ verdict: 'retire', change: 'DeregisterImage', changes: [] });
    }
    expect(copies).toHaveLength(4);
    expect(code).toBe(1);
    expect(await remaining(w)).toEqual(ALL_THERE);
  });

  test('the text report: a line per copy, WOULD for the dry run, and the summary', async () => {
    const w = await distribute();

    const { code, out } = await run(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--assume-role-name', ROLE, '--app', w.app]);

    const lines = out.split('\n');
    expect(lines[0]).toBe(`retire: image ${IMAGE_ARN}; step deregister; dry run: nothing is changed (--apply changes AWS); caller arn:aws:sts::${A}:user/moto`);
    expect(lines).toContain(`WOULD DEREGISTER   ${A}  us-east-1  ${w.amis[`us-east-1/${A}`]}: nothing uses it: deregister ${w.amis[`us-east-1/${A}`]} and delete its snapshot ${w.snapshots[`us-east-1/${A}`][0]}`);
    expect(lines).toContain(`IN USE             ${A}  eu-west-1  ${w.amis[`eu-west-1/${A}`]}: kept: used by SSM parameter /golden/ami (a parameter of the app)`);
    expect(lines.pop()).toBe('4 copies: 2 to retire, 0 already done, 2 in use, 0 unchecked, 0 retained, 0 without a copy');
    expect(code).toBe(1);
  });

  test('--apply without a way into B exits 3 and leaves B\'s copies alone', async () => {
    const w = await distribute();

    const { code, copies, notices } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--apply', '--app', w.app]);

    for (const region of REGIONS) {
      expect(copyOf(copies, B, region)).toMatchObject({ verdict: 'unchecked', changes: [] });
      expect(copyOf(copies, B, region).unchecked[0].fix).toMatch(/pass --assume-role-name/);
    }
    expect(notices[0]).toMatch(`without --assume-role-name, the copies in account ${B} cannot be checked`);
    // A's unused copy is retired all the same; A's used one is kept.
    expect(copyOf(copies, A, 'us-east-1').changes.map(c => [c.call, c.outcome])).toEqual([['ec2:DeregisterImage', 'done'], ['ec2:DeleteSnapshot', 'done']]);
    expect(copyOf(copies, A, 'eu-west-1').verdict).toBe('in-use');
    expect(code).toBe(3);
    expect(await remaining(w)).toEqual({ ...ALL_THERE, [`us-east-1/${A}`]: false });
    expect(await snapshotsIn(A, 'us-east-1')).toEqual([]);
  });

  test('--apply with a way into B exits 1: the two unused copies are deregistered with their snapshots, the used ones remain', async () => {
    const w = await distribute();

    const { code, copies, err } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--apply', '--assume-role-name', ROLE, '--app', w.app]);

    expect(code).toBe(1);
    expect(await remaining(w)).toEqual({ ...ALL_THERE, [`us-east-1/${A}`]: false, [`eu-west-1/${B}`]: false });
    expect(await snapshotsIn(A, 'us-east-1')).toEqual([]);
    expect(await snapshotsIn(B, 'eu-west-1')).toEqual([]);
    expect(await snapshotsIn(B, 'us-east-1')).toEqual(w.snapshots[`us-east-1/${B}`]);
    // Each change is printed as it happens (on stderr with --json: stdout is the one document).
    expect(err).toContain(`CHANGED  ${B}  eu-west-1  ec2:DeregisterImage ${w.amis[`eu-west-1/${B}`]}: deregistered`);
    expect(err).toContain(`CHANGED  ${B}  eu-west-1  ec2:DeleteSnapshot ${w.snapshots[`eu-west-1/${B}`][0]}: deleted`);
    expect(copies.filter(c => c.verdict === 'in-use').map(c => `${c.region}/${c.account}`).sort()).toEqual([`eu-west-1/${A}`, `us-east-1/${B}`]);

    // A rerun picks up where the run stopped: the deregistered copies are done, nothing fails.
    const again = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--apply', '--assume-role-name', ROLE, '--app', w.app]);
    expect(copyOf(again.copies, A, 'us-east-1')).toMatchObject({ verdict: 'done', why: `${w.amis[`us-east-1/${A}`]} is already deregistered`, changes: [] });
    expect(copyOf(again.copies, B, 'eu-west-1').verdict).toBe('done');
    expect(again.code).toBe(1);
  });
});

test('a copy the image does not list, where the configuration says one should be, is found by its tag and retired', async () => {
  const w = await distribute();
  // The image lists three copies; B's copy in eu-west-1 exists all the same (tagged by Image Builder).
  const listed = Object.entries(w.amis).filter(([key]) => key !== `eu-west-1/${B}`);
  ib.state.images.get(IMAGE_ARN)!.outputResources.amis = ib.state.images.get(IMAGE_ARN)!.outputResources.amis
    .filter((a: { image: string }) => listed.some(([, id]) => id === a.image));

  const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--apply', '--assume-role-name', ROLE, '--app', w.app]);

  expect(copyOf(copies, B, 'eu-west-1')).toMatchObject({
    imageId: w.amis[`eu-west-1/${B}`],
    source: 'configuration',
    verdict: 'retire',
    changes: [expect.objectContaining({ call: 'ec2:DeregisterImage', outcome: 'done' }), expect.objectContaining({ call: 'ec2:DeleteSnapshot', outcome: 'done' })],
  });
  expect(code).toBe(1);
  expect((await remaining(w))[`eu-west-1/${B}`]).toBe(false);
});

describe('faults: an account that stalls or denies keeps all its copies, and the run exits 3', () => {
  test.each([
    ['stalled', 'stall' as const, /no answer in 1 s \(sts:AssumeRole\)/],
    ['denied', 'access-denied' as const, /sts:AssumeRole was denied/],
  ])('sts:AssumeRole into B %s', async (_, fault, reason) => {
    const w = await distribute();
    faults.setRules([{ service: 'sts', operation: 'AssumeRole', fault }]);

    const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--apply', '--assume-role-name', ROLE,
      '--app', w.app, '--call-timeout', '1', '--max-attempts', '1']);

    for (const region of REGIONS) {
      const copy = copyOf(copies, B, region);
      expect(copy).toMatchObject({ verdict: 'unchecked', changes: [] });
      expect(copy.unchecked[0].reason).toMatch(reason);
    }
    expect(code).toBe(3);
    faults.setRules([]);
    expect(await remaining(w)).toEqual({ ...ALL_THERE, [`us-east-1/${A}`]: false });
  });

  test.each([
    ['denied: FAILED', 'access-denied' as const, 'failed', /^access denied to ec2:DeregisterImage \(UnauthorizedOperation\)/, []],
    ['stalled: UNKNOWN, it may have happened', 'stall' as const, 'unknown', /^no answer \(no answer in 2 s \(ec2:DeregisterImage\)\): it may or may not have happened/,
      ['--call-timeout', '2']],
  ])('a change %s, exit 3', async (_, fault, outcome, message, options) => {
    const w = await distribute();
    faults.setRules([{ service: 'ec2', operation: 'DeregisterImage', fault }]);

    const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--apply', '--assume-role-name', ROLE,
      '--app', w.app, '--max-attempts', '1', ...options]);

    for (const [account, region] of [[A, 'us-east-1'], [B, 'eu-west-1']]) {
      const [change] = copyOf(copies, account, region).changes;
      expect(change).toMatchObject({ call: 'ec2:DeregisterImage', outcome });
      expect(change.message).toMatch(message);
      // No snapshot is deleted under an AMI whose deregistration did not answer.
      expect(copyOf(copies, account, region).changes).toHaveLength(1);
    }
    expect(code).toBe(3);
    faults.setRules([]);
    expect(await remaining(w)).toEqual(ALL_THERE);
  });

  test('a denied read (Auto Scaling groups) keeps every copy, naming the call, even the copies found in use', async () => {
    const w = await distribute();
    faults.setRules([{ service: 'autoscaling', operation: 'DescribeAutoScalingGroups', fault: 'access-denied' }]);

    const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--apply', '--assume-role-name', ROLE, '--app', w.app]);

    for (const c of copies) {
      expect(c).toMatchObject({ verdict: 'unchecked', changes: [] });
      expect(c.unchecked.map(u => u.reason)).toEqual([expect.stringMatching(/^access denied to autoscaling:DescribeAutoScalingGroups/)]);
    }
    // What was found is still named.
    expect(copyOf(copies, B, 'us-east-1').why).toMatch(`; it is used by launch template ${w.templateId}`);
    expect(code).toBe(3);
    faults.setRules([]);
    expect(await remaining(w)).toEqual(ALL_THERE);
  });
});

describe('what keeps a copy', () => {
  test('the retain tag keeps an unused copy (any value), also without --app', async () => {
    const w = await distribute();
    const ec2 = await client(EC2Client, A, 'us-east-1');
    await ec2.send(new CreateTagsCommand({ Resources: [w.amis[`us-east-1/${A}`]], Tags: [{ Key: 'cdk-imagebuilder-distribution:retain', Value: 'audit' }] }));

    const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--assume-role-name', ROLE]);

    expect(copyOf(copies, A, 'us-east-1')).toMatchObject({ verdict: 'retained', why: 'kept: the AMI has the tag cdk-imagebuilder-distribution:retain=audit' });
    expect(code).toBe(1);
  });

  test('an Auto Scaling group pinned to an old launch template version is named, with the version', async () => {
    const w = await distribute();
    const ami = w.amis[`us-east-1/${A}`];
    const ec2 = await client(EC2Client, A, 'us-east-1');
    const template = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' } }));
    const templateId = template.LaunchTemplate!.LaunchTemplateId!;
    // The template moved on to a newer AMI; the group still launches version 1.
    const next = (await ec2.send(new RegisterImageCommand({ Name: 'golden 1.0.0/2' }))).ImageId!;
    await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: templateId, LaunchTemplateData: { ImageId: next, InstanceType: 't3.micro' } }));
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId, DefaultVersion: '2' }));
    const autoscaling = await client(AutoScalingClient, A, 'us-east-1');
    await autoscaling.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'web', MinSize: 0, MaxSize: 0, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: templateId, Version: '1' },
    }));

    const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--assume-role-name', ROLE, '--app', w.app, '--apply']);

    expect(copyOf(copies, A, 'us-east-1')).toMatchObject({
      verdict: 'in-use',
      why: `kept: used by launch template ${templateId} (web, version 1); Auto Scaling group web (launch template ${templateId} version 1)`,
      changes: [],
    });
    expect(code).toBe(1);
    expect((await remaining(w))[`us-east-1/${A}`]).toBe(true);
  });

  test('a copy shared with another account is kept unchecked where the endpoint has no image usage report', async () => {
    const w = await distribute({ shareWith: ['222222222222'] });

    const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--assume-role-name', ROLE, '--app', w.app]);

    const shared = copyOf(copies, A, 'us-east-1');
    expect(shared.verdict).toBe('unchecked');
    expect(shared.unchecked).toEqual([expect.objectContaining({
      what: `the accounts ${w.amis[`us-east-1/${A}`]} is shared with (image usage report)`,
      reason: expect.stringMatching(/ec2:CreateImageUsageReport/),
    })]);
    expect(code).toBe(3);
  });
});

describe('where the endpoint has them: DescribeImageReferences and the image usage report', () => {
  test('DescribeImageReferences answers for the account: what it names keeps a copy, and no direct read is needed', async () => {
    const w = await distribute();
    emulate(['DescribeImageReferences']);
    const recipe = `arn:aws:imagebuilder:us-east-1:${A}:image-recipe/child/1.0.0`;
    ec2Endpoint.state.imageReferences.set(`us-east-1/${w.amis[`us-east-1/${A}`]}`, [{ ImageId: w.amis[`us-east-1/${A}`], ResourceType: 'imagebuilder:ImageRecipe', Arn: recipe }]);
    ec2Endpoint.state.imageReferences.set(`us-east-1/${w.amis[`us-east-1/${B}`]}`, [{
      ImageId: w.amis[`us-east-1/${B}`], ResourceType: 'ec2:LaunchTemplate', Arn: `arn:aws:ec2:us-east-1:${B}:launch-template/${w.templateId}`,
    }]);

    const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--assume-role-name', ROLE, '--app', w.app]);

    expect(copyOf(copies, A, 'us-east-1')).toMatchObject({ verdict: 'in-use', why: `kept: used by Image Builder image recipe ${recipe}` });
    expect(copyOf(copies, B, 'us-east-1')).toMatchObject({ verdict: 'in-use', why: `kept: used by launch template ${w.templateId}` });
    expect(copyOf(copies, A, 'eu-west-1').verdict).toBe('in-use');
    expect(copyOf(copies, B, 'eu-west-1').verdict).toBe('retire');
    expect(ec2Endpoint.calls.filter(c => c.operation === 'DescribeImageReferences')).toHaveLength(4);
    expect(faults.seen.get('ec2:DescribeLaunchTemplates')).toBeUndefined();
    expect(code).toBe(1);
  });

  test('a shared copy: the usage report names the consumer account that uses it; without use, it is retired', async () => {
    const C = '222222222222';
    const w = await distribute({ shareWith: [C] });
    emulate(['CreateImageUsageReport', 'DescribeImageUsageReports', 'DescribeImageUsageReportEntries']);
    const shared = w.amis[`us-east-1/${A}`];
    ec2Endpoint.state.imageUsage.set(`us-east-1/${shared}`, [{ AccountId: C, ResourceType: 'ec2:LaunchTemplate', UsageCount: 2 }]);

    const used = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--assume-role-name', ROLE, '--app', w.app]);
    expect(copyOf(used.copies, A, 'us-east-1')).toMatchObject({ verdict: 'in-use', why: `kept: used by consumer account ${C} (2 ec2:LaunchTemplate)` });
    expect(ec2Endpoint.calls.find(c => c.operation === 'CreateImageUsageReport')?.input).toMatchObject({ ImageId: shared });

    ec2Endpoint.state.imageUsage.set(`us-east-1/${shared}`, [{ AccountId: C, ResourceType: 'ec2:Instance', UsageCount: 0 }]);
    const unused = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'deregister', '--assume-role-name', ROLE, '--app', w.app]);
    expect(copyOf(unused.copies, A, 'us-east-1').verdict).toBe('retire');
  });
});

describe('the steps short of deregistration', () => {
  test('--step deprecate deprecates the unused copies at the next minute (EnableImageDeprecation)', async () => {
    const w = await distribute();
    emulate(['EnableImageDeprecation']);
    const before = Date.now();

    const { code, copies } = await runJson(['retire', '--image', IMAGE_ARN, '--assume-role-name', ROLE, '--app', w.app, '--apply']);

    expect(copies.filter(c => c.verdict === 'retire').map(c => c.change)).toEqual(['EnableImageDeprecation', 'EnableImageDeprecation']);
    expect([...ec2Endpoint.state.deprecations.keys()].sort()).toEqual([`eu-west-1/${w.amis[`eu-west-1/${B}`]}`, `us-east-1/${w.amis[`us-east-1/${A}`]}`].sort());
    for (const at of ec2Endpoint.state.deprecations.values()) {
      expect(at.getTime()).toBeGreaterThan(before);
      expect(at.getTime()).toBeLessThanOrEqual(before + 120_000);
      expect(at.getTime() % 60_000).toBe(0);
    }
    expect(code).toBe(1);
    expect(await remaining(w)).toEqual(ALL_THERE);
  });

  test('--step disable disables the unused copies (DisableImage); a rerun finds them done', async () => {
    const w = await distribute();

    const first = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'disable', '--assume-role-name', ROLE, '--app', w.app, '--apply']);
    expect(copyOf(first.copies, A, 'us-east-1').changes).toEqual([expect.objectContaining({ call: 'ec2:DisableImage', outcome: 'done' })]);
    expect(first.code).toBe(1);

    const again = await runJson(['retire', '--image', IMAGE_ARN, '--step', 'disable', '--assume-role-name', ROLE, '--app', w.app, '--apply']);
    expect(copyOf(again.copies, A, 'us-east-1')).toMatchObject({ verdict: 'done', why: `${w.amis[`us-east-1/${A}`]} is already disabled`, changes: [] });
    expect(copyOf(again.copies, B, 'eu-west-1').verdict).toBe('done');
    expect(await remaining(w)).toEqual(ALL_THERE);
  });
});

describe('--keep N: every image of a pipeline but the newest N', () => {
  /** Three builds of the pipeline, one AMI each (A, us-east-1); the newest by version is not the newest by date. */
  async function pipeline(): Promise<Record<string, string>> {
    ib.state.pipelines.set(PIPELINE_ARN, { arn: PIPELINE_ARN, name: 'golden' });
    const ec2 = await client(EC2Client, A, 'us-east-1');
    const amis: Record<string, string> = {};
    const builds: Array<[string, number, string]> = [['1.0.0', 1, '2026-11-01T00:00:00.000Z'], ['1.0.0', 2, '2026-11-08T00:00:00.000Z'], ['1.1.0', 1, '2026-11-05T00:00:00.000Z']];
    for (const [version, build, dateCreated] of builds) {
      const arn = imageArn('us-east-1', A, 'golden', version, build);
      const id = (await ec2.send(new RegisterImageCommand({ Name: `golden ${version}/${build}` }))).ImageId!;
      await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Ec2ImageBuilderArn', Value: arn }] }));
      amis[`${version}/${build}`] = id;
      ib.state.images.set(arn, imageOf({
        arn,
        pipelineArn: PIPELINE_ARN,
        dateCreated,
        distributionConfiguration: { arn: CONFIG_ARN, name: NAME, timeoutMinutes: 720, distributions: [{ region: 'us-east-1', amiDistributionConfiguration: { name: 'golden-{{ imagebuilder:buildDate }}' } }] },
        amis: [{ region: 'us-east-1', accountId: A, image: id }],
      }));
    }
    return amis;
  }

  test('--keep 1 as a dry run plans the two older images, not the newest, and changes nothing', async () => {
    const amis = await pipeline();
    faults.setRules([]); // forgets the seeding's calls: what reaches EC2 from here on is the command's
    // Pages of two: the listing must follow nextToken to see the third image.
    const list = ib.handlers.ListImagePipelineImages;
    ib.handlers.ListImagePipelineImages = (input, state) => list({ ...input, maxResults: 2 }, state);
    try {
      const { code, out, err } = await run(['retire', '--image', PIPELINE_ARN, '--keep', '1', '--step', 'deregister', '--json']);
      expect(code).toBe(0);
      const doc = JSON.parse(out);
      expect(doc).toMatchObject({ pipeline: PIPELINE_ARN, keep: 1, step: 'deregister', apply: false, exitCode: 0 });
      expect(doc.kept).toEqual([expect.objectContaining({ image: imageArn('us-east-1', A, 'golden', '1.1.0', 1), version: '1.1.0/1', why: 'newest available image 1 of 1' })]);
      expect(doc.images.map((i: any) => [i.version, i.exitCode])).toEqual([['1.0.0/2', 0], ['1.0.0/1', 0]]);
      for (const [i, version] of [[0, '1.0.0/2'], [1, '1.0.0/1']] as const) {
        expect(doc.images[i].result.copies).toEqual([expect.objectContaining({ account: A, region: 'us-east-1', imageId: amis[version], verdict: 'retire', change: 'DeregisterImage' })]);
      }
      expect(err).toMatch(new RegExp(`KEEP  ${imageArn('us-east-1', A, 'golden', '1.1.0', 1)}: newest available image 1 of 1`));
      expect(ib.calls.filter(c => c.operation === 'ListImagePipelineImages')).toHaveLength(2);
    } finally {
      ib.handlers.ListImagePipelineImages = list;
    }
    // Nothing changed: no call but reads reached EC2, every AMI is still there.
    const ec2Calls = [...faults.seen.keys()].filter(k => k.startsWith('ec2:'));
    expect(ec2Calls.length).toBeGreaterThan(0);
    expect(ec2Calls.filter(k => !/^ec2:Describe/.test(k))).toEqual([]);
    expect(ib.calls.map(c => c.operation).filter(o => !/^(Get|List)/.test(o))).toEqual([]);
    expect(await amisIn(A, 'us-east-1')).toEqual(Object.values(amis).sort());
  });

  test('--apply retires the older images one by one: an unused one is deregistered, one in use is kept and named, exit 1', async () => {
    const amis = await pipeline();
    const ec2 = await client(EC2Client, A, 'us-east-1');
    const template = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'still-on-2', LaunchTemplateData: { ImageId: amis['1.0.0/2'], InstanceType: 't3.micro' } }));
    const { code, out } = await run(['retire', '--image', PIPELINE_ARN, '--keep', '1', '--step', 'deregister', '--apply', '--json']);
    expect(code).toBe(1);
    const doc = JSON.parse(out);
    expect(doc.images.map((i: any) => [i.version, i.exitCode])).toEqual([['1.0.0/2', 1], ['1.0.0/1', 0]]);
    expect(doc.images[0].result.copies[0]).toMatchObject({ verdict: 'in-use', why: expect.stringContaining(template.LaunchTemplate!.LaunchTemplateId!) });
    expect(doc.images[1].result.copies[0].changes).toEqual(expect.arrayContaining([expect.objectContaining({ call: 'ec2:DeregisterImage', outcome: 'done' })]));
    expect(await amisIn(A, 'us-east-1')).toEqual([amis['1.0.0/2'], amis['1.1.0/1']].sort());
  });

  test('the text report prints the kept image and each older image\'s plan, and the worst exit code', async () => {
    const amis = await pipeline();
    const { code, out } = await run(['retire', '--image', PIPELINE_ARN, '--keep', '2']);
    expect(code).toBe(0);
    expect(out).toMatch(/3 images; keeping the newest 2 available; 1 older to retire/);
    expect(out).toMatch(/KEEP {2}.*\/golden\/1\.1\.0\/1: newest available image 1 of 2/);
    expect(out).toMatch(/KEEP {2}.*\/golden\/1\.0\.0\/2: newest available image 2 of 2/);
    expect(out).toContain('WOULD DEPRECATE');
    expect(out).toContain(amis['1.0.0/1']);
    expect(out).not.toContain(amis['1.0.0/2']);
    expect(out).toMatch(/1 retired as above: 1\.0\.0\/1 exit 0; exit 0$/m);
  });
});

describe('the command could not run: exit 2, one line, no stack trace', () => {
  test.each([
    [['retire'], /--image is required/],
    [['retire', '--image', 'ami-0123456789abcdef0'], /is not an image build version ARN/],
    [['retire', '--image', PIPELINE_ARN], /is a pipeline: pass --keep N/],
    [['retire', '--image', PIPELINE_ARN, '--keep', '0'], /--keep takes a whole number of at least 1 .*, not "0"/],
    [['retire', '--image', PIPELINE_ARN, '--keep', '1.5'], /--keep takes a whole number of at least 1/],
    [['retire', '--image', IMAGE_ARN, '--keep', '1'], /--keep counts the images of a pipeline: pass --image with an image pipeline ARN/],
    [['retire', '--image', `arn:aws:imagebuilder:us-east-1:${A}:image-pipeline/nothing`, '--keep', '1'], /cannot list the images of the pipeline .*: Image Builder answered ResourceNotFoundException/],
    [['retire', '--image', IMAGE_ARN, '--step', 'delete'], /--step takes deprecate, disable, deregister, not "delete"/],
    [['retire', '--image', IMAGE_ARN, '--distribution', 'Golden/Dist'], /pass --app/],
    [['retire', '--image', IMAGE_ARN], /cannot read the image .*: Image Builder answered ClientException/],
  ])('%j', async (args, message) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err).not.toMatch(/^\s+at /m);
  });

  test('--help says it changes AWS, and lists the options and exit codes; the command lists retire', async () => {
    const help = await run(['retire', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: cdk-imagebuilder-distribution retire --image ARN \[options\]\n\nCHANGES AWS with --apply/);
    for (const option of ['--image ARN', '--keep N', '--step STEP', '--apply', '--app DIR', '--distribution PATH', '--json', '--assume-role-name NAME', '--timeout SECONDS', '--concurrency N']) {
      expect(help.out).toContain(option);
    }
    expect(help.out).toMatch(/Exit codes:\n {2}0 {2}every copy is retired/);
    expect((await run(['--help'])).out).toMatch(/^ {2}retire {7}CHANGES AWS with --apply: /m);
  });
});
