import { createHash } from 'crypto';
import {
  GetWorkflowStepExecutionCommand, ImagebuilderClient, ListWaitingWorkflowStepsCommand, ListWorkflowStepExecutionsCommand,
  SendWorkflowStepActionCommand,
} from '@aws-sdk/client-imagebuilder';
import { VerificationRun, VerificationScope, runVerification } from './run';
import { AwsSession, Identity, classify, errorCode, isObject } from '../common/aws';
import { DistributedAmi, amisOf, getImage, imageReference } from '../common/imagebuilder';
import { Intent, RegionIntent, imageIntent } from '../common/intent';
import { Result, exitCodeOf } from '../common/report';

/*
 * The release rings' gate (ReleaseRings): the distribution workflow distributes ring 1 (a DistributeImage step),
 * then waits at a WaitForAction step named `VerifyRing1`, and so on. The verification function verifies what the
 * ring received and resumes the workflow (SendWorkflowStepAction RESUME) only when every check passed; a failing
 * ring stops the release (STOP) with the findings as the reason, which Image Builder keeps with the step and shows
 * as the failed image's state.
 *
 * What AWS documents, and what this relies on:
 * - ListWaitingWorkflowSteps "lists the workflow steps in your Amazon Web Services account that have paused at a
 *   WaitForAction step, and are waiting for you to respond" (API reference; the model's WorkflowStepExecution:
 *   stepExecutionId, imageBuildVersionArn, workflowExecutionId, name, action). It is the source of which gates wait:
 *   the WaitForAction notification (SNS, the "EC2 Image Builder Workflow Step Waiting" event) only starts the
 *   function, its message format is not relied on. A step whose answer came meanwhile is no longer listed.
 *   https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ListWaitingWorkflowSteps.html
 * - SendWorkflowStepAction (action RESUME | STOP, reason of 1 to 1,024 characters, a required clientToken of at most
 *   64 characters, 36 in older versions of the reference): "The workflow step must be in a waiting state to accept
 *   an action. The request fails if the step has already timed out or been actioned."
 *   https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_SendWorkflowStepAction.html
 * - DistributeImage "reports each region's AMI ID, status, and timing in its distributedImages output", read with
 *   GetWorkflowStepExecution (`outputs`, a JSON string; aws-samples/amazon-ec2-image-builder-samples,
 *   workflows/gated-distribution). While the image still distributes, GetImage may not list those AMIs yet
 *   (`outputResources.amis`): the gate gives verify the union of both. The names of an entry's fields are not
 *   documented that we found: an entry is read by the names Image Builder uses for an AMI of a Region and account
 *   elsewhere (`region`, `accountId`, and `image` as in GetImage, or `amiId`/`imageId`); an output the gate cannot
 *   read leaves the copies GetImage does not list unknown (unchecked), never missing.
 *
 * The decision, per waiting gate of an image distributed with one of the function's configurations:
 * - every check passed: RESUME;
 * - a check failed: STOP, the reason naming the first findings (check, account, Region) within 1,024 characters;
 * - the ring could not be verified at all (a usage outcome: the ring has no Region and account of the image's
 *   configuration, the image is no AMI image): STOP with that message, as rerunning gives the same answer;
 * - nothing failed but some checks could not run (an account the function cannot read, throttling, no answer):
 *   no action, the step keeps waiting. Unknown is never success, so never RESUME; and it is no finding about the
 *   ring, so no STOP either: the cause is often passing (throttling, a role deployed minutes later) and the next
 *   invocation with a gate notification (another gate's, a redelivered one, or a message a person publishes to the
 *   gate topic after fixing access; the schedule verifies images, not gates) verifies every waiting gate again and
 *   decides. The run is published as unchecked (records, the unchecked alarm, the findings
 *   topic), so someone hears of it; and the step's timeout (ReleaseRings' `gateTimeout`) bounds the wait: a timed
 *   out step fails the image, as STOP would, and nothing past the ring was ever distributed unverified.
 *
 * The client token is derived from the step execution ID and the action: an invocation retried (Lambda retries an
 * asynchronous invocation that failed, a notification delivered twice) sends the same request with the same token,
 * which Image Builder answers with the original answer instead of acting twice; and once an action took effect the
 * step no longer waits, so no later invocation sends another. An action whose answer is lost (no answer in time, a
 * reset connection, a server error) is reported as unknown, never as done.
 */

type Json = Record<string, any>;

/** A release ring as the construct gives it to the function (VERIFY_RINGS), in order. */
export interface Ring {
  readonly name: string;
  /** @default every Region */
  readonly regions?: string[];
  /** @default every account */
  readonly accounts?: string[];
  /** The last ring may be "the rest": every copy no earlier ring has. */
  readonly rest?: boolean;
}

/** The WaitForAction step after ring N (1-based) is named `VerifyRing<N>`. */
export const GATE_STEP = /^VerifyRing([0-9]+)$/;

export interface GateContext {
  readonly aws: AwsSession;
  readonly identity: Identity;
  readonly rings: Ring[];
  /** The distribution configuration ARNs of the images the function verifies. */
  readonly configurations: string[];
  readonly concurrency: number;
  /** Publishes a run (records, metrics, findings), as for any other verification. */
  readonly publish: (run: VerificationRun, trigger: string, ring?: string) => Promise<void>;
  /** One progress line (the function's log). */
  readonly progress: (line: string) => void;
}

/** What the gate did with one waiting step. */
export interface GateOutcome {
  readonly stepExecutionId: string;
  readonly image: string;
  /** The ring's name, when the step is a gate of the function's rings. */
  readonly ring?: string;
  /**
   * resume / stop: the action decided; wait: left waiting (checks that could not run, or the step or its image
   * could not be read); ignored: not a gate of the function's configurations.
   */
  readonly decision: 'resume' | 'stop' | 'wait' | 'ignored';
  /** What became of the action: Image Builder answered it (done), refused it, or its answer was lost (unknown). */
  readonly sent?: 'done' | 'refused' | 'unknown';
  /** Why, in one line. */
  readonly reason: string;
}

/** The SendWorkflowStepAction reason's length (the model's NonEmptyString). */
export const MAX_REASON = 1024;

/** The trigger of the runs the gate publishes (the records' `trigger`). */
export const GATE_TRIGGER = 'release-gate';

/** The client token of `action` on a step: the same for every invocation, 36 characters (the stricter bound). */
export function clientToken(stepExecutionId: string, action: 'RESUME' | 'STOP'): string {
  const hex = createHash('sha256').update(`${stepExecutionId}/${action}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Verifies the rings whose gates wait, and resumes or stops each. Never throws for what AWS answers. */
export async function releaseGates(context: GateContext): Promise<GateOutcome[]> {
  const outcomes: GateOutcome[] = [];
  // Where the gates of the configurations' images wait: the configurations' accounts and Regions.
  const places = [...new Set(context.configurations.map(arn => arn.split(':')).filter(p => p.length >= 6).map(p => `${p[4]}/${p[3]}`))];
  for (const place of places) {
    const [account, region] = place.split('/');
    let steps: Json[];
    try {
      steps = await waitingSteps(context.aws, account, region);
    } catch (e) {
      const why = classify(e, context.aws.settings);
      context.progress(`release gates: cannot list the waiting workflow steps of account ${account} in ${region}: ${why.message}; no gate there is resumed or stopped. Fix: ${why.fix}`);
      continue;
    }
    for (const step of steps) {
      try {
        outcomes.push(await gate(context, step));
      } catch (e) {
        // Whatever one step meets loses no other; and what is not understood is never a go-ahead.
        const why = classify(e, context.aws.settings);
        context.progress(`release gate ${String(step.name)} (${String(step.stepExecutionId)}): left waiting: ${why.message}. Fix: ${why.fix}`);
        outcomes.push({ stepExecutionId: String(step.stepExecutionId ?? ''), image: String(step.imageBuildVersionArn ?? ''), decision: 'wait', reason: why.message });
      }
    }
  }
  return outcomes;
}

/** Every step waiting at a WaitForAction step in an account and Region (all pages). */
async function waitingSteps(aws: AwsSession, account: string, region: string): Promise<Json[]> {
  const client = await aws.client(ImagebuilderClient, account, region);
  const steps: Json[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.send<Json>(client, new ListWaitingWorkflowStepsCommand({ maxResults: 25, nextToken }), 'imagebuilder:ListWaitingWorkflowSteps');
    steps.push(...(Array.isArray(page.steps) ? page.steps.filter(isObject) : []));
    // A token handed back again would page forever.
    nextToken = page.nextToken !== nextToken ? page.nextToken : undefined;
  } while (nextToken);
  return steps;
}

/** One waiting step: whether it is a gate of ours, the ring's verification, and the action. */
async function gate(context: GateContext, step: Json): Promise<GateOutcome> {
  const { aws, progress } = context;
  const stepExecutionId = String(step.stepExecutionId ?? '');
  const image = String(step.imageBuildVersionArn ?? '');
  const base = { stepExecutionId, image };
  const match = GATE_STEP.exec(String(step.name ?? ''));
  const reference = imageReference(image);
  if (!match || !reference || reference.kind !== 'image' || stepExecutionId === '') {
    // Another workflow's wait (a person's approval, another tool's): not ours to answer.
    return { ...base, decision: 'ignored', reason: `step ${JSON.stringify(step.name)} is no release gate (VerifyRing<N>)` };
  }
  const label = `release gate ${step.name} (${stepExecutionId}) of ${image}`;
  const wait = (reason: string, ring?: string): GateOutcome => {
    progress(`${label}: left waiting: ${reason}`);
    return { ...base, ...(ring ? { ring } : {}), decision: 'wait', reason };
  };

  let imageJson: Json;
  try {
    imageJson = await getImage(aws, reference);
  } catch (e) {
    const why = classify(e, aws.settings);
    return wait(`cannot read the image: ${why.message} (whether it is one of ours is unknown). Fix: ${why.fix}`);
  }
  const configurationArn = imageJson.distributionConfiguration?.arn;
  if (typeof configurationArn !== 'string' || !context.configurations.includes(configurationArn)) {
    const reason = `the image was distributed with ${configurationArn ?? 'no distribution configuration'}, not one of the configurations verified here`;
    progress(`${label}: left alone: ${reason}`);
    return { ...base, decision: 'ignored', reason };
  }
  const index = Number(match[1]) - 1;
  const ring = context.rings[index];
  if (!ring) {
    // The workflow and the function's rings disagree (one deployed before the other): the next invocation may know.
    return wait(`the function knows ${context.rings.length} ring${context.rings.length === 1 ? '' : 's'}, not ring ${index + 1}. Fix: deploy the app so that the function's VERIFY_RINGS and the workflow come from the same ReleaseRings`);
  }

  const distributed = await distributedAmis(aws, reference, step);
  const amis = union(amisOf(imageJson, reference.account), distributed.amis);
  const scopes = ringScopes(context.rings, index, imageIntent(imageJson));
  progress(`${label}: verifying ring ${ring.name} (${scopes.map(describeScope).join('; ') || 'nothing left for it'})`);
  const runs: VerificationRun[] = [];
  // One part after the other: each runs its checks at the function's concurrency.
  for (const scope of scopes) {
    runs.push(await runVerification(aws, context.identity, {
      image, source: { configurations: context.configurations }, concurrency: context.concurrency, scope, amis, progress,
    }));
  }
  let run: VerificationRun = runs.length === 0
    ? { kind: 'usage', message: `ring ${ring.name} has no Region and account of ${configurationArn} that an earlier ring does not have: there is nothing to verify` }
    : mergeRuns(runs);
  if (run.kind === 'report' && distributed.unreadable) {
    run = { ...run, results: unknownWhereUnlisted(run.results, distributed.unreadable) };
  }
  try {
    await context.publish(run, GATE_TRIGGER, ring.name);
  } catch (e) {
    // The action does not wait on the records: the reason carries the findings anyway.
    progress(`${label}: could not publish the run of ring ${ring.name}: ${(e as Error)?.message ?? String(e)}`);
  }

  if (run.kind === 'usage') {
    return send(context, { ...base, ring: ring.name, label }, 'STOP', truncate(`ring ${ring.name} cannot be verified: ${run.message}`));
  }
  const code = exitCodeOf(run.results);
  if (code === 0) {
    return send(context, { ...base, ring: ring.name, label }, 'RESUME', truncate(`ring ${ring.name} verified: ${run.results.length} checks passed`));
  }
  if (code === 1) {
    return send(context, { ...base, ring: ring.name, label }, 'STOP', stopReason(ring.name, run.results));
  }
  const unchecked = run.results.filter(r => r.status === 'unchecked');
  return wait(`${unchecked.length} check${unchecked.length === 1 ? '' : 's'} of ring ${ring.name} could not run (first: ${where(unchecked[0])} ${unchecked[0].message}); unknown is never a go-ahead: the next invocation verifies again, the step's timeout ends the wait`, ring.name);
}

/** Sends the action with its client token; a lost answer is unknown, never done. */
async function send(context: GateContext, step: { stepExecutionId: string; image: string; ring: string; label: string }, action: 'RESUME' | 'STOP', reason: string): Promise<GateOutcome> {
  const { aws, progress } = context;
  const { stepExecutionId, image, ring, label } = step;
  const decision = action === 'RESUME' ? 'resume' as const : 'stop' as const;
  const token = clientToken(stepExecutionId, action);
  const reference = imageReference(image)!;
  try {
    const client = await aws.client(ImagebuilderClient, reference.account, reference.region);
    await aws.send(client, new SendWorkflowStepActionCommand({ stepExecutionId, imageBuildVersionArn: image, action, reason, clientToken: token }), 'imagebuilder:SendWorkflowStepAction');
  } catch (e) {
    const why = classify(e, aws.settings);
    if (refused(e)) {
      progress(`${label}: ${action} refused by Image Builder: ${why.message}. Fix: ${why.fix}`);
      return { stepExecutionId, image, ring, decision, sent: 'refused', reason: `${action} refused: ${why.message}` };
    }
    progress(`${label}: ${action} sent (client token ${token}) but its answer was lost: ${why.message}; whether the workflow ${action === 'RESUME' ? 'resumed' : 'stopped'} is unknown. A rerun sends the same request with the same client token; the Image Builder console shows the step's state`);
    return { stepExecutionId, image, ring, decision, sent: 'unknown', reason: `${action} unknown: ${why.message}` };
  }
  progress(`${label}: ${action} sent (client token ${token}): ${reason}`);
  return { stepExecutionId, image, ring, decision, sent: 'done', reason };
}

/** The error codes with which Image Builder refuses a request: nothing was done. */
const REFUSALS = /^(InvalidRequestException|InvalidParameterValueException|ClientException|ResourceNotFoundException|ResourceInUseException|IdempotentParameterMismatchException|ForbiddenException)$/;

/** Whether an error says for sure that the action was not taken (refused, denied, credentials refused). */
function refused(e: unknown): boolean {
  const code = errorCode(e);
  return REFUSALS.test(code) || /AccessDenied|^(ExpiredToken|ExpiredTokenException|InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|IncompleteSignature|CredentialsProviderError)$/.test(code);
}

/**
 * The AMIs the workflow's completed DistributeImage steps report (`distributedImages`), and why they could not be
 * read, if so. The ring's own step is among them; the earlier rings' are outside its scope.
 */
async function distributedAmis(
  aws: AwsSession, image: { account: string; region: string; arn: string }, step: Json,
): Promise<{ amis: DistributedAmi[]; unreadable?: string }> {
  const workflowExecutionId = step.workflowExecutionId;
  if (typeof workflowExecutionId !== 'string') {
    return { amis: [], unreadable: 'ListWaitingWorkflowSteps gave the step no workflowExecutionId' };
  }
  try {
    const client = await aws.client(ImagebuilderClient, image.account, image.region);
    const steps: Json[] = [];
    let nextToken: string | undefined;
    do {
      const page = await aws.send<Json>(client, new ListWorkflowStepExecutionsCommand({ workflowExecutionId, maxResults: 25, nextToken }), 'imagebuilder:ListWorkflowStepExecutions');
      steps.push(...(Array.isArray(page.steps) ? page.steps.filter(isObject) : []));
      nextToken = page.nextToken !== nextToken ? page.nextToken : undefined;
    } while (nextToken);
    const distributions = steps.filter(s => s.action === 'DistributeImage' && s.status === 'COMPLETED');
    if (distributions.length === 0) {
      return { amis: [], unreadable: `the workflow execution ${workflowExecutionId} lists no completed DistributeImage step` };
    }
    const amis: DistributedAmi[] = [];
    for (const s of distributions) {
      let outputs = s.outputs;
      if (typeof outputs !== 'string' && typeof s.stepExecutionId === 'string') {
        const full = await aws.send<Json>(client, new GetWorkflowStepExecutionCommand({ stepExecutionId: s.stepExecutionId }), 'imagebuilder:GetWorkflowStepExecution');
        outputs = full.outputs;
      }
      const read = readDistributedImages(outputs, image.account);
      if (typeof read === 'string') {
        return { amis, unreadable: `the outputs of the DistributeImage step ${s.name ?? s.stepExecutionId}: ${read}` };
      }
      amis.push(...read);
    }
    return { amis };
  } catch (e) {
    return { amis: [], unreadable: `the workflow's steps could not be read: ${classify(e, aws.settings).message}` };
  }
}

/** A DistributeImage step's `distributedImages` (its outputs, a JSON string), or why it cannot be read. */
export function readDistributedImages(outputs: unknown, owner: string): DistributedAmi[] | string {
  if (typeof outputs !== 'string') {
    return 'the step has no outputs';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(outputs);
  } catch {
    return 'its outputs are not JSON';
  }
  const list = isObject(parsed) ? parsed.distributedImages : undefined;
  if (!Array.isArray(list)) {
    return 'its outputs have no distributedImages list';
  }
  const amis: DistributedAmi[] = [];
  for (const entry of list) {
    const imageId = isObject(entry) ? [entry.amiId, entry.imageId, entry.image].find(v => typeof v === 'string' && /^ami-[0-9a-f]+$/.test(v)) : undefined;
    const account = isObject(entry) ? entry.accountId ?? entry.account ?? owner : undefined;
    if (!isObject(entry) || typeof entry.region !== 'string' || typeof imageId !== 'string' || typeof account !== 'string') {
      return `an entry of distributedImages names no Region, account and AMI ID: ${JSON.stringify(entry)?.slice(0, 200)}`;
    }
    amis.push({ region: entry.region, account, imageId });
  }
  return amis;
}

/** Two lists of AMIs as one, the later winning for the same Region and account. */
function union(a: DistributedAmi[], b: DistributedAmi[]): DistributedAmi[] {
  const byCopy = new Map<string, DistributedAmi>();
  for (const ami of [...a, ...b]) {
    byCopy.set(`${ami.region}/${ami.account}`, ami);
  }
  return [...byCopy.values()];
}

/** "The image distributed no AMI there" is unknown when the step's outputs could not be read: never claimed missing. */
function unknownWhereUnlisted(results: Result[], why: string): Result[] {
  return results.map(r => (r.check === 'ami' && r.status === 'fail' && r.resource === 'AMI'
    ? { ...r, status: 'unchecked' as const, message: `could not check the AMI of account ${r.account} in ${r.region}: GetImage does not list it yet and ${why}`, fix: 'run the function again once the DistributeImage step\'s outputs can be read; the step stays waiting until then' }
    : r));
}

/** Every account a Region of the intent distributes to or configures. */
function accountsOf(r: RegionIntent): string[] {
  return [...new Set([
    r.owner, ...r.targets, ...r.launchTemplates.map(t => t.accountId), ...r.ssmParameters.map(p => p.amiAccountId),
    ...r.fastLaunch.map(f => f.accountId),
  ])];
}

/**
 * The parts to verify for ring `index` of `rings`: the ring's Regions and accounts; for "the rest", every copy of
 * the image's configuration no earlier ring has, as few parts as its Regions' remaining accounts differ (a part is
 * some Regions and, in them, some accounts). Empty when nothing is left.
 */
export function ringScopes(rings: Ring[], index: number, regions: RegionIntent[]): VerificationScope[] {
  const ring = rings[index];
  if (!ring.rest) {
    return [{ ...(ring.regions ? { regions: ring.regions } : {}), ...(ring.accounts ? { accounts: ring.accounts } : {}) }];
  }
  const earlier = rings.slice(0, index).filter(r => !r.rest);
  const covered = (region: string, account: string) => earlier.some(r =>
    (r.regions === undefined || r.regions.includes(region)) && (r.accounts === undefined || r.accounts.includes(account)));
  const parts = new Map<string, { regions: string[]; accounts: string[] }>();
  for (const r of regions) {
    const left = accountsOf(r).filter(a => !covered(r.region, a)).sort();
    if (left.length === 0) {
      continue;
    }
    const key = left.join(',');
    const part = parts.get(key) ?? { regions: [], accounts: left };
    part.regions.push(r.region);
    parts.set(key, part);
  }
  return [...parts.values()];
}

function describeScope(scope: VerificationScope): string {
  return `Regions ${scope.regions?.join(', ') ?? 'all'}, accounts ${scope.accounts?.join(', ') ?? 'all'}`;
}

/** The runs of a ring's parts as one run: the results of every part, the image's own check once. */
export function mergeRuns(runs: VerificationRun[]): VerificationRun {
  const usage = runs.find(r => r.kind === 'usage');
  if (usage || runs.length === 1) {
    return usage ?? runs[0];
  }
  const reports = runs.filter((r): r is Extract<VerificationRun, { kind: 'report' }> => r.kind === 'report');
  const seen = new Set<string>();
  const results = reports.flatMap(r => r.results).filter(r => {
    if (r.check !== 'image') {
      return true;
    }
    const key = JSON.stringify(r);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const intents = reports.map(r => r.intent).filter((i): i is Intent => i !== undefined);
  const first = reports[0];
  return {
    kind: 'report',
    imageArn: first.imageArn,
    ...(first.configurationArn ? { configurationArn: first.configurationArn } : {}),
    ...(intents.length > 0 ? {
      intent: {
        ...intents[0],
        regions: intents.flatMap(i => i.regions),
        differences: intents.flatMap(i => i.differences),
        fromImage: [...new Set(intents.flatMap(i => i.fromImage))],
      },
    } : {}),
    results,
    notices: [...new Set(reports.flatMap(r => r.notices))],
  };
}

const where = (r: Result) => `${r.check} ${r.account ?? '-'} ${r.region ?? 'global'}`;

function truncate(text: string): string {
  return [...text].length <= MAX_REASON ? text : `${[...text].slice(0, MAX_REASON - 1).join('')}…`;
}

/** The STOP reason: the ring, how many findings, then the first findings (check, account, Region, what) that fit. */
export function stopReason(ring: string, results: Result[]): string {
  const failed = results.filter(r => r.status === 'fail');
  const head = `ring ${ring} failed verification: ${failed.length} finding${failed.length === 1 ? '' : 's'}`;
  let reason = head;
  let shown = 0;
  for (const r of failed) {
    const more = failed.length - shown - 1;
    const line = `${shown === 0 ? ': ' : '; '}${where(r)}: ${r.message}`;
    const tail = more > 0 ? `; and ${more} more` : '';
    if ([...`${reason}${line}${tail}`].length > MAX_REASON) {
      break;
    }
    reason += line;
    shown++;
  }
  if (shown === 0 && failed.length > 0) {
    // Even the first finding is too long: it is cut, with the account and Region first.
    return truncate(`${head}: ${where(failed[0])}: ${failed[0].message}`);
  }
  return shown < failed.length ? `${reason}; and ${failed.length - shown} more` : reason;
}
