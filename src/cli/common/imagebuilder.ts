import { GetImageCommand, ImagebuilderClient, ListImagePipelineImagesCommand } from '@aws-sdk/client-imagebuilder';
import { AwsSession } from './aws';

/*
 * Image Builder's images, read for any verb: which image an ARN names (an image build version, or a pipeline's
 * latest image), and the image as GetImage returns it (its distribution configuration and the AMIs it distributed).
 */

type Json = Record<string, any>;

/** An image the user named: an image build version ARN, or an image pipeline ARN (its latest image). */
export interface ImageReference {
  readonly kind: 'image' | 'pipeline';
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/*
 * The lengths Image Builder allows (its API model): an image or pipeline name is a `ResourceName` (3 to 128
 * characters), a version with its build a `VersionNumberWithBuild` (at most 64); partitions (`aws-iso-b`) and
 * Regions (`ap-southeast-5`) are far shorter than the bounds below. An ARN longer than these can name nothing.
 */
const MAX_NAME = 128;
const MAX_VERSION = 64;
const IMAGE_ARN = /^arn:(aws[a-z-]{0,13}):imagebuilder:([a-z0-9-]{1,32}):([0-9]{12}):image\/[a-z0-9-_]{1,128}\/(?=[0-9./]{5,64}$)[0-9]+\.[0-9]+\.[0-9]+\/[0-9]+$/;
const PIPELINE_ARN = /^arn:(aws[a-z-]{0,13}):imagebuilder:([a-z0-9-]{1,32}):([0-9]{12}):image-pipeline\/[a-z0-9-_]{1,128}$/;

/** The most characters an image build version ARN or an image pipeline ARN can have. */
export const MAX_IMAGE_ARN = 'arn::imagebuilder::123456789012:image-pipeline//'.length + 16 + 32 + MAX_NAME + MAX_VERSION;

/** Reads `--image`: the reference, or undefined when it is neither an image build version ARN nor a pipeline ARN. */
export function imageReference(text: string): ImageReference | undefined {
  if (text.length > MAX_IMAGE_ARN + 2) {
    return undefined;
  }
  for (const [kind, re] of [['image', IMAGE_ARN], ['pipeline', PIPELINE_ARN]] as const) {
    const match = re.exec(text.trim());
    if (match) {
      return { kind, arn: text.trim(), partition: match[1], region: match[2], account: match[3] };
    }
  }
  return undefined;
}

/** The form `--image` takes, for usage errors. */
export const IMAGE_FORMS = `an image build version ARN (arn:aws:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>) or an image pipeline ARN (arn:aws:imagebuilder:<region>:<account>:image-pipeline/<name>), a name of at most ${MAX_NAME} characters and a version with its build of at most ${MAX_VERSION}`;

/** The image build version ARN of a pipeline's newest image (by creation date, then version), or undefined if it has none. */
export async function latestImageOf(aws: AwsSession, pipeline: ImageReference): Promise<string | undefined> {
  const client = await aws.client(ImagebuilderClient, pipeline.account, pipeline.region);
  const summaries: Json[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.send<Json>(client, new ListImagePipelineImagesCommand({ imagePipelineArn: pipeline.arn, nextToken }), 'imagebuilder:ListImagePipelineImages');
    summaries.push(...(page.imageSummaryList ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const newest = summaries.filter(s => typeof s.arn === 'string').sort((a, b) =>
    String(a.dateCreated ?? '').localeCompare(String(b.dateCreated ?? '')) || compareVersions(String(a.version ?? ''), String(b.version ?? ''))).pop();
  return newest?.arn;
}

/** Compares `1.2.3/4` versions node by node. */
export function compareVersions(a: string, b: string): number {
  const na = a.split(/[./]/).map(Number);
  const nb = b.split(/[./]/).map(Number);
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) {
      return d;
    }
  }
  return 0;
}

/** An AMI the image distributed (GetImage's `outputResources.amis`). */
export interface DistributedAmi {
  readonly region: string;
  readonly account: string;
  readonly imageId: string;
}

/** The AMIs of `image` (GetImage's `Image`); an entry without an account is the image's owner's. */
export function amisOf(image: Json, owner: string): DistributedAmi[] {
  const amis = Array.isArray(image.outputResources?.amis) ? image.outputResources.amis : [];
  return amis.filter((a: Json) => typeof a?.image === 'string' && typeof a?.region === 'string')
    .map((a: Json) => ({ region: a.region, account: typeof a.accountId === 'string' ? a.accountId : owner, imageId: a.image }));
}

/** GetImage of an image build version ARN: the model's `Image`. */
export async function getImage(aws: AwsSession, image: ImageReference): Promise<Json> {
  const client = await aws.client(ImagebuilderClient, image.account, image.region);
  const answer = await aws.send<Json>(client, new GetImageCommand({ imageBuildVersionArn: image.arn }), 'imagebuilder:GetImage');
  return answer.image ?? {};
}

/** The error codes Image Builder answers for an ARN that names nothing. */
export const IMAGE_NOT_FOUND = /^(ResourceNotFoundException|ClientException|InvalidRequestException|InvalidParameterValueException)$/;
