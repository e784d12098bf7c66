import { Token } from 'aws-cdk-lib';
import { Rule, at, pseudoOf } from './context';
import { Finding, t } from './finding';
import { entriesOf, isStr, items, literalText, show, UNKNOWN } from './shape';
import { partitionOf } from '../key-reference';

/*
 * An ARN names a resource of one partition (`aws`, `aws-cn`, `aws-us-gov`): `arn:aws:kms:us-gov-east-1:...` names no
 * key, since us-gov-east-1 is in `aws-us-gov`. The partition of a Region comes from aws-cdk-lib's `RegionInfo`
 * (the `Fact` table); an ARN whose Region that table does not know, or whose parts are deploy-time values, is
 * not a finding. ARNs without a Region (organizations, OUs) take the partition of the entry's Region.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */

const AMI = 'AmiDistributionConfiguration';
const PERMISSION = [AMI, 'LaunchPermissionConfiguration'];

/** The concrete partition of a Region, or undefined when aws-cdk-lib does not know it. */
function regionPartition(region: string | undefined): string | undefined {
  if (region === undefined || region === '' || region.includes(UNKNOWN)) {
    return undefined;
  }
  const partition = partitionOf(region);
  return Token.isUnresolved(partition) ? undefined : partition;
}

export const arnPartitions: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  const pseudo = pseudoOf(context);
  const values: Array<{ path: Array<string | number>; value: unknown; regional: boolean }> = [
    { path: [AMI, 'KmsKeyId'], value: e.ami.KmsKeyId, regional: true },
    ...items(e.d.LicenseConfigurationArns).values.map((value, i) => ({ path: ['LicenseConfigurationArns', i], value, regional: true })),
    ...items(e.permission.OrganizationArns).values.map((value, i) => ({ path: [...PERMISSION, 'OrganizationArns', i], value, regional: false })),
    ...items(e.permission.OrganizationalUnitArns).values.map((value, i) => ({ path: [...PERMISSION, 'OrganizationalUnitArns', i], value, regional: false })),
  ];
  return values.flatMap(({ path, value, regional }): Finding[] => {
    if (value === undefined) {
      return [];
    }
    const text = literalText(value, pseudo);
    if (text === undefined || !text.startsWith('arn:')) {
      return [];
    }
    const parts = text.split(':');
    const partition = parts[1];
    const region = regional ? parts[3] : e.region;
    const expected = regionPartition(region);
    if (partition === undefined || partition === '' || partition.includes(UNKNOWN) || expected === undefined || partition === expected) {
      return [];
    }
    const shown = isStr(value) ? show(value) : show(text.split(UNKNOWN).join('...'));
    const fixed = [parts[0], expected, ...parts.slice(2)].join(':').split(UNKNOWN).join('...');
    const whose = regional ? `its Region ${region}` : `the Region ${region} it is shared in`;
    return [at('ArnPartition', e, path,
      t`${shown} is an ARN of the partition ${partition}, but ${whose} is in the partition ${expected}; an ARN names a resource of one partition only (allowed here: arn:${expected}:...).`,
      t`write the ARN as ${show(fixed)}, or build it with Aws.PARTITION (Stack.formatArn) or pass the construct.`)];
  });
});
