import * as fs from 'fs';
import * as path from 'path';
import { CATALOG, RuleId, ackId } from '../src/private/rules';
import { acknowledging } from '../src/private/rules/catalog';

/*
 * The README's rule table, rendered from the catalog. `npx projen docs:rules` writes it between the markers;
 * test/catalog.test.ts fails when the README's copy differs.
 */

export const README = path.join(__dirname, '..', 'README.md');
export const START = '<!-- rules:start (generated from src/private/rules/catalog.ts: npx projen docs:rules) -->';
export const END = '<!-- rules:end -->';

export function ruleTable(): string {
  const rows = Object.entries(CATALOG).map(([id, rule]) =>
    `| \`${id}\` | ${rule.level} | ${rule.phase === 'construction' ? 'the call' : 'synth'} | ${rule.source} | ${rule.prevents} | ${acknowledging(id as RuleId)} |`);
  return [
    '| rule | level | found by | source | the AWS failure it prevents | acknowledging it |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The table in the README, between the markers. */
export function readmeTable(readme = fs.readFileSync(README, 'utf-8')): string | undefined {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  return start < 0 || end < start ? undefined : readme.slice(start + START.length, end).trim();
}

if (require.main === module && process.argv.includes('--write')) {
  const readme = fs.readFileSync(README, 'utf-8');
  if (readmeTable(readme) === undefined) {
    throw new Error(`README.md has no ${START} ... ${END} block`);
  }
  const start = readme.indexOf(START) + START.length;
  fs.writeFileSync(README, `${readme.slice(0, start)}\n${ruleTable()}\n${readme.slice(readme.indexOf(END))}`);
  // eslint-disable-next-line no-console
  console.log(`README.md: ${Object.keys(CATALOG).length} rules, acknowledged as ${ackId('ListSize').replace('ListSize', '<Rule>')}`);
}
