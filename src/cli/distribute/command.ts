import { randomUUID } from 'crypto';
import { ParseArgsConfig } from 'util';
import { DistributeImageCommand, ImagebuilderClient, RetryImageCommand } from '@aws-sdk/client-imagebuilder';
import { DeployedConfiguration, UsageError, chooseDistribution, configurationFromArn, findDeployed } from './configuration';
import { Followed, ImageArn, consoleLink, follow, imageArnOf } from './follow';
import { AssemblyError, readAssembly } from '../common/assembly';
import { AwsSession, Identity, NoAccess, SessionSettings, classify } from '../common/aws';
import { Io, SESSION_OPTIONS, SESSION_USAGE, duration, parseOptions, sessionSettings } from '../common/options';
import { EXIT } from '../common/report';

/*
 * `cdk-imagebuilder-distribution distribute` and `retry`: the only commands that change anything in AWS. `distribute`
 * runs a synthesized distribution configuration again on an existing AMI (Image Builder's DistributeImage), `retry`
 * resumes a failed image (RetryImage); both follow the image to the end with progress on stderr, print its console
 * link, then verify what it distributed and exit as verify does. They share everything but the call that starts
 * the work, so they are one folder. Verifying is the verify verb's: main.ts hands its entry in (`Dependencies`), so
 * that no verb imports another's files.
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

/** What these verbs get from main.ts. */
export interface Dependencies {
  readonly verify: VerifyImage;
}

const CHANGES = `It CHANGES AWS: it is one of the two commands of this tool that do (distribute and retry); preflight and
verify only read.`;

const FOLLOW_USAGE = `  --app DIR                  the cloud assembly with the distribution's intent, for verify (default: cdk.out)
  --json                     verify's report as one JSON document on stdout (progress and the link on stderr)
  --poll-interval SECONDS    how often the image's state is read (default: 30)
  --verify-timeout SECONDS   the budget of the verification after the distribution (default: 300)
${SESSION_USAGE.replace('(default: 300)', '(default: 7200: a distribution takes minutes to hours)')}
  -h, --help                 this text`;

const EXIT_USAGE = `Exit codes (as verify's):
  0  the image is AVAILABLE and verify found every Region and account as configured
  1  verify found a difference, or the image ended FAILED or CANCELLED (verify still reports what arrived)
  2  the command could not run: usage error, no or malformed cloud assembly, no usable credentials, the
     configuration is not deployed, or Image Builder refused to start (the reason and the fix are printed)
  3  the image did not finish within --timeout (it goes on in AWS: verify it later), its state could not be
     read, or some checks of verify could not run`;

export const DISTRIBUTE_USAGE = `Usage: cdk-imagebuilder-distribution distribute --image <AMI ID | image ARN | ssm:PARAMETER>
         --execution-role <ROLE ARN | NAME> [options]

Distributes an existing AMI again with a distribution configuration of the synthesized app, without rebuilding
it (Image Builder's DistributeImage), follows the new image to the end, prints its console link, then verifies
what it distributed in every Region and account (the verify command). ${CHANGES}
The configuration must be deployed; the execution role needs DistributionConfiguration.grantDistribute() and
must trust imagebuilder.amazonaws.com; the caller needs imagebuilder:DistributeImage, iam:PassRole on the
role, and what verify reads.

Options:
  --image SOURCE             the AMI to distribute: an AMI ID (ami-...), an Image Builder image ARN, or
                             ssm:<parameter name or ARN>; it must resolve to an AMI in the configuration's Region
  --execution-role ROLE      the role Image Builder assumes to distribute (ARN or name)
  --distribution PATH        the distribution configuration of the app (construct path, stack/logicalId or
                             logical ID), when the app has more than one
  --distribution-arn ARN     distribute with this deployed configuration instead of finding the app's
${FOLLOW_USAGE}

${EXIT_USAGE}`;

export const RETRY_USAGE = `Usage: cdk-imagebuilder-distribution retry --image <image build version ARN> [options]

Retries a FAILED or CANCELLED image from where it stopped (Image Builder's RetryImage: the same image build
version resumes its test or distribution phase), follows it to the end, prints its console link, then
verifies what it distributed in every Region and account (the verify command). ${CHANGES}
The caller needs imagebuilder:RetryImage and what verify reads; Image Builder uses the image's own
execution role (see DistributionConfiguration.grantDistribute()).

Options:
  --image ARN                the image build version to retry
                             (arn:aws:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>)
${FOLLOW_USAGE}

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
  return { values, ...session, intervalMs: intervalMs!, verifyBudgetMs: verifyBudgetMs! };
}

type Parsed = Exclude<ReturnType<typeof parse>, number>;

/**
 * Starts the work with `start` (which returns the image to follow), follows it, prints the console link, verifies.
 * Everything the user must fix before anything starts is a usage error (exit 2), said in one line with the fix.
 */
async function run(verb: string, parsed: Parsed, io: Io, deps: Dependencies,
  start: (aws: AwsSession, identity: Identity) => Promise<ImageArn>): Promise<number> {
  const { values, settings, concurrency, intervalMs, verifyBudgetMs } = parsed;
  const started = Date.now();
  const aws = new AwsSession(settings);
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
    try {
      image = await start(aws, identity);
    } catch (e) {
      if (e instanceof UsageError || e instanceof AssemblyError) {
        io.err(`${verb}: ${e.message}`);
      } else {
        const why = e instanceof NoAccess ? e : classify(e, settings);
        io.err(`${verb}: nothing was started: ${why.message}. Fix: ${why.fix}.`);
      }
      return EXIT.USAGE;
    }
    const link = consoleLink(image);
    (values.json ? io.err : io.out)(`${verb}: ${image.arn}\n${verb}: console: ${link}`);
    followed = await follow(aws, image, io, { verb, intervalMs, deadline: started + settings.budgetMs });
  } finally {
    aws.close();
  }

  if (!followed.finished) {
    const still = followed.status ? `still ${followed.status}` : 'in a state that could not be read';
    const why = followed.unreadable ? ` (${followed.unreadable.message}; fix: ${followed.unreadable.fix})` : ` after ${Math.round(settings.budgetMs / 1000)} s (--timeout)`;
    io.err(`${verb}: the image is ${still}${why}. It goes on in AWS: verify it once it is AVAILABLE with 'cdk-imagebuilder-distribution verify --image ${image.arn} --app ${values.app}'.`);
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

/** Runs `distribute` with `argv` (the arguments after the verb) and returns its exit code. */
export async function distribute(argv: string[], io: Io, deps: Dependencies): Promise<number> {
  const parsed = parse('distribute', DISTRIBUTE_USAGE, argv, io, {
    'image': { type: 'string' },
    'execution-role': { type: 'string' },
    'distribution': { type: 'string' },
    'distribution-arn': { type: 'string' },
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
  return run('distribute', parsed, io, deps, async (aws, identity) => {
    let configuration: DeployedConfiguration;
    if (typeof values['distribution-arn'] === 'string') {
      configuration = configurationFromArn(values['distribution-arn']);
    } else {
      const chosen = chooseDistribution(readAssembly(String(values.app)), values.distribution as string | undefined, String(values.app));
      configuration = await findDeployed(aws, identity, chosen);
    }
    io.err(`distribute: ${source} with ${configuration.arn} (account ${configuration.account}, Region ${configuration.region}), as ${role}`);
    const client = await aws.client(ImagebuilderClient, configuration.account, configuration.region);
    let answer: Record<string, any>;
    try {
      answer = await aws.send(client, new DistributeImageCommand({
        sourceImage: source,
        distributionConfigurationArn: configuration.arn,
        executionRole: role,
        clientToken: randomUUID(),
      }), 'imagebuilder:DistributeImage');
    } catch (e) {
      throw refused(e, aws, 'DistributeImage');
    }
    const image = imageArnOf(String(answer.imageBuildVersionArn ?? ''));
    if (!image) {
      throw new NoAccess(`DistributeImage answered no image build version ARN (${JSON.stringify(answer.imageBuildVersionArn)})`, 'look for the new image in the Image Builder console');
    }
    return image;
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
  return run('retry', parsed, io, deps, async aws => {
    const client = await aws.client(ImagebuilderClient, image.account, image.region);
    try {
      await aws.send(client, new RetryImageCommand({ imageBuildVersionArn: image.arn, clientToken: randomUUID() }), 'imagebuilder:RetryImage');
    } catch (e) {
      throw refused(e, aws, 'RetryImage');
    }
    io.err(`retry: ${image.arn} resumes`);
    return image;
  });
}

/** Image Builder refused to start: its own message for what the request got wrong, else the reason and fix. */
function refused(e: unknown, aws: AwsSession, operation: string): Error {
  const code = String((e as { name?: unknown })?.name ?? '');
  if (/^(InvalidRequestException|InvalidParameterValueException|InvalidParameterException|ClientException|ResourceNotFoundException|ResourceInUseException|IdempotentParameterMismatchException|ServiceQuotaExceededException)$/.test(code)) {
    const message = String((e as Error).message ?? '').split('\n')[0].replace(/\.$/, '');
    return new UsageError(`Image Builder refused ${operation}: ${code}: ${message}. Nothing was started. Fix: correct what the message names, then run the command again`);
  }
  return classify(e, aws.settings);
}
