import { runCheck } from './checks';
import { PlannedCheck, planChecks } from './plan';
import { AssemblyError, FoundDistribution, OwnedResource, readAssembly, readOwnedResources } from '../common/assembly';
import { AwsSession, Identity, classify, mapLimit } from '../common/aws';
import { Io, SESSION_OPTIONS, SESSION_USAGE, parseOptions, sessionSettings, shown } from '../common/options';
import { Progress } from '../common/progress';
import { EXIT, Result, exitCodeOf, formatJson, formatJsonLine, formatResult, formatTextHead, formatTextTail, jsonGroups, streamFilter, summarize } from '../common/report';

/*
 * `cdk-imagebuilder-distribution preflight`: checks, read-only, what the live accounts must have for the
 * distribution configurations of a synthesized app. Exit codes (EXIT in report.ts): 0 everything needed was
 * checked and passed, 1 some check failed, 2 the command could not run, 3 some check could not run.
 */

export const USAGE = `Usage: cdk-imagebuilder-distribution preflight [options]

Checks, read-only, what the AWS accounts must have for the Image Builder distribution configurations of a
synthesized CDK app: keys (state, key policy), the cross-account role of every target account (trust policy,
KMS permissions), launch templates, ECR repositories, existing SSM parameters, organizations and OUs; and
the account settings that break distributions: AMI block public access, EBS encryption by default with the
AWS managed key, opt-in Regions not enabled, Allowed AMIs, the launch template of fast launch.
Run it after 'cdk synth', before 'cdk deploy' or the pipeline run. Credentials come from the default chain
(environment, profiles, SSO); AWS_ENDPOINT_URL points it at another endpoint.

Accounts and Regions are checked at once, at most --concurrency AWS calls in flight. Each result is written
to stdout as it completes (the failures again at the end, then the summary); progress goes to stderr (a bar
on a terminal, a line every 10 seconds otherwise).

Options:
  --app DIR                  the cloud assembly to read (default: cdk.out)
  --region-filter R1,R2      only the distribution Regions listed
  --json                     one JSON document on stdout, for CI, written when every check is done
  --json-lines               one JSON object a line on stdout as each check completes ({"type":"check",...}),
                             notices first ({"type":"notice"}) and a summary last ({"type":"summary"})
${SESSION_USAGE}
  --allow-unchecked          exit 0 even when some checks could not run (they are still reported)
  -h, --help                 this text

Exit codes:
  0  everything needed was checked and passed (resources this app deploys and that do not exist yet count
     as fine: they are checked once their stacks exist)
  1  a check failed (whatever else happened)
  2  the command could not run: usage error (an option given twice, a value out of range), no or malformed
     cloud assembly, nothing to check in it (no distribution configuration), no usable credentials
  3  nothing failed, but some checks could not run (no answer in time, access denied, throttled,
     expired credentials, no connection, no --assume-role-name, values known only at deploy time);
     --allow-unchecked turns this into 0`;

/** Runs `preflight` with `argv` (the arguments after the verb) and returns its exit code. */
export async function preflight(argv: string[], io: Io): Promise<number> {
  let args;
  try {
    args = parseOptions(argv, {
      ...SESSION_OPTIONS,
      'app': { type: 'string', default: 'cdk.out' },
      'region-filter': { type: 'string' },
      'json': { type: 'boolean', default: false },
      'json-lines': { type: 'boolean', default: false },
      'allow-unchecked': { type: 'boolean', default: false },
      'help': { type: 'boolean', short: 'h', default: false },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  const { values } = args;
  if (values.help) {
    io.out(USAGE);
    return EXIT.OK;
  }
  if (values.json && values['json-lines']) {
    io.err('--json and --json-lines cannot be used together: --json writes one document at the end, --json-lines a line per check as it completes.');
    return EXIT.USAGE;
  }
  const session = sessionSettings(values);
  if ('error' in session) {
    io.err(session.error);
    return EXIT.USAGE;
  }
  const { settings, concurrency } = session;

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
  const malformed = nothingToCheck(distributions, values.app!);
  if (malformed) {
    io.err(`preflight: ${malformed}`);
    return EXIT.USAGE;
  }

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
    // A configuration whose whole list of Regions is an expression: known only at deploy time, said, never a pass.
    const deployTime: Result[] = distributions.filter(d => !Array.isArray(d.properties.Distributions)).map(d => ({
      check: 'not-checkable',
      status: 'unchecked',
      account: d.account ?? identity.account,
      region: d.region,
      resource: `the Region entries of ${pathOf(d)}`,
      message: `not checkable: its Distributions ${shown(JSON.stringify(d.properties.Distributions))} is known only at deploy time`,
      fix: 'write the Region entries as a literal list (DistributionConfiguration does)',
      distributions: [pathOf(d)],
    }));
    if (planned.length === 0 && deployTime.length === 0) {
      io.err(`preflight: nothing to check: ${regions ? `no Region of the distribution configurations is in --region-filter ${shown(values['region-filter'])}` : 'the distribution configurations ask for no check'} (${distributions.map(pathOf).join(', ')}). Fix: pass the Regions the configurations distribute to, or --app with the app's cloud assembly.`);
      return EXIT.USAGE;
    }
    const notices: string[] = [];
    // Where each check calls AWS: the key access of a target account is read from the caller's organization.
    const callsIn = (p: PlannedCheck) => (p.check.kind === 'key-access-unit' ? identity.account : p.check.account);
    const elsewhere = [...new Set(planned.map(callsIn).filter((a): a is string => a !== undefined && a !== identity.account))];
    if (!settings.assumeRoleName && elsewhere.length > 0) {
      const count = planned.filter(p => callsIn(p) !== undefined && callsIn(p) !== identity.account).length;
      notices.push(`without --assume-role-name, ${count} check${count === 1 ? '' : 's'} in account${elsewhere.length === 1 ? '' : 's'} ${elsewhere.join(', ')} cannot run (the caller is in ${identity.account}), so this run cannot pass. Fix: pass --assume-role-name with a role the caller may assume in ${elsewhere.length === 1 ? 'that account' : 'those accounts'} (e.g. OrganizationAccountAccessRole).`);
    }
    // Said first, before any check runs.
    notices.forEach(n => io.err(`preflight: ${n}`));

    const header = `preflight: ${distributions.length} distribution configuration${distributions.length === 1 ? '' : 's'} in ${values.app}; caller ${identity.arn}, Region ${identity.region}`;
    // Text and JSON lines stream each result as it completes; --json is one document at the end.
    const mode = values.json ? 'json' : values['json-lines'] ? 'json-lines' : 'text';
    if (mode === 'text') {
      io.out(formatTextHead(header, notices));
    } else if (mode === 'json-lines') {
      notices.forEach(message => io.out(formatJsonLine({ type: 'notice', message })));
    }
    const progress = new Progress(io, planned.length + deployTime.length, { unit: 'checks', label: 'preflight' });
    // In text, a finding whose cause was written already is only counted: the tail writes each cause once.
    const newCause = streamFilter();
    const stream = (result: Result) => {
      progress.add(result);
      if (mode === 'json-lines') {
        progress.around(() => io.out(formatJsonLine({ type: 'check', ...result })));
      } else if (mode === 'text' && newCause(result)) {
        progress.around(() => io.out(formatResult(result)));
      }
    };
    let results: Result[];
    try {
      deployTime.forEach(stream);
      results = [...deployTime, ...await mapLimit(planned, concurrency, check => runCheck(aws, check, owned), stream)];
    } finally {
      progress.finish();
    }
    const code = exitCodeOf(results, { allowUnchecked: values['allow-unchecked'] });
    if (mode === 'json') {
      io.out(formatJson(results, identity, notices, code));
    } else if (mode === 'json-lines') {
      io.out(formatJsonLine({ type: 'summary', caller: identity, exitCode: code, summary: summarize(results), groups: jsonGroups(results) }));
    } else {
      io.out(formatTextTail(results));
    }
    return code;
  } finally {
    aws.close();
  }
}

const pathOf = (d: FoundDistribution) => d.constructPath ?? `${d.stack}/${d.logicalId}`;

/**
 * Why the assembly gives nothing to check, or undefined: no distribution configuration at all, or one whose
 * `Distributions` is no list of Region entries (CloudFormation requires one): a run over it would be a green for
 * nothing. An expression (`Fn::If`, ...) is a value known at deploy time: unchecked, not refused.
 */
function nothingToCheck(distributions: FoundDistribution[], app: string): string | undefined {
  if (distributions.length === 0) {
    return `the cloud assembly in ${app} has no Image Builder distribution configuration (AWS::ImageBuilder::DistributionConfiguration): there is nothing to check. Fix: pass --app with the cloud assembly of the app that has them ('cdk synth' first).`;
  }
  for (const d of distributions) {
    const list = d.properties.Distributions;
    const expression = typeof list === 'object' && list !== null && !Array.isArray(list) && Object.keys(list).length === 1
      && /^(Fn::|Ref$)/.test(Object.keys(list)[0]);
    if ((!Array.isArray(list) && !expression) || (Array.isArray(list) && list.length === 0)) {
      const what = list === undefined ? 'has no Distributions' : `has Distributions ${shown(JSON.stringify(list))}`;
      return `the distribution configuration ${pathOf(d)} (stack ${d.stack}) ${what}, not a list of Region entries: CloudFormation would refuse it, and there is nothing to check. Fix: give it at least one Region (addRegion), then 'cdk synth' again.`;
    }
  }
  return undefined;
}
