import { FoundDistribution } from './assembly';
import { literal } from './template';

/*
 * What an image's distribution should have produced (pure: no AWS calls): the app's distribution configuration
 * (the cloud assembly), matched to the image's by ARN, read Region by Region. Values the template knows only at
 * deploy time (a key of the app by `Fn::GetAtt`, ...) are taken from the configuration the image was distributed
 * with (GetImage), which is the deployed one; literal values that differ from it are reported: the app was changed
 * and not deployed, or the image was built before.
 */

type Json = Record<string, any>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface LaunchPermissionIntent {
  readonly userIds: string[];
  readonly userGroups: string[];
  readonly organizationArns: string[];
  readonly organizationalUnitArns: string[];
}

export interface LaunchTemplateIntent {
  readonly launchTemplateId: string;
  /** The template's account (the distribution's when the configuration names none). */
  readonly accountId: string;
  readonly setDefaultVersion: boolean;
}

export interface SsmParameterIntent {
  readonly parameterName: string;
  /** The parameter's account (the distribution's when the configuration names none). */
  readonly amiAccountId: string;
  readonly dataType: string;
}

export interface FastLaunchIntent {
  readonly accountId: string;
  readonly enabled: boolean;
}

/** One Region of the distribution, as it should be. */
export interface RegionIntent {
  readonly region: string;
  /** The distribution's account, which owns the AMI of the Region. */
  readonly owner: string;
  /** The accounts that get a copy of their own. */
  readonly targets: string[];
  /** The configured key (key ID, key ARN, alias name or alias ARN), if any. */
  readonly kmsKeyId?: string;
  readonly launchPermission: LaunchPermissionIntent;
  readonly amiTags: Record<string, string>;
  readonly launchTemplates: LaunchTemplateIntent[];
  readonly ssmParameters: SsmParameterIntent[];
  readonly fastLaunch: FastLaunchIntent[];
}

export interface Intent {
  /** The app's distribution configuration: its construct path, or stack/logical ID. */
  readonly distribution: string;
  readonly regions: RegionIntent[];
  /** Where the app and the configuration the image was distributed with differ (one line each, with the Region). */
  readonly differences: Array<{ readonly region?: string; readonly message: string }>;
  /** Values known only at deploy time, taken from the image's configuration (for notices). */
  readonly fromImage: string[];
}

/** The name in a distribution configuration ARN, as Image Builder writes it (lower case). */
const arnName = (arn: string) => arn.split('/').pop() ?? '';
/** A configuration name as its ARN writes it. */
const asArnName = (name: string) => name.toLowerCase().replace(/ /g, '-');

/**
 * The app's distribution configuration the image was distributed with: the one of the ARN's account and Region
 * whose name is the ARN's. A string saying what the app has instead when none matches.
 */
export function matchDistribution(distributions: FoundDistribution[], configurationArn: string, partition: string): FoundDistribution | string {
  const [, , , region, account] = configurationArn.split(':');
  const inEnv = distributions.filter(d => (d.account ?? account) === account && (d.region ?? region) === region);
  const named = inEnv.map(d => ({ d, name: literal(d.properties.Name, { account, region, partition }) }));
  const matches = named.filter(n => n.name !== undefined && asArnName(n.name) === arnName(configurationArn));
  if (matches.length === 1) {
    return matches[0].d;
  }
  const unnamed = named.filter(n => n.name === undefined);
  if (matches.length === 0 && unnamed.length === 1 && named.length === 1) {
    // The only configuration of that account and Region, whose name is known only at deploy time.
    return unnamed[0].d;
  }
  const pathOf = (d: FoundDistribution) => d.constructPath ?? `${d.stack}/${d.logicalId}`;
  const found = distributions.map(d => `${pathOf(d)} (${literal(d.properties.Name, { account: d.account ?? account, region: d.region ?? region, partition }) ?? 'name known at deploy time'}, ${d.account ?? 'any account'}/${d.region ?? 'any Region'})`);
  return matches.length > 1
    ? `the app has ${matches.length} distribution configurations named ${arnName(configurationArn)} in ${account}/${region}: ${matches.map(m => pathOf(m.d)).join(', ')}`
    : `the app has no distribution configuration ${arnName(configurationArn)} in account ${account}, Region ${region}${found.length ? ` (it has ${found.join('; ')})` : ' (it has none)'}`;
}

/** A template value with every leaf a literal, or undefined when some part is known only at deploy time. */
function resolved(value: unknown, env: { account: string; region: string; partition: string }): unknown {
  if (value === undefined || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value)) {
    const items = value.map(v => resolved(v, env));
    return items.some(i => i === undefined) ? undefined : items;
  }
  if (isObj(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return literal(value, env);
    }
    // An absent field (undefined) is no unknown.
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, resolved(v, env)] as const);
    return entries.some(([, v]) => v === undefined) ? undefined : Object.fromEntries(entries);
  }
  return undefined;
}

/** A Region entry's fields, in one casing, from the template (PascalCase) or from GetImage (camelCase). */
interface Fields {
  targets: unknown;
  kmsKeyId: unknown;
  amiTags: unknown;
  userIds: unknown;
  userGroups: unknown;
  organizationArns: unknown;
  organizationalUnitArns: unknown;
  launchTemplates: unknown;
  ssmParameters: unknown;
  fastLaunch: unknown;
}

function templateFields(entry: Json): Fields {
  const ami = isObj(entry.AmiDistributionConfiguration) ? entry.AmiDistributionConfiguration : {};
  const lp = isObj(ami.LaunchPermissionConfiguration) ? ami.LaunchPermissionConfiguration : {};
  const map = (v: unknown, f: (o: Json) => Json) => (Array.isArray(v) ? v.map(o => (isObj(o) ? f(o) : o)) : v);
  return {
    targets: ami.TargetAccountIds,
    kmsKeyId: ami.KmsKeyId,
    amiTags: ami.AmiTags,
    userIds: lp.UserIds,
    userGroups: lp.UserGroups,
    organizationArns: lp.OrganizationArns,
    organizationalUnitArns: lp.OrganizationalUnitArns,
    launchTemplates: map(entry.LaunchTemplateConfigurations,
      o => ({ launchTemplateId: o.LaunchTemplateId, accountId: o.AccountId, setDefaultVersion: o.SetDefaultVersion })),
    ssmParameters: map(entry.SsmParameterConfigurations,
      o => ({ parameterName: o.ParameterName, amiAccountId: o.AmiAccountId, dataType: o.DataType })),
    fastLaunch: map(entry.FastLaunchConfigurations, o => ({ enabled: o.Enabled, accountId: o.AccountId })),
  };
}

function imageFields(entry: Json): Fields {
  const ami = isObj(entry.amiDistributionConfiguration) ? entry.amiDistributionConfiguration : {};
  const lp = isObj(ami.launchPermission) ? ami.launchPermission : {};
  const map = (v: unknown, f: (o: Json) => Json) => (Array.isArray(v) ? v.map(o => (isObj(o) ? f(o) : o)) : v);
  return {
    targets: ami.targetAccountIds,
    kmsKeyId: ami.kmsKeyId,
    amiTags: ami.amiTags,
    userIds: lp.userIds,
    userGroups: lp.userGroups,
    organizationArns: lp.organizationArns,
    organizationalUnitArns: lp.organizationalUnitArns,
    launchTemplates: map(entry.launchTemplateConfigurations,
      o => ({ launchTemplateId: o.launchTemplateId, accountId: o.accountId, setDefaultVersion: o.setDefaultVersion })),
    ssmParameters: map(entry.ssmParameterConfigurations,
      o => ({ parameterName: o.parameterName, amiAccountId: o.amiAccountId, dataType: o.dataType })),
    fastLaunch: map(entry.fastLaunchConfigurations, o => ({ enabled: o.enabled, accountId: o.accountId })),
  };
}

/** The fields with their defaults written in, so that the app and the image compare equal when they mean the same. */
function normalized(f: Fields, owner: string): Fields {
  const strings = (v: unknown) => (v === undefined ? [] : list(v).map(String).sort());
  const objects = (v: unknown, defaults: Json) => list(v).filter(isObj)
    .map(o => Object.fromEntries(Object.entries({ ...defaults, ...Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) }).sort()))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    targets: strings(f.targets),
    kmsKeyId: f.kmsKeyId,
    amiTags: isObj(f.amiTags) ? f.amiTags : {},
    userIds: strings(f.userIds),
    userGroups: strings(f.userGroups),
    organizationArns: strings(f.organizationArns),
    organizationalUnitArns: strings(f.organizationalUnitArns),
    launchTemplates: objects(f.launchTemplates, { accountId: owner, setDefaultVersion: false }),
    ssmParameters: objects(f.ssmParameters, { amiAccountId: owner, dataType: 'text' }),
    fastLaunch: objects(f.fastLaunch, { accountId: owner }),
  };
}

const WORDS: Record<keyof Fields, string> = {
  targets: 'target accounts',
  kmsKeyId: 'KMS key',
  amiTags: 'AMI tags',
  userIds: 'launch permission accounts',
  userGroups: 'launch permission groups',
  organizationArns: 'launch permission organizations',
  organizationalUnitArns: 'launch permission OUs',
  launchTemplates: 'launch templates',
  ssmParameters: 'SSM parameters',
  fastLaunch: 'fast launch',
};

/** A Region's intent from its fields (defaults written in). */
function regionIntent(region: string, owner: string, merged: Fields): RegionIntent {
  const n = normalized(merged, owner);
  return {
    region,
    owner,
    targets: (n.targets as string[]).filter(t => t !== owner),
    kmsKeyId: typeof merged.kmsKeyId === 'string' ? merged.kmsKeyId : undefined,
    launchPermission: {
      userIds: n.userIds as string[],
      userGroups: n.userGroups as string[],
      organizationArns: n.organizationArns as string[],
      organizationalUnitArns: n.organizationalUnitArns as string[],
    },
    amiTags: Object.fromEntries(Object.entries(n.amiTags as Json).map(([k, v]) => [k, String(v)])),
    launchTemplates: (n.launchTemplates as Json[]).map(o => ({
      launchTemplateId: String(o.launchTemplateId),
      accountId: String(o.accountId),
      setDefaultVersion: o.setDefaultVersion === true || o.setDefaultVersion === 'true',
    })),
    ssmParameters: (n.ssmParameters as Json[])
      .map(o => ({ parameterName: String(o.parameterName), amiAccountId: String(o.amiAccountId), dataType: String(o.dataType) })),
    fastLaunch: (n.fastLaunch as Json[]).map(o => ({ accountId: String(o.accountId), enabled: o.enabled === true || o.enabled === 'true' })),
  };
}

/**
 * The intent of each Region of the configuration the image was distributed with (GetImage's), for a verb run
 * without the app: what Image Builder was told, as deployed.
 */
export function imageIntent(image: Json): RegionIntent[] {
  const configuration = isObj(image.distributionConfiguration) ? image.distributionConfiguration : {};
  const owner = String(configuration.arn ?? image.arn ?? '').split(':')[4] ?? '';
  return list(configuration.distributions).filter(isObj).filter(e => typeof e.region === 'string')
    .map(e => regionIntent(String(e.region), owner, imageFields(e)));
}

/**
 * The intent of each Region of `distribution` for `image` (GetImage's `Image`): the app's values, with what the
 * template knows only at deploy time taken from the image's configuration.
 */
export function intentOf(distribution: FoundDistribution, image: Json, partition: string): Intent {
  const configuration = isObj(image.distributionConfiguration) ? image.distributionConfiguration : {};
  const [, , , configRegion, owner] = String(configuration.arn ?? image.arn ?? '').split(':');
  const env = { account: distribution.account ?? owner, region: distribution.region ?? configRegion, partition };
  const differences: Array<{ region?: string; message: string }> = [];
  const fromImage: string[] = [];

  const deployed = new Map<string, Json>();
  for (const entry of list(configuration.distributions).filter(isObj)) {
    deployed.set(String(entry.region), entry);
  }
  const appEntries = list(distribution.properties.Distributions).filter(isObj);
  const regions: RegionIntent[] = [];
  const appRegions = new Set<string>();
  for (const entry of appEntries) {
    const region = literal(entry.Region, env);
    if (region === undefined) {
      differences.push({ message: `a Region entry of the app has its Region ${JSON.stringify(entry.Region)} known only at deploy time: it is not checked` });
      continue;
    }
    appRegions.add(region);
    const distributed = deployed.get(region);
    if (!distributed) {
      differences.push({ region, message: `Region ${region} is in the app's configuration but not in the one the image was distributed with` });
    }
    const app = templateFields(entry);
    const used = distributed ? imageFields(distributed) : undefined;
    const merged = {} as Record<keyof Fields, unknown>;
    for (const key of Object.keys(WORDS) as Array<keyof Fields>) {
      const value = resolved(app[key], { ...env, region });
      if (value === undefined && app[key] !== undefined) {
        // Known only at deploy time: the deployed configuration says what it is.
        merged[key] = used?.[key];
        fromImage.push(`${region} ${WORDS[key]}: ${used?.[key] === undefined ? 'not in the image\'s configuration either' : JSON.stringify(used[key])}`);
        continue;
      }
      merged[key] = value;
      if (used) {
        const a = normalized({ ...app, [key]: value } as Fields, owner)[key];
        const b = normalized(used, owner)[key];
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          differences.push({ region, message: `${WORDS[key]} of Region ${region}: the app has ${JSON.stringify(a)}, the image was distributed with ${JSON.stringify(b)}` });
        }
      }
    }
    regions.push(regionIntent(region, owner, merged as unknown as Fields));
  }
  for (const region of deployed.keys()) {
    if (!appRegions.has(region)) {
      differences.push({ region, message: `Region ${region} is in the configuration the image was distributed with but not in the app's` });
    }
  }
  return {
    distribution: distribution.constructPath ?? `${distribution.stack}/${distribution.logicalId}`,
    regions,
    differences,
    fromImage,
  };
}
