/*
 * What every verb prints: notices first (what cannot be checked at all, and why), one line per check
 * (result, check, account, Region, resource, what was found and the fix), the statements to add under a
 * failing key, and a summary line; or one JSON document for CI; or, streamed, one JSON object a line
 * (`--json-lines`). And the exit code the results call for. Findings that share a cause (the same check and
 * message in many accounts) are one line with the accounts counted, and one group in JSON listing them.
 */

export type Status = 'pass' | 'fail' | 'unchecked' | 'deploys';

/** The outcome of one check, as every verb prints it (a check of preflight, a finding of verify). */
export interface Result {
  readonly check: string;
  readonly status: Status;
  readonly account?: string;
  /** The Region, or undefined for global services (IAM, Organizations). */
  readonly region?: string;
  readonly resource: string;
  readonly message: string;
  readonly fix?: string;
  /** Key policy statements to add (the key check). */
  readonly missingStatements?: unknown[];
  /** The distribution configurations that need it (construct paths, or stack/logical ID). */
  readonly distributions: string[];
}

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  /** Checks that could not run: never counted as passed. */
  readonly unchecked: number;
  /** Resources this app deploys that do not exist yet: checked once their stacks exist. */
  readonly deployedByApp: number;
}

/** The exit codes of the command (README, "Preflight"). */
export const EXIT = {
  /** Everything needed was checked and passed (or is deployed by this app). */
  OK: 0,
  /** A check failed: a finding to fix. */
  FINDINGS: 1,
  /** The command could not run: usage, no or malformed assembly, no credentials. */
  USAGE: 2,
  /** Nothing failed, but some checks could not run (without --allow-unchecked). */
  UNCHECKED: 3,
} as const;

export function summarize(results: Result[]): Summary {
  return {
    passed: results.filter(r => r.status === 'pass').length,
    failed: results.filter(r => r.status === 'fail').length,
    unchecked: results.filter(r => r.status === 'unchecked').length,
    deployedByApp: results.filter(r => r.status === 'deploys').length,
  };
}

/** 1 for findings, else 3 when something could not be checked (unless allowed), else 0. */
export function exitCodeOf(results: Result[], options: { allowUnchecked?: boolean } = {}): number {
  const s = summarize(results);
  if (s.failed > 0) {
    return EXIT.FINDINGS;
  }
  return s.unchecked > 0 && !options.allowUnchecked ? EXIT.UNCHECKED : EXIT.OK;
}

const LABEL = { pass: 'PASS', fail: 'FAIL', unchecked: 'UNCHECKED', deploys: 'DEPLOYS' } as const;
const ORDER = { fail: 0, unchecked: 1, deploys: 2, pass: 3 } as const;

/** A result's line of the text report, and under it the statements to add. */
export function formatResult(r: Result): string {
  const where = [r.account ?? '-', r.region ?? 'global'].join('  ');
  // "could not check <resource>: ..." names the resource already.
  const what = r.message.startsWith(`could not check ${r.resource}:`) ? r.message : `${r.resource}: ${r.message}`;
  const lines = [`${LABEL[r.status].padEnd(9)} ${r.check.padEnd(19)} ${where}  ${what}${r.fix && r.status !== 'pass' ? ` Fix: ${r.fix}.` : ''}`];
  for (const statement of r.missingStatements ?? []) {
    lines.push(`          + ${JSON.stringify(statement)}`);
  }
  return lines.join('\n');
}

/**
 * What makes results share a cause: the same status, check, Region, resource, message, fix and statements once the
 * account of each is written as `<account>` (a thousand target accounts without a role are one cause, not a
 * thousand lines).
 */
export function causeOf(r: Result): string {
  const general = (text?: string) => generalize(text, r.account);
  return JSON.stringify([r.status, r.check, r.region ?? '', general(r.resource), general(r.message), general(r.fix),
    general(r.missingStatements === undefined ? undefined : JSON.stringify(r.missingStatements))]);
}

function generalize(text: string | undefined, account: string | undefined): string {
  return account === undefined || text === undefined ? text ?? '' : text.split(account).join('<account>');
}

/** Results that share a cause, in the order their causes first appear. */
export interface ResultGroup {
  readonly status: Status;
  readonly check: string;
  readonly region?: string;
  /** The first result's resource, message and fix, with its account written as `<account>` when the group has more. */
  readonly resource: string;
  readonly message: string;
  readonly fix?: string;
  readonly count: number;
  /** The accounts of the results, in order (`-` for results of no account). */
  readonly accounts: string[];
  readonly results: Result[];
}

/** Groups results by cause (`causeOf`). */
export function groupResults(results: Result[]): ResultGroup[] {
  const groups = new Map<string, Result[]>();
  for (const r of results) {
    const cause = causeOf(r);
    groups.set(cause, [...(groups.get(cause) ?? []), r]);
  }
  return [...groups.values()].map(members => {
    const [first] = members;
    const general = (text?: string) => (members.length === 1 ? text : generalize(text, first.account));
    return {
      status: first.status,
      check: first.check,
      region: first.region,
      resource: general(first.resource)!,
      message: general(first.message)!,
      ...(first.fix !== undefined ? { fix: general(first.fix) } : {}),
      count: members.length,
      accounts: members.map(m => m.account ?? '-'),
      results: members,
    };
  });
}

/** How many accounts a group line names before it counts the rest. */
const LISTED_ACCOUNTS = 3;

/**
 * A group's line of the text report: the result's own line when it has one member; else one line for the cause,
 * with the accounts counted (the first few named; `--json` lists them all), and the statements under it.
 */
export function formatGroup(g: ResultGroup): string {
  if (g.count === 1) {
    return formatResult(g.results[0]);
  }
  const first = g.results[0];
  // The statements under the line name the account as the message does.
  const lines = formatResult({ ...first, account: `${g.count} accounts`, resource: g.resource, message: g.message, fix: g.fix })
    .split('\n').map(l => generalize(l, first.account));
  const named = g.accounts.slice(0, LISTED_ACCOUNTS).join(', ');
  const rest = g.count - LISTED_ACCOUNTS;
  lines[0] += ` Accounts (${g.count}): ${named}${rest > 0 ? `, and ${rest} more (--json lists them all)` : ''}.`;
  return lines.join('\n');
}

/** The summary line of the text report. */
export function formatSummary(results: Result[]): string {
  const s = summarize(results);
  return `${results.length} checks: ${s.passed} passed, ${s.failed} failed, ${s.unchecked} unchecked, ${s.deployedByApp} deployed by this app`;
}

/** The text report: notices, failures first, then what could not be checked, what the app deploys, what passed. */
export function formatText(results: Result[], header: string, notices: string[] = []): string {
  // Findings that share a cause are one line each; passes are a line each.
  const findings = groupResults(results.filter(r => r.status !== 'pass')).sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const passes = results.filter(r => r.status === 'pass');
  return [header, ...notices.map(n => `NOTE  ${n}`), ...findings.map(formatGroup), ...passes.map(formatResult), formatSummary(results)].join('\n');
}

/** The head of a streamed text report: the header and the notices, written before any check runs. */
export function formatTextHead(header: string, notices: string[] = []): string {
  return [header, ...notices.map(n => `NOTE  ${n}`)].join('\n');
}

/**
 * The tail of a streamed text report, after a line per result in the order they completed: the failures and
 * what could not be checked again, failures first (thousands of lines above them otherwise), and the summary.
 */
export function formatTextTail(results: Result[]): string {
  const findings = groupResults(results.filter(r => r.status === 'fail' || r.status === 'unchecked')).sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const s = summarize(results);
  return [
    ...(findings.length > 0 ? [`Again, ${s.failed} failed and ${s.unchecked} unchecked:`, ...findings.map(formatGroup)] : []),
    formatSummary(results),
  ].join('\n');
}

/**
 * The streamed text report's filter: a result's line is written when it passed or when its cause is new; a finding
 * of a cause already written is only counted, and the tail writes each cause once with its accounts.
 */
export function streamFilter(): (r: Result) => boolean {
  const seen = new Set<string>();
  return r => {
    if (r.status === 'pass') {
      return true;
    }
    const cause = causeOf(r);
    return !seen.has(cause) && !!seen.add(cause);
  };
}

/** One line of `--json-lines`: a notice, a result (as `formatJson` lists them), or the closing summary. */
export function formatJsonLine(record: { type: 'notice'; message: string } | ({ type: 'check' } & Result)
| { type: 'summary'; caller: unknown; exitCode: number; summary: Summary; groups?: unknown[] }): string {
  return JSON.stringify(record);
}

/** The findings (failed, unchecked, deployed by the app) grouped by cause, each with its accounts, for JSON. */
export function jsonGroups(results: Result[]) {
  return groupResults(results.filter(r => r.status !== 'pass')).map(({ results: _, ...group }) => group);
}

export function formatJson(results: Result[], caller: unknown, notices: string[] = [], exitCode?: number): string {
  return JSON.stringify({ caller, exitCode, notices, summary: summarize(results), groups: jsonGroups(results), checks: results }, null, 2);
}
