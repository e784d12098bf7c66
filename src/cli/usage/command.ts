import { parseArgs } from 'util';
import { ImagebuilderClient, ListImageBuildVersionsCommand, ListImagePipelineImagesCommand } from '@aws-sdk/client-imagebuilder';
import { AssemblyError, FoundDistribution, readAssembly } from '../common/assembly';
import { AwsSession, Identity, classify, errorCode, mapLimit } from '../common/aws';
import { IMAGE_NOT_FOUND, amisOf, compareVersions, getImage, imageReference } from '../common/imagebuilder';
import { RegionIntent, imageIntent, intentOf, matchDistribution } from '../common/intent';
import { Io, SESSION_OPTIONS, SESSION_USAGE, sessionSettings } from '../common/options';
import { Progress } from '../common/progress';
import { AppTargets, CopyState, Reads, describeReference } from '../common/references';

/*
 * `cdk-imagebuilder-distribution usage`: read-only. For the images of a pipeline (or of an image version, or one
 * image), which launch templates, Auto Scaling groups, SSM parameters, instances and consumer accounts use which
 * version, read per copy with the same reads as retire (common/references.ts). A copy whose reads did not all
 * answer is UNCHECKED, never "unused".
 */

export const USAGE = `Usage: cdk-imagebuilder-distribution usage --image ARN [options]

Read-only: for the images of an Image Builder pipeline (ListImagePipelineImages), of an image version
(ListImageBuildVersions) or one image build version, lists what uses each copy (every Region and account the
image lists): launch templates (every version), Auto Scaling groups, SSM parameters, instances and consumer
accounts, with the image version each uses and how many versions it is behind the newest listed. The reads are
retire's: ec2:DescribeImageReferences where the endpoint has it, otherwise direct reads. A copy that could not be
checked is reported UNCHECKED with the reason and the fix.

Options:
  --image ARN                an image pipeline ARN (arn:aws:imagebuilder:<region>:<account>:image-pipeline/<name>),
                             an image version ARN (...:image/<name>/<x.y.z>) or an image build version ARN
                             (...:image/<name>/<x.y.z>/<build>)
  --app DIR                  a cloud assembly with the images' distribution configuration: its SSM parameters and
                             launch templates are read too (always: those of the configuration each image was
                             distributed with)
  --max-versions-behind N    exit 1 when a consumer uses a version more than N versions behind the newest
  --json                     one JSON document on stdout: the images, the consumers and the unchecked copies
${SESSION_USAGE}
  -h, --help                 this text

Exit codes:
  0  every copy was checked (and, with --max-versions-behind, no consumer is more than N versions behind)
  1  with --max-versions-behind: some consumers are more than N versions behind, each named
  2  the command could not run: usage error, malformed cloud assembly, no usable credentials, no such image
  3  some copies or images could not be read (access denied, no answer in time, no way into the account: pass
     --assume-role-name): they are UNCHECKED; this wins over 1`;

type Json = Record<string, any>;

const USAGE_EXIT = { OK: 0, BEHIND: 1, USAGE: 2, INCOMPLETE: 3 } as const;

/** An image version ARN without its build: `...:image/<name>/<x.y.z>`. */
const IMAGE_VERSION_ARN = /^arn:(aws[a-z-]{0,13}):imagebuilder:([a-z0-9-]{1,32}):([0-9]{12}):image\/[a-z0-9-_]{1,128}\/[0-9]+\.[0-9]+\.[0-9]+$/;

/** One consumer of one copy. */
export interface ConsumerRow {
  readonly account: string;
  readonly region: string;
  readonly kind: string;
  readonly id: string;
  readonly consumer: string;
  readonly imageArn: string;
  readonly version: string;
  readonly imageId: string;
  readonly versionsBehind: number;
}

/** A copy (or an image) whose reads did not all answer. */
export interface UncheckedRow {
  readonly account?: string;
  readonly region?: string;
  readonly imageArn: string;
  readonly version?: string;
  readonly imageId?: string;
  readonly reason: string;
  readonly fix: string;
}

/** Runs `usage` with `argv` (the arguments after the verb) and returns its exit code. */
export async function usage(argv: string[], io: Io): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        ...SESSION_OPTIONS,
        'image': { type: 'string' },
        'app': { type: 'string' },
        'max-versions-behind': { type: 'string' },
        'json': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return USAGE_EXIT.USAGE;
  }
  if (values.help) {
    io.out(USAGE);
    return USAGE_EXIT.OK;
  }
  const bad = (message: string) => {
    io.err(`usage: ${message}`);
    return USAGE_EXIT.USAGE;
  };
  if (values.image === undefined) {
    return bad(`--image is required: an image pipeline, image version or image build version ARN.\n\n${USAGE}`);
  }
  const text = values.image.trim();
  const versionMatch = text.length <= 400 ? IMAGE_VERSION_ARN.exec(text) : null;
  const reference = versionMatch ? { kind: 'version' as const, arn: text, partition: versionMatch[1], region: versionMatch[2], account: versionMatch[3] }
    : imageReference(text);
  if (!reference) {
    return bad(`--image ${JSON.stringify(values.image)} is not an image pipeline ARN (arn:aws:imagebuilder:<region>:<account>:image-pipeline/<name>), image version ARN (...:image/<name>/<x.y.z>) or image build version ARN (...:image/<name>/<x.y.z>/<build>).`);
  }
  let maxBehind: number | undefined;
  if (values['max-versions-behind'] !== undefined) {
    maxBehind = Number(values['max-versions-behind']);
    if (!/^[0-9]{1,6}$/.test(values['max-versions-behind'])) {
      return bad(`--max-versions-behind takes a whole number of at least 0, not ${JSON.stringify(values['max-versions-behind'])}.`);
    }
  }
  const session = sessionSettings(values);
  if ('error' in session) {
    return bad(session.error);
  }
  let distributions: FoundDistribution[] | undefined;
  if (values.app !== undefined) {
    try {
      distributions = readAssembly(values.app);
    } catch (e) {
      return bad(e instanceof AssemblyError ? e.message : `cannot read the cloud assembly in ${values.app}: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    }
  }

  const aws = new AwsSession(session.settings);
  try {
    let identity: Identity;
    try {
      identity = await aws.identity();
    } catch (e) {
      const why = classify(e, aws.settings);
      return bad(`no usable AWS credentials or Region (${why.message}). Fix: ${why.fix}.`);
    }
    const unchecked: UncheckedRow[] = [];
    const emit = (images: Json[], rows: ConsumerRow[], code: number) => {
      if (values.json) {
        io.out(JSON.stringify({
          image: reference.arn,
          caller: identity,
          maxVersionsBehind: maxBehind ?? null,
          exitCode: code,
          images: images.map(i => ({ arn: i.arn, version: i.version })),
          consumers: rows,
          unchecked,
        }, null, 2));
        return code;
      }
      const table = [
        ['ACCOUNT', 'REGION', 'CONSUMER', 'IMAGE VERSION', 'BEHIND'],
        ...rows.map(r => [r.account, r.region, r.consumer, `${r.version} (${r.imageId})`, String(r.versionsBehind)]),
        ...unchecked.map(u => [u.account ?? '-', u.region ?? '-', `UNCHECKED: ${u.reason}. Fix: ${u.fix}`, u.version ? `${u.version}${u.imageId ? ` (${u.imageId})` : ''}` : '-', '-']),
      ];
      const widths = table[0].map((_, c) => Math.max(...table.map(r => (c === 2 ? 0 : r[c].length))));
      io.out(table.map(r => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n'));
      io.out(`${images.length} image${images.length === 1 ? '' : 's'}, ${rows.length} consumer${rows.length === 1 ? '' : 's'}, ${unchecked.length} unchecked`);
      return code;
    };

    // The images: their ARNs, oldest version first.
    let arns: string[];
    try {
      if (reference.kind === 'image') {
        arns = [reference.arn];
      } else {
        const client = await aws.client(ImagebuilderClient, reference.account, reference.region);
        const summaries: Json[] = [];
        let nextToken: string | undefined;
        do {
          const page = reference.kind === 'pipeline'
            ? await aws.send<Json>(client, new ListImagePipelineImagesCommand({ imagePipelineArn: reference.arn, nextToken }), 'imagebuilder:ListImagePipelineImages')
            : await aws.send<Json>(client, new ListImageBuildVersionsCommand({ imageVersionArn: reference.arn, nextToken }), 'imagebuilder:ListImageBuildVersions');
          summaries.push(...(page.imageSummaryList ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        arns = summaries.filter(s => typeof s.arn === 'string').map(s => String(s.arn));
      }
    } catch (e) {
      if (IMAGE_NOT_FOUND.test(errorCode(e))) {
        return bad(`cannot read ${reference.arn}: Image Builder answered ${errorCode(e)}: ${String((e as Error).message).split('\n')[0]}. Fix: check the ARN (its Region and account).`);
      }
      const why = classify(e, aws.settings);
      unchecked.push({ imageArn: reference.arn, reason: `cannot list the images: ${why.message}`, fix: why.fix });
      return emit([], [], USAGE_EXIT.INCOMPLETE);
    }

    const images: Json[] = [];
    for (const arn of arns) {
      try {
        images.push({ ...(await getImage(aws, { ...reference, kind: 'image', arn })), arn });
      } catch (e) {
        if (reference.kind === 'image' && IMAGE_NOT_FOUND.test(errorCode(e))) {
          return bad(`cannot read the image ${arn}: Image Builder answered ${errorCode(e)}. Fix: check the ARN (its Region and account).`);
        }
        const why = classify(e, aws.settings);
        unchecked.push({ imageArn: arn, reason: `cannot read the image: ${why.message}`, fix: why.fix });
      }
    }
    const versionOf = (image: Json) => String(image.version ?? image.arn.split('/').slice(-2).join('/'));
    images.sort((a, b) => compareVersions(versionOf(a), versionOf(b)));
    const newest = images.length - 1;

    const work = images.flatMap((image, index) => {
      let regions: RegionIntent[] = imageIntent(image);
      if (distributions && typeof image.distributionConfiguration?.arn === 'string') {
        const found = matchDistribution(distributions, image.distributionConfiguration.arn, reference.partition);
        if (typeof found !== 'string') {
          regions = [...intentOf(found, image, reference.partition).regions, ...regions];
        }
      }
      const app: AppTargets = {
        parameters: regions.flatMap(r => r.ssmParameters.map(p => ({ account: p.amiAccountId, region: r.region, name: p.parameterName }))),
        launchTemplates: regions.flatMap(r => r.launchTemplates.map(t => ({ account: t.accountId, region: r.region, id: t.launchTemplateId }))),
      };
      const reads = new Reads(aws, String(image.arn), app);
      return amisOf(image, reference.account).map(a => ({ image, behind: newest - index, reads, where: { ...a, source: 'image' as const } }));
    });
    const progress = new Progress(io, work.length, { unit: 'copies', label: 'usage' });
    const copies: Array<{ image: Json; behind: number; copy: CopyState }> = await mapLimit(work, session.concurrency, async w => {
      const copy = await w.reads.copy(w.where);
      progress.add({ check: 'copy', status: copy.gaps.length > 0 ? 'unchecked' : 'pass', resource: '', message: '', distributions: [] });
      return { image: w.image, behind: w.behind, copy };
    });
    progress.finish();

    const rows: ConsumerRow[] = [];
    for (const { image, behind, copy } of copies) {
      for (const r of copy.references) {
        rows.push({
          account: r.account ?? copy.account,
          region: copy.region,
          kind: r.kind,
          id: r.id,
          consumer: describeReference({ ...r, account: undefined }),
          imageArn: String(image.arn),
          version: versionOf(image),
          imageId: copy.imageId ?? '-',
          versionsBehind: behind,
        });
      }
      for (const g of copy.gaps) {
        unchecked.push({
          account: copy.account,
          region: copy.region,
          imageArn: String(image.arn),
          version: versionOf(image),
          imageId: copy.imageId,
          reason: `${g.what}: ${g.reason}`,
          fix: g.fix,
        });
      }
    }
    rows.sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region)
      || a.consumer.localeCompare(b.consumer) || a.versionsBehind - b.versionsBehind);
    const tooOld = maxBehind === undefined ? [] : rows.filter(r => r.versionsBehind > maxBehind!);
    tooOld.forEach(r => io.err(`usage: BEHIND  ${r.account}  ${r.region}  ${r.consumer} uses ${r.version}, `
      + `${r.versionsBehind} version${r.versionsBehind === 1 ? '' : 's'} behind (at most ${maxBehind} allowed)`));
    const code = unchecked.length > 0 ? USAGE_EXIT.INCOMPLETE : tooOld.length > 0 ? USAGE_EXIT.BEHIND : USAGE_EXIT.OK;
    return emit(images, rows, code);
  } finally {
    aws.close();
  }
}
