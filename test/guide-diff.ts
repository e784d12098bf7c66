import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { afterAlpha, afterCfn, beforeAlpha, beforeCfn } from '../examples/guides/migrate/apps';

/*
 * The template diffs of docs/guides/migrate.md, produced from the guide's two pairs of real apps
 * (examples/guides/migrate/apps.ts). `npx projen docs:guides` writes them between the markers;
 * test/migration.test.ts fails when the guide's copy differs.
 */

export const GUIDE = path.join(__dirname, '..', 'docs', 'guides', 'migrate.md');

export const PAIRS = {
  cfn: { before: beforeCfn, after: afterCfn },
  alpha: { before: beforeAlpha, after: afterAlpha },
};
export type Pair = keyof typeof PAIRS;

export const markers = (pair: Pair) => ({
  start: `<!-- diff:${pair}:start (generated from examples/guides/migrate/apps.ts: npx projen docs:guides) -->`,
  end: `<!-- diff:${pair}:end -->`,
});

/** The app's templates by stack, without the version-reporting resource and the path metadata (noise in a diff). */
export function templatesOf(build: (app: App) => void): Record<string, any> {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-')),
    analyticsReporting: false,
    context: { 'aws:cdk:enable-path-metadata': false },
  });
  build(app);
  const assembly = app.synth();
  const templates = Object.fromEntries(assembly.stacks.map(s => [s.stackName, s.template]));
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  return templates;
}

/** Line diff (longest common subsequence): each line of `a` and `b` marked ' ', '-' or '+'. */
function lineDiff(a: string[], b: string[]): Array<{ mark: ' ' | '-' | '+'; line: string }> {
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: Array<{ mark: ' ' | '-' | '+'; line: string }> = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ mark: ' ', line: a[i++] });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push({ mark: '-', line: a[i++] });
    } else {
      out.push({ mark: '+', line: b[j++] });
    }
  }
  return out;
}

/** A unified diff of two texts, with `context` unchanged lines around each change. */
export function unifiedDiff(name: string, before: string, after: string, context = 3): string {
  const lines = lineDiff(before.split('\n'), after.split('\n'));
  const changed = lines.map((l, k) => (l.mark !== ' ' ? k : -1)).filter(k => k >= 0);
  if (changed.length === 0) {
    return '';
  }
  const keep = new Set<number>();
  changed.forEach(k => {
    for (let c = Math.max(0, k - context); c <= Math.min(lines.length - 1, k + context); c++) {
      keep.add(c);
    }
  });
  const out = [`--- ${name} (before)`, `+++ ${name} (after)`];
  let previous = -1;
  [...keep].sort((x, y) => x - y).forEach(k => {
    if (previous >= 0 && k !== previous + 1) {
      out.push('@@');
    }
    out.push(`${lines[k].mark}${lines[k].line}`);
    previous = k;
  });
  return out.join('\n');
}

/** The diff of every stack of a pair, as the guide shows it. */
export function migrationDiff(pair: Pair): string {
  const before = templatesOf(PAIRS[pair].before);
  const after = templatesOf(PAIRS[pair].after);
  const stacks = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return stacks
    .map(stack => unifiedDiff(`${stack}.template.json`, JSON.stringify(before[stack] ?? {}, null, 2), JSON.stringify(after[stack] ?? {}, null, 2)))
    .filter(d => d !== '')
    .join('\n');
}

/** The diff block in the guide, between the pair's markers. */
export function guideDiff(pair: Pair, guide = fs.readFileSync(GUIDE, 'utf-8')): string | undefined {
  const { start, end } = markers(pair);
  const from = guide.indexOf(start);
  const to = guide.indexOf(end);
  if (from < 0 || to < from) {
    return undefined;
  }
  const block = guide.slice(from + start.length, to).trim();
  return /^```diff\n([\s\S]*)\n```$/.exec(block)?.[1];
}

if (require.main === module && process.argv.includes('--write')) {
  let guide = fs.readFileSync(GUIDE, 'utf-8');
  for (const pair of Object.keys(PAIRS) as Pair[]) {
    const { start, end } = markers(pair);
    if (guide.indexOf(start) < 0 || guide.indexOf(end) < guide.indexOf(start)) {
      throw new Error(`${GUIDE} has no ${start} ... ${end} block`);
    }
    guide = `${guide.slice(0, guide.indexOf(start) + start.length)}\n\`\`\`diff\n${migrationDiff(pair)}\n\`\`\`\n${guide.slice(guide.indexOf(end))}`;
  }
  fs.writeFileSync(GUIDE, guide);
  // eslint-disable-next-line no-console
  console.log(`${path.relative(process.cwd(), GUIDE)}: template diffs of ${Object.keys(PAIRS).join(', ')} written`);
}
