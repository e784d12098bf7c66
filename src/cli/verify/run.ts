import { runWork, verifyWork } from './checks';
import { FoundDistribution } from '../common/assembly';
import { AwsSession, Identity, classify, errorCode, incomplete, isObject, mapLimit } from '../common/aws';
import { DistributedAmi, IMAGE_FORMS, IMAGE_NOT_FOUND, MAX_IMAGE_ARN, amisOf, getImage, imageReference, latestImageOf } from '../common/imagebuilder';
import { Intent, RegionIntent, imageIntent, intentOf, matchDistribution } from '../common/intent';
import { DEFAULT_CONCURRENCY, shown } from '../common/options';
import { Result } from '../common/report';

/*
 * The core of verify, without its options or its report: which image, what it should have distributed (the app's
 * configuration from a cloud assembly, or, run in AWS, the configuration the image was distributed with), and the
 * results of the read-only checks. The command (command.ts) and the function that runs verify in AWS (handler.ts)
 * both run it.
 */

type Json = Record<string, any>;

/** Where the intent comes from: the app's cloud assembly (the command), or the image's own configuration (in AWS). */
export interface IntentSource {
  /** The app's distribution configurations (the cloud assembly's). Without them, the image's configuration is the intent. */
  readonly app?: FoundDistribution[];
  /**
   * Without `app`: the distribution configuration ARNs whose images are verified; an image distributed with another
   * is refused (a usage outcome). Undefined accepts any.
   */
  readonly configurations?: string[];
}

/** A part of the distribution to verify (a release ring): only these Regions, and in them only these accounts. */
export interface VerificationScope {
  /** @default every Region */
  readonly regions?: string[];
  /** @default every account */
  readonly accounts?: string[];
}

export interface VerificationOptions {
  /** An image build version ARN, or an image pipeline ARN (its latest image). */
  readonly image: string;
  readonly source: IntentSource;
  /** Checks run at once. @default DEFAULT_CONCURRENCY */
  readonly concurrency?: number;
  readonly scope?: VerificationScope;
  /**
   * The AMIs the image distributed, when GetImage does not list them yet (a release ring's gate, while the image
   * still distributes: the distribution step's outputs). @default GetImage's `outputResources.amis`
   */
  readonly amis?: DistributedAmi[];
  /** Progress and notices, one line each (the command writes them to stderr). */
  readonly progress?: (line: string) => void;
}

/** What a run found: the results to report (exit code from them), or why it could not run (exit 2). */
export type VerificationRun =
  | {
    readonly kind: 'report';
    /** The image build version ARN verified (a pipeline's latest image when a pipeline was named). */
    readonly imageArn: string;
    /** The distribution configuration the image was distributed with, when the image says. */
    readonly configurationArn?: string;
    /** The intent checked (absent when the run stopped before it knew one). */
    readonly intent?: Intent;
    readonly results: Result[];
    readonly notices: string[];
  }
  | {
    readonly kind: 'usage';
    readonly message: string;
    /**
     * The image is none of the verified configurations' (another configuration, none, or not an AMI image): in AWS,
     * where the function sees every image of its account and Region, not a finding.
     */
    readonly notOurs?: boolean;
  };

const STILL_RUNNING = ['PENDING', 'CREATING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING'];

/** Verifies what an image distributed; never throws for what AWS answers (unchecked results say so). */
export async function runVerification(aws: AwsSession, identity: Identity, options: VerificationOptions): Promise<VerificationRun> {
  const progress = options.progress ?? (() => undefined);
  const usage = (message: string, notOurs = false): VerificationRun => ({ kind: 'usage', message, ...(notOurs ? { notOurs } : {}) });
  if (options.image.length > MAX_IMAGE_ARN) {
    return usage(`--image is ${options.image.length} characters long; an image or pipeline ARN has at most ${MAX_IMAGE_ARN}: it is ${IMAGE_FORMS}.`);
  }
  const reference = imageReference(options.image);
  if (!reference) {
    return usage(`--image ${options.image.length > 80 ? shown(options.image) : JSON.stringify(options.image)} is not ${IMAGE_FORMS}.`);
  }
  const settings = aws.settings;
  type More = { configurationArn?: string; intent?: Intent };
  const report = (imageArn: string, results: Result[], notices: string[] = [], more: More = {}): VerificationRun =>
    ({ kind: 'report', imageArn, results, notices, ...more });
  /** A call about the image itself failed: the image does not exist (usage), or it could not be read (unchecked). */
  const imageFailure = (e: unknown, what: string, arn: string): VerificationRun => {
    if (IMAGE_NOT_FOUND.test(errorCode(e))) {
      return usage(`${what} ${arn}: Image Builder answered ${errorCode(e)}: ${String((e as Error).message).split('\n')[0]}. Fix: check the ARN (its Region and account).`);
    }
    const why = classify(e, settings);
    return report(arn, [{
      check: 'image',
      status: 'unchecked',
      account: reference.account,
      region: reference.region,
      resource: arn,
      message: `could not check ${arn}: ${why.message}`,
      fix: why.fix,
      distributions: [],
    }]);
  };

  let imageArn = reference.arn;
  if (reference.kind === 'pipeline') {
    try {
      const latest = await latestImageOf(aws, reference);
      if (!latest) {
        return usage(`the image pipeline ${reference.arn} has no image yet. Fix: run the pipeline, or pass --image with an image build version ARN.`);
      }
      imageArn = latest;
      progress(`the latest image of ${reference.arn} is ${imageArn}`);
    } catch (e) {
      return imageFailure(e, 'cannot list the images of the pipeline', reference.arn);
    }
  }
  let image: Json;
  try {
    image = await getImage(aws, { ...reference, kind: 'image', arn: imageArn });
    // An answer without the image says nothing about it: unknown, not "no distribution configuration".
    if (!isObject(image) || Object.keys(image).length === 0) {
      throw incomplete('imagebuilder:GetImage', 'image');
    }
  } catch (e) {
    return imageFailure(e, 'cannot read the image', imageArn);
  }
  if (image.type !== undefined && image.type !== 'AMI') {
    return usage(`${imageArn} is a ${image.type} image; verify checks AMI distributions.`, true);
  }
  const configurationArn = image.distributionConfiguration?.arn;
  if (typeof configurationArn !== 'string') {
    return usage(`the image ${imageArn} has no distribution configuration: there is nothing to verify.`, true);
  }
  let distribution: FoundDistribution | undefined;
  if (options.source.app) {
    const matched = matchDistribution(options.source.app, configurationArn, reference.partition);
    if (typeof matched === 'string') {
      return usage(`the image was distributed with ${configurationArn}, but ${matched}. Fix: pass --app with the cloud assembly of the app that deploys it ('cdk synth' first).`);
    }
    distribution = matched;
  } else if (options.source.configurations && !options.source.configurations.includes(configurationArn)) {
    return usage(`the image was distributed with ${configurationArn}, which is not one of the configurations verified here (${options.source.configurations.join(', ') || 'none'}).`, true);
  }

  const owner = reference.account;
  const status = String(image.state?.status ?? 'UNKNOWN');
  const imageResult = (s: Result['status'], message: string, fix?: string): Result =>
    ({ check: 'image', status: s, account: owner, region: reference.region, resource: imageArn, message, ...(fix ? { fix } : {}), distributions: [] });
  if (typeof image.state?.status !== 'string') {
    const why = incomplete('imagebuilder:GetImage', 'image.state.status');
    return report(imageArn, [imageResult('unchecked', `could not check ${imageArn}: ${why.message}`, why.fix)], [], { configurationArn });
  }
  if (STILL_RUNNING.includes(status) && !options.scope) {
    return report(imageArn, [imageResult('unchecked', `could not check ${imageArn}: it is still ${status}`, 'run verify again when the image is AVAILABLE')], [], { configurationArn });
  }

  const full = distribution ? intentOf(distribution, image, reference.partition) : ownIntent(image, configurationArn);
  const intent = options.scope ? scoped(full, options.scope) : full;
  if (intent.regions.length === 0 && intent.differences.length === 0) {
    // Nothing to compare: never a green for nothing.
    return usage(options.scope
      ? `no Region and account of ${intent.distribution} is in the part to verify (Regions ${options.scope.regions?.join(', ') ?? 'any'}, accounts ${options.scope.accounts?.join(', ') ?? 'any'}): there is nothing to verify.`
      : distribution
        ? `${intent.distribution} has no Region to check (its Distributions is ${Array.isArray(distribution.properties.Distributions) ? 'empty' : 'not a list'}, and the image was distributed with none): there is nothing to verify. Fix: pass --app with the cloud assembly of the app that deploys ${configurationArn}.`
        : `${configurationArn} has no Region to check (the image was distributed with none): there is nothing to verify.`);
  }
  // Verifying a part while the image still distributes (a release ring's gate) checks what arrived so far.
  const results: Result[] = [status === 'AVAILABLE' || (options.scope && STILL_RUNNING.includes(status))
    ? imageResult('pass', `the image is ${status}`)
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
  notices.forEach(progress);

  if (!options.amis && !Array.isArray(image.outputResources?.amis)) {
    // Which AMIs the image made is unknown: no AMI can be checked, none is claimed missing.
    const why = incomplete('imagebuilder:GetImage', 'image.outputResources.amis');
    results.push(imageResult('unchecked', `could not check the AMIs of ${imageArn}: ${why.message}`, why.fix));
    return report(imageArn, results, notices, { configurationArn, intent });
  }
  const work = verifyWork(aws, intent, options.amis ?? amisOf(image, owner));
  const checked = await mapLimit(work, options.concurrency ?? DEFAULT_CONCURRENCY, w => runWork(aws, w));
  results.push(...checked.flat());
  return report(imageArn, results, notices, { configurationArn, intent });
}

/** The intent of the configuration the image was distributed with (in AWS, where no cloud assembly is). */
function ownIntent(image: Json, configurationArn: string): Intent {
  return { distribution: configurationArn, regions: imageIntent(image), differences: [], fromImage: [] };
}

/** The part of an intent in `scope`: its Regions, and in them the owner and targets among its accounts. */
export function scoped(intent: Intent, scope: VerificationScope): Intent {
  const inRegion = (r: RegionIntent) => scope.regions === undefined || scope.regions.includes(r.region);
  const inAccounts = (a: string) => scope.accounts === undefined || scope.accounts.includes(a);
  const regions = intent.regions.filter(inRegion).map(r => ({
    ...r,
    targets: r.targets.filter(inAccounts),
    launchTemplates: r.launchTemplates.filter(t => inAccounts(t.accountId)),
    ssmParameters: r.ssmParameters.filter(p => inAccounts(p.amiAccountId)),
    fastLaunch: r.fastLaunch.filter(f => inAccounts(f.accountId)),
  }));
  return { ...intent, regions, differences: intent.differences.filter(d => d.region === undefined || regions.some(r => r.region === d.region)) };
}
