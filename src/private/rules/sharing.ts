import { Rule, at } from './context';
import { Text, field, t } from './finding';
import { Entry, entriesOf, fields, isStr, items, show } from './shape';
import { ACCOUNT_ID, ORGANIZATION_ARN, OU_ARN } from '../identifiers';
import { PUBLIC_USER_GROUP } from '../launch-permission';

/*
 * Rules about who receives the AMI: account IDs, list sizes, organizations, OUs and launch groups.
 */


const AMI = 'AmiDistributionConfiguration';
const PERMISSION = [AMI, 'LaunchPermissionConfiguration'] as const;

/** Every place an account ID appears in an entry, with its path. */
function accountValues(e: Entry): Array<{ path: Array<string | number>; value: unknown }> {
  const listed = (path: Array<string | number>, list: unknown) => items(list).values.map((value, i) => ({ path: [...path, i], value }));
  const each = (list: string, key: string) => items(e.d[list]).values.map((item, i) => ({ path: [list, i, key], value: fields(item)[key] }));
  return [
    ...listed([AMI, 'TargetAccountIds'], e.ami.TargetAccountIds),
    ...listed([...PERMISSION, 'UserIds'], e.permission.UserIds),
    ...each('LaunchTemplateConfigurations', 'AccountId'),
    ...each('SsmParameterConfigurations', 'AmiAccountId'),
    ...each('FastLaunchConfigurations', 'AccountId'),
  ];
}

/** API model `AccountId` (12 digits), wherever an account appears. */
export const accountIds: Rule = config => entriesOf(config).entries.flatMap(e => accountValues(e)
  .filter(({ value }) => isStr(value) && !ACCOUNT_ID.test(value))
  .map(({ path, value }) => at('AccountId', e, path, t`is ${show(value)}: an account ID is exactly 12 digits.`,
    t`use the 12-digit ID (keep leading zeros; write it as a string).`)));

/**
 * API model list sizes: `AccountList` 1..1536, `OrganizationArnList` and `OrganizationalUnitArnList` 1..25,
 * `LicenseConfigurationArnList` 1..50, `LaunchTemplateConfigurationList` 1..100, `FastLaunchConfigurationList`
 * 1..1000; CloudFormation rejects an empty list.
 */
export const listSizes: Rule = config => entriesOf(config).entries.flatMap(e => {
  const share = t`share with an organization or OU instead, or split the Regions across distribution configurations.`;
  const split = t`split the list across distribution configurations.`;
  const sizes: Array<[Array<string>, unknown, number, Text]> = [
    [[AMI, 'TargetAccountIds'], e.ami.TargetAccountIds, 1536, split],
    [[...PERMISSION, 'UserIds'], e.permission.UserIds, 1536, share],
    [[...PERMISSION, 'OrganizationArns'], e.permission.OrganizationArns, 25, split],
    [[...PERMISSION, 'OrganizationalUnitArns'], e.permission.OrganizationalUnitArns, 25, t`share with a parent OU or the organization instead.`],
    [['LicenseConfigurationArns'], e.d.LicenseConfigurationArns, 50, split],
    [['LaunchTemplateConfigurations'], e.d.LaunchTemplateConfigurations, 100, split],
    [['FastLaunchConfigurations'], e.d.FastLaunchConfigurations, 1000, split],
  ];
  return sizes.flatMap(([path, value, max, fix]) => {
    if (!Array.isArray(value)) {
      return [];
    }
    if (value.length === 0) {
      return [at('ListSize', e, path, t`is an empty list, which CloudFormation rejects.`, t`leave it out.`)];
    }
    return value.length > max ? [at('ListSize', e, path, t`has ${value.length} items; at most ${max} are allowed.`, fix)] : [];
  });
});

/** API model `OrganizationArn` and `OrganizationalUnitArn`. */
export const organizationArns: Rule = config => entriesOf(config).entries.flatMap(e => [
  ...items(e.permission.OrganizationArns).values.flatMap((v, i) => (isStr(v) && !ORGANIZATION_ARN.test(v)
    ? [at('OrganizationArn', e, [...PERMISSION, 'OrganizationArns', i],
      t`is ${show(v)}: expected arn:aws:organizations::<management account>:organization/o-<10 to 32 characters>.`,
      t`copy the organization's ARN from the Organizations console (not the organization ID).`)]
    : [])),
  ...items(e.permission.OrganizationalUnitArns).values.flatMap((v, i) => (isStr(v) && !OU_ARN.test(v)
    ? [at('OrganizationalUnitArn', e, [...PERMISSION, 'OrganizationalUnitArns', i],
      t`is ${show(v)}: expected arn:aws:organizations::<management account>:ou/o-<org id>/ou-<root>-<ou id>.`,
      t`use the OU's ARN, not its ID.`)]
    : [])),
]);

/**
 * EC2 knows one launch group, `all` (the public).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchPermission.html
 */
export const launchPermissionGroups: Rule = config => entriesOf(config).entries.flatMap(e => items(e.permission.UserGroups).values.flatMap((v, i) => (
  isStr(v) && v !== PUBLIC_USER_GROUP
    ? [at('LaunchPermissionGroup', e, [...PERMISSION, 'UserGroups', i], t`is ${show(v)}; the only launch group is "all" (the public).`,
      t`remove it; share with accounts, organizations or OUs instead.`)]
    : [])));

/**
 * An AMI with encrypted snapshots cannot be made public.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-intro.html
 */
export const publicEncryptedAmi: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  if (!items(e.permission.UserGroups).values.includes(PUBLIC_USER_GROUP)) {
    return [];
  }
  const keys = [
    ...(e.ami.KmsKeyId !== undefined ? [`the Region's key ${context.keyName?.(e.index) ?? show(e.ami.KmsKeyId)}`] : []),
    ...(context.sourceKey ? [`the source key ${context.sourceKey.name}`] : []),
  ];
  return keys.length > 0
    ? [at('PublicEncryptedAmi', e, [...PERMISSION, 'UserGroups'],
      t`makes the AMI public, but it is encrypted with ${keys.join(' and ')}; AWS cannot make an AMI with encrypted snapshots public.`,
      t`turn off public access (${field(...PERMISSION, 'UserGroups')}), or distribute an unencrypted AMI.`)]
    : [];
});

/** Who receives the AMI of an entry other than its owner, for messages; deploy-time values shown as CloudFormation. */
export function consumersOutsideOwner(e: Entry, owner: string | undefined, withTargets = true): string[] {
  const listed = (noun: string, value: unknown) => {
    const list = items(value);
    return [
      ...list.values.filter(v => v !== owner).map(v => `${noun} ${isStr(v) ? v : show(v)}`),
      ...(list.deployTime ? [`the ${noun}s of ${show(value)}`] : []),
    ];
  };
  return [...new Set([
    ...(withTargets ? listed('account', e.ami.TargetAccountIds) : []),
    ...listed('account', e.permission.UserIds),
    ...listed('organization', e.permission.OrganizationArns),
    ...listed('OU', e.permission.OrganizationalUnitArns),
    ...(items(e.permission.UserGroups).values.includes(PUBLIC_USER_GROUP) ? ['the public'] : []),
  ])];
}
