import { SessionSettings } from './aws';

/*
 * What every verb takes alike: where it writes, and the options of the AWS session (role to assume into other
 * accounts, deadlines, retries, concurrency), parsed and checked in one place so the verbs say the same thing.
 */

/** Where a verb writes; the tests capture it. Results go to `out` (stdout), progress and notices to `err` (stderr). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: text => process.stdout.write(`${text}\n`),
  err: text => process.stderr.write(`${text}\n`),
};

/** The options of the session, for `util.parseArgs`. */
export const SESSION_OPTIONS = {
  'assume-role-name': { type: 'string' },
  'concurrency': { type: 'string', default: '8' },
  'timeout': { type: 'string', default: '300' },
  'call-timeout': { type: 'string', default: '30' },
  'max-attempts': { type: 'string', default: '5' },
} as const;

/** The usage lines of the session options, for each verb's --help. */
export const SESSION_USAGE = `  --assume-role-name NAME    role to assume in other accounts (e.g. OrganizationAccountAccessRole);
                             without it, no check in another account can run
  --concurrency N            checks run at once (default: 8)
  --timeout SECONDS          the whole run's budget; calls still waiting then are aborted (default: 300)
  --call-timeout SECONDS     deadline of one AWS call, its retries included (default: 30)
  --max-attempts N           attempts of one AWS call when throttled or on transient errors (default: 5)`;

/** A whole positive number of seconds (or milliseconds for tests: `500ms`), or undefined. */
export function duration(text: string | undefined): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s)?$/.exec(text?.trim() ?? '');
  if (!match) {
    return undefined;
  }
  const ms = Number(match[1]) * (match[2] === 'ms' ? 1 : 1000);
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

/** The session's settings and concurrency from parsed options, or the usage error to print. */
export function sessionSettings(values: Record<string, string | boolean | undefined>):
{ settings: SessionSettings; concurrency: number } | { error: string } {
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    return { error: `--concurrency takes a whole number of at least 1, not ${values.concurrency}.` };
  }
  const maxAttempts = Number(values['max-attempts']);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    return { error: `--max-attempts takes a whole number from 1 to 20, not ${values['max-attempts']}.` };
  }
  const budgetMs = duration(values.timeout as string | undefined);
  const callTimeoutMs = duration(values['call-timeout'] as string | undefined);
  for (const [option, value, ms] of [['--timeout', values.timeout, budgetMs], ['--call-timeout', values['call-timeout'], callTimeoutMs]] as const) {
    if (ms === undefined) {
      return { error: `${option} takes a number of seconds greater than 0, not ${value}.` };
    }
  }
  const assumeRoleName = typeof values['assume-role-name'] === 'string' ? values['assume-role-name'] : undefined;
  return { settings: { assumeRoleName, budgetMs: budgetMs!, callTimeoutMs: callTimeoutMs!, maxAttempts }, concurrency };
}
