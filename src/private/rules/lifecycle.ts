import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { DistributionLifecycleProps, LifecycleExclusions, LifecycleRule } from '../../distribution-lifecycle';
import { distributionModelOf } from '../distribution-registry';
import { ACCOUNT_ID } from '../identifiers';
import { hasLifecycleRole, hasLifecycleStackSet } from '../lifecycle-role';
import { RuleId } from './catalog';
import { spell } from './messages';

/*
 * The rules of a DistributionLifecycle. Its shape against the Image Builder API model (`CreateLifecyclePolicyRequest`
 * and the `LifecyclePolicy*` shapes: patterns, sizes, enums and the combinations their documentation allows), thrown
 * by the constructor; and what it does to the distributions it governs, reported at synth. Values known only at
 * deploy time (tokens) are not checked.
 */

export interface LifecycleFinding {
  readonly rule: RuleId;
  readonly level: 'error' | 'warning';
  readonly text: string;
}

type ResourceType = 'AMI_IMAGE' | 'CONTAINER_IMAGE';

/** `ResourceName` of the API model. */
const RESOURCE_NAME = /^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$/;
/** `WildcardVersionNumber` of the API model. */
const WILDCARD_VERSION = /^(?:[0-9]+|x)\.(?:[0-9]+|x)\.(?:[0-9]+|x)$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;

/** What a rule includes, with the library's defaults: everything of the image, so that nothing keeps billing. */
export function includedResources(rule: LifecycleRule, resourceType: string): { amis?: boolean; snapshots?: boolean; containers?: boolean } {
  if (resourceType === 'CONTAINER_IMAGE') {
    return { containers: rule.includeContainers ?? true };
  }
  const amis = rule.includeAmis ?? true;
  if (rule.action !== 'DELETE') {
    return { amis };
  }
  return { amis, snapshots: rule.includeSnapshots ?? amis };
}

function known(value: unknown): boolean {
  return !Token.isUnresolved(value);
}

function wholeIn(value: number, min: number, max: number): boolean {
  return !known(value) || (Number.isInteger(value) && value >= min && value <= max);
}

function mapSize(map: { [key: string]: string } | undefined): number | undefined {
  return map === undefined || !known(map) ? undefined : Object.keys(map).length;
}

/**
 * The first mistake of the policy's shape, or undefined. Each names the prop as the user wrote it, the value, what
 * Image Builder accepts (API model, `CreateLifecyclePolicyRequest`) and the fix.
 */
export function checkLifecycleShape(props: DistributionLifecycleProps, resourceType: ResourceType, name: string):
{ rule: RuleId; text: string } | undefined {
  if (known(name) && !RESOURCE_NAME.test(name)) {
    return { rule: 'LifecyclePolicyName', text: `${spell('lifecyclePolicyName')} is ${JSON.stringify(name)}, which Image Builder does not accept as a policy name (ResourceName: 3 to 128 letters, digits, hyphens and underscores, with spaces only inside). Fix: e.g. 'golden-ami-retention'.` };
  }
  if (props.description !== undefined && known(props.description) && (props.description.length < 1 || props.description.length > 1024)) {
    return { rule: 'LifecyclePolicyName', text: `${spell('description')} has ${props.description.length} characters; Image Builder takes 1 to 1024. Fix: shorten it, or leave it out.` };
  }
  const selection = checkSelection(props);
  if (selection) {
    return { rule: 'LifecycleSelection', text: selection };
  }
  const rules = checkRules(props.rules, resourceType);
  if (rules) {
    return { rule: 'LifecycleRules', text: rules };
  }
  return undefined;
}

function checkSelection(props: DistributionLifecycleProps): string | undefined {
  const fix = `Fix: give ${spell('recipes')} (the recipes whose images it governs) or ${spell('imageTags')} (tags of the pipeline's images), one of the two.`;
  if ((props.recipes === undefined) === (props.imageTags === undefined)) {
    return `${props.recipes === undefined ? 'neither' : 'both'} ${spell('recipes')} ${props.recipes === undefined ? 'nor' : 'and'} ${spell('imageTags')} ${props.recipes === undefined ? 'is' : 'are'} given; Image Builder selects a policy's images by exactly one of them (LifecyclePolicyResourceSelection). ${fix}`;
  }
  if (props.recipes && known(props.recipes)) {
    if (props.recipes.length < 1 || props.recipes.length > 50) {
      return `${spell('recipes')} has ${props.recipes.length} recipes; Image Builder takes 1 to 50 (LifecyclePolicyResourceSelectionRecipes). Fix: split the recipes over more policies.`;
    }
    for (const [i, recipe] of props.recipes.entries()) {
      if (known(recipe.name) && !RESOURCE_NAME.test(recipe.name)) {
        return `${spell('recipes')}[${i}].name is ${JSON.stringify(recipe.name)}, which is not a recipe name (ResourceName: 3 to 128 letters, digits, hyphens, underscores, inner spaces). Fix: give the recipe's name as Image Builder has it.`;
      }
      if (recipe.semanticVersion !== undefined && known(recipe.semanticVersion) && !WILDCARD_VERSION.test(recipe.semanticVersion)) {
        return `${spell('recipes')}[${i}].${spell('semanticVersion')} is ${JSON.stringify(recipe.semanticVersion)}; Image Builder takes major.minor.patch with 'x' for any part (WildcardVersionNumber). Fix: e.g. '1.x.x', or leave it out for every version.`;
      }
    }
  }
  const tags = mapSize(props.imageTags);
  if (tags !== undefined && (tags < 1 || tags > 50)) {
    return `${spell('imageTags')} has ${tags} tags; Image Builder takes 1 to 50 (TagMap). Fix: select by the one tag your pipeline puts on its images.`;
  }
  return undefined;
}

function checkRules(rules: LifecycleRule[], resourceType: ResourceType): string | undefined {
  if (!known(rules)) {
    return undefined;
  }
  if (rules.length < 1 || rules.length > 3) {
    return `${spell('rules')} has ${rules.length} rules; Image Builder takes 1 to 3, at most one per action (LifecyclePolicyDetails). Fix: one DEPRECATE, one DISABLE and one DELETE rule at the most.`;
  }
  const seen = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    const at = `${spell('rules')}[${i}]`;
    if (!['DEPRECATE', 'DISABLE', 'DELETE'].includes(rule.action)) {
      return `${at}.action is ${JSON.stringify(rule.action)}; Image Builder takes DEPRECATE, DISABLE or DELETE. Fix: use LifecycleAction.`;
    }
    if (seen.has(rule.action)) {
      return `${at} is a second ${rule.action} rule; a policy has at most one rule per action (CreateLifecyclePolicy policyDetails). Fix: merge them, or use a second policy.`;
    }
    seen.add(rule.action);
    if (resourceType === 'CONTAINER_IMAGE' && rule.action !== 'DELETE') {
      return `${at}.action is ${rule.action}, but a policy for container images supports only DELETE (CreateLifecyclePolicy resourceType). Fix: remove the rule, or govern AMI images with another policy.`;
    }
    const filter = rule.filter;
    if (filter === undefined || filter === null || typeof filter !== 'object') {
      return `${at}.filter is ${JSON.stringify(filter)}; a rule needs a filter. Fix: LifecycleFilter.age(...) or LifecycleFilter.count(...).`;
    }
    if (filter.type === 'COUNT' && rule.action !== 'DELETE') {
      return `${at} is a ${rule.action} rule with LifecycleFilter.count(${filter.value}); Image Builder takes a count filter only for DELETE (LifecyclePolicyDetailFilter.type). Fix: LifecycleFilter.age(...) for ${rule.action}.`;
    }
    if (!wholeIn(filter.value, 1, 1000)) {
      return `${at}.filter value is ${filter.value}; Image Builder takes a whole number from 1 to 1000 (LifecyclePolicyDetailFilterValue). Fix: e.g. LifecycleFilter.age(90, LifecycleTimeUnit.DAYS).`;
    }
    if (filter.retainAtLeast !== undefined && !wholeIn(filter.retainAtLeast, 1, 10)) {
      return `${at}.filter ${spell('retainAtLeast')} is ${filter.retainAtLeast}; Image Builder takes a whole number from 1 to 10 (LifecyclePolicyDetailFilterRetainAtLeast). Fix: keep at most the 10 newest images, or leave it out.`;
    }
    const include = checkInclude(rule, resourceType, at);
    if (include) {
      return include;
    }
    const exclusions = checkExclusions(rule.exclusions, resourceType, `${at}.exclusions`);
    if (exclusions) {
      return exclusions;
    }
  }
  return undefined;
}

function checkInclude(rule: LifecycleRule, resourceType: ResourceType, at: string): string | undefined {
  if (resourceType === 'CONTAINER_IMAGE' && (rule.includeAmis !== undefined || rule.includeSnapshots !== undefined)) {
    return `${at} sets ${spell('includeAmis')} or ${spell('includeSnapshots')}, but the policy governs container images. Fix: use ${spell('includeContainers')}, or resourceType AMI_IMAGE.`;
  }
  if (resourceType === 'AMI_IMAGE' && rule.includeContainers !== undefined) {
    return `${at} sets ${spell('includeContainers')}, but the policy governs AMI images. Fix: leave it out, or set resourceType to CONTAINER_IMAGE.`;
  }
  if (rule.action !== 'DELETE' && rule.includeSnapshots !== undefined) {
    return `${at} is a ${rule.action} rule with ${spell('includeSnapshots')}; DEPRECATE and DISABLE extend to AMIs only (LifecyclePolicyDetailAction.includeResources). Fix: leave ${spell('includeSnapshots')} out.`;
  }
  if (rule.includeSnapshots === true && rule.includeAmis === false) {
    return `${at} includes snapshots but not AMIs; Image Builder deletes snapshots only together with their AMIs (LifecyclePolicyDetailAction.includeResources). Fix: include the AMIs, or leave the snapshots out.`;
  }
  return undefined;
}

function checkExclusions(e: LifecycleExclusions | undefined, resourceType: ResourceType, at: string): string | undefined {
  if (e === undefined || !known(e)) {
    return undefined;
  }
  const amiLevel = e.amiTags !== undefined || e.amiRegions !== undefined || e.amiSharedAccounts !== undefined
    || e.publicAmis !== undefined || e.amiLastLaunchedWithin !== undefined;
  if (resourceType === 'CONTAINER_IMAGE' && amiLevel) {
    return `${at} excludes AMIs, but the policy governs container images. Fix: exclude by ${spell('imageTags')} only.`;
  }
  for (const [prop, map] of [['imageTags', e.imageTags], ['amiTags', e.amiTags]] as const) {
    const size = mapSize(map);
    if (size !== undefined && (size < 1 || size > 50)) {
      return `${at}.${spell(prop)} has ${size} tags; Image Builder takes 1 to 50 (TagMap). Fix: leave it out when empty.`;
    }
  }
  if (e.amiLastLaunchedWithin !== undefined && !wholeIn(e.amiLastLaunchedWithin, 1, 365)) {
    return `${at}.${spell('amiLastLaunchedWithin')} is ${e.amiLastLaunchedWithin}; Image Builder takes a whole number from 1 to 365 (LifecyclePolicyDetailExclusionRulesAmisLastLaunchedValue). Fix: e.g. 90 (days).`;
  }
  if (e.amiSharedAccounts !== undefined && known(e.amiSharedAccounts)) {
    if (e.amiSharedAccounts.length < 1 || e.amiSharedAccounts.length > 1536) {
      return `${at}.${spell('amiSharedAccounts')} has ${e.amiSharedAccounts.length} accounts; Image Builder takes 1 to 1536 (AccountList). Fix: leave it out when empty.`;
    }
    const bad = e.amiSharedAccounts.findIndex(a => known(a) && (typeof a !== 'string' || !ACCOUNT_ID.test(a)));
    if (bad >= 0) {
      return `${at}.${spell('amiSharedAccounts')}[${bad}] is ${JSON.stringify(e.amiSharedAccounts[bad])}; an account ID is exactly 12 digits (AccountId). Fix: write it as a 12-digit string, leading zeros kept.`;
    }
  }
  if (e.amiRegions !== undefined && known(e.amiRegions)) {
    const bad = e.amiRegions.findIndex(r => known(r) && (typeof r !== 'string' || !REGION.test(r)));
    if (bad >= 0) {
      return `${at}.${spell('amiRegions')}[${bad}] is ${JSON.stringify(e.amiRegions[bad])}, which is not a Region name. Fix: e.g. 'eu-west-1'.`;
    }
  }
  return undefined;
}

/** What the policy does to what its distributions write: found at synth, when every Region has been added. */
export function lifecycleDistributionFindings(scope: IConstruct, props: DistributionLifecycleProps, resourceType: ResourceType): LifecycleFinding[] {
  const findings: LifecycleFinding[] = [];
  const rules = known(props.rules) ? props.rules : [];
  const models = (known(props.distributions) ? props.distributions : [])
    .map(d => ({ path: d.node.path, stack: Stack.of(d), regions: distributionModelOf(d) ?? [] }));

  for (const [i, rule] of rules.entries()) {
    const include = includedResources(rule, resourceType);
    const at = `${spell('rules')}[${i}]`;
    if (rule.action === 'DELETE' && resourceType === 'AMI_IMAGE' && (!include.amis || !include.snapshots)) {
      findings.push({
        rule: 'LifecycleDeleteKeepsAmis',
        level: 'warning',
        text: `${at} deletes images without their ${include.amis ? 'snapshots' : 'AMIs'} (${spell(include.amis ? 'includeSnapshots' : 'includeAmis')} is false): Image Builder deletes only what a DELETE rule includes, so the ${include.amis ? 'snapshots keep' : 'AMIs and their snapshots keep'} billing with no image resource left to find them by. Fix: leave ${spell('includeAmis')} and ${spell('includeSnapshots')} at their default (true), or acknowledge this if you clean them up another way.`,
      });
    }
    const e = rule.exclusions;
    const amiExclusions = e && (e.amiTags || e.amiRegions || e.amiSharedAccounts || e.publicAmis || e.amiLastLaunchedWithin !== undefined);
    if (rule.action === 'DELETE' && amiExclusions) {
      findings.push({
        rule: 'LifecycleAmiExclusionWithDelete',
        level: 'warning',
        text: `${at} deletes image resources and excludes some AMIs (${spell('exclusions')} ${spell('amiTags')}, ${spell('amiRegions')}, ${spell('amiSharedAccounts')}, ${spell('publicAmis')} or ${spell('amiLastLaunchedWithin')}): an AMI exclusion keeps the AMI, not its image resource, so the excluded AMIs outlive the record Image Builder (and this policy) finds them by, and are never retired. Fix: exclude the image resources (${spell('exclusions')} ${spell('imageTags')}), or acknowledge this.`,
      });
    }
  }

  // Image Builder selects image resources by tag: tags the distributions put on AMIs select nothing.
  if (props.imageTags && known(props.imageTags)) {
    const amiTagged = Object.entries(props.imageTags).filter(([key, value]) => models.some(m => m.regions.some(r => {
      const tags = r.ami?.amiTags;
      return tags !== undefined && known(tags) && tags[key] === value;
    })));
    if (amiTagged.length > 0) {
      findings.push({
        rule: 'LifecycleSelectionAmiTags',
        level: 'warning',
        text: `${spell('imageTags')} selects by ${amiTagged.map(([k, v]) => `${k}=${v}`).join(', ')}, which the distributions put on the AMIs (${spell('amiTags')}); Image Builder selects a policy's images by the tags of its image resources (the pipeline's image tags), not of the AMIs, so this may select nothing. Fix: select by a tag the pipeline puts on its images (ImagePipeline tags), or by ${spell('recipes')}; acknowledge this if the image resources carry the tag too.`,
      });
    }
  }

  // Launch templates and parameters that point at AMIs a DISABLE or DELETE makes unlaunchable.
  const breaking = rules.filter(r => (r.action === 'DISABLE' || r.action === 'DELETE') && includedResources(r, resourceType).amis);
  if (breaking.length > 0) {
    const users: string[] = [];
    for (const model of models) {
      for (const region of model.regions) {
        for (const lt of region.ami?.launchTemplates ?? []) {
          users.push(`launch template ${show(lt.launchTemplate.launchTemplateId)}${lt.accountId ? ` of account ${show(lt.accountId)}` : ''} in ${region.region}`);
        }
        for (const p of region.ami?.ssmParameters ?? []) {
          users.push(`SSM parameter ${show(p.parameterName)}${p.amiAccount ? ` of account ${show(p.amiAccount)}` : ''} in ${region.region}`);
        }
      }
    }
    if (users.length > 0) {
      findings.push({
        rule: 'LifecycleAmiInUse',
        level: 'warning',
        text: `its ${breaking.map(r => r.action).join(' and ')} rule acts on AMIs that the distributions write into ${listed(users)}. Image Builder's lifecycle never repoints them and never checks what uses an AMI, so instances launched from them fail once the AMI is ${breaking.some(r => r.action === 'DELETE') ? 'deleted' : 'disabled'}. Fix: retire with 'cdk-imagebuilder-distribution retire', which keeps every copy something still uses; or make sure a newer image has replaced it in each of them first (DEPRECATE alone is safe), then acknowledge this.`,
      });
    }
  }

  // Copies in target accounts are retired only through the lifecycle role there.
  if (resourceType === 'AMI_IMAGE' && rules.some(r => includedResources(r, resourceType).amis) && !hasLifecycleStackSet(scope)) {
    const missing = new Set<string>();
    for (const model of models) {
      const own = model.stack.account;
      for (const region of model.regions) {
        for (const account of region.ami?.targetAccounts ?? []) {
          if (known(account) && typeof account === 'string' && account !== own && !hasLifecycleRole(scope, account)) {
            missing.add(account);
          }
        }
      }
    }
    if (missing.size > 0) {
      findings.push({
        rule: 'LifecycleTargetAccountRole',
        level: 'warning',
        text: `the distributions copy AMIs into ${missing.size} target account${missing.size > 1 ? 's' : ''} (${listed([...missing])}) where this app deploys no lifecycle role; Image Builder retires those copies only through the role Ec2ImageBuilderCrossAccountLifecycleAccess in each account, and leaves them billing otherwise. Fix: set ${spell('lifecycle')}: true on the CrossAccountDistributionRole (or CrossAccountDistributionRoleStackSet) of those accounts; or, if the role is deployed elsewhere, acknowledge this (preflight checks it in each account).`,
      });
    }
  }
  return findings;
}

function show(value: unknown): string {
  return typeof value === 'string' && !Token.isUnresolved(value) ? value : '(a deploy-time value)';
}

/** The first few of a list and how many more. */
function listed(items: string[]): string {
  const first = items.slice(0, 5).join(', ');
  return items.length > 5 ? `${first} and ${items.length - 5} more` : first;
}
