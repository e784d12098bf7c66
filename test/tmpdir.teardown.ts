import * as fs from 'fs';

/** Jest's global teardown: removes the run's temporary folder (test/tmpdir.setup.ts) and what the tests left in it. */
export default function teardown(): void {
  const runTmp = process.env.JEST_RUN_TMPDIR;
  if (runTmp) {
    fs.rmSync(runTmp, { recursive: true, force: true });
  }
  if (process.env.JEST_ORIGINAL_TMPDIR) {
    process.env.TMPDIR = process.env.JEST_ORIGINAL_TMPDIR;
  } else {
    delete process.env.TMPDIR;
  }
}
