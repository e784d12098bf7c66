import { runVerification } from './run';
import { AssemblyError, FoundDistribution, readAssembly } from '../common/assembly';
import { AwsSession, Identity, SessionSettings, classify } from '../common/aws';
import { IMAGE_FORMS, MAX_IMAGE_ARN, imageReference } from '../common/imagebuilder';
import { Io, SESSION_OPTIONS, SESSION_USAGE, parseOptions, sessionSettings, shown } from '../common/options';
import { EXIT, exitCodeOf, formatJson, formatText } from '../common/report';

/*
 * `cdk-imagebuilder-distribution verify`: checks, read-only, what an image's distribution produced in every Region
 * and account against what the app's distribution configuration says it should have. Exit codes as preflight
 * (EXIT in report.ts): 0 everything was checked and is as configured, 1 something differs, 2 the command could
 * not run, 3 nothing differs but some checks could not run.
 */

export const USAGE = `Usage: cdk-imagebuilder-distribution verify --image ARN [options]

Checks, read-only, what an Image Builder image distributed, in every Region and account, against the app's
distribution configuration (the cloud assembly's): the AMI exists and is available; every snapshot is encrypted
with the configured KMS key (without one: which key, and whether it can be shared); the launch permissions are
exactly those configured (accounts, organizations, OUs, public: more is a finding too); the AMI tags; the SSM
parameters hold the new AMI ID; the launch templates launch it (and their account may); fast launch is enabled
where configured. Credentials come from the default chain (environment, profiles, SSO); AWS_ENDPOINT_URL points
it at another endpoint.

Options:
  --image ARN                the image build version ARN
                             (arn:aws:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>), or an image
                             pipeline ARN (arn:aws:imagebuilder:<region>:<account>:image-pipeline/<name>): its
                             latest image
  --app DIR                  the cloud assembly to read (default: cdk.out)
  --json                     one JSON document on stdout, for CI
${SESSION_USAGE}
  --allow-unchecked          exit 0 even when some checks could not run (they are still reported)
  -h, --help                 this text

Exit codes:
  0  everything was checked and is as configured
  1  something differs from the configuration (whatever else happened): a missing AMI, another key, an extra
     launch permission, a stale SSM parameter or launch template, ...
  2  the command could not run: usage error (an option given twice, a value out of range), no or malformed cloud
     assembly, no usable credentials, no such image, an image whose distribution configuration the app does
     not have, or no Region to check in either
  3  nothing differs, but some checks could not run (no answer in time, access denied, throttled, expired
     credentials, no connection, no --assume-role-name, the image still distributing); --allow-unchecked
     turns this into 0`;

/**
 * What `verifyImage` takes: the programmatic entry of verify, which main.ts hands to the verbs that verify after
 * they act (distribute, retry), so that no verb imports another's files.
 */
export interface VerifyImageOptions {
  /** An image build version ARN, or an image pipeline ARN (its latest image). */
  readonly image: string;
  /** The cloud assembly whose distribution configuration holds the intent. */
  readonly app: string;
  /** The session's settings; ignored when `aws` is given. */
  readonly settings?: Partial<SessionSettings>;
  /** A session to reuse (its credentials, assumed roles and budget); the caller closes it. */
  readonly aws?: AwsSession;
  /** Checks run at once. @default DEFAULT_CONCURRENCY */
  readonly concurrency?: number;
  /** One JSON document on `io.out` instead of the text report. */
  readonly json?: boolean;
  /** Exit 0 when nothing differs, even if some checks could not run. */
  readonly allowUnchecked?: boolean;
}

/** Runs `verify` with `argv` (the arguments after the verb) and returns its exit code. */
export async function verify(argv: string[], io: Io): Promise<number> {
  let args;
  try {
    args = parseOptions(argv, {
      ...SESSION_OPTIONS,
      'image': { type: 'string' },
      'app': { type: 'string', default: 'cdk.out' },
      'json': { type: 'boolean', default: false },
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
  if (values.image === undefined) {
    io.err(`verify: --image is required: ${IMAGE_FORMS}.\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  const session = sessionSettings(values);
  if ('error' in session) {
    io.err(session.error);
    return EXIT.USAGE;
  }
  return verifyImage({
    image: values.image,
    app: values.app!,
    settings: session.settings,
    concurrency: session.concurrency,
    json: values.json,
    allowUnchecked: values['allow-unchecked'],
  }, io);
}

/**
 * Verifies what an image distributed (the programmatic entry: main.ts hands it to the verbs that verify after
 * they distribute); returns the exit code. Progress and notices go to `io.err`, the report to `io.out`.
 */
export async function verifyImage(options: VerifyImageOptions, io: Io): Promise<number> {
  // Refused before any call: an ARN that names nothing.
  const reference = options.image.length > MAX_IMAGE_ARN ? undefined : imageReference(options.image);
  if (!reference) {
    io.err(`verify: ${options.image.length > MAX_IMAGE_ARN
      ? `--image is ${options.image.length} characters long; an image or pipeline ARN has at most ${MAX_IMAGE_ARN}: it is ${IMAGE_FORMS}.`
      : `--image ${options.image.length > 80 ? shown(options.image) : JSON.stringify(options.image)} is not ${IMAGE_FORMS}.`}`);
    return EXIT.USAGE;
  }
  let distributions: FoundDistribution[];
  try {
    distributions = readAssembly(options.app);
  } catch (e) {
    const message = e instanceof AssemblyError ? e.message : `cannot read the cloud assembly in ${options.app}: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    io.err(`verify: ${message}`);
    return EXIT.USAGE;
  }

  const aws = options.aws ?? new AwsSession(options.settings ?? {});
  try {
    let identity: Identity;
    try {
      identity = await aws.identity();
    } catch (e) {
      const why = classify(e, aws.settings);
      io.err(`verify: no usable AWS credentials or Region (${why.message}). Fix: ${why.fix}.`);
      return EXIT.USAGE;
    }
    const run = await runVerification(aws, identity, {
      image: options.image,
      source: { app: distributions },
      concurrency: options.concurrency,
      progress: line => io.err(`verify: ${line}`),
    });
    if (run.kind === 'usage') {
      io.err(`verify: ${run.message}`);
      return EXIT.USAGE;
    }
    const code = exitCodeOf(run.results, { allowUnchecked: options.allowUnchecked });
    const header = `verify: image ${run.imageArn}; app ${options.app}; caller ${identity.arn}`;
    io.out(options.json
      ? JSON.stringify({ image: run.imageArn, ...JSON.parse(formatJson(run.results, identity, run.notices, code)) }, null, 2)
      : formatText(run.results, header, run.notices));
    return code;
  } finally {
    if (!options.aws) {
      aws.close();
    }
  }
}
