/* eslint-disable no-console */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Variant, VariantWriter, buildApp } from './app';
import { OrganizationVariant, OrganizationWriter, buildOrganizationApp, sizeProblems } from './organization';

/*
 * One `cdk synth` of the benchmark app, in a process of its own (as the CDK CLI runs an app): loads only what
 * its variant uses, builds N distributions, synthesizes with aws-cdk-lib's template validation on (unless
 * CDK_VALIDATION=false), and prints the build and synth milliseconds and the heap growth as JSON. The parent
 * (bench/bench.ts) times the whole process.
 *
 * Usage: node --expose-gc -r ts-node/register/transpile-only bench/synth-one.ts <l1|library|alpha> <N>
 *        ... bench/synth-one.ts <org-l1|org-library> <target accounts>
 * The organization case (bench/organization.ts) also checks, after the measurement, that every key policy is
 * under 32 KB and every template under 1 MB, and fails otherwise.
 */

export interface Measurement {
  /** Wall time of the whole process, from spawn to exit (set by the parent). */
  readonly processMs?: number;
  /** Building the constructs, then `app.synth()`, in the process. */
  readonly buildMs: number;
  readonly synthMs: number;
  /** Growth of `heapUsed` across the build and synth, after a forced GC. */
  readonly heapMb: number;
}

if (require.main === module) {
  const [variant, n] = [process.argv[2] as Variant | OrganizationVariant, Number(process.argv[3])];
  const organization = variant.startsWith('org-');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writer }: { writer: VariantWriter & OrganizationWriter } = require(path.join(__dirname, 'variants', variant));
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const app = organization ? buildOrganizationApp(writer, n, outdir) : buildApp(writer, n, outdir);
  const built = process.hrtime.bigint();
  const assembly = app.synth();
  const done = process.hrtime.bigint();
  const measurement: Measurement = {
    buildMs: Number(built - start) / 1e6,
    synthMs: Number(done - built) / 1e6,
    heapMb: (process.memoryUsage().heapUsed - before) / 2 ** 20,
  };
  const problems = organization ? sizeProblems(assembly) : [];
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  if (problems.length > 0) {
    console.error(`over KMS's or CloudFormation's limits: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log(JSON.stringify(measurement));
}
