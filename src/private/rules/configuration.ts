import { region_info as regionInfo } from 'aws-cdk-lib';
import { Rule, at, top } from './context';
import { call, field, t } from './finding';
import { partitionOf } from '../key-reference';
import { Entry, entriesOf, fields, isIntrinsic, isObj, isStr, items, show } from './shape';

/*
 * Rules about the configuration itself and its Regions. Each cites its source; catalog.ts lists them all.
 */

/** API model `ResourceName`. */
const RESOURCE_NAME = /^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$/;
/** API model `TagKey` (1..128, not `aws:`), `TagValue` (at most 256), `TagMap` (at most 50). */
const TAG_KEY = /^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$/;
/** Region codes: `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$/;

let knownRegionNames: Set<string> | undefined;

/** The Regions aws-cdk-lib knows, read once: building the list costs milliseconds, and every distribution asks. */
function knownRegions(): Set<string> {
  knownRegionNames ??= new Set(regionInfo.RegionInfo.regions.map(r => r.name));
  return knownRegionNames;
}

/** API model `CreateDistributionConfigurationRequest.name` (ResourceName). */
export const distributionName: Rule = (config, context) => {
  const name = config.Name;
  if (!isStr(name)) {
    return [];
  }
  if (!RESOURCE_NAME.test(name)) {
    const suggestion = name.replace(/[^-_A-Za-z0-9 ]/g, '-').trim().slice(0, 128).padEnd(3, '-');
    return [top('DistributionName', ['Name'],
      t`${show(name)} is not a valid distribution configuration name: 3 to 128 letters, digits, '-', '_' or spaces, not starting or ending with a space.`,
      t`rename it, e.g. ${show(suggestion)}.`)];
  }
  const others = context.nameCollisions ?? [];
  return others.length > 0
    ? [top('DistributionNameCollision', ['Name'],
      t`${show(name)} is the name of ${others.join(', ')} too, once Image Builder ignores case and reads spaces and underscores as '-'; names are unique in an account and Region.`,
      t`give each distribution configuration its own name.`)]
    : [];
};

/** API model `NonEmptyString` (1 to 1024 characters) for every description. */
export const descriptions: Rule = config => {
  const problem = (v: unknown) => (isStr(v) && (v.length < 1 || v.length > 1024)
    ? t`is ${v.length} characters long: a description has 1 to 1024.`
    : undefined);
  const findings = [];
  const topProblem = problem(config.Description);
  if (topProblem) {
    findings.push(top('Description', ['Description'], topProblem, t`shorten it, or leave it out.`));
  }
  for (const e of entriesOf(config).entries) {
    for (const path of [['AmiDistributionConfiguration', 'Description'], ['ContainerDistributionConfiguration', 'Description']]) {
      const p = problem(fields(e.d[path[0]]).Description);
      if (p) {
        findings.push(at('Description', e, path, p, t`shorten it, or leave it out.`));
      }
    }
  }
  return findings;
};

/** The checks of a tag map: API model `TagMap`, `TagKey`, `TagValue`. The configuration's tags and AMI tags share them. */
export function tagProblems(tags: unknown): Array<{ key?: string; problem: ReturnType<typeof t>; fix: ReturnType<typeof t> }> {
  if (!isObj(tags) || isIntrinsic(tags)) {
    return [];
  }
  const problems: Array<{ key?: string; problem: ReturnType<typeof t>; fix: ReturnType<typeof t> }> = [];
  const keys = Object.keys(tags);
  if (keys.length > 50) {
    problems.push({ problem: t`has ${keys.length} tags; at most 50 are allowed.`, fix: t`remove tags.` });
  }
  for (const key of keys) {
    if (key.toLowerCase().startsWith('aws:')) {
      problems.push({ key, problem: t`has the key ${show(key)}, which starts with 'aws:', reserved for AWS.`, fix: t`rename the tag.` });
    } else if (key.length < 1 || key.length > 128 || !TAG_KEY.test(key)) {
      problems.push({ key, problem: t`has the key ${show(key)}: a tag key has 1 to 128 letters, digits, spaces and '_.:/=+-@'.`, fix: t`rename the tag.` });
    }
    const value = tags[key];
    if (isStr(value) && value.length > 256) {
      problems.push({ key, problem: t`has the value of ${show(key)} ${value.length} characters long; at most 256 are allowed.`, fix: t`shorten the value.` });
    }
  }
  return problems;
}

/** API model `CreateDistributionConfigurationRequest.tags` (TagMap). */
export const configurationTags: Rule = config => tagProblems(config.Tags).map(p => top('Tags', ['Tags'], p.problem, p.fix));

/** API model `CreateDistributionConfigurationRequest.distributions`: at least one Region. */
export const regions: Rule = config => {
  const { entries, deployTime } = entriesOf(config);
  return entries.length === 0 && !deployTime
    ? [top('Regions', ['Distributions'], t`is empty: a distribution configuration needs at least one Region.`, t`add a Region (${call('addRegion')} or ${call('addContainerRegion')}).`)]
    : [];
};

/**
 * API model `Distribution.region` (NonEmptyString), in the form of a Region code; each Region once; Regions
 * aws-cdk-lib's `RegionInfo` does not know are a warning (new Regions reach `RegionInfo` late).
 */
export const regionNames: Rule = (config, context) => {
  const known = knownRegions();
  const seen = new Set<string>();
  return entriesOf(config).entries.flatMap(e => {
    const region = e.region;
    if (region === undefined) {
      return [];
    }
    if (!REGION.test(region)) {
      return [at('RegionName', e, ['Region'], t`${show(region)} is not a Region code like 'eu-west-1'.`, t`use the Region's code.`)];
    }
    if (seen.has(region)) {
      return [at('DuplicateRegion', e, ['Region'], t`${show(region)} appears more than once; each Region has one entry.`, t`merge the settings into one entry.`)];
    }
    seen.add(region);
    if (!known.has(region)) {
      return [at('UnknownRegion', e, ['Region'], t`${show(region)} is not known to aws-cdk-lib's RegionInfo.`, t`check the spelling; if the Region is new, acknowledge this warning.`)];
    }
    return partitionFindings(e, region, context.buildRegion, known);
  });
};

/**
 * AMIs are copied within a partition.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/CopyingAMIs.html
 */
function partitionFindings(e: Entry, region: string, buildRegion: string | undefined, known: Set<string>) {
  if (!buildRegion || !known.has(buildRegion) || region === buildRegion) {
    return [];
  }
  const partition = partitionOf(region);
  const buildPartition = partitionOf(buildRegion);
  return partition && buildPartition && partition !== buildPartition
    ? [at('RegionPartition', e, ['Region'],
      t`${show(region)} is in the ${partition} partition, but the distribution builds in ${buildRegion} (${buildPartition}); AMIs are copied only within a partition.`,
      t`distribute to ${partition} Regions from a pipeline in that partition.`)]
    : [];
}

/** The fields of `Distribution` that are outputs; Image Builder wants one or more per Region. */
const OUTPUTS = ['AmiDistributionConfiguration', 'ContainerDistributionConfiguration', 'LicenseConfigurationArns', 'LaunchTemplateConfigurations', 'SsmParameterConfigurations', 'FastLaunchConfigurations'];

/** Image Builder: "One or more outputs should be provided for each region". */
export const regionOutputs: Rule = config => entriesOf(config).entries.flatMap(e => (OUTPUTS.some(o => e.d[o] !== undefined)
  ? []
  : [at('RegionWithoutOutput', e, [], t`has nothing to distribute: Image Builder wants one or more outputs for each Region.`,
    t`add AMI settings (${field('AmiDistributionConfiguration')}) or container settings (${field('ContainerDistributionConfiguration')}), or remove the entry.`)]));

/**
 * The keys CloudFormation accepts, from the resource schema (test/catalog.test.ts checks the lists against it).
 * In the JSON-typed objects a wrong key is kept and rejected or dropped; elsewhere only overrides can add one.
 */
export const KNOWN_KEYS: Record<string, string[]> = {
  Properties: ['Name', 'Description', 'Distributions', 'Tags'],
  Distribution: ['Region', 'AmiDistributionConfiguration', 'ContainerDistributionConfiguration', 'LicenseConfigurationArns', 'LaunchTemplateConfigurations', 'SsmParameterConfigurations', 'FastLaunchConfigurations'],
  AmiDistributionConfiguration: ['Name', 'Description', 'TargetAccountIds', 'AmiTags', 'KmsKeyId', 'LaunchPermissionConfiguration'],
  LaunchPermissionConfiguration: ['UserIds', 'UserGroups', 'OrganizationArns', 'OrganizationalUnitArns'],
  ContainerDistributionConfiguration: ['Description', 'ContainerTags', 'TargetRepository'],
  TargetContainerRepository: ['Service', 'RepositoryName'],
  LaunchTemplateConfiguration: ['LaunchTemplateId', 'AccountId', 'SetDefaultVersion'],
  SsmParameterConfiguration: ['ParameterName', 'AmiAccountId', 'DataType'],
  FastLaunchConfiguration: ['Enabled', 'MaxParallelLaunches', 'SnapshotConfiguration', 'LaunchTemplate', 'AccountId'],
  FastLaunchLaunchTemplateSpecification: ['LaunchTemplateId', 'LaunchTemplateName', 'LaunchTemplateVersion'],
  FastLaunchSnapshotConfiguration: ['TargetResourceCount'],
};

const KNOWN_KEY_SETS = Object.fromEntries(Object.entries(KNOWN_KEYS).map(([kind, keys]) => [kind, new Set(keys)]));

/** The keys of an object that CloudFormation does not accept there, with the spelling it does when there is one. */
function unknownKeys(value: unknown, kind: string): Array<{ key: string; fix: ReturnType<typeof t> }> {
  if (!isObj(value) || isIntrinsic(value)) {
    return [];
  }
  const known = KNOWN_KEY_SETS[kind];
  return Object.keys(value).filter(k => !known.has(k)).map(k => {
    const spelled = KNOWN_KEYS[kind].find(candidate => candidate.toLowerCase() === k.toLowerCase());
    return { key: k, fix: spelled ? t`write it as ${show(spelled)}.` : t`remove it.` };
  });
}

/**
 * Keys CloudFormation does not accept, in the JSON-typed objects (aws/aws-cdk issues 26912 and 34758) and
 * wherever an escape-hatch override put one.
 */
export const knownKeys: Rule = config => {
  const allowed = (kind: string) => `(allowed: ${KNOWN_KEYS[kind].join(', ')})`;
  const findings = unknownKeys(config, 'Properties').map(u => top('UnknownKey', [],
    t`has the property ${show(u.key)}, which CloudFormation does not accept ${allowed('Properties')}.`, u.fix));
  for (const e of entriesOf(config).entries) {
    const check = (path: Array<string | number>, value: unknown, kind: string) => unknownKeys(value, kind).forEach(u => findings.push(
      at('UnknownKey', e, path, t`has the key ${show(u.key)}, which CloudFormation does not accept there ${allowed(kind)}.`, u.fix)));
    check([], e.d, 'Distribution');
    check(['AmiDistributionConfiguration'], e.d.AmiDistributionConfiguration, 'AmiDistributionConfiguration');
    check(['AmiDistributionConfiguration', 'LaunchPermissionConfiguration'], e.ami.LaunchPermissionConfiguration, 'LaunchPermissionConfiguration');
    check(['ContainerDistributionConfiguration'], e.d.ContainerDistributionConfiguration, 'ContainerDistributionConfiguration');
    check(['ContainerDistributionConfiguration', 'TargetRepository'], e.container.TargetRepository, 'TargetContainerRepository');
    const nested: Array<[string, string, Array<[string, string]>]> = [
      ['LaunchTemplateConfigurations', 'LaunchTemplateConfiguration', []],
      ['SsmParameterConfigurations', 'SsmParameterConfiguration', []],
      ['FastLaunchConfigurations', 'FastLaunchConfiguration', [['LaunchTemplate', 'FastLaunchLaunchTemplateSpecification'], ['SnapshotConfiguration', 'FastLaunchSnapshotConfiguration']]],
    ];
    for (const [list, kind, children] of nested) {
      items(e.d[list]).values.forEach((item, i) => {
        check([list, i], item, kind);
        children.forEach(([child, childKind]) => check([list, i, child], fields(item)[child], childKind));
      });
    }
  }
  return findings;
};

