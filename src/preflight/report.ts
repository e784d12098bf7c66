import { Result } from './checks';

/*
 * What the command prints: one line per check (result, check, account, Region, resource, what was found and
 * the fix), the statements to add under a failing key, and a summary line; or one JSON document for CI.
 */

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly notCheckable: number;
}

export function summarize(results: Result[]): Summary {
  return {
    passed: results.filter(r => r.status === 'pass').length,
    failed: results.filter(r => r.status === 'fail').length,
    notCheckable: results.filter(r => r.status === 'skip').length,
  };
}

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** The text report: failures first, then what could not be checked, then what passed. */
export function formatText(results: Result[], header: string): string {
  const order = { fail: 0, skip: 1, pass: 2 };
  const sorted = [...results].sort((a, b) => order[a.status] - order[b.status]);
  const lines = [header];
  for (const r of sorted) {
    const where = [r.account ?? '-', r.region ?? 'global'].join('  ');
    lines.push(`${LABEL[r.status]}  ${r.check.padEnd(19)} ${where}  ${r.resource}: ${r.message}${r.fix && r.status !== 'pass' ? ` Fix: ${r.fix}.` : ''}`);
    for (const statement of r.missingStatements ?? []) {
      lines.push(`      + ${JSON.stringify(statement)}`);
    }
  }
  const s = summarize(results);
  lines.push(`${results.length} checks: ${s.passed} passed, ${s.failed} failed, ${s.notCheckable} not checkable`);
  return lines.join('\n');
}

export function formatJson(results: Result[], caller: unknown): string {
  return JSON.stringify({ caller, summary: summarize(results), checks: results }, null, 2);
}
