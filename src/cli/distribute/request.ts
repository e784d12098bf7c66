import { createHash } from 'crypto';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetImageCommand, ImagebuilderClient, ListImageBuildVersionsCommand } from '@aws-sdk/client-imagebuilder';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsSession, NoAccess, classify, errorCode } from '../common/aws';

/*
 * What makes `distribute` and `retry` safe to run again: the client token, derived from what is asked, so that a
 * rerun of the same request is the same request to Image Builder (which then answers the first one's result instead
 * of starting a second distribution); the source image, resolved and refused unless AVAILABLE; and, when a request
 * was sent and its answer did not come back, what Image Builder shows of it.
 *
 * Image Builder's API reference says of `clientToken` (DistributeImage, RetryImage): "If you retry a request with
 * the same client token, Image Builder returns the original response without running the operation again", and
 * points to EC2's idempotency page (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_DistributeImage.html,
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html). How long Image Builder remembers a
 * token is not documented: the command assumes only that it remembers it while a rerun is likely (minutes to
 * hours), and tags the image it starts with the token, so that the image can be found by it later.
 */

type Json = Record<string, any>;

/** The tag DistributeImage puts on the image it starts: the request's client token. */
export const TOKEN_TAG = 'cdk-imagebuilder-distribution:client-token';

/** The API model's limit of `clientToken` (ClientToken: 1 to 64 characters). */
export const TOKEN_MAX = 64;

/** A source image, or a state, that stops the command before anything is sent (exit code 2 with the reason). */
export class Refused extends Error {}

/**
 * The client token of a request: `<verb>-` and 48 hex digits of the SHA-256 of everything the request is made of
 * (the values in `parts`, in order), within the model's 64 characters. The same request gives the same token.
 */
export function clientTokenOf(verb: string, parts: Array<string | undefined>): string {
  const hash = createHash('sha256').update(JSON.stringify([verb, ...parts.map(p => p ?? null)])).digest('hex');
  return `${verb}-${hash.slice(0, 48)}`;
}

/** A JSON value with its object keys sorted, so that the same content hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/** The content of a deployed configuration that decides what a distribution does (not its dates or tags). */
export function configurationContent(deployed: Json): string {
  return canonicalJson({ name: deployed.name, description: deployed.description, distributions: deployed.distributions });
}

/** What `--image` resolved to. */
export interface ResolvedSource {
  /** The AMI in the configuration's Region it names. */
  readonly ami?: string;
  /** How it was resolved, for the user (`ssm:/golden/ami-id is ami-0123...`). */
  readonly resolution: string;
}

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const IMAGE_BUILD_ARN = /^arn:aws[a-z-]*:imagebuilder:([a-z0-9-]+):([0-9]{12}|aws):image\/[a-z0-9-_]+\/[0-9]+\.[0-9]+\.[0-9]+\/[0-9]+$/;
const IMAGE_VERSION_ARN = /^arn:aws[a-z-]*:imagebuilder:([a-z0-9-]+):([0-9]{12}|aws):image\/[a-z0-9-_]+\/([0-9x]+\.[0-9x]+\.[0-9x]+)$/;

/**
 * Resolves the source image in the configuration's account and Region as DistributeImage will, and refuses
 * (`Refused`) one that is not AVAILABLE or does not exist, with the reason. A source whose state cannot be read
 * throws the `NoAccess` that says why (the command sends nothing then: unknown is no go-ahead).
 */
export async function resolveSource(aws: AwsSession, source: string, where: { account: string; region: string }): Promise<ResolvedSource> {
  const { account, region } = where;
  if (source.startsWith('ssm:')) {
    const name = source.slice(4);
    const ssm = await aws.client(SSMClient, account, region);
    let value: string;
    try {
      const answer = await aws.send<Json>(ssm, new GetParameterCommand({ Name: name }), 'ssm:GetParameter');
      value = String(answer.Parameter?.Value ?? '');
    } catch (e) {
      if (errorCode(e) === 'ParameterNotFound') {
        throw new Refused(`the source image ${source} names no SSM parameter in account ${account}, Region ${region}. Fix: pass the parameter that holds the AMI ID, or the AMI ID itself`);
      }
      throw classify(e, aws.settings, await aws.endpointOf(ssm));
    }
    if (!AMI_ID.test(value.trim())) {
      throw new Refused(`the source image ${source}: the parameter holds ${JSON.stringify(value.slice(0, 40))}, not an AMI ID. Fix: pass a parameter that holds an AMI ID, or the AMI ID itself`);
    }
    const ami = await availableAmi(aws, value.trim(), where, `${source} (${value.trim()})`);
    return { ami, resolution: `${source} is ${ami}` };
  }
  if (AMI_ID.test(source)) {
    return { ami: await availableAmi(aws, source, where, source), resolution: `${source} is an AMI of Region ${region}` };
  }
  let buildArn = source;
  const version = IMAGE_VERSION_ARN.exec(source);
  if (version) {
    if (version[3].includes('x')) {
      throw new Refused(`the source image ${source} has a version with wildcards, which this command does not resolve. Fix: pass the exact version or build (…/image/<name>/1.2.3/4)`);
    }
    buildArn = await latestAvailableBuild(aws, source, where);
  } else if (!IMAGE_BUILD_ARN.test(source)) {
    throw new Refused(`the source image ${source} is not an AMI ID, an Image Builder image ARN or ssm:<parameter>`);
  }
  const client = await aws.client(ImagebuilderClient, account, region);
  let image: Json;
  try {
    image = (await aws.send<Json>(client, new GetImageCommand({ imageBuildVersionArn: buildArn }), 'imagebuilder:GetImage')).image ?? {};
  } catch (e) {
    if (/^(ResourceNotFoundException|ClientException|InvalidRequestException)$/.test(errorCode(e))) {
      throw new Refused(`the source image ${buildArn} does not exist in account ${account}, Region ${region}. Fix: pass an image of the configuration's Region`);
    }
    throw classify(e, aws.settings, await aws.endpointOf(client));
  }
  const status = image.state?.status;
  if (status !== 'AVAILABLE') {
    throw new Refused(`the source image ${buildArn} is ${status ?? 'in no state GetImage shows'}${image.state?.reason ? ` (${image.state.reason})` : ''}, not AVAILABLE: only an AVAILABLE image can be distributed. Fix: wait for it to be AVAILABLE, or pass another image`);
  }
  const amis: Json[] = Array.isArray(image.outputResources?.amis) ? image.outputResources.amis : [];
  const ami = amis.find(a => a.region === region && (a.accountId === undefined || a.accountId === account))?.image;
  if (typeof ami !== 'string') {
    throw new Refused(`the source image ${buildArn} has no AMI in account ${account}, Region ${region} (the configuration's): DistributeImage needs an AMI in the configuration's Region. Fix: pass an image built in ${region}`);
  }
  return { ami, resolution: `${source} is ${buildArn === source ? '' : `${buildArn}, `}AVAILABLE, with ${ami} in ${region}` };
}

/** The AMI `ami` when it exists in the Region and is `available`; else `Refused` with EC2's reason. */
async function availableAmi(aws: AwsSession, ami: string, where: { account: string; region: string }, label: string): Promise<string> {
  const ec2 = await aws.client(EC2Client, where.account, where.region);
  let images: Json[];
  try {
    images = (await aws.send<Json>(ec2, new DescribeImagesCommand({ ImageIds: [ami] }), 'ec2:DescribeImages')).Images ?? [];
  } catch (e) {
    if (/^InvalidAMIID\./.test(errorCode(e))) {
      images = [];
    } else {
      throw classify(e, aws.settings, await aws.endpointOf(ec2));
    }
  }
  const image = images.find(i => i.ImageId === ami);
  if (!image) {
    throw new Refused(`the source image ${label} does not exist in Region ${where.region}, or account ${where.account} cannot see it. Fix: pass an AMI of the configuration's Region that the account owns or may launch`);
  }
  if (image.State !== 'available') {
    throw new Refused(`the source image ${label} is ${image.State ?? 'in no state'}${image.StateReason?.Message ? ` (${image.StateReason.Message})` : ''}, not available: only an available AMI can be distributed. Fix: wait for it to be available, or pass another AMI`);
  }
  return ami;
}

/** The newest AVAILABLE build of an image version (what Image Builder resolves a version ARN to). */
async function latestAvailableBuild(aws: AwsSession, versionArn: string, where: { account: string; region: string }): Promise<string> {
  const client = await aws.client(ImagebuilderClient, where.account, where.region);
  const builds: Json[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await aws.send<Json>(client, new ListImageBuildVersionsCommand({ imageVersionArn: versionArn, nextToken }), 'imagebuilder:ListImageBuildVersions');
      builds.push(...(page.imageSummaryList ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    throw classify(e, aws.settings, await aws.endpointOf(client));
  }
  const build = (arn: string) => Number(arn.split('/').pop());
  const newest = builds.filter(b => b.state?.status === 'AVAILABLE' && typeof b.arn === 'string').sort((a, b) => build(a.arn) - build(b.arn)).pop();
  if (!newest) {
    throw new Refused(`the source image ${versionArn} has no AVAILABLE build${builds.length ? ` (its builds are ${builds.map(b => `${b.arn.split('/').pop()} ${b.state?.status}`).join(', ')})` : ''}. Fix: pass an AVAILABLE image`);
  }
  return newest.arn;
}

/** What Image Builder shows of a DistributeImage whose answer did not come back. */
export interface Lookup {
  /** The image tagged with the request's client token: Image Builder started it. */
  readonly started?: { readonly arn: string; readonly status?: string };
  /** Images created since shortly before the request was sent (the image may be one of them, untagged). */
  readonly recent: Array<{ readonly arn: string; readonly status?: string; readonly dateCreated?: string }>;
  /** How many image build versions were looked through. */
  readonly seen: number;
  /** Why the lookup could not finish, when it could not. */
  readonly unreadable?: NoAccess;
}

/** At most this many pages of ListImageBuildVersions are read (a page is up to 100 images). */
const LOOKUP_PAGES = 20;

/**
 * Looks for the image a DistributeImage sent at `sentAt` (epoch ms) with `token` started: ListImageBuildVersions of
 * the account and Region (every image; its summaries carry the tags), the one tagged with the token, and the
 * images created since a minute before the request (clock skew).
 */
export async function lookUpStarted(aws: AwsSession, token: string, where: { account: string; region: string }, sentAt: number): Promise<Lookup> {
  const recent: Array<{ arn: string; status?: string; dateCreated?: string }> = [];
  let seen = 0;
  let client: unknown;
  try {
    client = await aws.client(ImagebuilderClient, where.account, where.region);
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await aws.send<Json>(client, new ListImageBuildVersionsCommand({ maxResults: 100, nextToken }), 'imagebuilder:ListImageBuildVersions');
      for (const summary of (page.imageSummaryList ?? []) as Json[]) {
        seen++;
        const dateCreated = summary.dateCreated === undefined ? undefined : new Date(summary.dateCreated).toISOString();
        const item = { arn: String(summary.arn), status: summary.state?.status, dateCreated };
        if (summary.tags?.[TOKEN_TAG] === token) {
          return { started: item, recent: [], seen };
        }
        if (item.dateCreated !== undefined && Date.parse(item.dateCreated) >= sentAt - 60_000) {
          recent.push(item);
        }
      }
      nextToken = page.nextToken;
    } while (nextToken && ++pages < LOOKUP_PAGES);
    return { recent, seen };
  } catch (e) {
    return { recent, seen, unreadable: classify(e, aws.settings, client ? await aws.endpointOf(client) : undefined) };
  }
}

/** The error codes with which Image Builder refuses a request: nothing was started. */
const REFUSALS = /^(InvalidRequestException|InvalidParameterValueException|InvalidParameterException|ClientException|ResourceNotFoundException|ResourceInUseException|IdempotentParameterMismatchException|ServiceQuotaExceededException|ForbiddenException|AccessDeniedException)$/;

/**
 * Whether an error of a request that changes AWS says for sure that nothing was started: the service refused it
 * (a client error it declares, access denied), or the credentials were refused before it was read. Everything
 * else (no answer in time, a reset connection, a server error, throttling after retries that may have followed an
 * unanswered attempt) leaves the outcome unknown.
 */
export function definitelyRefused(e: unknown): boolean {
  const code = errorCode(e);
  return REFUSALS.test(code) || /AccessDenied|UnauthorizedOperation|^(ExpiredToken|ExpiredTokenException|InvalidClientTokenId|UnrecognizedClientException|InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|CredentialsProviderError)$/.test(code);
}
