import { ImagebuilderClient, ListImagePipelineImagesCommand } from '@aws-sdk/client-imagebuilder';
import { RETIRE_EXIT } from './plan';
import { AwsSession } from '../common/aws';
import { ImageReference } from '../common/imagebuilder';

/*
 * `retire --image <pipeline ARN> --keep N`: which images of a pipeline stay and which are retired, one by one.
 */

type Json = Record<string, any>;

/** An image of a pipeline (ListImagePipelineImages's `ImageSummary`, the members `retire --keep` reads). */
export interface PipelineImage {
  readonly arn: string;
  readonly version?: string;
  readonly status?: string;
  readonly dateCreated?: string;
}

/** Every image of the pipeline, every page of ListImagePipelineImages. */
export async function pipelineImages(aws: AwsSession, pipeline: ImageReference): Promise<PipelineImage[]> {
  const client = await aws.client(ImagebuilderClient, pipeline.account, pipeline.region);
  const images: PipelineImage[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.send<Json>(client, new ListImagePipelineImagesCommand({ imagePipelineArn: pipeline.arn, nextToken }),
      'imagebuilder:ListImagePipelineImages');
    for (const s of page.imageSummaryList ?? []) {
      if (typeof s?.arn === 'string') {
        images.push({ arn: s.arn, version: s.version, status: s.state?.status, dateCreated: s.dateCreated });
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return images;
}

export interface KeptImage extends PipelineImage {
  readonly why: string;
}

/** `x.y.z/build` as numbers, or undefined when the version is not one. */
function versionOf(image: PipelineImage): number[] | undefined {
  const match = /^([0-9]+)\.([0-9]+)\.([0-9]+)\/([0-9]+)$/.exec(image.version ?? '');
  return match ? match.slice(1).map(Number) : undefined;
}

/**
 * The newest `keep` images stay, the older ones are to retire, newest first.
 *
 * Newest is by version and build (`1.2.0/3` after `1.2.0/2` after `1.1.0/9`), then by dateCreated: every build of a
 * pipeline gets its recipe's version and the next build number, so the version is the order of the builds
 * themselves and the name consumers know an image by; dateCreated is only a tie-break (a string the service
 * formats, and equal for builds started together). Only AVAILABLE images count toward `keep`: an image still
 * building or that failed is no replacement for one that works, so it is kept when it is newer than the N-th
 * available one, and never counted. An image without a readable version cannot be ordered and is kept.
 */
export function chooseKept(images: PipelineImage[], keep: number): { kept: KeptImage[]; retire: PipelineImage[] } {
  const kept: KeptImage[] = [];
  const retire: PipelineImage[] = [];
  const ordered: PipelineImage[] = [];
  for (const image of images) {
    if (versionOf(image)) {
      ordered.push(image);
    } else {
      kept.push({ ...image, why: `its version ${JSON.stringify(image.version ?? null)} is not x.y.z/build: it cannot be ordered` });
    }
  }
  ordered.sort((a, b) => {
    const va = versionOf(a)!;
    const vb = versionOf(b)!;
    const d = va.map((n, i) => vb[i] - n).find(x => x !== 0);
    return d ?? String(b.dateCreated ?? '').localeCompare(String(a.dateCreated ?? ''));
  });
  let available = 0;
  for (const image of ordered) {
    if (available >= keep) {
      retire.push(image);
    } else if (image.status === 'AVAILABLE') {
      available++;
      kept.push({ ...image, why: `newest available image ${available} of ${keep}` });
    } else {
      kept.push({ ...image, why: `newer than the newest ${keep} available image${keep === 1 ? '' : 's'} and ${image.status ?? 'of unknown state'}: not counted, not retired` });
    }
  }
  return { kept, retire };
}

/**
 * The exit code of a pipeline's run from its images': 3 over 1 over 0. An image that could not be read or matched
 * (2 alone, after it was listed) counts as 3: its copies were kept without being checked.
 */
export function worstExit(codes: number[]): number {
  const counted = codes.map(c => c === RETIRE_EXIT.USAGE ? RETIRE_EXIT.INCOMPLETE : c);
  if (counted.includes(RETIRE_EXIT.INCOMPLETE)) {
    return RETIRE_EXIT.INCOMPLETE;
  }
  return counted.includes(RETIRE_EXIT.IN_USE) ? RETIRE_EXIT.IN_USE : RETIRE_EXIT.OK;
}
