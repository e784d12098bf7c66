import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { Ec2Endpoint, startEc2Endpoint } from './endpoints/ec2';
import { ImageBuilderEndpoint, Obj, imageArn, imageOf, startImageBuilderEndpoint } from './endpoints/imagebuilder';
import { FaultEndpoint, startFaultEndpoint } from './preflight/faults';
import { DEFAULT_ACCOUNT, Moto, startMoto } from './preflight/moto';
import * as world from './verify/world';
import { handler as mainHandler } from '../src/cli/main';
import { createHandler } from '../src/cli/verify/handler';
import { copiesOf, copyLine, finding, runLine, runVerdict } from '../src/cli/verify/publish';
import { METRICS, VERIFICATION_ENV } from '../src/private/verification-names';

/*
 * The verification function's handler, run in-process as Lambda runs it (an event, a context), against moto (EC2,
 * STS, SNS), the local EC2 endpoint (the AMIs' snapshots) and the local Image Builder endpoint, with the
 * fault-injecting endpoint in front (test/verify.test.ts describes the parts). What it publishes is read where it
 * goes: the log lines it writes, and the SNS finding as an HTTP subscriber of the topic in moto receives it.
 * One Region, two accounts: the distributing account's copy and a target account's.
 */

jest.setTimeout(120_000);

const DIST = DEFAULT_ACCOUNT;
const TARGET = '111111111111';
const REGION = 'us-east-1';
const CONFIG_ARN = `arn:aws:imagebuilder:${REGION}:${DIST}:distribution-configuration/golden`;
const OTHER_CONFIG_ARN = `arn:aws:imagebuilder:${REGION}:${DIST}:distribution-configuration/other`;
const IDLE_CONFIG_ARN = `arn:aws:imagebuilder:${REGION}:${DIST}:distribution-configuration/idle`;
const PIPELINE_ARN = `arn:aws:imagebuilder:${REGION}:${DIST}:image-pipeline/golden`;
const IMAGE_ARN = imageArn(REGION, DIST, 'golden', '1.0.0', 2);
const NAMESPACE = 'TestImageBuilderDistribution';

let moto: Moto;
let ec2Endpoint: Ec2Endpoint;
let ib: ImageBuilderEndpoint;
let faults: FaultEndpoint;
let subscriber: http.Server;
/** What the topic's HTTP subscriber received: SNS's notification documents. */
const notifications: Obj[] = [];
let topicArn: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto({ managedPolicies: false, defaultAmis: false });
  ec2Endpoint = await startEc2Endpoint(moto.endpoint);
  ib = await startImageBuilderEndpoint();
  faults = await startFaultEndpoint(ec2Endpoint.endpoint);
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: faults.endpoint,
    AWS_ENDPOINT_URL_IMAGEBUILDER: ib.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  // The findings' topic, and an HTTP endpoint subscribed to it (moto delivers to it during sns:Publish).
  subscriber = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf-8')));
      res.end();
    });
  });
  await new Promise<void>(resolve => subscriber.listen(0, '127.0.0.1', resolve));
  const sns = new SNSClient({ region: REGION });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'findings' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `http://127.0.0.1:${(subscriber.address() as net.AddressInfo).port}/` }));
  // The schedule lists the pipelines of each configuration: Image Builder filters them by configuration.
  ib.handlers.ListImagePipelines = (input, state) => {
    const wanted = (input.filters ?? []).find((f: Obj) => f.name === 'distributionConfigurationArn')?.values ?? [];
    const pipelines = [...state.pipelines.values()].filter(p => wanted.length === 0 || wanted.includes(p.distributionConfigurationArn));
    return { requestId: '00000000-0000-4000-8000-000000000000', imagePipelineList: pipelines };
  };
});

afterAll(async () => {
  await new Promise(resolve => subscriber?.close(resolve));
  await faults?.close();
  await ib?.close();
  await ec2Endpoint?.close();
  await moto?.stop();
  process.env = savedEnv;
});

beforeEach(() => {
  faults.setRules([]);
  notifications.length = 0;
  ib.calls.length = 0;
  for (const map of [ec2Endpoint.state.images, ec2Endpoint.state.snapshots, ib.state.images, ib.state.pipelines]) {
    map.clear();
  }
});

afterEach(() => {
  expect(ec2Endpoint.problems).toEqual([]);
  expect(ib.problems).toEqual([]);
});

const environment = (more: Record<string, string> = {}) => ({
  [VERIFICATION_ENV.configurations]: JSON.stringify([CONFIG_ARN]),
  [VERIFICATION_ENV.roleName]: 'ImageBuilderDistributionVerification',
  [VERIFICATION_ENV.topicArn]: topicArn,
  [VERIFICATION_ENV.namespace]: NAMESPACE,
  [VERIFICATION_ENV.concurrency]: '4',
  ...more,
});

/** Runs the handler on `event` with a Lambda context of `remainingMs` left (a minute); returns its log lines (parsed) and outcome. */
async function invoke(event: unknown, env: Record<string, string | undefined> = environment(), remainingMs = 60_000) {
  const lines: Obj[] = [];
  const run = createHandler({ env, write: line => lines.push(JSON.parse(line)) });
  let error: Error | undefined;
  try {
    const deadline = Date.now() + remainingMs;
    await run(event, { awsRequestId: 'test', getRemainingTimeInMillis: () => deadline - Date.now() });
  } catch (e) {
    error = e as Error;
  }
  return {
    error,
    lines,
    copies: lines.filter(l => l.record === 'copy'),
    runs: lines.filter(l => l.record === 'verification'),
  };
}

const available = (image: string) => ({
  'version': '0',
  'id': 'e2f5b1d0-0000-4000-8000-000000000000',
  'detail-type': 'EC2 Image Builder Image State Change',
  'source': 'aws.imagebuilder',
  'account': DIST,
  'time': '2026-12-06T10:00:00Z',
  'region': REGION,
  'resources': [image],
  'detail': { 'previous-state': { status: 'DISTRIBUTING' }, 'state': { status: 'AVAILABLE' } },
});

const scheduled = {
  'version': '0',
  'id': 'a1b2c3d4-0000-4000-8000-000000000000',
  'detail-type': 'Scheduled Event',
  'source': 'aws.events',
  'account': DIST,
  'time': '2026-12-06T10:00:00Z',
  'region': REGION,
  'resources': [`arn:aws:events:${REGION}:${DIST}:rule/Schedule`],
  'detail': {},
};

/**
 * A distribution to the owner and one target account in one Region: an AMI in each (unencrypted, no launch
 * permission, no tag: what the configuration asks), and the image listing both.
 */
async function distribute(arn = IMAGE_ARN, configuration = CONFIG_ARN, dateCreated?: string): Promise<Record<string, string>> {
  const amis: Record<string, string> = {};
  for (const account of [DIST, TARGET]) {
    amis[account] = await world.seedAmi(ec2Endpoint, account, REGION, `golden ${arn.split('/').slice(-2).join('/')}`);
  }
  const properties = {
    Name: configuration.split('/').pop(),
    Distributions: [{ Region: REGION, AmiDistributionConfiguration: { Name: 'golden-{{ imagebuilder:buildDate }}', TargetAccountIds: [TARGET] } }],
  };
  ib.state.images.set(arn, imageOf({
    arn,
    distributionConfiguration: world.deployedConfiguration(configuration, properties),
    amis: Object.entries(amis).map(([accountId, image]) => ({ region: REGION, accountId, image })),
    pipelineArn: PIPELINE_ARN,
    ...(dateCreated ? { dateCreated } : {}),
  }));
  return amis;
}

/**
 * The problems of a log line as a CloudWatch embedded metric format document (the specification,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 */
function emfProblems(line: Obj): string[] {
  const problems: string[] = [];
  const aws = line._aws;
  if (typeof aws !== 'object' || aws === null || Array.isArray(aws)) {
    return ['no _aws metadata object'];
  }
  if (!Number.isInteger(aws.Timestamp) || aws.Timestamp < 1_600_000_000_000) {
    problems.push(`_aws.Timestamp ${aws.Timestamp} is not a time in milliseconds since the epoch`);
  }
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0) {
    return [...problems, '_aws.CloudWatchMetrics is not a list of metric directives'];
  }
  const units = ['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
    'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second',
    'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None'];
  for (const directive of aws.CloudWatchMetrics) {
    if (typeof directive.Namespace !== 'string' || directive.Namespace.length < 1 || directive.Namespace.length > 255) {
      problems.push(`Namespace ${JSON.stringify(directive.Namespace)} is not 1 to 255 characters`);
    }
    if (!Array.isArray(directive.Dimensions)) {
      problems.push('Dimensions is not a list of dimension sets');
    } else {
      for (const set of directive.Dimensions) {
        if (!Array.isArray(set) || set.length > 30) {
          problems.push(`dimension set ${JSON.stringify(set)} is not a list of at most 30 keys`);
          continue;
        }
        for (const key of set) {
          if (typeof line[key] !== 'string' || line[key].length === 0) {
            problems.push(`dimension ${key} is not a string member of the root`);
          }
        }
      }
    }
    if (!Array.isArray(directive.Metrics) || directive.Metrics.length > 100) {
      problems.push('Metrics is not a list of at most 100 metric definitions');
      continue;
    }
    for (const metric of directive.Metrics) {
      if (typeof metric.Name !== 'string' || metric.Name.length < 1 || metric.Name.length > 255) {
        problems.push(`metric name ${JSON.stringify(metric.Name)} is not 1 to 255 characters`);
      } else if (typeof line[metric.Name] !== 'number') {
        problems.push(`metric ${metric.Name} has no number at the root`);
      }
      if (metric.Unit !== undefined && !units.includes(metric.Unit)) {
        problems.push(`metric ${metric.Name} has unit ${metric.Unit}, not one CloudWatch knows`);
      }
    }
  }
  return problems;
}

/** The copy line of a Region and account, and its four metrics. */
function copyOf(copies: Obj[], account: string) {
  const found = copies.filter(c => c.account === account && c.region === REGION);
  expect(found).toHaveLength(1);
  const [copy] = found;
  return { copy, metrics: Object.fromEntries(Object.values(METRICS).map(m => [m, copy[m]])) };
}

const metrics = (expected: number, present: number, failing: number, unchecked: number) => ({
  [METRICS.expected]: expected, [METRICS.present]: present, [METRICS.failing]: failing, [METRICS.unchecked]: unchecked,
});

test('a complete distribution: each copy present with its metrics in valid EMF, the run passes, no finding on SNS', async () => {
  const amis = await distribute();

  const { error, copies, runs } = await invoke(available(IMAGE_ARN));

  expect(error).toBeUndefined();
  expect(copies).toHaveLength(2);
  for (const line of copies) {
    expect(emfProblems(line)).toEqual([]);
    expect(line._aws.CloudWatchMetrics).toEqual([{
      Namespace: NAMESPACE,
      Dimensions: [[], ['Region'], ['Account']],
      Metrics: ['CopiesExpected', 'CopiesPresent', 'CopiesFailing', 'CopiesUnchecked'].map(Name => ({ Name, Unit: 'Count' })),
    }]);
  }
  for (const account of [DIST, TARGET]) {
    const { copy, metrics: values } = copyOf(copies, account);
    expect(copy).toMatchObject({
      record: 'copy',
      trigger: 'image-available',
      configuration: CONFIG_ARN,
      image: IMAGE_ARN,
      ami: amis[account],
      verdict: 'present',
      findings: [],
      Region: REGION,
      Account: account,
    });
    expect(values).toEqual(metrics(1, 1, 0, 0));
  }
  expect(runs).toEqual([expect.objectContaining({
    record: 'verification',
    trigger: 'image-available',
    configuration: CONFIG_ARN,
    image: IMAGE_ARN,
    verdict: 'pass',
    expected: 2,
    present: 2,
    failing: 0,
    unchecked: 0,
  })]);
  expect(runs[0].results.length).toBeGreaterThan(2);
  expect(notifications).toEqual([]);
});

test('a missing copy: failing with CopiesFailing=1, and a finding on SNS naming its Region and account', async () => {
  const amis = await distribute();
  // Deregistered after the distribution: EC2 no longer has it.
  ec2Endpoint.state.images.delete(`${REGION}/${amis[TARGET]}`);

  const { error, copies, runs } = await invoke(available(IMAGE_ARN));

  expect(error).toBeUndefined();
  expect(copyOf(copies, DIST)).toMatchObject({ copy: { verdict: 'present' }, metrics: metrics(1, 1, 0, 0) });
  const { copy, metrics: values } = copyOf(copies, TARGET);
  expect(values).toEqual(metrics(1, 0, 1, 0));
  expect(copy.verdict).toBe('failing');
  expect(copy.findings).toEqual([expect.objectContaining({ check: 'ami', status: 'fail', message: expect.stringContaining(`${amis[TARGET]}, which the image lists for account ${TARGET}, does not exist there`) })]);
  expect(runs).toEqual([expect.objectContaining({ verdict: 'fail', expected: 2, present: 1, failing: 1, unchecked: 0 })]);

  expect(notifications).toHaveLength(1);
  const [notification] = notifications;
  expect(notification).toMatchObject({ Type: 'Notification', TopicArn: topicArn });
  expect(notification.Subject.length).toBeLessThan(100);
  expect(notification.Subject).toBe('Image verification FAILED: 1 failing, 0 unchecked copies of golden/1.0.0/2');
  // The copy's line names its Region and account; the present copy is not listed.
  expect(notification.Message).toContain(`FAILING   ${REGION}  ${TARGET}  ${amis[TARGET]}`);
  expect(notification.Message).not.toContain(`${REGION}  ${DIST}`);
});

test('an account whose role cannot be assumed: its copy is unchecked, never present, and a finding says so', async () => {
  await distribute();
  faults.setRules([{ service: 'sts', operation: 'AssumeRole', fault: 'access-denied' }]);

  const { error, copies, runs } = await invoke(available(IMAGE_ARN));

  expect(error).toBeUndefined();
  expect(copyOf(copies, DIST).metrics).toEqual(metrics(1, 1, 0, 0));
  const { copy, metrics: values } = copyOf(copies, TARGET);
  expect(values).toEqual(metrics(1, 0, 0, 1));
  expect(copy.verdict).toBe('unchecked');
  expect(copy.findings[0].message).toMatch(`cannot assume arn:aws:iam::${TARGET}:role/ImageBuilderDistributionVerification: sts:AssumeRole was denied`);
  expect(runs).toEqual([expect.objectContaining({ verdict: 'unchecked', present: 1, failing: 0, unchecked: 1 })]);
  expect(notifications).toHaveLength(1);
  expect(notifications[0].Subject).toBe('Image verification UNCHECKED: 0 failing, 1 unchecked copies of golden/1.0.0/2');
  expect(notifications[0].Message).toContain(`UNCHECKED ${REGION}  ${TARGET}`);
});

test('a run that would outlast the invocation is cut at its budget and published, what could not run unchecked', async () => {
  await distribute();
  // EC2 never answers: without the budget, the run would end at Lambda's timeout with nothing published.
  faults.setRules([{ service: 'ec2', operation: 'DescribeImages', fault: 'stall' }]);
  const remaining = 6_000;
  const started = Date.now();

  const { error, copies, runs } = await invoke(available(IMAGE_ARN), environment(), remaining);

  expect(Date.now() - started).toBeLessThan(remaining);
  expect(error).toBeUndefined();
  expect(copies.map(c => [c.account, c.verdict, c[METRICS.unchecked], c[METRICS.present]])).toEqual([[DIST, 'unchecked', 1, 0], [TARGET, 'unchecked', 1, 0]]);
  expect(runs).toEqual([expect.objectContaining({ verdict: 'unchecked', present: 0, unchecked: 2 })]);
  expect(notifications).toHaveLength(1);
});

test('a finding SNS refuses fails the invocation, after the records are written', async () => {
  const amis = await distribute();
  ec2Endpoint.state.images.delete(`${REGION}/${amis[TARGET]}`);
  const gone = `arn:aws:sns:${REGION}:${DIST}:deleted-topic`;

  const { error, copies, runs, lines } = await invoke(available(IMAGE_ARN), environment({ [VERIFICATION_ENV.topicArn]: gone }));

  expect(error?.message).toMatch(`sns:Publish of the finding about ${IMAGE_ARN} to ${gone} failed`);
  expect(copies.map(c => c.verdict).sort()).toEqual(['failing', 'present']);
  expect(runs).toEqual([expect.objectContaining({ verdict: 'fail' })]);
  expect(lines[lines.length - 1]).toEqual({ record: 'error', message: error!.message });
});

test('the schedule verifies the latest AVAILABLE image of each pipeline of each configuration, and logs a configuration without one', async () => {
  await distribute(imageArn(REGION, DIST, 'golden', '1.0.0', 1), CONFIG_ARN, '2026-11-01T00:00:00.000Z');
  const amis = await distribute(IMAGE_ARN, CONFIG_ARN, '2026-12-01T00:00:00.000Z');
  // A newer image still building is not in use yet: its AVAILABLE event verifies it.
  const building = imageArn(REGION, DIST, 'golden', '1.0.0', 3);
  ib.state.images.set(building, { ...ib.state.images.get(IMAGE_ARN)!, arn: building, version: '1.0.0/3', state: { status: 'BUILDING' }, dateCreated: '2026-12-02T00:00:00.000Z' });
  ib.state.pipelines.set(PIPELINE_ARN, { arn: PIPELINE_ARN, name: 'golden', distributionConfigurationArn: CONFIG_ARN, status: 'ENABLED' });
  const otherPipeline = `arn:aws:imagebuilder:${REGION}:${DIST}:image-pipeline/other`;
  ib.state.pipelines.set(otherPipeline, { arn: otherPipeline, name: 'other', distributionConfigurationArn: OTHER_CONFIG_ARN, status: 'ENABLED' });

  const env = environment({ [VERIFICATION_ENV.configurations]: JSON.stringify([CONFIG_ARN, IDLE_CONFIG_ARN]) });
  const { error, copies, runs, lines } = await invoke(scheduled, env);

  expect(error).toBeUndefined();
  expect(runs).toEqual([expect.objectContaining({ trigger: 'schedule', configuration: CONFIG_ARN, image: IMAGE_ARN, verdict: 'pass' })]);
  expect(copies.map(c => [c.account, c.ami, c.verdict])).toEqual([[DIST, amis[DIST], 'present'], [TARGET, amis[TARGET], 'present']]);
  expect(lines).toContainEqual({ record: 'log', message: `no image pipeline distributes with ${IDLE_CONFIG_ARN}: nothing to verify on schedule` });
  expect(lines).toContainEqual({ record: 'log', message: `newer images of ${PIPELINE_ARN} are not AVAILABLE (${building} BUILDING): each is verified when it becomes AVAILABLE` });
  // Image Builder was asked for the configuration's pipelines only.
  const listed = ib.calls.filter(c => c.operation === 'ListImagePipelines').map(c => c.input.filters);
  expect(listed).toEqual([
    [{ name: 'distributionConfigurationArn', values: [CONFIG_ARN] }],
    [{ name: 'distributionConfigurationArn', values: [IDLE_CONFIG_ARN] }],
  ]);
});

test('an image of another configuration publishes nothing (the function\'s handler, as main.js exports it)', async () => {
  const other = imageArn(REGION, DIST, 'other', '1.0.0', 1);
  await distribute(other, OTHER_CONFIG_ARN);
  const written: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => written.push(String(chunk)) > 0);
  Object.assign(process.env, environment());
  try {
    await mainHandler(available(other), { getRemainingTimeInMillis: () => 60_000 });
  } finally {
    write.mockRestore();
    for (const name of Object.values(VERIFICATION_ENV)) {
      delete process.env[name];
    }
  }
  const lines = written.join('').trim().split('\n').map(l => JSON.parse(l));
  expect(lines.filter(l => l.record === 'copy' || l.record === 'verification')).toEqual([]);
  expect(lines).toContainEqual({ record: 'log', message: expect.stringMatching(`^not ours, nothing published: the image was distributed with ${OTHER_CONFIG_ARN}`) });
  expect(notifications).toEqual([]);
});

test('an image of our configuration that cannot be verified (no Region) is published unchecked with the reason', async () => {
  await distribute();
  const image = ib.state.images.get(IMAGE_ARN)!;
  ib.state.images.set(IMAGE_ARN, { ...image, distributionConfiguration: { ...image.distributionConfiguration, distributions: [] } });

  const { error, copies, runs } = await invoke(available(IMAGE_ARN));

  expect(error).toBeUndefined();
  expect(copies).toEqual([expect.objectContaining({ region: REGION, account: DIST, verdict: 'unchecked', [METRICS.unchecked]: 1, [METRICS.present]: 0 })]);
  expect(copies[0].findings[0].message).toMatch(`could not verify: ${CONFIG_ARN} has no Region to check`);
  expect(runs).toEqual([expect.objectContaining({ verdict: 'unchecked', image: IMAGE_ARN })]);
  expect(notifications).toHaveLength(1);
});

test('a missing or malformed environment, or an event it does not know, fails the invocation with a clear error and publishes nothing', async () => {
  const cases: Array<[Record<string, string | undefined>, unknown, RegExp]> = [
    [environment({ [VERIFICATION_ENV.configurations]: '' }), available(IMAGE_ARN), /VERIFY_CONFIGURATIONS is empty/],
    [{ ...environment(), [VERIFICATION_ENV.topicArn]: undefined }, available(IMAGE_ARN), /VERIFY_TOPIC_ARN is missing/],
    [environment({ [VERIFICATION_ENV.configurations]: '["golden"]' }), available(IMAGE_ARN), /VERIFY_CONFIGURATIONS is "\[\\"golden\\"\]", not a JSON list of one or more distribution configuration ARNs/],
    [environment({ [VERIFICATION_ENV.concurrency]: '0' }), available(IMAGE_ARN), /VERIFY_CONCURRENCY is "0", not a whole number from 1 to 256/],
    [environment({ [VERIFICATION_ENV.rings]: '{"name":"canary"}' }), available(IMAGE_ARN), /VERIFY_RINGS is .*, not a JSON list of rings/],
    [environment({ [VERIFICATION_ENV.metricsByAccount]: 'yes' }), available(IMAGE_ARN), /VERIFY_METRICS_BY_ACCOUNT is "yes", not "true" or "false"/],
    [environment(), { hello: 'world' }, /the event is none the function knows/],
    [environment(), { Records: [{ EventSource: 'aws:sns', Sns: { Message: '{}' } }] }, /a release gate's notification arrived, but the environment variable VERIFY_RINGS lists no ring/],
  ];
  for (const [env, event, message] of cases) {
    const { error, lines } = await invoke(event, env);
    expect(error?.message).toMatch(message);
    expect(lines).toEqual([{ record: 'error', message: error!.message }]);
  }
  expect(ib.calls.filter(c => c.operation === 'GetImage')).toEqual([]);
  expect(notifications).toEqual([]);
});

describe('what a run publishes, at its limits (pure)', () => {
  const longName = 'a'.repeat(128);
  const image = imageArn(REGION, DIST, longName, '1.0.0', 1);
  const result = (account: string, status: 'pass' | 'fail' | 'unchecked', n: number) => ({
    check: 'ami',
    status,
    account,
    region: REGION,
    resource: `ami-${String(n).padStart(17, '0')}`,
    message: `${status} ${'x'.repeat(150)}`,
    distributions: [CONFIG_ARN],
  });
  const accounts = Array.from({ length: 2000 }, (_, i) => String(100000000000 + i));
  const intent = {
    distribution: CONFIG_ARN,
    differences: [],
    fromImage: [],
    regions: [{ region: REGION, owner: DIST, targets: accounts } as any],
  };

  test('the subject stays under 100 characters, the message under 256 KB, the run line under 256 KB; every copy has its line', () => {
    const results = [result(DIST, 'pass', 0), ...accounts.map((a, i) => result(a, i % 2 === 0 ? 'fail' : 'pass', i + 1))];
    const run = { kind: 'report' as const, imageArn: image, configurationArn: CONFIG_ARN, intent, results, notices: [] };
    const copies = copiesOf(run, { region: REGION, account: DIST });
    const published = { trigger: 'schedule' as const, configuration: CONFIG_ARN, image, verdict: runVerdict(results, copies), copies, results, notices: [] };

    expect(copies).toHaveLength(2001);
    expect(copies.filter(c => c.verdict === 'failing')).toHaveLength(1000);
    expect(published.verdict).toBe('fail');
    const found = finding(published)!;
    expect(found.subject.length).toBeLessThan(100);
    expect(found.subject).toMatch(/^Image verification FAILED: 1000 failing, 0 unchecked copies of a+$/);
    expect(Buffer.byteLength(found.message)).toBeLessThan(256 * 1024);
    expect(found.message).toMatch(/the function's log has every copy's record\)$/);
    const line = JSON.stringify(runLine(published));
    expect(Buffer.byteLength(line)).toBeLessThan(256 * 1024);
    expect(JSON.parse(line)).toMatchObject({ expected: 2001, present: 1001, failing: 1000, unchecked: 0, resultsLeftOut: 1501 });
    expect(copyLine(published, copies[1], NAMESPACE, Date.now())).toMatchObject({ verdict: 'failing', [METRICS.failing]: 1, [METRICS.expected]: 1 });
    // By account unless the construct says not (metricsByAccount: false): each account is 4 more custom metrics.
    expect((copyLine(published, copies[1], NAMESPACE, Date.now()) as any)._aws.CloudWatchMetrics[0].Dimensions).toEqual([[], ['Region'], ['Account']]);
    expect((copyLine(published, copies[1], NAMESPACE, Date.now(), false) as any)._aws.CloudWatchMetrics[0].Dimensions).toEqual([[], ['Region']]);
  });

  test('a copy no check ran for is unchecked, and a run without an intent has its image\'s copy unchecked', () => {
    const partial = { kind: 'report' as const, imageArn: image, configurationArn: CONFIG_ARN, intent, results: [result(DIST, 'pass', 0)], notices: [] };
    const copies = copiesOf(partial, { region: REGION, account: DIST });
    expect(copies[0].verdict).toBe('present');
    expect(copies.slice(1).every(c => c.verdict === 'unchecked' && c.findings[0].message.startsWith('no check of the copy'))).toBe(true);
    expect(runVerdict(partial.results, copies)).toBe('unchecked');

    const building = {
      kind: 'report' as const,
      imageArn: image,
      configurationArn: CONFIG_ARN,
      notices: [],
      results: [{ check: 'image', status: 'unchecked' as const, account: DIST, region: REGION, resource: image, message: 'it is still BUILDING', distributions: [] }],
    };
    expect(copiesOf(building, { region: REGION, account: DIST })).toEqual([expect.objectContaining({ region: REGION, account: DIST, ami: null, verdict: 'unchecked' })]);
  });
});
