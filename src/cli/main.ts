#!/usr/bin/env node
import { Io, processIo } from './common/options';
import { EXIT } from './common/report';
import { distribute, retry } from './distribute/command';
import { preflight } from './preflight/command';
import { retire } from './retire/command';
import { usage } from './usage/command';
import { verify, verifyImage } from './verify/command';

// The verification function's handler (`main.handler`): this bundle is its code (DistributionVerification).
export { handler } from './verify/handler';

/*
 * `cdk-imagebuilder-distribution <verb>`: the package's command. Each verb lives in its own folder and exports
 * one function (argv after the verb, io) => exit code; what the verbs share (AWS sessions, the cloud assembly's
 * record, the report and exit codes, the common options) is in common/, which knows no verb. Only this file knows
 * them all.
 */

type Verb = (argv: string[], io: Io) => Promise<number>;

/** The verbs, in the order the usage lists them, with one line each. */
const VERBS: Record<string, { readonly run: Verb; readonly summary: string }> = {
  preflight: { run: preflight, summary: 'check, read-only, what the live accounts must have before the pipeline runs' },
  verify: { run: verify, summary: 'check, read-only, what an image distributed in every Region and account' },
  usage: { run: usage, summary: 'list, read-only, what uses which version of a pipeline\'s images, in every Region and account' },
  // The verbs that change AWS. distribute and retry verify with verify's entry, handed in here: no verb imports
  // another's files.
  distribute: {
    run: (argv, io) => distribute(argv, io, { verify: verifyImage }),
    summary: 'CHANGES AWS: distribute an existing AMI again with the app\'s configuration, then verify',
  },
  retry: {
    run: (argv, io) => retry(argv, io, { verify: verifyImage }),
    summary: 'CHANGES AWS: resume a FAILED or CANCELLED image where it stopped, then verify',
  },
  retire: {
    run: retire,
    summary: 'CHANGES AWS with --apply: deprecate, disable or deregister the copies of an image that nothing uses',
  },
};

export const USAGE = `Usage: cdk-imagebuilder-distribution <command> [options]

Commands:
${Object.entries(VERBS).map(([name, verb]) => `  ${name.padEnd(12)} ${verb.summary}`).join('\n')}

'cdk-imagebuilder-distribution <command> --help' describes a command, its options and exit codes.`;

/** Runs the command with `argv` (without `node` and the script) and returns its exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(`${name === undefined ? 'No command given.\n\n' : ''}${USAGE}`);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const verb = Object.prototype.hasOwnProperty.call(VERBS, name) ? VERBS[name] : undefined;
  if (!verb) {
    io.err(`Unknown command: ${name}.\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  return verb.run(rest, io);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  }, (e: Error) => {
    process.stderr.write(`cdk-imagebuilder-distribution: unexpected error: ${e.stack ?? e.message}\n`);
    process.exitCode = EXIT.USAGE;
  });
}
