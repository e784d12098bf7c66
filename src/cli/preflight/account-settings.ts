import { DescribeLaunchTemplateVersionsCommand, DescribeLaunchTemplatesCommand, DescribeRegionsCommand, EC2Client, GetAllowedImagesSettingsCommand, GetEbsDefaultKmsKeyIdCommand, GetEbsEncryptionByDefaultCommand, GetImageBlockPublicAccessStateCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { Check } from './plan';
import { AwsSession, errorCode, isList, required } from '../common/aws';
import { Result } from '../common/report';

/*
 * Account settings that break distributions, each read with one read-only EC2 call: AMI block public access,
 * EBS encryption by default and its key, opt-in Regions, Allowed AMIs, and the launch template of fast launch.
 * The verdicts are pure functions of the answers (tested with the SDK's response shapes); the calls are below them.
 * A setting the endpoint cannot answer (an emulator without the call) is unchecked, never passed (aws.ts, `classify`).
 */

export type Outcome = Omit<Result, 'check' | 'account' | 'region' | 'resource' | 'distributions'>;

const pass = (message: string): Outcome => ({ status: 'pass', message });
const fail = (message: string, fix: string): Outcome => ({ status: 'fail', message, fix });
const unchecked = (message: string, fix?: string): Outcome => ({ status: 'unchecked', message, ...(fix ? { fix } : {}) });

const managedByPolicy = (managedBy: unknown) => managedBy === 'declarative-policy';

/**
 * AMI block public access (ec2:GetImageBlockPublicAccessState): with `block-new-sharing`, no AMI of the account
 * can be made public in the Region, so the public launch permission (`userGroups: ['all']`) fails the distribution.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetImageBlockPublicAccessState.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-public-access-to-amis.html
 */
export function blockPublicAccessVerdict(
  answer: { ImageBlockPublicAccessState?: string; ManagedBy?: string }, account: string, region: string,
): Outcome {
  const state = answer.ImageBlockPublicAccessState;
  if (state === 'unblocked') {
    return pass('unblocked: the AMI can be made public');
  }
  if (state === 'block-new-sharing') {
    return fail(`block public access for AMIs is on in account ${account}, Region ${region} (block-new-sharing${managedByPolicy(answer.ManagedBy) ? ', set by a declarative policy of the organization' : ''}): making the AMI public (launch permission userGroups ['all']) fails.`,
      managedByPolicy(answer.ManagedBy)
        ? 'change the organization\'s declarative policy for the account, or drop the public launch permission (share with accounts, organizations or OUs)'
        : `disable it in ${region} (ec2:DisableImageBlockPublicAccess; it takes up to 10 minutes), or drop the public launch permission (share with accounts, organizations or OUs)`);
  }
  return unchecked(`not checkable: block public access for AMIs answered an unknown state ${JSON.stringify(state)}`);
}

/** Whether a KMS key ID (as ec2:GetEbsDefaultKmsKeyId returns it) names the AWS managed key for EBS. */
const isAwsManagedEbsAlias = (keyId: string) => /(^|:)alias\/aws\/ebs$/.test(keyId);

/**
 * EBS encryption by default in the build Region (ec2:GetEbsEncryptionByDefault, ec2:GetEbsDefaultKmsKeyId): when it
 * is on with the AWS managed key `aws/ebs`, the build's snapshots, so the source AMI, are encrypted with a key no
 * other account can be granted: copies to target accounts and launches by other accounts fail. `keyManager` is
 * the default key's `KeyManager` (kms:DescribeKey) when the key ID is not the alias itself.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html
 */
export function ebsDefaultVerdict(
  enabled: boolean | undefined, keyId: string | undefined, keyManager: string | undefined, account: string, region: string,
): Outcome {
  if (enabled === false) {
    return pass(`encryption by default is off in the build Region ${region}: the build's volumes are encrypted as its recipe says`);
  }
  if (enabled !== true) {
    // An answer without EbsEncryptionByDefault says nothing about the setting: never a pass.
    return unchecked(`not checkable: ec2:GetEbsEncryptionByDefault answered without EbsEncryptionByDefault (${JSON.stringify(enabled)}) in ${region}`,
      'run again; if it persists, the endpoint does not answer ec2:GetEbsEncryptionByDefault as AWS documents it (check AWS_ENDPOINT_URL)');
  }
  const fix = 'make a customer managed key the default (ec2:ModifyEbsDefaultKmsKeyId) and pass it as the distribution\'s sourceKey, or encrypt the recipe\'s volumes with the sourceKey';
  if (keyId !== undefined && (isAwsManagedEbsAlias(keyId) || keyManager === 'AWS')) {
    return fail(`encryption by default is on in the build Region ${region} of account ${account} with the AWS managed key ${isAwsManagedEbsAlias(keyId) ? 'aws/ebs' : keyId}: the source AMI is encrypted with a key that cannot be shared, so the copies to other accounts and their launches fail.`, fix);
  }
  if (keyId !== undefined && keyManager === 'CUSTOMER') {
    return unchecked(`encryption by default is on in the build Region ${region} with the customer managed key ${keyId}: the other accounts need it, and its policy is checked only when it is the distribution's sourceKey`,
      'pass that key as the distribution\'s sourceKey (its policy is then checked), or encrypt the recipe\'s volumes with the sourceKey');
  }
  return unchecked(`encryption by default is on in the build Region ${region}, with a default key that could not be identified (${JSON.stringify(keyId)}${keyManager ? `, ${keyManager}` : ''})`, fix);
}

/**
 * Opt-in Regions (ec2:DescribeRegions with AllRegions): a Region that is not enabled in an account cannot receive
 * its copy. `opt-in-not-required` and `opted-in` are enabled; `not-opted-in` is not.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html
 * @see https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
 */
export function regionOptInVerdict(
  answer: { Regions?: Array<{ RegionName?: string; OptInStatus?: string }> }, account: string, regions: string[],
): Outcome {
  const status = new Map((answer.Regions ?? []).map(r => [r.RegionName, r.OptInStatus]));
  const disabled = regions.filter(r => status.get(r) === 'not-opted-in');
  if (disabled.length > 0) {
    return fail(`${disabled.join(', ')} ${disabled.length === 1 ? 'is an opt-in Region' : 'are opt-in Regions'} not enabled in account ${account}: the distribution to ${disabled.length === 1 ? 'it' : 'them'} fails.`,
      `enable ${disabled.length === 1 ? 'it' : 'them'} in ${account} (Account Management, account:EnableRegion), or distribute to Regions the account has`);
  }
  const unknown = regions.filter(r => status.get(r) !== 'opt-in-not-required' && status.get(r) !== 'opted-in');
  if (unknown.length > 0) {
    return unchecked(`not checkable: the opt-in status of ${unknown.map(r => `${r} (${JSON.stringify(status.get(r))})`).join(', ')} is not one EC2 documents`);
  }
  return pass(`${regions.join(', ')} ${regions.length === 1 ? 'is' : 'are'} enabled`);
}

/** The fields of an Allowed AMIs criterion this check knows (SDK: ImageCriterion). */
interface Criterion {
  readonly ImageProviders?: string[];
  readonly MarketplaceProductCodes?: string[];
  readonly ImageNames?: string[];
  readonly CreationDateCondition?: { MaximumDaysSinceCreated?: number };
  readonly DeprecationTimeCondition?: { MaximumDaysSinceDeprecated?: number };
  readonly [other: string]: unknown;
}

/** A name pattern of Allowed AMIs (`*` and `?` wildcards) against a name. */
function nameMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

/** Whether a new AMI of `owner` named `name` (undefined: known only at build time) meets a criterion: yes, no, or unknown and why. */
function criterionMatch(c: Criterion, owner: string, name: string | undefined): true | false | string {
  const unknown: string[] = [];
  for (const [field, value] of Object.entries(c)) {
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      continue;
    }
    switch (field) {
      case 'ImageProviders':
        // `none` allows the account's own AMIs only; `amazon`, `aws-marketplace`, `aws-backup-vault` are not the distribution account.
        if (!(value as string[]).includes(owner)) {
          return false;
        }
        break;
      case 'ImageNames':
        if (name === undefined) {
          unknown.push('its image names (the AMI\'s name is known only at build time)');
        } else if (!(value as string[]).some(p => nameMatches(p, name))) {
          return false;
        }
        break;
      case 'CreationDateCondition':
      case 'DeprecationTimeCondition':
        // A new AMI, not deprecated: within any maximum age.
        break;
      default:
        // MarketplaceProductCodes (inherited from the parent image), ImageWatermarks, ScanResultCondition, and fields
        // newer than this check: what the AMI will carry is not known here.
        unknown.push(field);
    }
  }
  return unknown.length > 0 ? unknown.join(', ') : true;
}

/**
 * Allowed AMIs in a consumer account (ec2:GetAllowedImagesSettings): when `enabled`, an AMI of another account is
 * usable only if it meets every field of at least one criterion; the consumer's own AMIs (copies into a target
 * account) are never restricted. `audit-mode` and `disabled` allow every AMI. `owner` is the distribution account,
 * whose ID must be among the image providers; `amiName` the AMI's name when it has no build-time placeholders.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-allowed-amis.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetAllowedImagesSettings.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImageCriterion.html
 */
export function allowedImagesVerdict(
  answer: { State?: string; ImageCriteria?: Criterion[]; ManagedBy?: string }, account: string, region: string, owner: string, amiName?: string,
): Outcome {
  const state = answer.State;
  if (state === 'disabled') {
    return pass('Allowed AMIs is disabled: every AMI is allowed');
  }
  const criteria = answer.ImageCriteria ?? [];
  const matches = criteria.map(c => criterionMatch(c, owner, amiName));
  if (state === 'audit-mode') {
    return pass(`Allowed AMIs is in audit mode: every AMI is allowed${matches.includes(true) ? '' : ` (the AMIs of ${owner} would not be, once it is enabled)`}`);
  }
  if (state !== 'enabled') {
    return unchecked(`not checkable: Allowed AMIs answered an unknown state ${JSON.stringify(state)}`);
  }
  if (matches.includes(true)) {
    return pass(`Allowed AMIs is enabled and allows the AMIs of ${owner}`);
  }
  const unsure = matches.filter((m): m is string => typeof m === 'string');
  if (unsure.length > 0) {
    return unchecked(`Allowed AMIs is enabled; the AMIs of ${owner} are allowed only if they meet criteria the preflight cannot know: ${unsure.join('; ')}`,
      `check that the AMI meets them, or add ${owner} to the image providers of a criterion in ${account}, ${region}`);
  }
  return fail(`Allowed AMIs is enabled in account ${account}, Region ${region}${managedByPolicy(answer.ManagedBy) ? ' (by a declarative policy of the organization)' : ''}, and no criterion allows the AMIs of ${owner}: the AMI shared with it cannot be found or launched there.`,
    managedByPolicy(answer.ManagedBy)
      ? `add ${owner} to the image providers of the organization's declarative policy for Allowed AMIs`
      : `add ${owner} to the image providers of a criterion (ec2:ReplaceImageCriteriaInAllowedImagesSettings) in ${account}, ${region}`);
}

type AccountSettingCheck = Extract<Check, { kind: 'ami-block-public-access' | 'ebs-encryption-default' | 'region-opt-in' | 'allowed-images' | 'fast-launch-template' }>;

/** The calls of each account-setting check; errors are the caller's to classify (checks.ts, `runCheck`). */
export async function accountSettingOutcome(aws: AwsSession, check: AccountSettingCheck): Promise<Outcome> {
  switch (check.kind) {
    case 'ami-block-public-access': {
      const ec2 = await aws.client(EC2Client, check.account, check.region);
      return blockPublicAccessVerdict(await aws.send<any>(ec2, new GetImageBlockPublicAccessStateCommand({})), check.account, check.region);
    }
    case 'ebs-encryption-default': {
      const ec2 = await aws.client(EC2Client, check.account, check.region);
      const { EbsEncryptionByDefault: enabled } = await aws.send<any>(ec2, new GetEbsEncryptionByDefaultCommand({}));
      if (enabled !== true) {
        return ebsDefaultVerdict(enabled, undefined, undefined, check.account, check.region);
      }
      const { KmsKeyId: keyId } = await aws.send<any>(ec2, new GetEbsDefaultKmsKeyIdCommand({}));
      let keyManager: string | undefined;
      if (typeof keyId === 'string' && !isAwsManagedEbsAlias(keyId)) {
        const kms = await aws.client(KMSClient, check.account, check.region);
        keyManager = (await aws.send<any>(kms, new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyManager;
      }
      return ebsDefaultVerdict(enabled, keyId, keyManager, check.account, check.region);
    }
    case 'region-opt-in': {
      // Any Region the account has answers for all of them: the caller's.
      const ec2 = await aws.client(EC2Client, check.account);
      const answer = await aws.send<any>(ec2, new DescribeRegionsCommand({ AllRegions: true, RegionNames: check.regions }));
      return regionOptInVerdict(answer, check.account, check.regions);
    }
    case 'allowed-images': {
      const ec2 = await aws.client(EC2Client, check.account, check.region);
      const answer = await aws.send<any>(ec2, new GetAllowedImagesSettingsCommand({}));
      return allowedImagesVerdict(answer, check.account, check.region, check.owner, check.amiName);
    }
    case 'fast-launch-template': return fastLaunchTemplateOutcome(aws, check);
  }
}

/**
 * Fast launch (Windows AMIs) launches its pre-provisioning instances from the launch template the distribution
 * names: it must exist in the AMI owner's account and the Region, with the version named.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_FastLaunchConfiguration.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableFastLaunch.html
 */
async function fastLaunchTemplateOutcome(aws: AwsSession, check: Extract<Check, { kind: 'fast-launch-template' }>): Promise<Outcome> {
  const ec2 = await aws.client(EC2Client, check.account, check.region);
  const by = check.launchTemplateId ? { LaunchTemplateIds: [check.launchTemplateId] } : { LaunchTemplateNames: [check.launchTemplateName!] };
  const named = check.launchTemplateId ?? check.launchTemplateName!;
  const missing = fail(`the launch template ${named} of fast launch does not exist in account ${check.account}, Region ${check.region}: enabling fast launch fails.`,
    `create it there, or name a launch template of ${check.account} in ${check.region}`);
  let template;
  try {
    template = required<any[]>(await aws.send<any>(ec2, new DescribeLaunchTemplatesCommand(by)), 'LaunchTemplates', 'ec2:DescribeLaunchTemplates', isList)[0];
  } catch (e) {
    if (/NotFound|Malformed/.test(errorCode(e))) {
      return missing;
    }
    throw e;
  }
  if (!template) {
    return missing;
  }
  const version = check.version;
  if (version === undefined || version === '$Latest' || version === '$Default') {
    return pass(`launch template ${named} exists`);
  }
  try {
    const command = new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template.LaunchTemplateId, Versions: [version] });
    const versions = required<unknown[]>(await aws.send<any>(ec2, command), 'LaunchTemplateVersions', 'ec2:DescribeLaunchTemplateVersions', isList);
    if (versions.length > 0) {
      return pass(`launch template ${named} exists with version ${version}`);
    }
  } catch (e) {
    if (!/NotFound|InvalidLaunchTemplate/.test(errorCode(e))) {
      throw e;
    }
  }
  return fail(`the launch template ${named} of fast launch has no version ${version} in account ${check.account}, Region ${check.region}: enabling fast launch fails.`,
    `name an existing version (or $Latest / $Default) of ${named}`);
}
