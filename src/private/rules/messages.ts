import { RuleId } from './catalog';
import { FieldToken, Finding, Path, Text } from './finding';
import { AmiDistributionSettings } from '../../region-options';

/*
 * The one place findings become text. Users of `DistributionConfiguration` read the call and prop they wrote
 * (`addRegion('eu-west-1', ...) targetAccounts[0]`, or the construct default, once however many Regions
 * inherit it), spelled in their language (Python's `add_region`, `target_accounts`: the jsii runtime says
 * which language calls); users of the `DistributionChecks` aspect read the CloudFormation path.
 */

export interface Wording {
  readonly audience: 'construct' | 'resource';
  /** For the construct: where an entry's inherited setting comes from. */
  readonly originOf?: (entry: number, setting: keyof AmiDistributionSettings) => 'region' | 'default';
  /** For the construct: the call that made each entry. */
  readonly callOf?: (entry: number) => 'addRegion' | 'addContainerRegion';
}

export interface Message {
  readonly rule: RuleId;
  readonly text: string;
}

/** Whether the app is written in Python: the jsii runtime of Python sets `JSII_AGENT` to `Python/<version>`. */
export function inPython(): boolean {
  return (process.env.JSII_AGENT ?? '').startsWith('Python');
}

/** An identifier of the construct's API in the caller's spelling: `targetAccounts` or `target_accounts`. */
export function spell(identifier: string): string {
  return inPython() ? identifier.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`) : identifier;
}

/** A call of the construct for a Region: `addRegion('eu-west-1', ...)` or `add_region("eu-west-1", ...)`. */
export function callText(call: 'addRegion' | 'addContainerRegion', region: string | undefined): string {
  const quoted = region === undefined ? '<region>' : inPython() ? JSON.stringify(region) : `'${region}'`;
  return `${spell(call)}(${quoted}, ...)`;
}

/** `AmiDistributionConfiguration.TargetAccountIds[0]`. */
export function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${p}`)).join('');
}

interface PropName {
  /** The prop as the user wrote it, in TypeScript spelling, with list indexes. */
  readonly name: string;
  /** The inherited setting it belongs to, if any. */
  readonly setting?: keyof AmiDistributionSettings;
  readonly call: 'addRegion' | 'addContainerRegion';
}

/** CloudFormation paths inside an entry, and the props of `addRegion()` / `addContainerRegion()` they come from. */
const ENTRY_PROPS: Array<[RegExp, string, (keyof AmiDistributionSettings)?, ('addContainerRegion')?]> = [
  [/^AmiDistributionConfiguration\.Name$/, 'amiName', 'amiName'],
  [/^AmiDistributionConfiguration\.Description$/, 'amiDescription', 'amiDescription'],
  [/^AmiDistributionConfiguration\.TargetAccountIds/, 'targetAccounts', 'targetAccounts'],
  [/^AmiDistributionConfiguration\.AmiTags.*$/, 'amiTags', 'amiTags'],
  [/^AmiDistributionConfiguration\.KmsKeyId$/, 'kmsKey'],
  [/^AmiDistributionConfiguration\.LaunchPermissionConfiguration\.UserIds/, 'launchPermission.accounts', 'launchPermission'],
  [/^AmiDistributionConfiguration\.LaunchPermissionConfiguration\.UserGroups.*$/, 'launchPermission.publicAccess', 'launchPermission'],
  [/^AmiDistributionConfiguration\.LaunchPermissionConfiguration\.OrganizationArns/, 'launchPermission.organizations', 'launchPermission'],
  [/^AmiDistributionConfiguration\.LaunchPermissionConfiguration\.OrganizationalUnitArns/, 'launchPermission.organizationalUnits', 'launchPermission'],
  [/^AmiDistributionConfiguration\.LaunchPermissionConfiguration$/, 'launchPermission', 'launchPermission'],
  [/^AmiDistributionConfiguration$/, 'amiSettings'],
  [/^ContainerDistributionConfiguration\.Description$/, 'description', undefined, 'addContainerRegion'],
  [/^ContainerDistributionConfiguration\.ContainerTags/, 'tags', undefined, 'addContainerRegion'],
  [/^ContainerDistributionConfiguration\.TargetRepository.*$/, 'repository', undefined, 'addContainerRegion'],
  [/^ContainerDistributionConfiguration$/, 'containerSettings', undefined, 'addContainerRegion'],
  [/^LicenseConfigurationArns/, 'licenseConfigurationArns'],
  [/^LaunchTemplateConfigurations(\[\d+\])\.LaunchTemplateId$/, 'launchTemplates$1.launchTemplate'],
  [/^LaunchTemplateConfigurations(\[\d+\])\.AccountId$/, 'launchTemplates$1.accountId'],
  [/^LaunchTemplateConfigurations/, 'launchTemplates'],
  [/^SsmParameterConfigurations(\[\d+\])\.ParameterName$/, 'ssmParameters$1.parameterName'],
  [/^SsmParameterConfigurations(\[\d+\])\.AmiAccountId$/, 'ssmParameters$1.amiAccount'],
  [/^SsmParameterConfigurations(\[\d+\])\.DataType$/, 'ssmParameters$1.dataType'],
  [/^SsmParameterConfigurations/, 'ssmParameters'],
  [/^FastLaunchConfigurations(\[\d+\])\.MaxParallelLaunches$/, 'fastLaunch$1.maxParallelLaunches'],
  [/^FastLaunchConfigurations(\[\d+\])\.SnapshotConfiguration.*$/, 'fastLaunch$1.targetSnapshotCount'],
  [/^FastLaunchConfigurations(\[\d+\])\.LaunchTemplate.*$/, 'fastLaunch$1.launchTemplate'],
  [/^FastLaunchConfigurations(\[\d+\])\.AccountId$/, 'fastLaunch$1.accountId'],
  [/^FastLaunchConfigurations(\[\d+\])\.Enabled$/, 'fastLaunch$1.enabled'],
  [/^FastLaunchConfigurations/, 'fastLaunch'],
  [/^Region$/, 'region'],
];

/** Top-level CloudFormation properties and the construct props they come from. */
const TOP_PROPS: Record<string, string> = {
  Name: 'distributionConfigurationName',
  Description: 'description',
  Tags: 'tags',
  Distributions: 'regions',
  SourceKey: 'sourceKey',
};

function entryProp(path: Path): PropName | undefined {
  const text = pathText(path);
  for (const [pattern, name, setting, containerCall] of ENTRY_PROPS) {
    if (pattern.test(text)) {
      return { name: text.replace(pattern, name), setting, call: containerCall ?? 'addRegion' };
    }
  }
  return undefined;
}

/** A prop path in the caller's spelling: `launchPermission.accounts[0]` or `launch_permission.accounts[0]`. */
export function spellPath(name: string): string {
  return name.split('.').map(part => part.replace(/^[A-Za-z]+/, spell)).join('.');
}

/** How a field token reads in the user's terms. */
function fieldText(token: FieldToken, finding: Finding, wording: Wording): string {
  if (wording.audience === 'resource') {
    return pathText(token.field);
  }
  if (token.top || finding.entry === undefined) {
    return spell(TOP_PROPS[String(token.field[0])] ?? String(token.field[0]));
  }
  const prop = entryProp(token.field);
  return prop ? spellPath(prop.name) : pathText(token.field);
}

function textOf(text: Text, finding: Finding, wording: Wording): string {
  return text.map(token => {
    if (typeof token !== 'object' || token === null) {
      // Only strings are written here; anything else (a value of a hand-written resource) is quoted as text.
      return typeof token === 'string' ? token : String(token);
    }
    if ('call' in token) {
      return wording.audience === 'construct' ? `${spell(token.call)}()` : 'an entry of Distributions';
    }
    return fieldText(token, finding, wording);
  }).join('');
}

/** Where a finding is, and whether it is about a construct default (then the same mistake is reported once). */
function location(finding: Finding, wording: Wording): { where: string; defaultSetting?: string } {
  const label = `Region ${finding.region ?? `#${finding.entry}`}`;
  if (wording.audience === 'resource') {
    if (finding.entry === undefined) {
      return { where: finding.path.length > 0 ? pathText(finding.path) : 'The distribution configuration' };
    }
    return { where: finding.path.length > 0 ? `${label}: ${pathText(finding.path)}` : `${label}:` };
  }
  if (finding.entry === undefined) {
    return { where: finding.path.length > 0 ? spell(TOP_PROPS[String(finding.path[0])] ?? String(finding.path[0])) : 'The distribution configuration' };
  }
  const prop = finding.path.length > 0 ? entryProp(finding.path) : undefined;
  const call = prop?.call ?? wording.callOf?.(finding.entry) ?? 'addRegion';
  if (prop?.setting && wording.originOf?.(finding.entry, prop.setting) === 'default') {
    return { where: spellPath(prop.name), defaultSetting: prop.name };
  }
  if (finding.path.length === 0) {
    return { where: `${callText(call, finding.region)}:` };
  }
  return { where: `${callText(call, finding.region)} ${prop ? spellPath(prop.name) : pathText(finding.path)}` };
}

/**
 * The messages of a set of findings: `[Rule] <where> <problem> Fix: <fix>`. A mistake in a construct default
 * is reported once, with the Regions that inherit it.
 */
export function render(findings: Finding[], wording: Wording): Message[] {
  const messages: Array<{ rule: RuleId; where: string; body: string; regions: string[]; merge?: string }> = [];
  for (const finding of findings) {
    const { where, defaultSetting } = location(finding, wording);
    const body = `${textOf(finding.problem, finding, wording)} Fix: ${textOf(finding.fix, finding, wording)}`;
    const merge = defaultSetting && `${finding.rule}|${where}|${body}`;
    const existing = merge ? messages.find(m => m.merge === merge) : undefined;
    if (existing) {
      existing.regions.push(finding.region ?? `#${finding.entry}`);
      continue;
    }
    messages.push({ rule: finding.rule, where, body, regions: [finding.region ?? `#${finding.entry}`], merge });
  }
  return messages.map(m => ({
    rule: m.rule,
    text: m.merge
      ? `[${m.rule}] ${m.where} (a construct default, inherited by Region${m.regions.length > 1 ? 's' : ''} ${m.regions.join(', ')}) ${m.body}`
      : `[${m.rule}] ${m.where} ${m.body}`,
  }));
}

/**
 * How construction-time messages name a setting of an entry: `addRegion('eu-west-1', ...) launchPermission.organizations`,
 * or the construct default with the Region that inherits it.
 */
export function settingText(region: string, origin: 'region' | 'default', path: string): string {
  return origin === 'region'
    ? `${callText('addRegion', region)} ${spellPath(path)}`
    : `${spellPath(path)} (a construct default, inherited by Region ${region})`;
}
