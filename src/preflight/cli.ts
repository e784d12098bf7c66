#!/usr/bin/env node
import { parseArgs } from 'util';
import { AssemblyError, readAssembly } from './assembly';
import { AwsAccess, Identity, mapLimit } from './aws';
import { runCheck } from './checks';
import { planChecks } from './plan';
import { formatJson, formatText, summarize } from './report';

/*
 * `cdk-imagebuilder-distribution preflight`: checks, read-only, what the live accounts must have for the
 * distribution configurations of a synthesized app. Exit codes: 0 every check passed (or could not be
 * checked), 1 some check failed, 2 the command could not run (usage, no assembly, no credentials).
 */

export const USAGE = `Usage: cdk-imagebuilder-distribution preflight [options]

Checks, read-only, what the AWS accounts must have for the Image Builder distribution configurations of a
synthesized CDK app: keys the app does not own (state and key policy), the cross-account role of every target
account, launch templates, ECR repositories, existing SSM parameters, organizations and OUs.
Run it after 'cdk synth', before 'cdk deploy' or the pipeline run. Credentials come from the default chain
(environment, profiles, SSO); AWS_ENDPOINT_URL points it at another endpoint.

Options:
  --app DIR                  the cloud assembly to read (default: cdk.out)
  --assume-role-name NAME    role to assume in other accounts (e.g. OrganizationAccountAccessRole)
  --region-filter R1,R2      only the distribution Regions listed
  --json                     one JSON document on stdout, for CI
  --concurrency N            checks run at once (default: 8)
  -h, --help                 this text

Exit codes: 0 all checks passed (some may not be checkable), 1 a check failed, 2 usage error.`;

/** Where the command writes; the tests capture it. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: text => process.stdout.write(`${text}\n`),
  err: text => process.stderr.write(`${text}\n`),
};

/** Runs the command with `argv` (without `node` and the script) and returns its exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'app': { type: 'string', default: 'cdk.out' },
        'assume-role-name': { type: 'string' },
        'region-filter': { type: 'string' },
        'json': { type: 'boolean', default: false },
        'concurrency': { type: 'string', default: '8' },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'preflight') {
    io.err(`${positionals.length === 0 ? 'No command given.' : `Unknown command: ${positionals.join(' ')}.`}\n\n${USAGE}`);
    return 2;
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    io.err(`--concurrency takes a whole number of at least 1, not ${values.concurrency}.`);
    return 2;
  }

  let distributions;
  try {
    distributions = readAssembly(values.app!);
  } catch (e) {
    if (e instanceof AssemblyError) {
      io.err(`preflight: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const aws = new AwsAccess({ assumeRoleName: values['assume-role-name'] });
  let identity: Identity;
  try {
    identity = await aws.identity();
  } catch (e) {
    const err = e as Error;
    io.err(`preflight: no usable AWS credentials or Region (${err.name}: ${err.message}). Fix: configure credentials (aws configure, aws sso login, or AWS_PROFILE) and a Region (AWS_REGION).`);
    return 2;
  }

  const regions = values['region-filter']?.split(',').map(r => r.trim()).filter(r => r !== '');
  const planned = planChecks(distributions, identity, { regions });
  const results = await mapLimit(planned, concurrency, check => runCheck(aws, check));
  const header = `preflight: ${distributions.length} distribution configuration${distributions.length === 1 ? '' : 's'} in ${values.app}; caller ${identity.arn}, Region ${identity.region}`;
  io.out(values.json ? formatJson(results, identity) : formatText(results, header));
  return summarize(results).failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  }, (e: Error) => {
    process.stderr.write(`preflight: unexpected error: ${e.stack ?? e.message}\n`);
    process.exitCode = 2;
  });
}
