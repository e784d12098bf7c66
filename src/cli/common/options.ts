import { ParseArgsConfig, parseArgs } from 'util';
import { SessionSettings } from './aws';

/*
 * What every verb takes alike: where it writes, and the options of the AWS session (role to assume into other
 * accounts, deadlines, retries, concurrency), parsed and checked in one place so the verbs say the same thing.
 */

/** Where a verb writes; the tests capture it. Results go to `out` (stdout), progress and notices to `err` (stderr). */
export interface Io {
  /** Whether `err` is a terminal (a progress bar redrawn in place), or a file or pipe (plain lines). */
  readonly errIsTTY?: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Writes to `err` as it is, without a newline (the progress bar). */
  errRaw?(text: string): void;
}

export const processIo: Io = {
  out: text => process.stdout.write(`${text}\n`),
  err: text => process.stderr.write(`${text}\n`),
  errIsTTY: process.stderr.isTTY === true,
  errRaw: text => process.stderr.write(text),
};

/**
 * The default of --concurrency: calls in flight at once. AWS throttles per account and Region (EC2: a bucket of
 * 100 tokens refilled at 20 a second for each non-mutating API such as DescribeImages,
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html; KMS: a quota per second for each
 * operation, https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html; IAM and STS: token
 * buckets per account whose rates AWS does not publish and does not raise,
 * https://repost.aws/knowledge-center/iam-sts-throttling-error). A preflight spreads its calls over the target
 * accounts, except sts:AssumeRole (once per account, counted in the caller's account) and the distribution
 * account's keys. At the usual 50 to 200 ms of a call, 16 in flight make at most 80 to 320 calls a second over all
 * accounts: a few a second in each, within every bucket above. Where they meet in one account (the caller's
 * sts:AssumeRole, the distribution account's EC2 and KMS calls), bursts of 16 fit in EC2's bucket of 100, and a
 * rate above a refill is throttled and retried with jittered backoff (aws.ts).
 */
export const DEFAULT_CONCURRENCY = 16;

/** The options of the session, for `util.parseArgs`. */
export const SESSION_OPTIONS = {
  'assume-role-name': { type: 'string' },
  'concurrency': { type: 'string', default: String(DEFAULT_CONCURRENCY) },
  'timeout': { type: 'string', default: '300' },
  'call-timeout': { type: 'string', default: '30' },
  'max-attempts': { type: 'string', default: '5' },
} as const;

/** The usage lines of the session options, for each verb's --help. */
export const SESSION_USAGE = `  --assume-role-name NAME    role to assume in other accounts (e.g. OrganizationAccountAccessRole);
                             without it, no check in another account can run
  --concurrency N            AWS calls in flight at once, over all accounts and Regions (default: 16, sized
                             for AWS's per-account rate limits; lower it when other tools share them)
  --timeout SECONDS          the whole run's budget; calls still waiting then are aborted (default: 300)
  --call-timeout SECONDS     deadline of one AWS call, its retries included (default: 30)
  --max-attempts N           attempts of one AWS call when throttled or on transient errors (default: 5)`;

/**
 * The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days): a longer one fires at once
 * (https://nodejs.org/api/timers.html#settimeoutcallback-delay-args), so every duration option stays within it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A positive number of seconds (or milliseconds for tests: `500ms`) within Node's timer limit, or undefined. */
export function duration(text: string | undefined): number | undefined {
  const match = /^([0-9]{1,12}(?:\.[0-9]{1,6})?)(ms|s)?$/.exec(text?.trim() ?? '');
  if (!match) {
    return undefined;
  }
  const ms = Number(match[1]) * (match[2] === 'ms' ? 1 : 1000);
  return ms >= 1 && ms <= MAX_TIMER_MS ? ms : undefined;
}

/** What a duration option takes, for its usage error. */
export const DURATION_RANGE = `a number of seconds from 0.001 to ${Math.floor(MAX_TIMER_MS / 1000)} (Node's timer limit, about 24 days)`;

/**
 * `util.parseArgs` that refuses an option given twice (parseArgs keeps the last one silently: a repeated `--image`
 * would check another image than the user thinks). Throws, as parseArgs does, with the message to print.
 */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O):
ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: false; options: O; tokens: true }>> {
  const parsed = parseArgs({ args: argv, allowPositionals: false as const, options, tokens: true as const });
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind === 'option') {
      if (seen.has(token.name)) {
        throw new Error(`Option '--${token.name}' is given more than once: give it once.`);
      }
      seen.add(token.name);
    }
  }
  return parsed;
}

/** IAM role names: 1 to 64 of these characters (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The session's settings and concurrency from parsed options, or the usage error to print. */
export function sessionSettings(values: Record<string, string | boolean | undefined>):
{ settings: SessionSettings; concurrency: number } | { error: string } {
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    return { error: `--concurrency takes a whole number of at least 1, not ${shown(values.concurrency)}.` };
  }
  const maxAttempts = Number(values['max-attempts']);
  if (!/^[0-9]{1,2}$/.test(String(values['max-attempts'])) || maxAttempts < 1 || maxAttempts > 20) {
    return { error: `--max-attempts takes a whole number from 1 to 20, not ${shown(values['max-attempts'])}.` };
  }
  const budgetMs = duration(values.timeout as string | undefined);
  const callTimeoutMs = duration(values['call-timeout'] as string | undefined);
  for (const [option, value, ms] of [['--timeout', values.timeout, budgetMs], ['--call-timeout', values['call-timeout'], callTimeoutMs]] as const) {
    if (ms === undefined) {
      return { error: `${option} takes ${DURATION_RANGE}, not ${shown(value)}.` };
    }
  }
  const assumeRoleName = typeof values['assume-role-name'] === 'string' ? values['assume-role-name'] : undefined;
  if (assumeRoleName !== undefined && !ROLE_NAME.test(assumeRoleName)) {
    return { error: `--assume-role-name takes an IAM role name (1 to 64 letters, digits and +=,.@_-), not ${shown(assumeRoleName)}.` };
  }
  return { settings: { assumeRoleName, budgetMs: budgetMs!, callTimeoutMs: callTimeoutMs!, maxAttempts, maxInFlight: concurrency }, concurrency };
}

/** A value the user gave, for an error: cut when long (an error never repeats pages of input). */
export function shown(value: unknown): string {
  const text = String(value);
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 60))}... (${text.length} characters)` : text;
}
