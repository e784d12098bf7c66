import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Jest's global setup: the run's own temporary folder. Every App synthesized without an outdir (aws-cdk-lib makes a
 * `cdk.out*` folder in os.tmpdir()) and every mkdtemp of a test goes into it; test/tmpdir.teardown.ts removes it.
 * Workers start after this and inherit TMPDIR; os.tmpdir() reads it on every call.
 */
export default function setup(): void {
  const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imagebuilder-distribution-jest-'));
  process.env.JEST_RUN_TMPDIR = runTmp;
  process.env.JEST_ORIGINAL_TMPDIR = process.env.TMPDIR ?? '';
  process.env.TMPDIR = runTmp;
}
