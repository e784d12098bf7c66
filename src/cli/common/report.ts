/*
 * What every verb prints: notices first (what cannot be checked at all, and why), one line per check
 * (result, check, account, Region, resource, what was found and the fix), the statements to add under a
 * failing key, and a summary line; or one JSON document for CI; or, streamed, one JSON object a line
 * (`--json-lines`). And the exit code the results call for.
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

/** The summary line of the text report. */
export function formatSummary(results: Result[]): string {
  const s = summarize(results);
  return `${results.length} checks: ${s.passed} passed, ${s.failed} failed, ${s.unchecked} unchecked, ${s.deployedByApp} deployed by this app`;
}

/** The text report: notices, failures first, then what could not be checked, what the app deploys, what passed. */
export function formatText(results: Result[], header: string, notices: string[] = []): string {
  const sorted = [...results].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  return [header, ...notices.map(n => `NOTE  ${n}`), ...sorted.map(formatResult), formatSummary(results)].join('\n');
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
  const findings = results.filter(r => r.status === 'fail' || r.status === 'unchecked').sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const s = summarize(results);
  return [
    ...(findings.length > 0 ? [`Again, ${s.failed} failed and ${s.unchecked} unchecked:`, ...findings.map(formatResult)] : []),
    formatSummary(results),
  ].join('\n');
}

/** One line of `--json-lines`: a notice, a result (as `formatJson` lists them), or the closing summary. */
export function formatJsonLine(record: { type: 'notice'; message: string } | ({ type: 'check' } & Result)
| { type: 'summary'; caller: unknown; exitCode: number; summary: Summary }): string {
  return JSON.stringify(record);
}

export function formatJson(results: Result[], caller: unknown, notices: string[] = [], exitCode?: number): string {
  return JSON.stringify({ caller, exitCode, notices, summary: summarize(results), checks: results }, null, 2);
}
