#!/usr/bin/env node
import { parseArgs } from 'util';
import { AssemblyError, FoundDistribution, OwnedResource, readAssembly, readOwnedResources } from './assembly';
import { AwsSession, Identity, SessionSettings, classify, mapLimit } from './aws';
import { runCheck } from './checks';
import { planChecks } from './plan';
import { EXIT, exitCodeOf, formatJson, formatText } from './report';

/*
 * `cdk-imagebuilder-distribution preflight`: checks, read-only, what the live accounts must have for the
 * distribution configurations of a synthesized app. Exit codes (EXIT in report.ts): 0 everything needed was
 * checked and passed, 1 some check failed, 2 the command could not run, 3 some check could not run.
 */

export const USAGE = `Usage: cdk-imagebuilder-distribution preflight [options]

Checks, read-only, what the AWS accounts must have for the Image Builder distribution configurations of a
synthesized CDK app: keys (state, key policy), the cross-account role of every target account (trust policy,
KMS permissions), launch templates, ECR repositories, existing SSM parameters, organizations and OUs.
Run it after 'cdk synth', before 'cdk deploy' or the pipeline run. Credentials come from the default chain
(environment, profiles, SSO); AWS_ENDPOINT_URL points it at another endpoint.

Options:
  --app DIR                  the cloud assembly to read (default: cdk.out)
  --assume-role-name NAME    role to assume in other accounts (e.g. OrganizationAccountAccessRole);
                             without it, no check in another account can run
  --region-filter R1,R2      only the distribution Regions listed
  --json                     one JSON document on stdout, for CI
  --concurrency N            checks run at once (default: 8)
  --timeout SECONDS          the whole run's budget; calls still waiting then are aborted (default: 300)
  --call-timeout SECONDS     deadline of one AWS call, its retries included (default: 30)
  --max-attempts N           attempts of one AWS call when throttled or on transient errors (default: 5)
  --allow-unchecked          exit 0 even when some checks could not run (they are still reported)
  -h, --help                 this text

Exit codes:
  0  everything needed was checked and passed (resources this app deploys and that do not exist yet count
     as fine: they are checked once their stacks exist)
  1  a check failed (whatever else happened)
  2  the command could not run: usage error, no or malformed cloud assembly, no usable credentials
  3  nothing failed, but some checks could not run (no answer in time, access denied, throttled,
     expired credentials, no connection, no --assume-role-name, values known only at deploy time);
     --allow-unchecked turns this into 0`;

/** Where the command writes; the tests capture it. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: text => process.stdout.write(`${text}\n`),
  err: text => process.stderr.write(`${text}\n`),
};

/** A whole positive number of seconds (or milliseconds for tests: `500ms`), or undefined. */
function duration(text: string | undefined): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s)?$/.exec(text?.trim() ?? '');
  if (!match) {
    return undefined;
  }
  const ms = Number(match[1]) * (match[2] === 'ms' ? 1 : 1000);
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

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
        'timeout': { type: 'string', default: '300' },
        'call-timeout': { type: 'string', default: '30' },
        'max-attempts': { type: 'string', default: '5' },
        'allow-unchecked': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.out(USAGE);
    return EXIT.OK;
  }
  if (positionals.length !== 1 || positionals[0] !== 'preflight') {
    io.err(`${positionals.length === 0 ? 'No command given.' : `Unknown command: ${positionals.join(' ')}.`}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    io.err(`--concurrency takes a whole number of at least 1, not ${values.concurrency}.`);
    return EXIT.USAGE;
  }
  const maxAttempts = Number(values['max-attempts']);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    io.err(`--max-attempts takes a whole number from 1 to 20, not ${values['max-attempts']}.`);
    return EXIT.USAGE;
  }
  const budgetMs = duration(values.timeout);
  const callTimeoutMs = duration(values['call-timeout']);
  for (const [option, value, ms] of [['--timeout', values.timeout, budgetMs], ['--call-timeout', values['call-timeout'], callTimeoutMs]] as const) {
    if (ms === undefined) {
      io.err(`${option} takes a number of seconds greater than 0, not ${value}.`);
      return EXIT.USAGE;
    }
  }

  let distributions: FoundDistribution[];
  let owned: OwnedResource[];
  try {
    distributions = readAssembly(values.app!);
    owned = readOwnedResources(values.app!);
  } catch (e) {
    // A malformed assembly is the user's to fix: one line, no stack trace.
    const message = e instanceof AssemblyError ? e.message : `cannot read the cloud assembly in ${values.app}: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    io.err(`preflight: ${message}`);
    return EXIT.USAGE;
  }

  const settings: SessionSettings = { assumeRoleName: values['assume-role-name'], budgetMs: budgetMs!, callTimeoutMs: callTimeoutMs!, maxAttempts };
  const aws = new AwsSession(settings);
  try {
    let identity: Identity;
    try {
      identity = await aws.identity();
    } catch (e) {
      const why = classify(e, settings);
      io.err(`preflight: no usable AWS credentials or Region (${why.message}). Fix: ${why.fix}.`);
      return EXIT.USAGE;
    }

    const regions = values['region-filter']?.split(',').map(r => r.trim()).filter(r => r !== '');
    const planned = planChecks(distributions, identity, { regions });
    const notices: string[] = [];
    const elsewhere = [...new Set(planned.map(p => p.check.account).filter((a): a is string => a !== undefined && a !== identity.account))];
    if (!settings.assumeRoleName && elsewhere.length > 0) {
      const count = planned.filter(p => p.check.account !== undefined && p.check.account !== identity.account).length;
      notices.push(`without --assume-role-name, ${count} check${count === 1 ? '' : 's'} in account${elsewhere.length === 1 ? '' : 's'} ${elsewhere.join(', ')} cannot run (the caller is in ${identity.account}), so this run cannot pass. Fix: pass --assume-role-name with a role the caller may assume in ${elsewhere.length === 1 ? 'that account' : 'those accounts'} (e.g. OrganizationAccountAccessRole).`);
    }
    // Said first, before any check runs.
    notices.forEach(n => io.err(`preflight: ${n}`));

    const results = await mapLimit(planned, concurrency, check => runCheck(aws, check, owned));
    const code = exitCodeOf(results, { allowUnchecked: values['allow-unchecked'] });
    const header = `preflight: ${distributions.length} distribution configuration${distributions.length === 1 ? '' : 's'} in ${values.app}; caller ${identity.arn}, Region ${identity.region}`;
    io.out(values.json ? formatJson(results, identity, notices, code) : formatText(results, header, notices));
    return code;
  } finally {
    aws.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  }, (e: Error) => {
    process.stderr.write(`preflight: unexpected error: ${e.stack ?? e.message}\n`);
    process.exitCode = EXIT.USAGE;
  });
}
