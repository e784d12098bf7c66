import { ImagebuilderClient, ListImagePipelineImagesCommand, ListImagePipelinesCommand } from '@aws-sdk/client-imagebuilder';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GateContext, Ring, releaseGates } from './gate';
import { Copy, Published, Trigger, copiesOf, copyLine, finding, runLine, runVerdict } from './publish';
import { VerificationRun, runVerification } from './run';
import { METRIC_NAMESPACE, VERIFICATION_ENV } from '../../private/verification-names';
import { AwsSession, DEFAULT_SETTINGS, Identity, classify } from '../common/aws';
import { ImageReference, compareVersions, imageReference } from '../common/imagebuilder';
import { DEFAULT_CONCURRENCY } from '../common/options';
import { Result } from '../common/report';

/*
 * The verification function (DistributionVerification): verify run in AWS, with the command's bundled code
 * (lib/cli/main.js, handler `main.handler`). What starts it:
 * - EventBridge's "EC2 Image Builder Image State Change" to AVAILABLE: that image, when one of the function's
 *   configurations distributed it (the rule sees every image of the account; the others are logged as not ours);
 * - its schedule: the latest AVAILABLE image of every pipeline that distributes with one of its configurations
 *   (drift in what is in use);
 * - an SNS notification of a release ring's gate: the gate (gate.ts), which publishes through the same `publish`.
 * Every run is published (publish.ts): a JSON line per copy with its metrics (embedded metric format), a line per
 * run, and the finding on SNS when it did not pass. What AWS answers never throws out of the handler (what could
 * not be checked is unchecked); a missing or malformed environment, an event it does not know, and a finding that
 * could not be sent fail the invocation, so that Lambda's Errors metric shows them.
 */

type Json = Record<string, any>;

/** The Lambda context, as much of it as the handler reads. */
export interface LambdaContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** What the function's environment says (the construct sets it). */
export interface VerificationEnvironment {
  readonly configurations: string[];
  readonly roleName: string;
  readonly topicArn: string;
  readonly namespace: string;
  readonly concurrency: number;
  readonly rings: Ring[];
  /** Metrics by account too (VERIFY_METRICS_BY_ACCOUNT, `true` unless `false`). */
  readonly metricsByAccount: boolean;
}

/** The environment is missing or malformed: the function is misconfigured, nothing can be verified. */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

const CONFIGURATION_ARN = /^arn:aws[a-z-]{0,13}:imagebuilder:[a-z0-9-]{1,32}:[0-9]{12}:distribution-configuration\/[a-z0-9-_]{1,128}$/;
const TOPIC_ARN = /^arn:aws[a-z-]{0,13}:sns:[a-z0-9-]{1,32}:[0-9]{12}:[A-Za-z0-9_-]{1,256}$/;
// IAM role names: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const MAX_CONCURRENCY = 256;

/** Reads the function's environment; throws an `EnvironmentError` naming the variable, its value and the fix. */
export function readEnvironment(env: NodeJS.ProcessEnv): VerificationEnvironment {
  const fix = 'the DistributionVerification construct sets it: deploy the stack again, or set it on the function';
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      throw new EnvironmentError(`the environment variable ${name} is ${value === undefined ? 'missing' : 'empty'}. Fix: ${fix}.`);
    }
    return value.trim();
  };
  const json = (name: string, text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new EnvironmentError(`the environment variable ${name} is not JSON (${(e as Error).message}): ${JSON.stringify(text.slice(0, 200))}. Fix: ${fix}.`);
    }
  };
  const malformed = (name: string, value: string, allowed: string) =>
    new EnvironmentError(`the environment variable ${name} is ${JSON.stringify(value.slice(0, 300))}, not ${allowed}. Fix: ${fix}.`);

  const configurationsText = required(VERIFICATION_ENV.configurations);
  const configurations = json(VERIFICATION_ENV.configurations, configurationsText);
  if (!Array.isArray(configurations) || configurations.length === 0 || !configurations.every(c => typeof c === 'string' && CONFIGURATION_ARN.test(c))) {
    throw malformed(VERIFICATION_ENV.configurations, configurationsText,
      'a JSON list of one or more distribution configuration ARNs (arn:aws:imagebuilder:<region>:<account>:distribution-configuration/<name>)');
  }
  const roleName = required(VERIFICATION_ENV.roleName);
  if (!ROLE_NAME.test(roleName)) {
    throw malformed(VERIFICATION_ENV.roleName, roleName, 'an IAM role name (1 to 64 of letters, digits and +=,.@_-)');
  }
  const topicArn = required(VERIFICATION_ENV.topicArn);
  if (!TOPIC_ARN.test(topicArn)) {
    throw malformed(VERIFICATION_ENV.topicArn, topicArn, 'an SNS standard topic ARN (arn:aws:sns:<region>:<account>:<name>)');
  }
  const namespace = env[VERIFICATION_ENV.namespace]?.trim() || METRIC_NAMESPACE;
  // CloudWatch namespaces: 1 to 255 characters, and none begins with "AWS/" (AWS's own).
  if (namespace.length > 255 || namespace.startsWith('AWS/') || !/^[\x21-\x7e ]+$/.test(namespace)) {
    throw malformed(VERIFICATION_ENV.namespace, namespace, 'a CloudWatch namespace (1 to 255 printable ASCII characters, not beginning with AWS/)');
  }
  const concurrencyText = env[VERIFICATION_ENV.concurrency]?.trim();
  const concurrency = concurrencyText ? Number(concurrencyText) : DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw malformed(VERIFICATION_ENV.concurrency, concurrencyText ?? '', `a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  const ringsText = env[VERIFICATION_ENV.rings]?.trim();
  const rings = ringsText ? json(VERIFICATION_ENV.rings, ringsText) : [];
  const strings = (v: unknown) => v === undefined || (Array.isArray(v) && v.every(s => typeof s === 'string'));
  if (!Array.isArray(rings) || !rings.every(r => typeof r === 'object' && r !== null && typeof r.name === 'string' && r.name !== ''
    && strings(r.regions) && strings(r.accounts) && (r.rest === undefined || typeof r.rest === 'boolean'))) {
    throw malformed(VERIFICATION_ENV.rings, ringsText ?? '', 'a JSON list of rings ({ "name": ..., "regions"?: [...], "accounts"?: [...], "rest"?: true })');
  }
  const byAccountText = env[VERIFICATION_ENV.metricsByAccount]?.trim();
  if (byAccountText !== undefined && byAccountText !== '' && byAccountText !== 'true' && byAccountText !== 'false') {
    throw malformed(VERIFICATION_ENV.metricsByAccount, byAccountText, '"true" or "false"');
  }
  return {
    configurations: configurations as string[],
    roleName,
    topicArn,
    namespace,
    concurrency,
    rings: rings as Ring[],
    metricsByAccount: byAccountText !== 'false',
  };
}

/** Kept back from the Lambda function's remaining time for publishing what the run found. */
export const SAFETY_MARGIN_MS = 30_000;

/**
 * The run's budget: the invocation's remaining time less a margin to publish in (at most a quarter of it when little
 * remains), so that the checks still waiting are cut (unchecked) and published before Lambda's timeout ends the run.
 */
export function budgetOf(context: LambdaContext | undefined): number {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  if (remaining === undefined || !Number.isFinite(remaining)) {
    return DEFAULT_SETTINGS.budgetMs;
  }
  return Math.max(1_000, remaining - Math.min(SAFETY_MARGIN_MS, remaining / 4));
}

export interface HandlerOptions {
  /** Where the log lines go (one JSON object each). @default stdout */
  readonly write?: (line: string) => void;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** What an invocation did (the function's return value, for tests and the console). */
export interface InvocationSummary {
  readonly trigger: Trigger | 'ignored';
  readonly published: Array<{ readonly configuration: string | null; readonly image: string | null; readonly verdict: string }>;
}

/** A handler writing to `options.write`; `handler` is the function's, writing to stdout. */
export function createHandler(options: HandlerOptions = {}) {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return async (event: unknown, context?: LambdaContext): Promise<InvocationSummary> => {
    const log = (record: Json) => write(JSON.stringify(record));
    const progress = (message: string) => log({ record: 'log', message });
    let environment: VerificationEnvironment;
    try {
      environment = readEnvironment(options.env ?? process.env);
    } catch (e) {
      log({ record: 'error', message: (e as Error).message });
      throw e;
    }
    const kind = eventKind(event);
    if (kind.kind === 'unknown') {
      const message = `the event is none the function knows (an EC2 Image Builder Image State Change, a Scheduled Event, or an SNS notification of a release gate): ${JSON.stringify(event).slice(0, 500)}. Fix: target the function only with the construct's rules and gate topic.`;
      log({ record: 'error', message });
      throw new Error(message);
    }
    if (kind.kind === 'state' && kind.status !== 'AVAILABLE') {
      progress(`${kind.image} is ${kind.status}, not AVAILABLE: nothing to verify`);
      return { trigger: 'ignored', published: [] };
    }

    if (kind.kind === 'gate' && environment.rings.length === 0) {
      const message = `a release gate's notification arrived, but the environment variable ${VERIFICATION_ENV.rings} lists no ring. Fix: the ReleaseRings construct sets it: deploy the stack again.`;
      log({ record: 'error', message });
      throw new EnvironmentError(message);
    }
    const budgetMs = budgetOf(context);
    const aws = new AwsSession({
      assumeRoleName: environment.roleName,
      budgetMs,
      callTimeoutMs: Math.min(DEFAULT_SETTINGS.callTimeoutMs, budgetMs),
      maxAttempts: DEFAULT_SETTINGS.maxAttempts,
      maxInFlight: environment.concurrency,
    });
    const published: InvocationSummary['published'] = [];
    const failures: string[] = [];
    try {
      let identity: Identity;
      try {
        identity = await aws.identity();
      } catch (e) {
        const why = classify(e, aws.settings);
        throw new Error(`the function's own credentials do not work: ${why.message}. Fix: ${why.fix}.`);
      }
      const publish = async (run: VerificationRun, trigger: string, ring?: string, hint: RunHint = {}) => {
        const p = await publishRun(run, trigger as Trigger, ring, hint, { environment, log });
        if (p.published) {
          published.push({ configuration: p.published.configuration, image: p.published.image, verdict: p.published.verdict });
        }
        if (p.failure) {
          failures.push(p.failure);
        }
      };

      if (kind.kind === 'state') {
        const run = await runVerification(aws, identity, {
          image: kind.image, source: { configurations: environment.configurations }, concurrency: environment.concurrency, progress,
        });
        await publish(run, 'image-available', undefined, { image: kind.image });
      } else if (kind.kind === 'schedule') {
        for (const configuration of environment.configurations) {
          for (const image of await latestImages(aws, configuration, progress)) {
            const run = typeof image === 'string'
              ? await runVerification(aws, identity, {
                image, source: { configurations: [configuration] }, concurrency: environment.concurrency, progress,
              })
              : image;
            await publish(run, 'schedule', undefined, { configuration, ...(typeof image === 'string' ? { image } : {}) });
          }
        }
      } else {
        const gate: GateContext = {
          aws,
          identity,
          rings: environment.rings,
          configurations: environment.configurations,
          concurrency: environment.concurrency,
          publish: (run, trigger, ring) => publish(run, trigger, ring),
          progress,
        };
        try {
          await releaseGates(gate);
        } catch (e) {
          failures.push(`the release gate failed: ${(e as Error).message}`);
          log({ record: 'error', message: failures[failures.length - 1] });
        }
      }
    } catch (e) {
      log({ record: 'error', message: (e as Error).message });
      throw e;
    } finally {
      aws.close();
    }
    if (failures.length > 0) {
      // The records are in the log; what could not be sent fails the invocation (Lambda's Errors metric).
      throw new Error(failures.join('; '));
    }
    return { trigger: kind.kind === 'state' ? 'image-available' : kind.kind === 'schedule' ? 'schedule' : 'release-gate', published };
  };
}

/** The function's handler (`main.handler`). */
export const handler = createHandler();

type EventKind =
  | { kind: 'state'; status: string; image: string }
  | { kind: 'schedule' }
  | { kind: 'gate' }
  | { kind: 'unknown' };

/** Which of its events the function received. */
export function eventKind(event: unknown): EventKind {
  if (typeof event !== 'object' || event === null) {
    return { kind: 'unknown' };
  }
  const e = event as Json;
  if (Array.isArray(e.Records) && e.Records.length > 0 && e.Records.every((r: Json) => typeof r?.Sns === 'object' && r.Sns !== null)) {
    return { kind: 'gate' };
  }
  if (e['detail-type'] === 'Scheduled Event') {
    return { kind: 'schedule' };
  }
  if (e['detail-type'] === 'EC2 Image Builder Image State Change' && typeof e.detail?.state?.status === 'string') {
    const image = Array.isArray(e.resources) && typeof e.resources[0] === 'string' ? e.resources[0] : undefined;
    return image === undefined ? { kind: 'unknown' } : { kind: 'state', status: e.detail.state.status, image };
  }
  return { kind: 'unknown' };
}

/**
 * The latest AVAILABLE image of each pipeline that distributes with `configuration` (the image ARN), or, when they cannot be
 * listed, the unchecked run that says why. A configuration without a pipeline, or a pipeline without an image, is
 * logged.
 */
async function latestImages(aws: AwsSession, configuration: string, progress: (line: string) => void): Promise<Array<string | VerificationRun>> {
  const [, partition, , region, account] = configuration.split(':');
  const unchecked = (resource: string, e: unknown): VerificationRun => {
    const why = classify(e, aws.settings);
    return {
      kind: 'report',
      imageArn: resource,
      configurationArn: configuration,
      notices: [],
      results: [{ check: 'image', status: 'unchecked', account, region, resource, message: `could not check ${resource}: ${why.message}`, fix: why.fix, distributions: [configuration] }],
    };
  };
  const pipelines: Json[] = [];
  try {
    const client = await aws.client(ImagebuilderClient, account, region);
    let nextToken: string | undefined;
    do {
      // The API filters by the pipeline's distributionConfigurationArn (ListImagePipelines, its filters).
      const page = await aws.send<Json>(client, new ListImagePipelinesCommand({
        filters: [{ name: 'distributionConfigurationArn', values: [configuration] }], nextToken,
      }), 'imagebuilder:ListImagePipelines');
      pipelines.push(...(Array.isArray(page.imagePipelineList) ? page.imagePipelineList : []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    return [unchecked(`the image pipelines of ${configuration}`, e)];
  }
  const ours = pipelines.filter(p => p?.distributionConfigurationArn === configuration && typeof p.arn === 'string');
  if (ours.length === 0) {
    progress(`no image pipeline distributes with ${configuration}: nothing to verify on schedule`);
    return [];
  }
  const images: Array<string | VerificationRun> = [];
  for (const pipeline of ours) {
    const reference = imageReference(pipeline.arn);
    if (!reference) {
      progress(`ListImagePipelines answered ${JSON.stringify(pipeline.arn)}, which is no image pipeline ARN (${partition})`);
      continue;
    }
    try {
      const latest = await latestAvailableImageOf(aws, reference);
      if (latest.newer.length > 0) {
        progress(`newer images of ${pipeline.arn} are not AVAILABLE (${latest.newer.join(', ')}): each is verified when it becomes AVAILABLE`);
      }
      if (latest.arn) {
        progress(`the latest AVAILABLE image of ${pipeline.arn} is ${latest.arn}`);
        images.push(latest.arn);
      } else {
        progress(`the image pipeline ${pipeline.arn} has no AVAILABLE image yet: nothing to verify`);
      }
    } catch (e) {
      images.push(unchecked(pipeline.arn, e));
    }
  }
  return images;
}

/**
 * The newest AVAILABLE image of a pipeline (by creation date, then version), and the newer ones in another state.
 * The schedule looks for drift in what is in use: an image still building or distributing is not yet (its AVAILABLE
 * event verifies it), and a FAILED one never is.
 */
async function latestAvailableImageOf(aws: AwsSession, pipeline: ImageReference): Promise<{ arn?: string; newer: string[] }> {
  const client = await aws.client(ImagebuilderClient, pipeline.account, pipeline.region);
  const summaries: Json[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.send<Json>(client, new ListImagePipelineImagesCommand({ imagePipelineArn: pipeline.arn, nextToken }),
      'imagebuilder:ListImagePipelineImages');
    summaries.push(...(Array.isArray(page.imageSummaryList) ? page.imageSummaryList : []));
    nextToken = page.nextToken;
  } while (nextToken);
  const newestFirst = summaries.filter(s => typeof s?.arn === 'string').sort((a, b) =>
    String(b.dateCreated ?? '').localeCompare(String(a.dateCreated ?? '')) || compareVersions(String(b.version ?? ''), String(a.version ?? '')));
  const at = newestFirst.findIndex(s => s.state?.status === 'AVAILABLE');
  const newer = (at < 0 ? newestFirst : newestFirst.slice(0, at)).map(s => `${s.arn} ${s.state?.status ?? 'in no state'}`);
  return { arn: at < 0 ? undefined : newestFirst[at].arn, newer };
}

interface PublishContext {
  readonly environment: VerificationEnvironment;
  readonly log: (record: Json) => void;
}

/** What the handler knows of a run before it ran: the configuration it verifies, the image it named. */
export interface RunHint {
  readonly configuration?: string;
  readonly image?: string;
}

/**
 * Publishes a run: its copy lines (with their metrics) and its run line, then the finding on SNS when it did not
 * pass. An image of another configuration publishes nothing (logged). Returns what was published, and why the
 * finding could not be sent, if it could not.
 */
export async function publishRun(run: VerificationRun, trigger: Trigger, ring: string | undefined, hint: RunHint,
  context: PublishContext): Promise<{ published?: Published; failure?: string }> {
  const { environment, log } = context;
  const configuration = hint.configuration;
  let report: VerificationRun & { kind: 'report' };
  if (run.kind === 'usage') {
    if (run.notOurs) {
      log({ record: 'log', message: `not ours, nothing published: ${run.message}` });
      return {};
    }
    // An image of our own, or one that could be (not found, a malformed ARN), that could not be verified: unchecked,
    // with the reason.
    const named = hint.image ? imageReference(hint.image) : undefined;
    const where = named ?? configurationPlace(configuration ?? environment.configurations[0]);
    report = {
      kind: 'report',
      imageArn: hint.image ?? '',
      configurationArn: configuration,
      notices: [],
      results: [{
        check: 'image',
        status: 'unchecked',
        account: where.account,
        region: where.region,
        resource: hint.image ?? configuration ?? 'the image',
        message: `could not verify: ${run.message}`,
        fix: 'see the message; the function verifies again on its schedule',
        distributions: configuration ? [configuration] : [],
      }],
    };
  } else {
    report = run;
  }
  const image = report.imageArn || null;
  const reference = image ? imageReference(image) : undefined;
  const place = reference
    ? { region: reference.region, account: reference.account }
    : configurationPlace(report.configurationArn ?? configuration ?? environment.configurations[0]);
  const copies: Copy[] = copiesOf(report, place);
  const results: Result[] = report.results;
  const published: Published = {
    trigger,
    ...(ring !== undefined ? { ring } : {}),
    configuration: report.configurationArn ?? configuration ?? null,
    image,
    verdict: runVerdict(results, copies),
    copies,
    results,
    notices: report.notices,
  };
  const now = Date.now();
  for (const copy of copies) {
    log(copyLine(published, copy, environment.namespace, now, environment.metricsByAccount));
  }
  log(runLine(published));
  const found = finding(published);
  if (!found) {
    return { published };
  }
  const topicRegion = environment.topicArn.split(':')[3];
  const sns = new SNSClient({ region: topicRegion, maxAttempts: DEFAULT_SETTINGS.maxAttempts });
  try {
    // Outside the run's budget (spent, perhaps, by the checks), with a deadline of its own.
    await sns.send(new PublishCommand({ TopicArn: environment.topicArn, Subject: found.subject, Message: found.message }),
      { abortSignal: AbortSignal.timeout(DEFAULT_SETTINGS.callTimeoutMs) });
    log({ record: 'log', message: `the finding was published to ${environment.topicArn}` });
    return { published };
  } catch (e) {
    const why = classify(e, { callTimeoutMs: DEFAULT_SETTINGS.callTimeoutMs, budgetMs: DEFAULT_SETTINGS.callTimeoutMs }, `the SNS endpoint of ${topicRegion}`);
    const failure = `sns:Publish of the finding about ${image ?? published.configuration} to ${environment.topicArn} failed: ${why.message}. Fix: ${why.fix}`;
    log({ record: 'error', message: failure });
    return { published, failure };
  } finally {
    sns.destroy();
  }
}

/** The Region and account of a configuration ARN. */
function configurationPlace(arn: string): { region: string; account: string } {
  const parts = arn.split(':');
  return { region: parts[3] ?? '', account: parts[4] ?? '' };
}
