import { createHash } from 'crypto';
import { ParseArgsConfig } from 'util';
import { DistributeImageCommand, GetImageCommand, ImagebuilderClient, RetryImageCommand } from '@aws-sdk/client-imagebuilder';
import { Difference, compareConfigurations } from './compare';
import { DeployedConfiguration, UsageError, appConfigurationOf, chooseDistribution, configurationFromArn, findDeployed, labelOf, readDeployed } from './configuration';
import { Followed, ImageArn, consoleLink, follow, imageArnOf } from './follow';
import { Refused, TOKEN_MAX, TOKEN_TAG, clientTokenOf, configurationContent, definitelyRefused, lookUpStarted, resolveSource } from './request';
import { AssemblyError, FoundDistribution, readAssembly } from '../common/assembly';
import { AwsSession, Identity, NoAccess, SessionSettings, classify, errorCode } from '../common/aws';
import { Io, SESSION_OPTIONS, SESSION_USAGE, duration, parseOptions, sessionSettings } from '../common/options';
import { EXIT } from '../common/report';

/*
 * `cdk-imagebuilder-distribution distribute` and `retry`: the only commands that change anything in AWS. `distribute`
 * runs a synthesized distribution configuration again on an existing AMI (Image Builder's DistributeImage), `retry`
 * resumes a failed image (RetryImage); both follow the image to the end with progress on stderr, print its console
 * link, then verify what it distributed and exit as verify does. They share everything but the call that starts
 * the work, so they are one folder. Verifying is the verify verb's: main.ts hands its entry in (`Dependencies`), so
 * that no verb imports another's files.
 *
 * Safe to run again: before sending, everything is resolved and compared (the deployed configuration with the app's,
 * the source image's state), and `--dry-run` stops there with the exact request; the client token is derived from
 * the request (request.ts), so a rerun cannot start a second distribution; a request whose answer did not come
 * back is reported as unknown, with what Image Builder shows of it, never as "nothing was started".
 */

/** What `verify` takes from these verbs: the image, the assembly with the intent, and the session's settings. */
export interface VerifyOptions {
  /** An image build version ARN. */
  readonly image: string;
  /** The cloud assembly whose distribution configuration holds the intent. */
  readonly app: string;
  readonly settings?: Partial<SessionSettings>;
  readonly concurrency?: number;
  readonly json?: boolean;
}

/** Verifies what an image distributed and returns verify's exit code. */
export type VerifyImage = (options: VerifyOptions, io: Io) => Promise<number>;

/** Where SIGINT and SIGTERM come from: the process (a test hands an emitter). */
export interface Signals {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  removeListener(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/** What these verbs get from main.ts. */
export interface Dependencies {
  readonly verify: VerifyImage;
  /** @default process */
  readonly signals?: Signals;
}

const CHANGES = `It CHANGES AWS: it is one of the two commands of this tool that do (distribute and retry); preflight and
verify only read.`;

const FOLLOW_USAGE = `  --dry-run                  resolve and compare everything, print the exact request (JSON, on stdout) and
                             send nothing; exit 0 when the request would be sent
  --client-token TOKEN       the request's client token (1 to 64 characters), instead of the one derived from
                             the request (see "Running it again" below)
  --app DIR                  the cloud assembly with the distribution's intent, for verify (default: cdk.out)
  --json                     verify's report as one JSON document on stdout (progress and the link on stderr)
  --poll-interval SECONDS    how often the image's state is read (default: 30)
  --verify-timeout SECONDS   the budget of the verification after the distribution (default: 300)
${SESSION_USAGE.replace('(default: 300)', '(default: 7200: a distribution takes minutes to hours)')}
  -h, --help                 this text`;

const EXIT_USAGE = `Exit codes (as verify's):
  0  the image is AVAILABLE and verify found every Region and account as configured; with --dry-run, the
     request would be sent
  1  verify found a difference, or the image ended FAILED or CANCELLED (verify still reports what arrived);
     or the deployed configuration differs from the app's (each field, Region and account named; nothing sent)
  2  the command could not run: usage error, no or malformed cloud assembly, no usable credentials, the
     configuration is not deployed, the source image is not AVAILABLE (or, for retry, the image is not FAILED
     or CANCELLED), or Image Builder refused to start (the reason and the fix are printed; nothing was started)
  3  the outcome is not known: the request was sent and its answer did not come back (what Image Builder shows
     of it is printed, with the command that finds out later); the image did not finish within --timeout, or
     SIGINT/SIGTERM stopped the command while it waited (the image goes on in AWS: the command to follow or
     verify it later is printed); its state could not be read; or some checks of verify could not run`;

const RERUN_USAGE = (verb: string, covers: string) => `Running it again: the request's client token is derived from ${covers}, so running the same
command again sends the same token, and Image Builder answers the first request's result instead of starting
a second ${verb === 'retry' ? 'retry' : 'distribution'} (Image Builder's idempotency: "If you retry a request with the same client token,
Image Builder returns the original response without running the operation again"). How long Image Builder
remembers a token is not documented: this command assumes only that it does while a rerun is likely (minutes
to hours); once it has forgotten, the same token starts the request anew. Pass --client-token with a new value
to ${verb === 'retry' ? 'retry the same image again on purpose' : 'distribute the same AMI with the same configuration again on purpose'}.`;

export const DISTRIBUTE_USAGE = `Usage: cdk-imagebuilder-distribution distribute --image <AMI ID | image ARN | ssm:PARAMETER>
         --execution-role <ROLE ARN | NAME> [options]

Distributes an existing AMI again with a distribution configuration of the synthesized app, without rebuilding
it (Image Builder's DistributeImage), follows the new image to the end, prints its console link, then verifies
what it distributed in every Region and account (the verify command). ${CHANGES}
Before sending, it reads the deployed configuration (GetDistributionConfiguration) and compares it with the
app's: any difference stops it (exit 1); and it refuses a source image that is not AVAILABLE (exit 2).
The configuration must be deployed; the execution role needs DistributionConfiguration.grantDistribute() and
must trust imagebuilder.amazonaws.com; the caller needs imagebuilder:DistributeImage,
imagebuilder:GetDistributionConfiguration, imagebuilder:ListImageBuildVersions, iam:PassRole on the role,
what resolving the source reads (ec2:DescribeImages, ssm:GetParameter or imagebuilder:GetImage), and what
verify reads.

Options:
  --image SOURCE             the AMI to distribute: an AMI ID (ami-...), an Image Builder image ARN, or
                             ssm:<parameter name or ARN>; it must resolve to an AVAILABLE AMI in the
                             configuration's Region
  --execution-role ROLE      the role Image Builder assumes to distribute (ARN, or name in the
                             configuration's account)
  --distribution PATH        the distribution configuration of the app (construct path, stack/logicalId or
                             logical ID), when the app has more than one
  --distribution-arn ARN     distribute with this deployed configuration instead of finding the app's (it is
                             still compared with the app's configuration of that name)
  --accept-deployed-configuration
                             distribute with the deployed configuration as it is, even where it differs from
                             the app's (or the app has none to compare with); the differences are printed
${FOLLOW_USAGE}

${RERUN_USAGE('distribute', `the source image (as given, and the AMI it resolves to), the
configuration's ARN and deployed content, the execution role and the verb`)} The request also tags the new image
with ${TOKEN_TAG}=<token>, by which the command finds it when an answer is lost.

${EXIT_USAGE}`;

export const RETRY_USAGE = `Usage: cdk-imagebuilder-distribution retry --image <image build version ARN> [options]

Retries a FAILED or CANCELLED image from where it stopped (Image Builder's RetryImage: the same image build
version resumes its test or distribution phase), follows it to the end, prints its console link, then
verifies what it distributed in every Region and account (the verify command). ${CHANGES}
It resumes with the image's own configuration (as the image recorded it), so it compares nothing with the app;
it refuses an image that is not FAILED or CANCELLED (exit 2).
The caller needs imagebuilder:RetryImage, imagebuilder:GetImage and what verify reads; Image Builder uses the
image's own execution role (see DistributionConfiguration.grantDistribute()).

Options:
  --image ARN                the image build version to retry
                             (arn:aws:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>)
${FOLLOW_USAGE}

${RERUN_USAGE('retry', 'the image and its failed state (status and reason)')}

${EXIT_USAGE}`;

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const IMAGE_VERSION_ARN = /^arn:aws[a-z-]*:imagebuilder:[a-z0-9-]+:(?:[0-9]{12}|aws):image\/[a-z0-9-_]+\/(?:[0-9]+\.[0-9]+\.[0-9]+|x\.x\.x)(?:\/[0-9]+)?$/;
const ROLE = /^(?:arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role\/)?[a-zA-Z_0-9+=,.@\-_/]{1,64}$/;

const FOLLOW_OPTIONS = {
  ...SESSION_OPTIONS,
  'timeout': { type: 'string', default: '7200' },
  'app': { type: 'string', default: 'cdk.out' },
  'json': { type: 'boolean', default: false },
  'poll-interval': { type: 'string', default: '30' },
  'verify-timeout': { type: 'string', default: '300' },
  'dry-run': { type: 'boolean', default: false },
  'client-token': { type: 'string' },
  'help': { type: 'boolean', short: 'h', default: false },
} as const;

/** The parsed common options of both verbs, or the exit code already decided (help, usage error). */
function parse(verb: string, usage: string, argv: string[], io: Io, extra: NonNullable<ParseArgsConfig['options']>) {
  let args;
  try {
    args = parseOptions(argv, { ...FOLLOW_OPTIONS, ...extra });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${usage}`);
    return EXIT.USAGE;
  }
  const values = args.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.out(usage);
    return EXIT.OK;
  }
  const session = sessionSettings(values);
  if ('error' in session) {
    io.err(`${verb}: ${session.error}`);
    return EXIT.USAGE;
  }
  const intervalMs = duration(values['poll-interval'] as string | undefined);
  const verifyBudgetMs = duration(values['verify-timeout'] as string | undefined);
  for (const [option, ms] of [['--poll-interval', intervalMs], ['--verify-timeout', verifyBudgetMs]] as const) {
    if (ms === undefined) {
      io.err(`${verb}: ${option} takes a number of seconds greater than 0, not ${values[option.slice(2)]}.`);
      return EXIT.USAGE;
    }
  }
  const token = values['client-token'];
  // The model's ClientToken: 1 to 64 characters; printable ASCII keeps it safe to print and to paste.
  if (typeof token === 'string' && !new RegExp(`^[\\x21-\\x7e]{1,${TOKEN_MAX}}$`).test(token)) {
    io.err(`${verb}: --client-token takes 1 to ${TOKEN_MAX} printable ASCII characters without spaces, not ${JSON.stringify(token.slice(0, 80))}${token.length > 80 ? '...' : ''} (${token.length} characters).`);
    return EXIT.USAGE;
  }
  return { values, argv, ...session, intervalMs: intervalMs!, verifyBudgetMs: verifyBudgetMs! };
}

type Parsed = Exclude<ReturnType<typeof parse>, number>;

/** The deployed configuration differs from the app's: nothing is sent (exit code 1). */
class ConfigurationDiffers extends Error {}

/** The request a verb would send, resolved and checked, and how to tell what it did when its answer is lost. */
interface Plan {
  readonly operation: 'DistributeImage' | 'RetryImage';
  readonly account: string;
  readonly region: string;
  /** Exactly what is sent (the SDK's input: the API's member names). */
  readonly request: Record<string, any>;
  /** Sends the request; returns the image to follow. */
  send(aws: AwsSession): Promise<ImageArn>;
  /** What Image Builder shows of the request when its answer was lost (lines for stderr). */
  lookUp(aws: AwsSession, sentAt: number): Promise<string>;
}

/** An argument as the shell takes it back. */
const shellWord = (a: string) => (/^[A-Za-z0-9_./:=@,+-]+$/.test(a) ? a : `'${a.replace(/'/g, '\'\\\'\'')}'`);

/** The command that sends the same request again: the same arguments with the token pinned, without --dry-run. */
function rerunOf(verb: string, argv: string[], token: string): string {
  const args = argv.filter(a => a !== '--dry-run');
  const pinned = args.some(a => a === '--client-token' || a.startsWith('--client-token=')) ? args : [...args, '--client-token', token];
  return `cdk-imagebuilder-distribution ${verb} ${pinned.map(shellWord).join(' ')}`;
}

/**
 * Prepares the request (`prepare`: resolve, compare, derive the token), prints it and stops there for --dry-run;
 * else sends it, follows the image, prints the console link and verifies. What the user must fix before anything
 * is sent is exit 2 (1 for a configuration that differs), said with the fix; a request whose answer is lost, and
 * an image left running by --timeout or a signal, are exit 3 with the command that finds out later.
 */
async function run(verb: string, parsed: Parsed, io: Io, deps: Dependencies,
  prepare: (aws: AwsSession, identity: Identity) => Promise<Plan>): Promise<number> {
  const { values, settings, concurrency, intervalMs, verifyBudgetMs } = parsed;
  const started = Date.now();
  const aws = new AwsSession(settings);
  const signals = deps.signals ?? process;
  const stop = new AbortController();
  const listeners = (['SIGINT', 'SIGTERM'] as const).map(name => [name, () => stop.abort(name)] as const);
  let image: ImageArn;
  let followed: Followed;
  try {
    let identity: Identity;
    try {
      identity = await aws.identity();
    } catch (e) {
      const why = classify(e, settings);
      io.err(`${verb}: no usable AWS credentials or Region (${why.message}). Fix: ${why.fix}.`);
      return EXIT.USAGE;
    }
    let plan: Plan;
    try {
      plan = await prepare(aws, identity);
    } catch (e) {
      if (e instanceof ConfigurationDiffers) {
        io.err(`${verb}: ${e.message}`);
        return EXIT.FINDINGS;
      }
      if (e instanceof UsageError || e instanceof AssemblyError || e instanceof Refused) {
        io.err(`${verb}: ${e.message}`);
      } else {
        const why = e instanceof NoAccess ? e : classify(e, settings);
        io.err(`${verb}: nothing was sent: ${why.message}. Fix: ${why.fix}.`);
      }
      return EXIT.USAGE;
    }
    const rerun = rerunOf(verb, parsed.argv, plan.request.clientToken);
    if (values['dry-run']) {
      io.err(`${verb}: dry run: nothing was sent. ${plan.operation} would be sent in account ${plan.account}, Region ${plan.region}, with this request (stdout); to send it: ${rerun}`);
      io.out(JSON.stringify({ operation: plan.operation, account: plan.account, region: plan.region, request: plan.request }, null, 2));
      return EXIT.OK;
    }

    // From here a signal leaves something running in AWS: say what, and how to find it again.
    listeners.forEach(([name, listener]) => signals.on(name, listener));
    const sentAt = Date.now();
    const sending = plan.send(aws);
    let sent: ImageArn | undefined;
    try {
      sent = await Promise.race([sending, new Promise<undefined>(resolve => stop.signal.addEventListener('abort', () => resolve(undefined), { once: true }))]);
    } catch (e) {
      if (errorCode(e) === 'IdempotentParameterMismatchException') {
        // The token is known to Image Builder: an earlier request with it may well have started something.
        io.err(`${verb}: Image Builder refused ${plan.operation}: the client token ${plan.request.clientToken} was already used with other parameters, so this request started nothing new; the earlier request with that token may have started ${verb === 'retry' ? 'a retry' : 'a distribution'}. Fix: pass --client-token with a new value to send this request, or run the earlier command again to find what it started.`);
        return EXIT.USAGE;
      }
      if (definitelyRefused(e)) {
        const message = String((e as Error).message ?? '').split('\n')[0].replace(/\.$/, '');
        io.err(`${verb}: Image Builder refused ${plan.operation}: ${errorCode(e)}: ${message}. Nothing was started. Fix: correct what the message names, then run the command again.`);
        return EXIT.USAGE;
      }
      const why = classify(e, settings);
      io.err(`${verb}: ${plan.operation} was sent, and its answer did not come back (${why.message}): whether it started is not known yet.`);
      io.err(await plan.lookUp(aws, sentAt));
      io.err(`${verb}: find out later: run the same command again, which sends the same client token and so cannot start a second ${verb === 'retry' ? 'retry' : 'distribution'}: ${rerun}`);
      return EXIT.UNCHECKED;
    }
    if (!sent) {
      sending.catch(() => undefined);
      io.err(`${verb}: stopped by ${String(stop.signal.reason)} while ${plan.operation} was in flight: whether it started is not known. To find out, run the same command again (the same client token cannot start a second ${verb === 'retry' ? 'retry' : 'distribution'}): ${rerun}`);
      return EXIT.UNCHECKED;
    }
    image = sent;
    const link = consoleLink(image);
    (values.json ? io.err : io.out)(`${verb}: ${image.arn}\n${verb}: console: ${link}`);
    followed = await follow(aws, image, io, { verb, intervalMs, deadline: started + settings.budgetMs, stop: stop.signal });
  } finally {
    listeners.forEach(([name, listener]) => signals.removeListener(name, listener));
    aws.close();
  }

  const verifyLater = `'cdk-imagebuilder-distribution verify --image ${image.arn} --app ${shellWord(String(values.app))}'`;
  if (followed.interrupted) {
    io.err(`${verb}: stopped by ${followed.interrupted}: ${image.arn} is ${followed.status ? `still ${followed.status}` : 'in a state not read yet'} and goes on in AWS (stopping this command stops nothing there; the console shows it: ${consoleLink(image)}). Follow it again by running the same command (the same client token starts nothing new), or verify it once it is AVAILABLE with ${verifyLater}.`);
    return EXIT.UNCHECKED;
  }
  if (!followed.finished) {
    const still = followed.status ? `still ${followed.status}` : 'in a state that could not be read';
    const why = followed.unreadable ? ` (${followed.unreadable.message}; fix: ${followed.unreadable.fix})` : ` after ${Math.round(settings.budgetMs / 1000)} s (--timeout)`;
    io.err(`${verb}: the image is ${still}${why}. It goes on in AWS: verify it once it is AVAILABLE with ${verifyLater}.`);
    return EXIT.UNCHECKED;
  }
  if (followed.status !== 'AVAILABLE') {
    io.err(`${verb}: the image ended ${followed.status}${followed.reason ? `: ${followed.reason}` : ''}. What it distributed is verified below; fix the cause, then 'cdk-imagebuilder-distribution retry --image ${image.arn}'.`);
  }
  const code = await deps.verify({
    image: image.arn,
    app: String(values.app),
    settings: { ...settings, budgetMs: verifyBudgetMs },
    concurrency,
    json: Boolean(values.json),
  }, io);
  // A distribution that did not end AVAILABLE is a finding, whatever verify found of what arrived.
  return followed.status === 'AVAILABLE' ? code : EXIT.FINDINGS;
}

/** The lines that say how the deployed configuration differs from the app's. */
const differencesText = (differences: Difference[]) => differences.map(d => `  ${d.message}`).join('\n');

/** Runs `distribute` with `argv` (the arguments after the verb) and returns its exit code. */
export async function distribute(argv: string[], io: Io, deps: Dependencies): Promise<number> {
  const parsed = parse('distribute', DISTRIBUTE_USAGE, argv, io, {
    'image': { type: 'string' },
    'execution-role': { type: 'string' },
    'distribution': { type: 'string' },
    'distribution-arn': { type: 'string' },
    'accept-deployed-configuration': { type: 'boolean', default: false },
  });
  if (typeof parsed === 'number') {
    return parsed;
  }
  const { values } = parsed;
  const source = typeof values.image === 'string' ? values.image.trim() : undefined;
  const role = typeof values['execution-role'] === 'string' ? values['execution-role'].trim() : undefined;
  if (!source || !(AMI_ID.test(source) || IMAGE_VERSION_ARN.test(source) || /^ssm:\S+$/.test(source))) {
    io.err(`distribute: --image ${source === undefined ? 'is missing' : `${source} is not an AMI ID, an image ARN or ssm:<parameter>`}. Fix: pass the AMI to distribute, e.g. --image ami-0123456789abcdef0, --image arn:aws:imagebuilder:us-east-1:111111111111:image/golden/1.0.0/1 or --image ssm:/golden/ami-id.\n\n${DISTRIBUTE_USAGE}`);
    return EXIT.USAGE;
  }
  if (!role || !ROLE.test(role)) {
    io.err(`distribute: --execution-role ${role === undefined ? 'is missing' : `${role} is not a role ARN or name`}. Fix: pass the role Image Builder assumes to distribute (a role with grantDistribute() that trusts imagebuilder.amazonaws.com), e.g. --execution-role arn:aws:iam::111111111111:role/ImageBuilderDistribution.\n\n${DISTRIBUTE_USAGE}`);
    return EXIT.USAGE;
  }
  const accept = Boolean(values['accept-deployed-configuration']);
  const appDir = String(values.app);
  return run('distribute', parsed, io, deps, async (aws, identity) => {
    let configuration: DeployedConfiguration;
    let app: FoundDistribution | undefined;
    if (typeof values['distribution-arn'] === 'string') {
      const arn = configurationFromArn(values['distribution-arn']);
      configuration = await readDeployed(aws, arn, `the distribution configuration ${arn.arn} is not deployed`, 'pass the ARN of a deployed distribution configuration');
      try {
        app = appConfigurationOf(readAssembly(appDir), configuration.arn);
      } catch (e) {
        if (!(e instanceof AssemblyError)) {
          throw e;
        }
      }
    } else {
      app = chooseDistribution(readAssembly(appDir), values.distribution as string | undefined, appDir);
      configuration = await findDeployed(aws, identity, app);
    }
    const deployed = configuration.deployed!;
    const where = `${configuration.arn} (account ${configuration.account}, Region ${configuration.region})`;
    if (!app) {
      if (!accept) {
        throw new UsageError(`${appDir} has no distribution configuration named as ${configuration.arn} to compare the deployed one with, and distributing with a configuration nobody compared could copy or share the AMI where the app does not. Nothing was sent. Fix: pass --app with the cloud assembly of the app that deploys it, or --accept-deployed-configuration to distribute with the deployed configuration as it is`);
      }
      io.err(`distribute: --accept-deployed-configuration: distributing with ${where} as it is deployed, compared with no app's`);
    } else {
      const env = { account: configuration.account, region: configuration.region, partition: identity.partition };
      const comparison = compareConfigurations(app, deployed, env);
      if (comparison.differences.length > 0) {
        if (!accept) {
          throw new ConfigurationDiffers(`the deployed configuration ${where} differs from the app's ${labelOf(app)}; nothing was sent:\n${differencesText(comparison.differences)}\nFix: deploy the app ('cdk deploy ${app.stack}') so that the deployed configuration is the app's, or pass --accept-deployed-configuration to distribute with the deployed one as it is.`);
        }
        io.err(`distribute: --accept-deployed-configuration: distributing with ${where} as it is deployed, although it differs from the app's ${labelOf(app)}:\n${differencesText(comparison.differences)}`);
      }
      for (const line of comparison.deployTime) {
        io.err(`distribute: known only at deploy time in the app, taken as deployed: ${line}`);
      }
    }
    const resolved = await resolveSource(aws, source, configuration);
    const roleArn = role.startsWith('arn:') ? role : `arn:${identity.partition}:iam::${configuration.account}:role/${role}`;
    const contentHash = createHash('sha256').update(configurationContent(deployed)).digest('hex');
    const token = typeof values['client-token'] === 'string' ? values['client-token']
      : clientTokenOf('distribute', [source, resolved.ami, configuration.arn, contentHash, roleArn]);
    const request = {
      sourceImage: source,
      distributionConfigurationArn: configuration.arn,
      executionRole: roleArn,
      clientToken: token,
      tags: { [TOKEN_TAG]: token },
    };
    io.err(`distribute: ${resolved.resolution}; with ${where}, as ${roleArn}, client token ${token}`);
    return {
      operation: 'DistributeImage',
      account: configuration.account,
      region: configuration.region,
      request,
      send: async session => {
        const client = await session.client(ImagebuilderClient, configuration.account, configuration.region);
        const answer = await session.send<Record<string, any>>(client, new DistributeImageCommand(request), 'imagebuilder:DistributeImage');
        const image = imageArnOf(String(answer.imageBuildVersionArn ?? ''));
        if (!image) {
          // Accepted, but with no image to follow: the outcome is unknown, and the lookup says what exists.
          throw Object.assign(new Error(`DistributeImage answered no image build version ARN (${JSON.stringify(answer.imageBuildVersionArn)})`), { name: 'NoImageInAnswer' });
        }
        return image;
      },
      lookUp: async (session, sentAt) => {
        const found = await lookUpStarted(session, token, configuration, sentAt);
        const place = `account ${configuration.account}, Region ${configuration.region}`;
        if (found.started) {
          return `distribute: Image Builder started it: ${found.started.arn} is ${found.started.status ?? 'in no state yet'}, tagged ${TOKEN_TAG}=${token}. It goes on in AWS: verify it once it is AVAILABLE with 'cdk-imagebuilder-distribution verify --image ${found.started.arn} --app ${shellWord(appDir)}'.`;
        }
        const recent = found.recent.length > 0
          ? ` Images created in ${place} since shortly before the request (it may be one of them): ${found.recent.map(r => `${r.arn} (${r.status ?? 'no state'}, ${r.dateCreated})`).join('; ')}.`
          : '';
        if (found.unreadable) {
          return `distribute: could not look up what it started (${found.unreadable.message}; fix: ${found.unreadable.fix}).${recent}`;
        }
        return `distribute: no image tagged ${TOKEN_TAG}=${token} is listed in ${place} yet (${found.seen} image build versions looked through): it may not have started, or may not be listed yet.${recent}`;
      },
    };
  });
}

/** Runs `retry` with `argv` (the arguments after the verb) and returns its exit code. */
export async function retry(argv: string[], io: Io, deps: Dependencies): Promise<number> {
  const parsed = parse('retry', RETRY_USAGE, argv, io, { image: { type: 'string' } });
  if (typeof parsed === 'number') {
    return parsed;
  }
  const text = typeof parsed.values.image === 'string' ? parsed.values.image : undefined;
  const image = text === undefined ? undefined : imageArnOf(text);
  if (!image) {
    io.err(`retry: --image ${text === undefined ? 'is missing' : `${text} is not an image build version ARN`}. Fix: pass the failed image, e.g. --image arn:aws:imagebuilder:us-east-1:111111111111:image/golden/1.0.0/4 (the console and 'aws imagebuilder list-image-build-versions' show it).\n\n${RETRY_USAGE}`);
    return EXIT.USAGE;
  }
  const readState = async (aws: AwsSession) => {
    const client = await aws.client(ImagebuilderClient, image.account, image.region);
    try {
      const answer = await aws.send<Record<string, any>>(client, new GetImageCommand({ imageBuildVersionArn: image.arn }), 'imagebuilder:GetImage');
      return { status: answer.image?.state?.status as string | undefined, reason: answer.image?.state?.reason as string | undefined };
    } catch (e) {
      if (/^(ResourceNotFoundException|ClientException|InvalidRequestException)$/.test(errorCode(e))) {
        throw new Refused(`the image ${image.arn} does not exist in account ${image.account}, Region ${image.region}. Fix: pass the ARN of the failed image (the console and 'aws imagebuilder list-image-build-versions' show it)`);
      }
      throw classify(e, aws.settings, await aws.endpointOf(client));
    }
  };
  return run('retry', parsed, io, deps, async aws => {
    const state = await readState(aws);
    if (state.status !== 'FAILED' && state.status !== 'CANCELLED') {
      throw new Refused(`${image.arn} is ${state.status ?? 'in no state GetImage shows'}: RetryImage resumes only a FAILED or CANCELLED image, so nothing was sent. Fix: ${state.status === 'AVAILABLE' ? 'nothing to retry; verify it with \'cdk-imagebuilder-distribution verify --image ' + image.arn + '\'' : 'wait for it to end; if it fails, retry it then'}`);
    }
    const token = typeof parsed.values['client-token'] === 'string' ? parsed.values['client-token']
      : clientTokenOf('retry', [image.arn, state.status, state.reason]);
    const request = { imageBuildVersionArn: image.arn, clientToken: token };
    io.err(`retry: ${image.arn} is ${state.status}${state.reason ? ` (${state.reason})` : ''}; client token ${token}`);
    return {
      operation: 'RetryImage',
      account: image.account,
      region: image.region,
      request,
      send: async session => {
        const client = await session.client(ImagebuilderClient, image.account, image.region);
        await session.send(client, new RetryImageCommand(request), 'imagebuilder:RetryImage');
        io.err(`retry: ${image.arn} resumes`);
        return image;
      },
      lookUp: async session => {
        try {
          const now = await readState(session);
          return now.status === state.status && now.reason === state.reason
            ? `retry: ${image.arn} is still ${now.status}: it may not have resumed, or may not show it yet.`
            : `retry: Image Builder resumed it: ${image.arn} is now ${now.status}. It goes on in AWS: verify it once it is AVAILABLE with 'cdk-imagebuilder-distribution verify --image ${image.arn}'.`;
        } catch (e) {
          const why = e instanceof Refused ? new NoAccess(e.message, 'see the message') : classify(e, session.settings);
          return `retry: could not read the image's state (${why.message}; fix: ${why.fix}).`;
        }
      },
    };
  });
}
