import { parseArgs } from 'util';
import { Change, applyPlan } from './apply';
import { PipelineImage, chooseKept, pipelineImages, worstExit } from './keep';
import { CopyPlan, RETAIN_TAG, RETIRE_EXIT, STEPS, Step, describeReference, exitCodeOf, planCopy } from './plan';
import { AssemblyError, FoundDistribution, readAssembly } from '../common/assembly';
import { AwsSession, Identity, classify, errorCode, mapLimit } from '../common/aws';
import { IMAGE_NOT_FOUND, ImageReference, amisOf, getImage, imageReference } from '../common/imagebuilder';
import { RegionIntent, imageIntent, intentOf, matchDistribution } from '../common/intent';
import { Io, SESSION_OPTIONS, SESSION_USAGE, sessionSettings } from '../common/options';
import { Progress } from '../common/progress';
import { AppTargets, IMAGE_ARN_TAG, Reads, Where } from '../common/references';

/*
 * `cdk-imagebuilder-distribution retire`: takes every copy of an image (every Region and account) one step out of
 * service, deprecate, disable or deregister with its snapshots, and only the copies that nothing uses: a copy is
 * changed only when every read about it answered and found no launch template version, Auto Scaling group, SSM
 * parameter, instance or consumer account using it. A dry run unless --apply.
 */

export const USAGE = `Usage: cdk-imagebuilder-distribution retire --image ARN [options]

CHANGES AWS with --apply (without it, a dry run that changes nothing): takes every copy of an Image Builder image,
in every Region and account, one step out of service, and only the copies nothing uses. The copies are the AMIs
the image lists (GetImage) and those the distribution configuration says should exist (found by the tag
${IMAGE_ARN_TAG}). For each copy, in its account and Region, what uses it is read: ec2:DescribeImageReferences
where the endpoint has it, otherwise launch templates (every version), instances (any state but terminated) and
SSM parameters of data type aws:ec2:image; always Auto Scaling groups (launch template versions, mixed instances
policies and their overrides, launch configurations), the app's SSM parameters and launch templates, and, for a
copy shared with other accounts, an image usage report of those accounts. A copy is changed only when every read
answered and nothing uses it; a copy that could not be checked is kept and reported UNCHECKED. A copy tagged
${RETAIN_TAG} (any value) is kept. Each change is printed as it happens; a rerun reads the state again and
picks up where a run stopped (a copy already at the step is "done"). The Image Builder image resource itself is
not changed.

Options:
  --image ARN                the image build version ARN
                             (arn:aws:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>), or an image
                             pipeline ARN (arn:aws:imagebuilder:<region>:<account>:image-pipeline/<name>) with --keep
  --keep N                   with a pipeline ARN (and only then): keep its newest N images (N >= 1; newest by
                             version/build, only AVAILABLE images count) and retire each older one in turn, as
                             --image with its ARN would; each kept image is printed with why; the exit code is the
                             worst of the images' (3 over 1 over 0)
  --step STEP                deprecate (EnableImageDeprecation, now), disable (DisableImage: no account can
                             launch it; it can be enabled again) or deregister (DeregisterImage and DeleteSnapshot
                             of its snapshots, straight from any state) (default: deprecate)
  --apply                    make the changes; without it, print the plan and change nothing
  --app DIR                  a cloud assembly with the image's distribution configuration: its SSM parameters
                             and launch templates are read too (default: the configuration the image was
                             distributed with, as GetImage returns it)
  --distribution PATH        the app's distribution configuration (construct path, or stack/logical ID) when
                             its name does not match the image's
  --json                     one JSON document on stdout: the plan and, with --apply, each change and its outcome
                             (with --keep: the kept images and, per older image, its exit code and that document)
${SESSION_USAGE}
  -h, --help                 this text

Exit codes:
  0  every copy is retired to the step, or was already (in a dry run: could be), or is kept by its tag
  1  some copies are kept because something uses them, each named (launch template and version, Auto Scaling
     group, SSM parameter, instance, consumer account); the others were retired
  2  the command could not run: usage error, no or malformed cloud assembly, no usable credentials, no such image
  3  some copies could not be checked or changed (access denied, no answer in time, a call the endpoint lacks,
     no way into the account: pass --assume-role-name), and those were kept; this wins over 1`;

type Json = Record<string, any>;

const LABEL: Record<string, string> = {
  'retire': 'RETIRE',
  'done': 'DONE',
  'in-use': 'IN USE',
  'unchecked': 'UNCHECKED',
  'retained': 'RETAINED',
  'absent': 'NO COPY',
};

/** Runs `retire` with `argv` (the arguments after the verb) and returns its exit code. */
export async function retire(argv: string[], io: Io): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        ...SESSION_OPTIONS,
        image: { type: 'string' },
        app: { type: 'string' },
        distribution: { type: 'string' },
        step: { type: 'string', default: 'deprecate' },
        keep: { type: 'string' },
        apply: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return RETIRE_EXIT.USAGE;
  }
  if (values.help) {
    io.out(USAGE);
    return RETIRE_EXIT.OK;
  }
  const usage = (message: string) => {
    io.err(`retire: ${message}`);
    return RETIRE_EXIT.USAGE;
  };
  if (values.image === undefined) {
    return usage(`--image is required: an image build version ARN (arn:aws:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>).\n\n${USAGE}`);
  }
  const reference = imageReference(values.image);
  if (!reference) {
    return usage(`--image ${JSON.stringify(values.image)} is not an image build version ARN (arn:aws:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>) or an image pipeline ARN (arn:aws:imagebuilder:<region>:<account>:image-pipeline/<name>).`);
  }
  let keep: number | undefined;
  if (reference.kind === 'pipeline') {
    if (values.keep === undefined) {
      return usage(`--image ${reference.arn} is a pipeline: pass --keep N to retire every image of it but the newest N (or --image with one image's build version ARN).`);
    }
    if (!/^[0-9]{1,6}$/.test(values.keep) || Number(values.keep) < 1) {
      return usage(`--keep takes a whole number of at least 1 (the newest images of the pipeline that stay), not ${JSON.stringify(values.keep)}.`);
    }
    keep = Number(values.keep);
  } else if (values.keep !== undefined) {
    return usage('--keep counts the images of a pipeline: pass --image with an image pipeline ARN (arn:aws:imagebuilder:<region>:<account>:image-pipeline/<name>), not one image\'s ARN.');
  }
  if (!(STEPS as readonly string[]).includes(values.step!)) {
    return usage(`--step takes ${STEPS.join(', ')}, not ${JSON.stringify(values.step)}.`);
  }
  const step = values.step as Step;
  if (values.distribution !== undefined && values.app === undefined) {
    return usage('--distribution names a configuration of the app: pass --app with its cloud assembly too.');
  }
  const session = sessionSettings(values);
  if ('error' in session) {
    return usage(session.error);
  }
  let distributions: FoundDistribution[] | undefined;
  if (values.app !== undefined) {
    try {
      distributions = readAssembly(values.app);
    } catch (e) {
      return usage(e instanceof AssemblyError ? e.message : `cannot read the cloud assembly in ${values.app}: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    }
  }

  const aws = new AwsSession(session.settings);
  try {
    let identity: Identity;
    try {
      identity = await aws.identity();
    } catch (e) {
      const why = classify(e, aws.settings);
      return usage(`no usable AWS credentials or Region (${why.message}). Fix: ${why.fix}.`);
    }
    const run: Run = {
      io,
      aws,
      identity,
      step,
      distributions,
      usage,
      concurrency: session.concurrency,
      apply: values.apply!,
      json: values.json!,
      distribution: values.distribution,
    };
    if (keep === undefined) {
      const result = await retireImage(run, reference);
      if (result.record) {
        io.out(JSON.stringify(result.record, null, 2));
      }
      return result.code;
    }
    return await retirePipeline(run, reference, keep);
  } finally {
    aws.close();
  }
}

/** What one run of retire knows, for each image it retires. */
interface Run {
  readonly io: Io;
  readonly aws: AwsSession;
  readonly identity: Identity;
  readonly step: Step;
  readonly distributions?: FoundDistribution[];
  readonly usage: (message: string) => number;
  readonly concurrency: number;
  readonly apply: boolean;
  readonly json: boolean;
  readonly distribution?: string;
}

/**
 * Retires one image (its plan, and with --apply its changes) and returns the exit code; with --json, the record is
 * returned rather than printed, so that a pipeline's run can gather one per image.
 */
async function retireImage(run: Run, reference: ImageReference): Promise<{ code: number; record?: Json }> {
  const { io, aws, identity, step, distributions, usage, concurrency } = run;
  const values = { apply: run.apply, json: run.json, distribution: run.distribution };
  const session = { concurrency };
  const imageArn = reference.arn;
  const mode = values.apply ? 'APPLY: changes AWS' : 'dry run: nothing is changed (--apply changes AWS)';
  const header = `retire: image ${imageArn}; step ${step}; ${mode}; caller ${identity.arn}`;
  const emit = (plans: CopyPlan[], changes: Map<CopyPlan, Change[]>, notices: string[], code: number) => {
    if (values.json) {
      return {
        code,
        record: {
          image: imageArn,
          step,
          apply: values.apply,
          caller: identity,
          exitCode: code,
          notices,
          summary: summaryOf(plans, changes),
          copies: plans.map(p => ({
            account: p.copy.account,
            region: p.copy.region,
            imageId: p.copy.imageId,
            source: p.copy.source,
            state: p.copy.state,
            verdict: p.verdict,
            ...(p.change ? { change: p.change } : {}),
            why: p.why,
            references: p.copy.references.map(r => ({ ...r, words: describeReference(r) })),
            unchecked: p.copy.gaps,
            snapshotIds: p.copy.snapshotIds,
            changes: changes.get(p) ?? [],
          })),
        },
      };
    }
    const s = summaryOf(plans, changes);
    io.out([
      `${plans.length} copies: ${s.retire} ${values.apply ? 'retired' : 'to retire'}, ${s.done} already done, ${s['in-use']} in use, ${s.unchecked} unchecked, ${s.retained} retained, ${s.absent} without a copy${values.apply ? `; ${s.changesFailed} changes failed or unknown` : ''}`,
    ].join('\n'));
    return { code };
  };

  let image: Json;
  try {
    image = await getImage(aws, reference);
  } catch (e) {
    if (IMAGE_NOT_FOUND.test(errorCode(e))) {
      return { code: usage(`cannot read the image ${imageArn}: Image Builder answered ${errorCode(e)}: ${String((e as Error).message).split('\n')[0]}. Fix: check the ARN (its Region and account).`) };
    }
    const why = classify(e, aws.settings);
    io.err(`retire: cannot read the image ${imageArn}: ${why.message}. Fix: ${why.fix}. Nothing was changed.`);
    return {
      code: RETIRE_EXIT.INCOMPLETE,
      record: values.json ? { image: imageArn, step, apply: values.apply, caller: identity, exitCode: RETIRE_EXIT.INCOMPLETE, notices: [`cannot read the image: ${why.message}`], copies: [] } : undefined,
    };
  }
  const status = String(image.state?.status ?? 'UNKNOWN');
  if (['PENDING', 'CREATING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING'].includes(status)) {
    io.err(`retire: the image ${imageArn} is still ${status}: its copies are not all known yet. Nothing was changed. Fix: run retire once it is AVAILABLE (or FAILED).`);
    return { code: RETIRE_EXIT.INCOMPLETE };
  }

  const owner = reference.account;
  const notices: string[] = [];
  let regions: RegionIntent[];
  if (distributions) {
    let distribution: FoundDistribution | string;
    if (values.distribution !== undefined) {
      const named = distributions.filter(d => [d.constructPath, `${d.stack}/${d.logicalId}`, d.logicalId].includes(values.distribution));
      distribution = named.length === 1 ? named[0] : `${named.length === 0 ? 'no' : 'more than one'} distribution configuration of the app is named ${values.distribution}`;
    } else {
      const configurationArn = image.distributionConfiguration?.arn;
      distribution = typeof configurationArn === 'string' ? matchDistribution(distributions, configurationArn, reference.partition)
        : 'the image has no distribution configuration';
    }
    if (typeof distribution === 'string') {
      return { code: usage(`${distribution}. Fix: pass --distribution with the configuration's construct path, or run without --app to use the configuration the image was distributed with.`) };
    }
    const intent = intentOf(distribution, image, reference.partition);
    regions = intent.regions;
    notices.push(...intent.differences.map(d => `the app and the image's configuration differ${d.region ? ` (${d.region})` : ''}: ${d.message}; both are searched`));
    // Where the app and the image differ, the copies of either may exist: the image's configuration is searched too.
    regions = [...regions, ...imageIntent(image).filter(r => !regions.some(x => x.region === r.region))];
  } else {
    regions = imageIntent(image);
  }

  // The inventory: the AMIs the image lists, then every account and Region the configuration names without one.
  const copies: Where[] = amisOf(image, owner).map(a => ({ ...a, source: 'image' as const }));
  for (const r of regions) {
    for (const account of [r.owner, ...r.targets]) {
      if (!copies.some(c => c.account === account && c.region === r.region)) {
        copies.push({ account, region: r.region, source: 'configuration' });
      }
    }
  }
  const app: AppTargets = {
    parameters: regions.flatMap(r => r.ssmParameters.map(p => ({ account: p.amiAccountId, region: r.region, name: p.parameterName }))),
    launchTemplates: regions.flatMap(r => r.launchTemplates.map(t => ({ account: t.accountId, region: r.region, id: t.launchTemplateId }))),
  };
  const elsewhere = [...new Set(copies.map(c => c.account))].filter(a => a !== identity.account);
  if (!aws.settings.assumeRoleName && elsewhere.length > 0) {
    notices.push(`without --assume-role-name, the copies in account${elsewhere.length === 1 ? '' : 's'} ${elsewhere.join(', ')} cannot be checked (the caller is in ${identity.account}): they are kept. Fix: pass --assume-role-name with a role the caller may assume there.`);
  }
  if (!values.json) {
    io.out(header);
    notices.forEach(n => io.out(`NOTE  ${n}`));
  } else {
    notices.forEach(n => io.err(`retire: ${n}`));
  }

  // The plan: every copy read and judged before anything changes.
  const now = new Date();
  const reads = new Reads(aws, imageArn, app);
  const progress = new Progress(io, copies.length, { unit: 'copies', label: 'retire' });
  const plans = await mapLimit(copies, session.concurrency, async where => {
    const plan = planCopy(await reads.copy(where), step, now);
    progress.add({
      check: 'copy', status: plan.verdict === 'unchecked' ? 'unchecked' : plan.verdict === 'in-use' ? 'fail' : 'pass', resource: '', message: '', distributions: [],
    });
    return plan;
  });
  progress.finish();
  const line = (p: CopyPlan) => `${(p.verdict === 'retire' && !values.apply ? `WOULD ${step.toUpperCase()}` : LABEL[p.verdict]).padEnd(18)} ${p.copy.account}  ${p.copy.region}  ${p.copy.imageId ?? '-'}: ${p.why}`
    + (p.verdict === 'unchecked' ? ` Fix: ${[...new Set(p.copy.gaps.map(g => g.fix))].join('; ')}.` : '');
  if (!values.json) {
    plans.forEach(p => io.out(line(p)));
  }

  const changes = new Map<CopyPlan, Change[]>();
  if (values.apply) {
    const due = plans.filter(p => p.verdict === 'retire');
    (values.json ? io.err : io.out)(`retire: applying: ${due.length} cop${due.length === 1 ? 'y' : 'ies'} to ${step}`);
    await mapLimit(due, session.concurrency, async p => {
      changes.set(p, await applyPlan(aws, p, now, c => {
        const text = `${c.outcome === 'done' || c.outcome === 'already' ? 'CHANGED' : c.outcome === 'unknown' ? 'UNKNOWN' : 'FAILED'}  ${p.copy.account}  ${p.copy.region}  ${c.call} ${c.target}: ${c.message}`;
        (values.json ? io.err : io.out)(text);
      }));
    });
  }
  const failed = [...changes.values()].flat().filter(c => c.outcome === 'failed' || c.outcome === 'unknown').length;
  return emit(plans, changes, notices, exitCodeOf(plans.map(p => p.verdict), failed));
}

/**
 * `--keep N` with a pipeline ARN: lists the pipeline's images, keeps the newest N (chooseKept says which and why)
 * and retires each older image in turn, as `retire --image <its ARN>` would with the same options. The exit code
 * is the worst of theirs (worstExit).
 */
async function retirePipeline(run: Run, pipeline: ImageReference, keep: number): Promise<number> {
  const { io, aws, identity, step } = run;
  const base = { pipeline: pipeline.arn, keep, step, apply: run.apply, caller: identity };
  let images: PipelineImage[];
  try {
    images = await pipelineImages(aws, pipeline);
  } catch (e) {
    if (IMAGE_NOT_FOUND.test(errorCode(e))) {
      return run.usage(`cannot list the images of the pipeline ${pipeline.arn}: Image Builder answered ${errorCode(e)}: ${String((e as Error).message).split('\n')[0]}. Fix: check the ARN (its Region and account).`);
    }
    const why = classify(e, aws.settings);
    io.err(`retire: cannot list the images of the pipeline ${pipeline.arn}: ${why.message}. Fix: ${why.fix}. Nothing was changed.`);
    if (run.json) {
      io.out(JSON.stringify({ ...base, exitCode: RETIRE_EXIT.INCOMPLETE, notices: [`cannot list the pipeline's images: ${why.message}`], kept: [], images: [] }, null, 2));
    }
    return RETIRE_EXIT.INCOMPLETE;
  }
  const { kept, retire: older } = chooseKept(images, keep);
  const say = run.json ? io.err : io.out;
  say(`retire: pipeline ${pipeline.arn}: ${images.length} image${images.length === 1 ? '' : 's'}; keeping the newest ${keep} available; ${older.length} older to retire, one by one`);
  kept.forEach(k => say(`KEEP  ${k.arn}: ${k.why}`));
  const results: Array<{ image: string; version?: string; code: number; record?: Json }> = [];
  for (const image of older) {
    const result = await retireImage(run, imageReference(image.arn) ?? { kind: 'image', arn: image.arn, partition: pipeline.partition, region: pipeline.region, account: pipeline.account });
    results.push({ image: image.arn, version: image.version, ...result });
  }
  const code = worstExit(results.map(r => r.code));
  if (run.json) {
    io.out(JSON.stringify({
      ...base,
      exitCode: code,
      kept: kept.map(k => ({ image: k.arn, version: k.version, status: k.status, dateCreated: k.dateCreated, why: k.why })),
      images: results.map(r => ({ image: r.image, version: r.version, exitCode: r.code, ...(r.record ? { result: r.record } : {}) })),
    }, null, 2));
  } else {
    io.out(`pipeline ${pipeline.arn}: ${kept.length} kept, ${results.length} retired as above: ${results.map(r => `${r.version ?? r.image} exit ${r.code}`).join(', ') || 'none older'}; exit ${code}`);
  }
  return code;
}

function summaryOf(plans: CopyPlan[], changes: Map<CopyPlan, Change[]>) {
  const count = (v: string) => plans.filter(p => p.verdict === v).length;
  return {
    'retire': count('retire'),
    'done': count('done'),
    'in-use': count('in-use'),
    'unchecked': count('unchecked'),
    'retained': count('retained'),
    'absent': count('absent'),
    'changesFailed': [...changes.values()].flat().filter(c => c.outcome === 'failed' || c.outcome === 'unknown').length,
  };
}
