import { runWork, verifyWork } from './checks';
import { AssemblyError, FoundDistribution, readAssembly } from '../common/assembly';
import { AwsSession, Identity, SessionSettings, classify, errorCode, incomplete, isObject, mapLimit } from '../common/aws';
import { IMAGE_FORMS, IMAGE_NOT_FOUND, MAX_IMAGE_ARN, amisOf, getImage, imageReference, latestImageOf } from '../common/imagebuilder';
import { intentOf, matchDistribution } from '../common/intent';
import { DEFAULT_CONCURRENCY, Io, SESSION_OPTIONS, SESSION_USAGE, parseOptions, sessionSettings, shown } from '../common/options';
import { EXIT, Result, exitCodeOf, formatJson, formatText } from '../common/report';

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

type Json = Record<string, any>;

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
  // Refused before any call: an ARN longer than Image Builder's names and versions allow names nothing.
  if (options.image.length > MAX_IMAGE_ARN) {
    io.err(`verify: --image is ${options.image.length} characters long; an image or pipeline ARN has at most ${MAX_IMAGE_ARN}: it is ${IMAGE_FORMS}.`);
    return EXIT.USAGE;
  }
  const reference = imageReference(options.image);
  if (!reference) {
    io.err(`verify: --image ${options.image.length > 80 ? shown(options.image) : JSON.stringify(options.image)} is not ${IMAGE_FORMS}.`);
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
  const settings = aws.settings;
  try {
    let identity: Identity;
    try {
      identity = await aws.identity();
    } catch (e) {
      const why = classify(e, settings);
      io.err(`verify: no usable AWS credentials or Region (${why.message}). Fix: ${why.fix}.`);
      return EXIT.USAGE;
    }
    const report = (results: Result[], notices: string[], imageArn: string) => {
      const code = exitCodeOf(results, { allowUnchecked: options.allowUnchecked });
      const header = `verify: image ${imageArn}; app ${options.app}; caller ${identity.arn}`;
      io.out(options.json
        ? JSON.stringify({ image: imageArn, ...JSON.parse(formatJson(results, identity, notices, code)) }, null, 2)
        : formatText(results, header, notices));
      return code;
    };
    /** A call about the image itself failed: the image does not exist (2), or it could not be read (3). */
    const imageFailure = (e: unknown, what: string, arn: string) => {
      if (IMAGE_NOT_FOUND.test(errorCode(e))) {
        io.err(`verify: ${what} ${arn}: Image Builder answered ${errorCode(e)}: ${String((e as Error).message).split('\n')[0]}. Fix: check the ARN (its Region and account).`);
        return EXIT.USAGE;
      }
      const why = classify(e, settings);
      return report([{
        check: 'image',
        status: 'unchecked',
        account: reference.account,
        region: reference.region,
        resource: arn,
        message: `could not check ${arn}: ${why.message}`,
        fix: why.fix,
        distributions: [],
      }], [], arn);
    };

    let imageArn = reference.arn;
    if (reference.kind === 'pipeline') {
      try {
        const latest = await latestImageOf(aws, reference);
        if (!latest) {
          io.err(`verify: the image pipeline ${reference.arn} has no image yet. Fix: run the pipeline, or pass --image with an image build version ARN.`);
          return EXIT.USAGE;
        }
        imageArn = latest;
        io.err(`verify: the latest image of ${reference.arn} is ${imageArn}`);
      } catch (e) {
        return imageFailure(e, 'cannot list the images of the pipeline', reference.arn);
      }
    }
    let image: Json;
    try {
      image = await getImage(aws, { ...reference, kind: 'image', arn: imageArn });
      // An answer without the image says nothing about it: unknown (exit 3), not "no distribution configuration".
      if (!isObject(image) || Object.keys(image).length === 0) {
        throw incomplete('imagebuilder:GetImage', 'image');
      }
    } catch (e) {
      return imageFailure(e, 'cannot read the image', imageArn);
    }
    if (image.type !== undefined && image.type !== 'AMI') {
      io.err(`verify: ${imageArn} is a ${image.type} image; verify checks AMI distributions.`);
      return EXIT.USAGE;
    }
    const configurationArn = image.distributionConfiguration?.arn;
    if (typeof configurationArn !== 'string') {
      io.err(`verify: the image ${imageArn} has no distribution configuration: there is nothing to verify.`);
      return EXIT.USAGE;
    }
    const distribution = matchDistribution(distributions, configurationArn, reference.partition);
    if (typeof distribution === 'string') {
      io.err(`verify: the image was distributed with ${configurationArn}, but ${distribution}. Fix: pass --app with the cloud assembly of the app that deploys it ('cdk synth' first).`);
      return EXIT.USAGE;
    }

    const owner = reference.account;
    const status = String(image.state?.status ?? 'UNKNOWN');
    const imageResult = (s: Result['status'], message: string, fix?: string): Result =>
      ({ check: 'image', status: s, account: owner, region: reference.region, resource: imageArn, message, ...(fix ? { fix } : {}), distributions: [] });
    if (typeof image.state?.status !== 'string') {
      const why = incomplete('imagebuilder:GetImage', 'image.state.status');
      return report([imageResult('unchecked', `could not check ${imageArn}: ${why.message}`, why.fix)], [], imageArn);
    }
    if (['PENDING', 'CREATING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING'].includes(status)) {
      return report([imageResult('unchecked', `could not check ${imageArn}: it is still ${status}`, 'run verify again when the image is AVAILABLE')], [], imageArn);
    }

    const intent = intentOf(distribution, image, reference.partition);
    if (intent.regions.length === 0 && intent.differences.length === 0) {
      // Nothing to compare: no Region in the app's configuration nor in the image's. Never a green for nothing.
      io.err(`verify: ${intent.distribution} has no Region to check (its Distributions is ${Array.isArray(distribution.properties.Distributions) ? 'empty' : 'not a list'}, and the image was distributed with none): there is nothing to verify. Fix: pass --app with the cloud assembly of the app that deploys ${configurationArn}.`);
      return EXIT.USAGE;
    }
    const results: Result[] = [status === 'AVAILABLE'
      ? imageResult('pass', 'the image is AVAILABLE')
      : imageResult('fail', `the image is ${status}${image.state?.reason ? `: ${image.state.reason}` : ''}`, 'fix the cause, then distribute again (cdk-imagebuilder-distribution retry or distribute)')];
    for (const d of intent.differences) {
      results.push({
        check: 'configuration',
        status: 'fail',
        account: owner,
        region: d.region,
        resource: configurationArn,
        message: d.message,
        fix: 'deploy the app (cdk deploy) and build or distribute the image again, or verify with the cloud assembly of the deployed version',
        distributions: [intent.distribution],
      });
    }
    const notices = intent.fromImage.map(f => `known only at deploy time, taken from the image's configuration: ${f}`);
    const accounts = intent.regions.flatMap(r => [
      ...r.targets, ...r.launchTemplates.map(t => t.accountId), ...r.ssmParameters.map(p => p.amiAccountId), ...r.fastLaunch.map(f => f.accountId),
    ]);
    const elsewhere = [...new Set([owner, ...accounts])].filter(a => a !== identity.account);
    if (!settings.assumeRoleName && elsewhere.length > 0) {
      notices.push(`without --assume-role-name, the checks in account${elsewhere.length === 1 ? '' : 's'} ${elsewhere.join(', ')} cannot run (the caller is in ${identity.account}), so this run cannot pass. Fix: pass --assume-role-name with a role the caller may assume in ${elsewhere.length === 1 ? 'that account' : 'those accounts'} (e.g. OrganizationAccountAccessRole).`);
    }
    notices.forEach(n => io.err(`verify: ${n}`));

    if (!Array.isArray(image.outputResources?.amis)) {
      // Which AMIs the image made is unknown: no AMI can be checked, none is claimed missing.
      const why = incomplete('imagebuilder:GetImage', 'image.outputResources.amis');
      results.push(imageResult('unchecked', `could not check the AMIs of ${imageArn}: ${why.message}`, why.fix));
      return report(results, notices, imageArn);
    }
    const work = verifyWork(aws, intent, amisOf(image, owner));
    const checked = await mapLimit(work, options.concurrency ?? DEFAULT_CONCURRENCY, w => runWork(aws, w));
    results.push(...checked.flat());
    return report(results, notices, imageArn);
  } finally {
    if (!options.aws) {
      aws.close();
    }
  }
}
