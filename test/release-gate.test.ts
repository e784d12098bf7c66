import * as os from 'os';
import * as path from 'path';
import { Ec2Endpoint, startEc2Endpoint } from './endpoints/ec2';
import { ImageBuilderEndpoint, NoAnswer, Obj, defaultHandlers, imageArn, imageOf, startImageBuilderEndpoint, workflowStep } from './endpoints/imagebuilder';
import { DEFAULT_ACCOUNT, Moto, startMoto } from './preflight/moto';
import * as world from './verify/world';
import { AwsSession } from '../src/cli/common/aws';
import { RegionIntent } from '../src/cli/common/intent';
import { Result } from '../src/cli/common/report';
import { GateContext, GateOutcome, MAX_REASON, Ring, clientToken, readDistributedImages, releaseGates, ringScopes, stopReason } from '../src/cli/verify/gate';
import { VerificationRun } from '../src/cli/verify/run';

/*
 * The release rings' gate (src/cli/verify/gate.ts) against real parts: EC2 and STS on moto in server mode (the
 * AMIs of a distribution to two Regions, the distributing account and one target account), the local EC2 endpoint
 * in front of it (what moto cannot describe of an AMI), and the local Image Builder endpoint for the image and its
 * workflow's steps (ListWaitingWorkflowSteps, ListWorkflowStepExecutions, SendWorkflowStepAction), whose answers
 * are validated against Image Builder's model and whose request log says which actions were sent. One moto server
 * for the file, seeded once: each test adds its own image and waiting steps to the Image Builder endpoint.
 */

jest.setTimeout(120_000);

const DIST = DEFAULT_ACCOUNT;
const TARGET = '111111111111';
const ROLE = 'VerifyAccess';
const CONFIG_ARN = `arn:aws:imagebuilder:us-east-1:${DIST}:distribution-configuration/golden`;
const OTHER_CONFIG_ARN = `arn:aws:imagebuilder:us-east-1:${DIST}:distribution-configuration/other`;
const REGIONS = ['us-east-1', 'eu-west-1'];
/** The canary ring (us-east-1, both accounts), then the rest (eu-west-1). */
const RINGS: Ring[] = [{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest', rest: true }];

let moto: Moto;
let ec2Endpoint: Ec2Endpoint;
let ib: ImageBuilderEndpoint;
/** The AMIs of the distribution, by `region/account`. */
const amis: Record<string, string> = {};
const savedEnv = { ...process.env };
let builds = 0;

beforeAll(async () => {
  moto = await startMoto({ managedPolicies: false, defaultAmis: false });
  ec2Endpoint = await startEc2Endpoint(moto.endpoint);
  ib = await startImageBuilderEndpoint();
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: ec2Endpoint.endpoint,
    AWS_ENDPOINT_URL_IMAGEBUILDER: ib.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  for (const region of REGIONS) {
    for (const account of [DIST, TARGET]) {
      amis[`${region}/${account}`] = await world.seedAmi(ec2Endpoint, account, region, 'golden 1.0.0/1');
    }
  }
});

afterAll(async () => {
  await ib?.close();
  await ec2Endpoint?.close();
  await moto?.stop();
  process.env = savedEnv;
});

beforeEach(() => {
  ib.calls.length = 0;
  ib.state.images.clear();
  ib.state.workflowSteps.clear();
  ib.handlers.SendWorkflowStepAction = defaultHandlers().SendWorkflowStepAction;
});

afterEach(() => {
  // No local endpoint answered anything its service's model does not allow, nor was sent a request it would reject.
  expect(ib.problems).toEqual([]);
  expect(ec2Endpoint.problems).toEqual([]);
});

/** The configuration as GetImage returns it: both Regions, the target account in each. */
function configuration(arn: string): Obj {
  return world.deployedConfiguration(arn, {
    Name: arn.split('/').pop(),
    Distributions: REGIONS.map(Region => ({ Region, AmiDistributionConfiguration: { Name: 'golden-{{ imagebuilder:buildDate }}', TargetAccountIds: [TARGET] } })),
  });
}

interface Gate {
  readonly image: string;
  /** The VerifyRing<N> step that waits. */
  readonly step: Obj;
}

/**
 * An image still distributing (GetImage lists no AMI yet), whose workflow distributed ring `ring` (a DistributeImage
 * step reporting `copies` in its `distributedImages`) and waits at VerifyRing<ring>.
 */
function distributing(copies: string[], options: { ring?: number; stepName?: string; configurationArn?: string } = {}): Gate {
  const image = imageArn('us-east-1', DIST, 'golden', '1.0.0', ++builds);
  ib.state.images.set(image, imageOf({ arn: image, distributionConfiguration: configuration(options.configurationArn ?? CONFIG_ARN), amis: [], status: 'DISTRIBUTING' }));
  const workflowExecutionId = `wf-0000000${builds}-0000-4000-8000-000000000000`;
  const ring = options.ring ?? 1;
  const distributedImages = copies.map(key => ({ region: key.split('/')[0], accountId: key.split('/')[1], amiId: amis[key] }));
  const distribute = workflowStep({
    image, workflowExecutionId, name: `DistributeRing${ring}`, action: 'DistributeImage', status: 'COMPLETED', outputs: JSON.stringify({ distributedImages }),
  });
  const step = workflowStep({ image, workflowExecutionId, name: options.stepName ?? `VerifyRing${ring}`, action: 'WaitForAction' });
  ib.state.workflowSteps.set(distribute.stepExecutionId, distribute);
  ib.state.workflowSteps.set(step.stepExecutionId, step);
  return { image, step };
}

interface Invocation {
  readonly outcomes: GateOutcome[];
  readonly published: Array<{ run: VerificationRun; trigger: string; ring?: string }>;
  readonly progress: string[];
}

/** The gate as the function runs it: one session, the function's rings and configurations. */
async function invoke(options: { assumeRoleName?: string } = { assumeRoleName: ROLE }): Promise<Invocation> {
  const aws = new AwsSession({
    callTimeoutMs: 10_000, maxAttempts: 2, budgetMs: 60_000, ...(options.assumeRoleName ? { assumeRoleName: options.assumeRoleName } : {}),
  });
  const published: Invocation['published'] = [];
  const progress: string[] = [];
  const context: GateContext = {
    aws,
    identity: await aws.identity(),
    rings: RINGS,
    configurations: [CONFIG_ARN],
    concurrency: 4,
    publish: async (run, trigger, ring) => {
      published.push({ run, trigger, ring });
    },
    progress: line => progress.push(line),
  };
  try {
    return { outcomes: await releaseGates(context), published, progress };
  } finally {
    aws.close();
  }
}

/** A client token within the bounds the API reference has documented (36 characters, now 64). */
const TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const actions = () => ib.calls.filter(c => c.operation === 'SendWorkflowStepAction').map(c => c.input);
const resultsOf = (published: Invocation['published']) => {
  expect(published).toHaveLength(1);
  const { run } = published[0];
  if (run.kind !== 'report') {
    throw new Error(`expected a report, got ${JSON.stringify(run)}`);
  }
  return run.results;
};
const copyResults = (results: Result[]) => results.filter(r => r.check === 'ami').map(r => `${r.status} ${r.region}/${r.account}`).sort();

test('a ring whose copies are all present is resumed: one RESUME, for the waiting step, with its client token', async () => {
  const gate = distributing([`us-east-1/${DIST}`, `us-east-1/${TARGET}`]);

  const { outcomes, published } = await invoke();

  expect(actions()).toEqual([{
    stepExecutionId: gate.step.stepExecutionId,
    imageBuildVersionArn: gate.image,
    action: 'RESUME',
    reason: expect.stringMatching(/^ring canary verified: [0-9]+ checks passed$/),
    clientToken: expect.stringMatching(TOKEN),
  }]);
  expect(outcomes).toEqual([expect.objectContaining({ stepExecutionId: gate.step.stepExecutionId, ring: 'canary', decision: 'resume', sent: 'done' })]);
  expect(ib.state.workflowSteps.get(gate.step.stepExecutionId)!.status).toBe('COMPLETED');
  // The run published is the ring's: its two copies (us-east-1 only), every check passed.
  expect(published[0]).toMatchObject({ trigger: 'release-gate', ring: 'canary' });
  const results = resultsOf(published);
  expect(copyResults(results)).toEqual([`pass us-east-1/${TARGET}`, `pass us-east-1/${DIST}`]);
  expect(results.filter(r => r.status !== 'pass')).toEqual([]);
});

test('a ring with a missing copy is stopped, the reason naming the Region and account; the published run says so', async () => {
  // The DistributeImage step of ring 1 made no copy for the target account in us-east-1.
  const gate = distributing([`us-east-1/${DIST}`]);

  const { outcomes, published } = await invoke();

  const sent = actions();
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ stepExecutionId: gate.step.stepExecutionId, action: 'STOP', clientToken: expect.stringMatching(TOKEN) });
  expect(sent[0].reason).toMatch(new RegExp(`^ring canary failed verification: 1 finding: ami ${TARGET} us-east-1: the image distributed no AMI to account ${TARGET} in us-east-1`));
  expect([...sent[0].reason].length).toBeLessThanOrEqual(MAX_REASON);
  expect(outcomes).toEqual([expect.objectContaining({ ring: 'canary', decision: 'stop', sent: 'done' })]);
  expect(ib.state.workflowSteps.get(gate.step.stepExecutionId)!.status).toBe('FAILED');
  expect(copyResults(resultsOf(published))).toEqual([`fail us-east-1/${TARGET}`, `pass us-east-1/${DIST}`]);
});

test('an account the function cannot read is unchecked: no action at all, the step keeps waiting', async () => {
  const gate = distributing([`us-east-1/${DIST}`, `us-east-1/${TARGET}`]);

  // Without a role to assume, the target account cannot be read.
  const { outcomes, published, progress } = await invoke({});

  expect(actions()).toEqual([]);
  expect(outcomes).toEqual([expect.objectContaining({ stepExecutionId: gate.step.stepExecutionId, ring: 'canary', decision: 'wait' })]);
  expect(ib.state.workflowSteps.get(gate.step.stepExecutionId)!.status).toBe('RUNNING');
  expect(copyResults(resultsOf(published))).toEqual([`pass us-east-1/${DIST}`, `unchecked us-east-1/${TARGET}`]);
  expect(progress.join('\n')).toMatch(/left waiting: 1 check of ring canary could not run .*no credentials for account 111111111111/);
});

test('a step of another configuration, and a wait that is no gate, are left alone; a ring the function does not know waits', async () => {
  const other = distributing([`us-east-1/${DIST}`, `us-east-1/${TARGET}`], { configurationArn: OTHER_CONFIG_ARN });
  const approval = distributing([`us-east-1/${DIST}`, `us-east-1/${TARGET}`], { stepName: 'ApproveRelease' });
  // The workflow has a third ring, the function's rings (VERIFY_RINGS) two: deployed apart.
  const third = distributing([`us-east-1/${DIST}`, `us-east-1/${TARGET}`], { ring: 3 });

  const { outcomes, published, progress } = await invoke();

  expect(actions()).toEqual([]);
  expect(published).toEqual([]);
  expect(outcomes.map(o => [o.stepExecutionId, o.decision])).toEqual(expect.arrayContaining([
    [other.step.stepExecutionId, 'ignored'],
    [approval.step.stepExecutionId, 'ignored'],
    [third.step.stepExecutionId, 'wait'],
  ]));
  expect(outcomes).toHaveLength(3);
  expect(progress.join('\n')).toMatch(/VerifyRing3 .*left waiting: the function knows 2 rings, not ring 3/);
  expect([other.step, approval.step, third.step].map(s => ib.state.workflowSteps.get(s.stepExecutionId)!.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
});

test('an action whose answer is lost is unknown, never done; the rerun sends the same client token', async () => {
  const gate = distributing([`us-east-1/${DIST}`, `us-east-1/${TARGET}`]);
  // The connection resets before Image Builder acts: the step still waits.
  ib.handlers.SendWorkflowStepAction = () => {
    throw new NoAnswer('reset');
  };

  const first = await invoke();

  expect(first.outcomes).toEqual([expect.objectContaining({ decision: 'resume', sent: 'unknown' })]);
  expect(first.progress.join('\n')).toMatch(/RESUME sent \(client token [0-9a-f-]{36}\) but its answer was lost: .*whether the workflow resumed is unknown/);
  expect(first.progress.join('\n')).not.toMatch(/RESUME sent \(client token [0-9a-f-]{36}\): /);

  ib.handlers.SendWorkflowStepAction = defaultHandlers().SendWorkflowStepAction;
  const second = await invoke();

  expect(second.outcomes).toEqual([expect.objectContaining({ decision: 'resume', sent: 'done' })]);
  const tokens = actions().map(a => a.clientToken);
  // The SDK's own retry and the rerun: every attempt the same request, with the same token.
  expect(tokens.length).toBeGreaterThanOrEqual(2);
  expect(new Set(tokens).size).toBe(1);
  expect(tokens[0]).toMatch(TOKEN);
  expect(ib.state.workflowSteps.get(gate.step.stepExecutionId)!.status).toBe('COMPLETED');

  // A third run finds nothing waiting: no other action is ever sent.
  const third = await invoke();
  expect(third.outcomes).toEqual([]);
  expect(actions()).toHaveLength(tokens.length);
});

test('the last ring, "the rest", is verified where no earlier ring was: eu-west-1; outputs read with GetWorkflowStepExecution', async () => {
  const gate = distributing([`eu-west-1/${DIST}`, `eu-west-1/${TARGET}`], { ring: 2 });
  // A list of the workflow's steps without their outputs: the gate reads the DistributeImage step itself.
  const list = defaultHandlers().ListWorkflowStepExecutions;
  ib.handlers.ListWorkflowStepExecutions = async (input, state) => {
    const answer = await list(input, state);
    return { ...answer, steps: answer.steps.map(({ outputs: _, ...step }: Obj) => step) };
  };
  try {
    const { outcomes, published } = await invoke();

    expect(ib.calls.filter(c => c.operation === 'GetWorkflowStepExecution')).toHaveLength(1);
    expect(outcomes).toEqual([expect.objectContaining({ stepExecutionId: gate.step.stepExecutionId, ring: 'rest', decision: 'resume', sent: 'done' })]);
    expect(published[0]).toMatchObject({ ring: 'rest' });
    expect(copyResults(resultsOf(published))).toEqual([`pass eu-west-1/${TARGET}`, `pass eu-west-1/${DIST}`]);
  } finally {
    ib.handlers.ListWorkflowStepExecutions = list;
  }
});

test('step outputs the gate cannot read make the copies GetImage does not list unknown, never missing: no STOP, no RESUME', async () => {
  const gate = distributing([`us-east-1/${DIST}`, `us-east-1/${TARGET}`]);
  const distribute = [...ib.state.workflowSteps.values()].find(s => s.action === 'DistributeImage' && s.imageBuildVersionArn === gate.image)!;
  distribute.outputs = 'not JSON';
  // GetImage lists the owner's copy already, not the target's.
  ib.state.images.get(gate.image)!.outputResources = {
    amis: [{ region: 'us-east-1', accountId: DIST, image: amis[`us-east-1/${DIST}`], name: 'golden', state: { status: 'AVAILABLE' } }],
  };

  const { outcomes, published } = await invoke();

  expect(actions()).toEqual([]);
  expect(outcomes).toEqual([expect.objectContaining({ decision: 'wait' })]);
  const results = resultsOf(published);
  expect(copyResults(results)).toEqual([`pass us-east-1/${DIST}`, `unchecked us-east-1/${TARGET}`]);
  expect(results.find(r => r.account === TARGET && r.check === 'ami')!.message)
    .toMatch(/GetImage does not list it yet and the outputs of the DistributeImage step DistributeRing1: its outputs are not JSON/);
});

test('the rest ring: every copy no earlier ring has; the tokens differ by action', () => {
  const none = { userIds: [], userGroups: [], organizationArns: [], organizationalUnitArns: [] };
  const region = (name: string, targets: string[]): RegionIntent =>
    ({ region: name, owner: DIST, targets, launchPermission: none, amiTags: {}, launchTemplates: [], ssmParameters: [], fastLaunch: [] });
  const intent = [region('us-east-1', [TARGET, '222222222222']), region('eu-west-1', [TARGET, '222222222222']), region('ap-south-1', [TARGET])];
  const rings: Ring[] = [{ name: 'canary', regions: ['us-east-1'], accounts: [TARGET] }, { name: 'eu', regions: ['eu-west-1'] }, { name: 'rest', rest: true }];

  expect(ringScopes(rings, 0, intent)).toEqual([{ regions: ['us-east-1'], accounts: [TARGET] }]);
  expect(ringScopes(rings, 2, intent)).toEqual([
    { regions: ['us-east-1'], accounts: [DIST, '222222222222'] },
    { regions: ['ap-south-1'], accounts: [TARGET, DIST] },
  ]);
  expect(ringScopes([{ name: 'all', regions: REGIONS }, { name: 'rest', rest: true }], 1, intent.slice(0, 2))).toEqual([]);

  const step = 'step-00000000-0000-4000-8000-000000000000';
  expect(clientToken(step, 'RESUME')).toMatch(TOKEN);
  expect(clientToken(step, 'RESUME')).toBe(clientToken(step, 'RESUME'));
  expect(clientToken(step, 'RESUME')).not.toBe(clientToken(step, 'STOP'));
  expect(clientToken(step, 'RESUME')).not.toBe(clientToken(step.replace(/0$/, '1'), 'RESUME'));
});

test('the STOP reason fits the API\'s 1,024 characters, naming the first findings and counting the others', () => {
  const finding = (i: number): Result => ({
    check: 'ami', status: 'fail', account: String(100000000000 + i), region: 'eu-west-1', resource: 'AMI', message: `copy ${i} is missing ${'x'.repeat(80)}`, distributions: [],
  });
  const reason = stopReason('canary', Array.from({ length: 50 }, (_, i) => finding(i)));
  expect([...reason].length).toBeLessThanOrEqual(MAX_REASON);
  expect(reason).toMatch(/^ring canary failed verification: 50 findings: ami 100000000000 eu-west-1: copy 0 is missing/);
  const shown = (reason.match(/ami [0-9]{12} eu-west-1/g) ?? []).length;
  expect(shown).toBeGreaterThan(1);
  expect(reason).toMatch(new RegExp(`; and ${50 - shown} more$`));
  // One finding longer than the bound is cut, its account and Region kept.
  const long = stopReason('canary', [{ ...finding(1), message: 'y'.repeat(2000) }]);
  expect([...long].length).toBe(MAX_REASON);
  expect(long).toMatch(/^ring canary failed verification: 1 finding: ami 100000000001 eu-west-1: y+…$/);
});

test('distributedImages is read by its Region, account and AMI ID; anything else is unreadable, never an empty list', () => {
  expect(readDistributedImages(JSON.stringify({ distributedImages: [{ region: 'us-east-1', accountId: TARGET, amiId: 'ami-0123456789abcdef0', status: 'COMPLETED' }] }), DIST))
    .toEqual([{ region: 'us-east-1', account: TARGET, imageId: 'ami-0123456789abcdef0' }]);
  // An entry without an account is the owner's.
  expect(readDistributedImages(JSON.stringify({ distributedImages: [{ region: 'eu-west-1', imageId: 'ami-0123' }] }), DIST)).toEqual([{ region: 'eu-west-1', account: DIST, imageId: 'ami-0123' }]);
  for (const unreadable of [undefined, 'not json', '{}', JSON.stringify({ distributedImages: [{ region: 'eu-west-1' }] })]) {
    expect(typeof readDistributedImages(unreadable, DIST)).toBe('string');
  }
});
