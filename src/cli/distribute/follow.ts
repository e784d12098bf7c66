import { GetImageCommand, ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { AwsSession, NoAccess, classify } from '../common/aws';
import { Io } from '../common/options';

/*
 * Following an image to the end of its distribution: GetImage until the image reaches a final state, with each
 * change of state on stderr, within the run's budget. The image's page in the console, for the user to look at.
 */

type Json = Record<string, any>;

/** The parts of an image build version ARN. */
export interface ImageArn {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

const IMAGE_ARN = /^arn:(aws[a-z-]*):imagebuilder:([a-z0-9-]+):([0-9]{12}):image\/[a-z0-9-_]+\/[0-9]+\.[0-9]+\.[0-9]+\/[0-9]+$/;

/** Reads an image build version ARN, or undefined when `text` is none. */
export function imageArnOf(text: string): ImageArn | undefined {
  const match = IMAGE_ARN.exec(text.trim());
  return match ? { arn: text.trim(), partition: match[1], region: match[2], account: match[3] } : undefined;
}

/** The states an image ends a build, retry or distribution in (ImageState in the API model). */
const FINAL = new Set(['AVAILABLE', 'FAILED', 'CANCELLED', 'DEPRECATED', 'DELETED', 'DISABLED']);

/** How a followed image ended. */
export interface Followed {
  /** The last state read: its status and, for a failure, the reason. */
  readonly status?: string;
  readonly reason?: string;
  /** Whether it reached a final state before the budget was spent. */
  readonly finished: boolean;
  /** Why the state could not be read (the last error), when it could not. */
  readonly unreadable?: NoAccess;
  /** The signal that stopped the follow (SIGINT, SIGTERM), when one did: the image goes on in AWS. */
  readonly interrupted?: string;
}

/** The image's page in the Image Builder console of its partition. */
export function consoleLink(image: ImageArn): string {
  const host = image.partition === 'aws-cn' ? 'console.amazonaws.cn'
    : image.partition === 'aws-us-gov' ? 'console.amazonaws-us-gov.com' : 'console.aws.amazon.com';
  return `https://${image.region}.${host}/imagebuilder/home?region=${image.region}#/images/${encodeURIComponent(image.arn)}/details`;
}

/** What keeps the state from being read again: the credentials or permissions, not a passing fault. */
const LASTING = new Set(['denied', 'expired', 'no-access']);

/**
 * Reads the image every `intervalMs` until it reaches a final state or `deadline` (epoch ms) passes; prints each
 * change of state to `io.err`, prefixed by `verb`. Passing faults (timeouts, throttling) are retried at the next
 * poll; lasting ones (denied, expired credentials) end the follow.
 */
export interface FollowOptions {
  /** The verb, which prefixes every line. */
  readonly verb: string;
  readonly intervalMs: number;
  /** When to stop following (epoch ms). */
  readonly deadline: number;
  /** Stops the follow at once (its reason is the signal's name): the image goes on in AWS. */
  readonly stop?: AbortSignal;
}

/** Resolves after `ms`, or at once when `stop` aborts. */
function pause(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
  });
}

/** `work`, or undefined as soon as `stop` aborts (the call goes on, and is let go). */
function unlessStopped<T>(work: Promise<T>, stop?: AbortSignal): Promise<T | undefined> {
  if (!stop) {
    return work;
  }
  if (stop.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onStop = () => {
      work.catch(() => undefined);
      resolve(undefined);
    };
    stop.addEventListener('abort', onStop, { once: true });
    work.then(v => {
      stop.removeEventListener('abort', onStop);
      resolve(v);
    }, e => {
      stop.removeEventListener('abort', onStop);
      reject(e);
    });
  });
}

export async function follow(aws: AwsSession, image: ImageArn, io: Io, options: FollowOptions): Promise<Followed> {
  const client = await aws.client(ImagebuilderClient, image.account, image.region);
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  let last: { status?: string; reason?: string } = {};
  let unreadable: NoAccess | undefined;
  const interrupted = () => (options.stop?.aborted ? { interrupted: String(options.stop.reason) } : {});
  for (;;) {
    if (aws.budgetSpent || options.stop?.aborted) {
      return { ...last, finished: false, unreadable, ...interrupted() };
    }
    try {
      const answer = await unlessStopped(aws.send<Json>(client, new GetImageCommand({ imageBuildVersionArn: image.arn }), 'imagebuilder:GetImage'), options.stop);
      if (answer === undefined) {
        return { ...last, finished: false, ...interrupted() };
      }
      const state: Json = answer.image?.state ?? {};
      unreadable = undefined;
      if (state.status !== last.status) {
        io.err(`${options.verb}: ${image.arn}: ${state.status ?? 'no state'}${state.reason ? ` (${state.reason})` : ''} after ${elapsed()}`);
      }
      last = { status: state.status, reason: state.reason };
      if (FINAL.has(String(state.status))) {
        return { ...last, finished: true };
      }
    } catch (e) {
      const why = classify(e, aws.settings, await aws.endpointOf(client));
      if (why.kind === 'budget') {
        // The run's time is up, not a fault of the read: the image is as last seen.
        return { ...last, finished: false };
      }
      unreadable = why;
      io.err(`${options.verb}: cannot read the state of ${image.arn} (${unreadable.message})${LASTING.has(unreadable.kind) ? '' : '; trying again'}`);
      if (LASTING.has(unreadable.kind) || aws.budgetSpent) {
        return { ...last, finished: false, unreadable };
      }
    }
    const wait = Math.min(options.intervalMs, options.deadline - Date.now());
    if (wait <= 0 || aws.budgetSpent) {
      return { ...last, finished: false, unreadable };
    }
    await pause(wait, options.stop);
  }
}
