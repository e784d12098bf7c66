import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateImageUsageReportCommand, DescribeImageAttributeCommand, DescribeImageReferencesCommand, DescribeImagesCommand,
  DescribeImageUsageReportEntriesCommand, DescribeImageUsageReportsCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeParametersCommand, GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsSession, classify, errorCode } from './aws';

/*
 * The read-only calls of retire and usage (what uses a copy of an image), for one copy in its account and Region: the copy itself (DescribeImages; a copy
 * the configuration expects and the image does not list is looked up by the tag Image Builder puts on every AMI
 * it makes, Ec2ImageBuilderArn), then what uses it. `ec2:DescribeImageReferences` answers for launch templates
 * (every version), instances, SSM parameters and Image Builder recipes where the endpoint has it; where it gives
 * no answer (another partition, an emulator, access denied for that call) the same is read directly: every
 * launch template and its versions, instances in every state but terminated, SSM parameters of data type
 * aws:ec2:image. Whatever the path: Auto Scaling groups (their launch template and version, the templates of a
 * mixed instances policy and its overrides, launch configurations; a warm pool launches from the group's
 * template, and its stopped instances are instances), the app's SSM parameters (of any data type) and, for a
 * copy shared with other accounts, the image usage report of those accounts. Every read that gives no answer is
 * a gap: the copy is kept.
 */

type Json = Record<string, any>;

/**
 * The tag that keeps a copy whatever else is true: any value. On the AMI (the copy), in its own account, so an
 * account's owner can keep its copy without asking the image's.
 */
export const RETAIN_TAG = 'cdk-imagebuilder-distribution:retain';

/** Something that uses a copy, named so the user can find it. */
export interface Reference {
  /** `launch-template`, `auto-scaling-group`, `ssm-parameter`, `instance`, `consumer-account`, `image-recipe`, ... */
  readonly kind: string;
  /** Its ID, name or ARN. */
  readonly id: string;
  /** Where it is, when not the copy's account and Region, and which version or state. */
  readonly detail?: string;
  /** Its account, when not the copy's. */
  readonly account?: string;
}

/** A read that gave no usable answer: the copy cannot be called unused. */
export interface Gap {
  /** What could not be read (`launch templates of 111111111111 in eu-west-1`). */
  readonly what: string;
  readonly reason: string;
  readonly fix: string;
}

/** A copy as the reads found it. */
export interface CopyState {
  readonly account: string;
  readonly region: string;
  /** Undefined when a copy was expected there and none was found (or the lookup failed: see gaps). */
  readonly imageId?: string;
  /** `available`, `disabled`, ...; `deregistered` when EC2 no longer has it. */
  readonly state?: string;
  /** When EC2 deprecates (or deprecated) it, ISO 8601. */
  readonly deprecationTime?: string;
  /** The retain tag's value, when the copy has it. */
  readonly retain?: string;
  readonly snapshotIds: string[];
  readonly references: Reference[];
  readonly gaps: Gap[];
  /** Where the copy came from: the image's output (`image`) or the app's configuration (`configuration`). */
  readonly source: 'image' | 'configuration';
}

/** A reference in words: `launch template lt-0abc (version 3, $Default)`. */
export function describeReference(r: Reference): string {
  const words: Record<string, string> = {
    'launch-template': 'launch template',
    'auto-scaling-group': 'Auto Scaling group',
    'ssm-parameter': 'SSM parameter',
    'instance': 'instance',
    'consumer-account': 'consumer account',
    'image-recipe': 'Image Builder image recipe',
    'container-recipe': 'Image Builder container recipe',
  };
  const where = [r.detail, r.account ? `in account ${r.account}` : undefined].filter(Boolean).join(', ');
  return `${words[r.kind] ?? r.kind} ${r.id}${where ? ` (${where})` : ''}`;
}


/** The tag Image Builder puts on each AMI it makes, with the image's ARN (Image Builder user guide, "Tag Image Builder output resources"). */
export const IMAGE_ARN_TAG = 'Ec2ImageBuilderArn';

/** How many launch template versions DescribeImageReferences and the usage report look at: all (the API's most). */
const VERSION_DEPTH = '10000';

/** A place where a copy is, or should be. */
export interface Where {
  readonly account: string;
  readonly region: string;
  readonly imageId?: string;
  readonly source: 'image' | 'configuration';
}

/** What the app's configuration writes an AMI ID into: read wherever they are, for every copy of their Region. */
export interface AppTargets {
  readonly parameters: Array<{ readonly account: string; readonly region: string; readonly name: string }>;
  readonly launchTemplates: Array<{ readonly account: string; readonly region: string; readonly id: string }>;
}

/** Seconds between two reads of a pending usage report. */
export interface ReadOptions {
  readonly usageReportPollMs?: number;
}

/** The order references are listed in. */
const KINDS = ['launch-template', 'auto-scaling-group', 'ssm-parameter', 'instance', 'consumer-account', 'image-recipe', 'container-recipe'];

const NOT_FOUND = /^InvalidAMIID\.(NotFound|Unavailable|Malformed)$/;

/** The reads of a run: per account and Region, what several copies share is read once. */
export class Reads {
  private readonly memo = new Map<string, Promise<unknown>>();
  /** Regions whose endpoint lacks DescribeImageReferences: asked once, not for every account (each asks retries). */
  private readonly withoutReferences = new Set<string>();

  constructor(private readonly aws: AwsSession, private readonly imageArn: string, private readonly app: AppTargets,
    private readonly options: ReadOptions = {}) {}

  /** The copy at `where` as EC2 has it, and what uses it. Never throws: a read that fails is a gap. */
  public async copy(where: Where): Promise<CopyState> {
    const { account, region } = where;
    const gaps: Gap[] = [];
    const references: Reference[] = [];
    const gap = (what: string, e: unknown) => {
      const why = classify(e, this.aws.settings);
      gaps.push({ what, reason: why.message, fix: why.fix });
    };
    const base = { account, region, source: where.source, snapshotIds: [] as string[], references, gaps };

    let image: Json | undefined;
    let imageId = where.imageId;
    try {
      const ec2 = await this.aws.client(EC2Client, account, region);
      if (imageId === undefined) {
        const found = await this.aws.send<Json>(ec2, new DescribeImagesCommand({
          Owners: ['self'], IncludeDisabled: true, IncludeDeprecated: true, Filters: [{ Name: `tag:${IMAGE_ARN_TAG}`, Values: [this.imageArn] }],
        }), 'ec2:DescribeImages');
        image = (found.Images ?? [])[0];
        imageId = image?.ImageId;
        if (!imageId) {
          return { ...base };
        }
      } else {
        try {
          const found = await this.aws.send<Json>(ec2, new DescribeImagesCommand({ ImageIds: [imageId], IncludeDisabled: true, IncludeDeprecated: true }), 'ec2:DescribeImages');
          image = (found.Images ?? []).find((i: Json) => i.ImageId === imageId);
        } catch (e) {
          if (!NOT_FOUND.test(errorCode(e))) {
            throw e;
          }
        }
        if (!image) {
          return { ...base, imageId, state: 'deregistered' };
        }
      }
    } catch (e) {
      gap(imageId ? `the copy ${imageId}` : `a copy in ${account} (DescribeImages by the tag ${IMAGE_ARN_TAG})`, e);
      return { ...base, imageId };
    }

    const tags = new Map<string, string>((image!.Tags ?? []).map((t: Json) => [String(t.Key), String(t.Value ?? '')]));
    const state: CopyState = {
      ...base,
      imageId,
      state: String(image!.State ?? 'unknown'),
      deprecationTime: typeof image!.DeprecationTime === 'string' ? image!.DeprecationTime : undefined,
      retain: tags.get(RETAIN_TAG),
      snapshotIds: (image!.BlockDeviceMappings ?? []).map((m: Json) => m.Ebs?.SnapshotId).filter((s: unknown): s is string => typeof s === 'string'),
    };
    if (state.retain !== undefined) {
      return state;
    }
    const id = imageId!;
    const add = (r: Reference) => {
      if (!references.some(x => x.kind === r.kind && x.id === r.id && x.account === r.account)) {
        references.push(r);
      }
    };
    await Promise.all([
      this.inAccount(account, region, id).then(found => found.forEach(add), e => gap(`what uses ${id} in ${account}/${region}`, e)),
      this.autoScalingGroups(account, region, id).then(found => found.forEach(add), e => gap(`the Auto Scaling groups of ${account}/${region}`, e)),
      ...this.app.parameters.filter(p => p.region === region).map(p => this.parameterValue(p.account, region, p.name).then(value => {
        if (value === id) {
          add({ kind: 'ssm-parameter', id: p.name, detail: 'a parameter of the app', ...(p.account !== account ? { account: p.account } : {}) });
        }
      }, e => gap(`the app's SSM parameter ${p.name} in ${p.account}/${region}`, e))),
      // The app's launch templates in other accounts of the Region can launch this copy when it is shared with them.
      ...this.app.launchTemplates.filter(t => t.region === region && t.account !== account)
        .map(t => this.templateVersions(t.account, region, t.id).then(versions => {
          const hits = versions.filter(v => v.LaunchTemplateData?.ImageId === id);
          if (hits.length > 0) {
            add({ kind: 'launch-template', id: t.id, detail: versionWords(hits), account: t.account });
          }
        }, e => gap(`the app's launch template ${t.id} in ${t.account}/${region}`, e))),
      this.consumers(account, region, id).then(found => found.forEach(add), e => gap(`the accounts ${id} is shared with (image usage report)`, e)),
    ]);
    // In a fixed order, whichever read answered first.
    references.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || a.id.localeCompare(b.id));
    gaps.sort((a, b) => a.what.localeCompare(b.what));
    return state;
  }

  private once<T>(key: string, f: () => Promise<T>): Promise<T> {
    if (!this.memo.has(key)) {
      this.memo.set(key, f());
    }
    return this.memo.get(key) as Promise<T>;
  }

  /** What uses the copy in its account: DescribeImageReferences, or the same read directly where it gives no answer. */
  private async inAccount(account: string, region: string, imageId: string): Promise<Reference[]> {
    const ec2 = await this.aws.client(EC2Client, account, region);
    try {
      if (this.withoutReferences.has(region)) {
        throw new Error('DescribeImageReferences is not on this endpoint');
      }
      const references: Reference[] = [];
      let NextToken: string | undefined;
      do {
        const page = await this.aws.send<Json>(ec2, new DescribeImageReferencesCommand({
          ImageIds: [imageId],
          IncludeAllResourceTypes: true,
          ResourceTypes: [{ ResourceType: 'ec2:LaunchTemplate', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: [VERSION_DEPTH] }] }],
          NextToken,
        }), 'ec2:DescribeImageReferences');
        for (const r of page.ImageReferences ?? []) {
          references.push(referenceOfArn(String(r.ResourceType ?? ''), String(r.Arn ?? '')));
        }
        NextToken = page.NextToken;
      } while (NextToken);
      return references;
    } catch (e) {
      // No answer from DescribeImageReferences is no answer about the copy: read the same directly.
      if (this.aws.budgetSpent) {
        throw e;
      }
      if (classify(e, this.aws.settings).kind === 'unsupported') {
        this.withoutReferences.add(region);
      }
    }
    const [templates, instances, parameters] = await Promise.all([
      this.templatesUsing(account, region, imageId),
      this.instancesUsing(account, region, imageId),
      this.imageParametersHolding(account, region, imageId),
    ]);
    return [...templates, ...instances, ...parameters];
  }

  private templates(account: string, region: string): Promise<Json[]> {
    return this.once(`templates/${account}/${region}`, async () => {
      const ec2 = await this.aws.client(EC2Client, account, region);
      const all: Json[] = [];
      let NextToken: string | undefined;
      do {
        const page = await this.aws.send<Json>(ec2, new DescribeLaunchTemplatesCommand({ NextToken, MaxResults: 200 }), 'ec2:DescribeLaunchTemplates');
        all.push(...(page.LaunchTemplates ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      return all;
    });
  }

  /** Every version of a launch template. */
  private templateVersions(account: string, region: string, templateId: string): Promise<Json[]> {
    return this.once(`versions/${account}/${region}/${templateId}`, async () => {
      const ec2 = await this.aws.client(EC2Client, account, region);
      const all: Json[] = [];
      let NextToken: string | undefined;
      do {
        const page = await this.aws.send<Json>(ec2, new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, NextToken, MaxResults: 200 }), 'ec2:DescribeLaunchTemplateVersions');
        all.push(...(page.LaunchTemplateVersions ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      return all;
    });
  }

  private async templatesUsing(account: string, region: string, imageId: string): Promise<Reference[]> {
    const found: Reference[] = [];
    for (const t of await this.templates(account, region)) {
      const versions = await this.templateVersions(account, region, String(t.LaunchTemplateId));
      const hits = versions.filter(v => v.LaunchTemplateData?.ImageId === imageId);
      if (hits.length > 0) {
        found.push({ kind: 'launch-template', id: String(t.LaunchTemplateId), detail: `${t.LaunchTemplateName ? `${t.LaunchTemplateName}, ` : ''}${versionWords(hits, t)}` });
      }
    }
    return found;
  }

  private async instancesUsing(account: string, region: string, imageId: string): Promise<Reference[]> {
    const ec2 = await this.aws.client(EC2Client, account, region);
    const found: Reference[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.aws.send<Json>(ec2, new DescribeInstancesCommand({
        Filters: [
          { Name: 'image-id', Values: [imageId] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
        ],
        NextToken,
      }), 'ec2:DescribeInstances');
      for (const reservation of page.Reservations ?? []) {
        for (const i of reservation.Instances ?? []) {
          if (i.ImageId === imageId) {
            found.push({ kind: 'instance', id: String(i.InstanceId), detail: String(i.State?.Name ?? 'in an unknown state') });
          }
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return found;
  }

  /** The account's SSM parameters of data type aws:ec2:image that hold the copy's ID. */
  private async imageParametersHolding(account: string, region: string, imageId: string): Promise<Reference[]> {
    const values = await this.once(`image-parameters/${account}/${region}`, async () => {
      const ssm = await this.aws.client(SSMClient, account, region);
      const names: string[] = [];
      let NextToken: string | undefined;
      do {
        // DescribeParameters filters by data type on AWS, not on every emulator: the filter is applied here.
        const page = await this.aws.send<Json>(ssm, new DescribeParametersCommand({ NextToken, MaxResults: 50 }), 'ssm:DescribeParameters');
        names.push(...(page.Parameters ?? []).filter((p: Json) => p.DataType === 'aws:ec2:image').map((p: Json) => String(p.Name)));
        NextToken = page.NextToken;
      } while (NextToken);
      const byName = new Map<string, string>();
      for (let i = 0; i < names.length; i += 10) {
        const answer = await this.aws.send<Json>(ssm, new GetParametersCommand({ Names: names.slice(i, i + 10) }), 'ssm:GetParameters');
        for (const p of answer.Parameters ?? []) {
          byName.set(String(p.Name), String(p.Value));
        }
      }
      return byName;
    });
    return [...values.entries()].filter(([, v]) => v === imageId).map(([name]) => ({ kind: 'ssm-parameter', id: name, detail: 'data type aws:ec2:image' }));
  }

  /** A parameter's value, or undefined when it does not exist. */
  private parameterValue(account: string, region: string, name: string): Promise<string | undefined> {
    return this.once(`parameter/${account}/${region}/${name}`, async () => {
      const ssm = await this.aws.client(SSMClient, account, region);
      try {
        return (await this.aws.send<Json>(ssm, new GetParameterCommand({ Name: name }), 'ssm:GetParameter')).Parameter?.Value as string | undefined;
      } catch (e) {
        if (errorCode(e) === 'ParameterNotFound') {
          return undefined;
        }
        throw e;
      }
    });
  }

  /** The Auto Scaling groups whose launch template version or launch configuration launches the copy. */
  private async autoScalingGroups(account: string, region: string, imageId: string): Promise<Reference[]> {
    const groups = await this.once(`groups/${account}/${region}`, async () => {
      const client = await this.aws.client(AutoScalingClient, account, region);
      const all: Json[] = [];
      let NextToken: string | undefined;
      do {
        const page = await this.aws.send<Json>(client, new DescribeAutoScalingGroupsCommand({ NextToken, MaxRecords: 100 }), 'autoscaling:DescribeAutoScalingGroups');
        all.push(...(page.AutoScalingGroups ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      return all;
    });
    const found: Reference[] = [];
    for (const group of groups) {
      const specs: Json[] = [
        group.LaunchTemplate,
        group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification,
        ...(group.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? []).map((o: Json) => o.LaunchTemplateSpecification),
      ].filter((s): s is Json => typeof s === 'object' && s !== null);
      const why: string[] = [];
      for (const spec of specs) {
        let templateId: string | undefined = spec.LaunchTemplateId;
        if (!templateId && spec.LaunchTemplateName) {
          templateId = (await this.templates(account, region)).find(t => t.LaunchTemplateName === spec.LaunchTemplateName)?.LaunchTemplateId;
        }
        if (!templateId) {
          continue;
        }
        const versions = await this.templateVersions(account, region, templateId);
        const wanted = String(spec.Version ?? '$Default');
        const version = wanted === '$Latest' ? versions.reduce<Json | undefined>((a, v) => (!a || v.VersionNumber > a.VersionNumber ? v : a), undefined)
          : wanted === '$Default' ? versions.find(v => v.DefaultVersion === true)
            : versions.find(v => String(v.VersionNumber) === wanted);
        if (version?.LaunchTemplateData?.ImageId === imageId) {
          why.push(`launch template ${templateId} version ${wanted === String(version.VersionNumber) ? wanted : `${wanted} = ${version.VersionNumber}`}`);
        }
      }
      if (group.LaunchConfigurationName) {
        const client = await this.aws.client(AutoScalingClient, account, region);
        const answer = await this.aws.send<Json>(client, new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: [group.LaunchConfigurationName] }), 'autoscaling:DescribeLaunchConfigurations');
        if ((answer.LaunchConfigurations ?? []).some((c: Json) => c.ImageId === imageId)) {
          why.push(`launch configuration ${group.LaunchConfigurationName}`);
        }
      }
      if (why.length > 0) {
        const warm = group.WarmPoolConfiguration ? ', with a warm pool' : '';
        found.push({ kind: 'auto-scaling-group', id: String(group.AutoScalingGroupName), detail: `${[...new Set(why)].join(', ')}${warm}` });
      }
    }
    return found;
  }

  /**
   * The other accounts that use a shared copy, from an image usage report (CreateImageUsageReport, then its
   * entries once it is available). A copy shared with nobody has no consumers to ask about.
   */
  private async consumers(account: string, region: string, imageId: string): Promise<Reference[]> {
    const ec2 = await this.aws.client(EC2Client, account, region);
    const attribute = await this.aws.send<Json>(ec2, new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }), 'ec2:DescribeImageAttribute');
    const permissions: Json[] = attribute.LaunchPermissions ?? [];
    if (permissions.length === 0) {
      return [];
    }
    const created = await this.aws.send<Json>(ec2, new CreateImageUsageReportCommand({
      ImageId: imageId,
      ResourceTypes: [
        { ResourceType: 'ec2:Instance' },
        { ResourceType: 'ec2:LaunchTemplate', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: [VERSION_DEPTH] }] },
        { ResourceType: 'imagebuilder:ImageRecipe' },
        { ResourceType: 'imagebuilder:ContainerRecipe' },
      ],
    }), 'ec2:CreateImageUsageReport');
    const reportId = String(created.ReportId);
    for (;;) {
      const reports = await this.aws.send<Json>(ec2, new DescribeImageUsageReportsCommand({ ReportIds: [reportId] }), 'ec2:DescribeImageUsageReports');
      const report = (reports.ImageUsageReports ?? [])[0];
      if (report?.State === 'available') {
        break;
      }
      if (report?.State !== 'pending') {
        throw Object.assign(new Error(`the usage report ${reportId} is ${report?.State ?? 'missing'}${report?.StateReason ? ` (${report.StateReason})` : ''}`), { name: 'UsageReportFailed', $call: 'ec2:DescribeImageUsageReports' });
      }
      // The run's budget bounds the wait: once it is spent, the next call fails and the copy is kept.
      await new Promise(resolve => setTimeout(resolve, this.options.usageReportPollMs ?? 5_000));
    }
    const counts = new Map<string, string[]>();
    let NextToken: string | undefined;
    do {
      const page = await this.aws.send<Json>(ec2, new DescribeImageUsageReportEntriesCommand({ ReportIds: [reportId], NextToken }), 'ec2:DescribeImageUsageReportEntries');
      for (const entry of page.ImageUsageReportEntries ?? []) {
        if (Number(entry.UsageCount ?? 0) > 0 && entry.AccountId !== account) {
          counts.set(String(entry.AccountId), [...(counts.get(String(entry.AccountId)) ?? []), `${entry.UsageCount} ${entry.ResourceType}`]);
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return [...counts.entries()].map(([consumer, uses]) => ({ kind: 'consumer-account', id: consumer, detail: uses.join(', ') }));
  }
}

/** `versions 1, 3 ($Default)` of a template's versions. */
function versionWords(versions: Json[], template?: Json): string {
  const latest = template?.LatestVersionNumber;
  const words = versions.map(v => {
    const marks = [v.DefaultVersion === true ? '$Default' : '', latest !== undefined && v.VersionNumber === latest ? '$Latest' : ''].filter(Boolean);
    return `${v.VersionNumber}${marks.length ? ` (${marks.join(', ')})` : ''}`;
  });
  return `version${versions.length === 1 ? '' : 's'} ${words.join(', ')}`;
}

/** A reference of DescribeImageReferences, named by its ARN's resource ID. */
function referenceOfArn(type: string, arn: string): Reference {
  const kind: Record<string, string> = {
    'ec2:Instance': 'instance',
    'ec2:LaunchTemplate': 'launch-template',
    'ssm:Parameter': 'ssm-parameter',
    'imagebuilder:ImageRecipe': 'image-recipe',
    'imagebuilder:ContainerRecipe': 'container-recipe',
  };
  const resource = arn.split(':').slice(5).join(':');
  // Recipes by their ARN: a name and version alone would not say whose.
  const id = type.startsWith('imagebuilder:') ? arn
    : type === 'ssm:Parameter' ? resource.replace(/^parameter/, '') : resource.split('/').slice(1).join('/') || arn;
  return { kind: kind[type] ?? type, id };
}
