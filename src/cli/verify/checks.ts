import {
  DescribeFastLaunchImagesCommand, DescribeImageAttributeCommand, DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsSession, classify, errorCode, incomplete, isBoolean, isList, isObject, isString, required } from '../common/aws';
import { DistributedAmi } from '../common/imagebuilder';
import { Intent, RegionIntent } from '../common/intent';
import { Result, Status } from '../common/report';
import { arnAccount } from '../common/template';

/*
 * The read-only AWS calls of verify: for each Region and account of the intent, what AWS holds for the image's
 * AMIs (DescribeImages, DescribeSnapshots, DescribeImageAttribute, kms:DescribeKey, ssm:GetParameter,
 * DescribeLaunchTemplateVersions, DescribeFastLaunchImages), compared with what the distribution should have made.
 * A call that gives no usable answer, or an answer without the field a check needs, makes its check "unchecked",
 * with the reason and the fix: never a pass. Each unit of work is guarded (`runWork`): whatever one throws becomes
 * its own unchecked result and loses no other.
 */

type Json = Record<string, any>;

/** A unit of work: the results of the checks of one Region and account (or one resource). */
export interface Work {
  /** What it checks, for the unchecked result when it throws. */
  readonly check: string;
  readonly account: string;
  readonly region: string;
  readonly resource: string;
  readonly distributions: string[];
  readonly run: () => Promise<Result[]>;
}

/** Runs a unit of work; anything it throws is its unchecked result, with the reason: it never aborts the others. */
export async function runWork(aws: AwsSession, work: Work): Promise<Result[]> {
  try {
    return await work.run();
  } catch (e) {
    const why = classify(e, aws.settings);
    const { check, account, region, resource, distributions } = work;
    return [{ check, status: 'unchecked', account, region, resource, message: `could not check ${resource}: ${why.message}`, fix: why.fix, distributions }];
  }
}

const NOT_FOUND = /NotFound|Malformed|InvalidAMIID|InvalidSnapshot|InvalidLaunchTemplateId/;

/** What verify checks for the image, as units of work to run with a bound on concurrency. */
export function verifyWork(aws: AwsSession, intent: Intent, amis: DistributedAmi[]): Work[] {
  const distributions = [intent.distribution];
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, f: () => Promise<T>): Promise<T> => {
    if (!memo.has(key)) {
      memo.set(key, f());
    }
    return memo.get(key) as Promise<T>;
  };
  const result = (check: string, status: Status, account: string, region: string, resource: string, message: string, fix?: string): Result =>
    ({ check, status, account, region, resource, message, ...(fix ? { fix } : {}), distributions });
  /** The unchecked result of a call that gave no usable answer. */
  const unchecked = async (check: string, account: string, region: string, resource: string, e: unknown): Promise<Result> => {
    const why = classify(e, aws.settings);
    return result(check, 'unchecked', account, region, resource, `could not check ${resource}: ${why.message}`, why.fix);
  };
  const ec2 = (account: string, region: string) => aws.client(EC2Client, account, region);
  // Indexed once: a search of the list for each copy took seconds at 10,000 copies (bench:verify). The first AMI
  // listed for a Region and account is its copy, as a search in order finds it.
  const byCopy = new Map<string, DistributedAmi>();
  for (const a of amis) {
    const key = JSON.stringify([a.region, a.account]);
    if (!byCopy.has(key)) {
      byCopy.set(key, a);
    }
  }
  const amiOf = (region: string, account: string) => byCopy.get(JSON.stringify([region, account]));

  const describeImage = (account: string, region: string, imageId: string) => once(`image/${account}/${region}/${imageId}`, async () => {
    const client = await ec2(account, region);
    try {
      const answer = await aws.send<Json>(client, new DescribeImagesCommand({ ImageIds: [imageId] }), 'ec2:DescribeImages');
      return required<Json[]>(answer, 'Images', 'ec2:DescribeImages', isList).find((i: Json) => i?.ImageId === imageId) as Json | undefined;
    } catch (e) {
      if (NOT_FOUND.test(errorCode(e))) {
        return undefined;
      }
      throw e;
    }
  });
  const launchPermissions = (account: string, region: string, imageId: string) => once(`lp/${account}/${region}/${imageId}`, async () => {
    const client = await ec2(account, region);
    const answer = await aws.send<Json>(client, new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }), 'ec2:DescribeImageAttribute');
    return required<Json[]>(answer, 'LaunchPermissions', 'ec2:DescribeImageAttribute', isList).filter(isObject);
  });
  /** A key as KMS describes it, from the account that owns it (the ARN's), else from `account`. */
  const describeKey = (account: string, region: string, keyId: string) => {
    const owner = keyId.startsWith('arn:') ? arnAccount(keyId) ?? account : account;
    return once(`key/${owner}/${region}/${keyId}`, async () => {
      const client = await aws.client(KMSClient, owner, keyId.startsWith('arn:') ? keyId.split(':')[3] : region);
      const answer = await aws.send<Json>(client, new DescribeKeyCommand({ KeyId: keyId }), 'kms:DescribeKey');
      return required<Json>(answer, 'KeyMetadata', 'kms:DescribeKey', isObject);
    });
  };

  const work: Work[] = [];
  const unit = (check: string, account: string, region: string, resource: string, run: () => Promise<Result[]>) =>
    work.push({ check, account, region, resource, distributions, run });
  for (const r of intent.regions) {
    const { region } = r;
    for (const account of [r.owner, ...r.targets]) {
      unit('ami', account, region, amiOf(region, account)?.imageId ?? 'AMI', () => amiChecks(r, account));
    }
    for (const p of r.ssmParameters) {
      unit('ssm-parameter', p.amiAccountId, region, `SSM parameter ${p.parameterName}`, async () => [await ssmCheck(r, p.amiAccountId, p.parameterName)]);
    }
    for (const t of r.launchTemplates) {
      unit('launch-template', t.accountId, region, `launch template ${t.launchTemplateId}`,
        async () => [await launchTemplateCheck(r, t.accountId, t.launchTemplateId, t.setDefaultVersion)]);
    }
    for (const f of r.fastLaunch.filter(x => x.enabled)) {
      unit('fast-launch', f.accountId, region, 'fast launch', async () => [await fastLaunchCheck(r, f.accountId)]);
    }
  }
  return work;

  /** The AMI of a Region and account: it exists and is available; its snapshots' key; the owner's launch permissions and tags. */
  async function amiChecks(r: RegionIntent, account: string): Promise<Result[]> {
    const { region } = r;
    const ami = amiOf(region, account);
    if (!ami) {
      return [result('ami', 'fail', account, region, 'AMI', `the image distributed no AMI to account ${account} in ${region} (its output lists ${amis.filter(a => a.region === region).map(a => `${a.imageId} in ${a.account}`).join(', ') || 'none in this Region'})`,
        'see the image\'s distribution failure in the Image Builder console, fix it, then distribute again (cdk-imagebuilder-distribution distribute or retry)')];
    }
    let image: Json | undefined;
    try {
      image = await describeImage(account, region, ami.imageId);
    } catch (e) {
      return [await unchecked('ami', account, region, ami.imageId, e)];
    }
    if (!image) {
      return [result('ami', 'fail', account, region, ami.imageId, `AMI ${ami.imageId}, which the image lists for account ${account}, does not exist there (deregistered, or never copied)`,
        'distribute the image again (cdk-imagebuilder-distribution distribute), or find who deregistered it')];
    }
    const results: Result[] = [];
    if (!isString(image.OwnerId) || !isString(image.State)) {
      // Without them, whose the AMI is and whether it is available are unknown: never a pass.
      const lacking = [!isString(image.OwnerId) ? 'OwnerId' : '', !isString(image.State) ? 'State' : ''].filter(Boolean).join(' and ');
      results.push(await unchecked('ami', account, region, ami.imageId, incomplete('ec2:DescribeImages', `${lacking} of ${ami.imageId}`)));
    } else if (image.OwnerId !== account) {
      results.push(result('ami', 'fail', account, region, ami.imageId, `AMI ${ami.imageId} is owned by ${image.OwnerId}, not by ${account}: the account has no copy of its own`, 'add the account to the Region\'s target accounts and distribute again'));
    } else if (image.State !== 'available') {
      results.push(result('ami', 'fail', account, region, ami.imageId, `AMI ${ami.imageId} is ${image.State ?? 'in no state'}, not available${image.StateReason?.Message ? ` (${image.StateReason.Message})` : ''}`,
        image.State === 'pending' ? 'wait for the copy to finish and run verify again' : 'distribute the image again'));
    } else {
      results.push(result('ami', 'pass', account, region, ami.imageId, `AMI ${ami.imageId} exists and is available`));
    }
    // Each check of the AMI on its own: one that cannot read an answer loses none of the others.
    const guarded = async (check: string, resource: string, f: () => Result | Promise<Result>) => {
      try {
        results.push(await f());
      } catch (e) {
        results.push(await unchecked(check, account, region, resource, e));
      }
    };
    await guarded('encryption', `snapshots of ${ami.imageId}`, () => encryptionCheck(r, account, ami.imageId, image!));
    if (account === r.owner) {
      await guarded('launch-permission', `launch permissions of ${ami.imageId}`, () => launchPermissionCheck(r, account, ami.imageId));
      await guarded('ami-tags', `tags of ${ami.imageId}`, () => tagsCheck(r, account, ami.imageId, image!));
    }
    return results;
  }

  async function encryptionCheck(r: RegionIntent, account: string, imageId: string, image: Json): Promise<Result> {
    const { region } = r;
    const snapshotIds: string[] = (image.BlockDeviceMappings ?? []).map((m: Json) => m.Ebs?.SnapshotId).filter((s: unknown): s is string => typeof s === 'string');
    const resource = `snapshots of ${imageId}`;
    if (snapshotIds.length === 0) {
      return result('encryption', 'unchecked', account, region, resource, `could not check ${resource}: EC2 lists no EBS snapshot for ${imageId}`, 'look at the AMI\'s block device mappings in the EC2 console');
    }
    let snapshots: Json[];
    try {
      const client = await ec2(account, region);
      const answer = await aws.send<Json>(client, new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }), 'ec2:DescribeSnapshots');
      snapshots = required<Json[]>(answer, 'Snapshots', 'ec2:DescribeSnapshots', isList).filter(isObject);
    } catch (e) {
      if (NOT_FOUND.test(errorCode(e))) {
        return result('encryption', 'fail', account, region, resource, `a snapshot of ${imageId} does not exist in ${account} (${String((e as Error).message).split('\n')[0]})`, 'distribute the image again');
      }
      return unchecked('encryption', account, region, resource, e);
    }
    const bySnapshot = snapshotIds.map(id => ({ id, snapshot: snapshots.find(s => s.SnapshotId === id) }));
    const missing = bySnapshot.filter(s => !s.snapshot).map(s => s.id);
    if (missing.length > 0) {
      return result('encryption', 'fail', account, region, resource, `snapshot${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${imageId} do not exist in ${account}`, 'distribute the image again');
    }
    const unknownEncryption = bySnapshot.filter(s => !isBoolean(s.snapshot!.Encrypted)).map(s => s.id);
    if (unknownEncryption.length > 0) {
      return unchecked('encryption', account, region, resource, incomplete('ec2:DescribeSnapshots', `Encrypted of ${unknownEncryption.join(', ')}`));
    }
    const unknownKey = bySnapshot.filter(s => s.snapshot!.Encrypted && typeof s.snapshot!.KmsKeyId !== 'string').map(s => s.id);
    if (unknownKey.length > 0) {
      return result('encryption', 'unchecked', account, region, resource, `could not check ${resource}: EC2 says ${unknownKey.join(', ')} ${unknownKey.length === 1 ? 'is' : 'are'} encrypted but not with which key`, 'look at the snapshots in the EC2 console');
    }

    if (r.kmsKeyId !== undefined) {
      let keyArn: string;
      try {
        keyArn = required<string>(await describeKey(r.owner, region, r.kmsKeyId), 'Arn', 'kms:DescribeKey', isString);
      } catch (e) {
        if (errorCode(e) === 'NotFoundException') {
          return result('encryption', 'fail', account, region, resource, `the configured key ${r.kmsKeyId} does not exist in ${region}`, 'fix the Region\'s KMS key in the distribution configuration');
        }
        return unchecked('encryption', account, region, `the configured key ${r.kmsKeyId}`, e);
      }
      const wrong = bySnapshot.filter(s => !s.snapshot!.Encrypted || s.snapshot!.KmsKeyId !== keyArn);
      if (wrong.length > 0) {
        return result('encryption', 'fail', account, region, resource,
          `${wrong.map(s => `${s.id} is ${s.snapshot!.Encrypted ? `encrypted with ${s.snapshot!.KmsKeyId}` : 'not encrypted'}`).join('; ')}, not with the configured key ${r.kmsKeyId}${r.kmsKeyId !== keyArn ? ` (${keyArn})` : ''}`,
          'find out how the copy got another key (a default EBS key of the account, a changed configuration), fix it, and distribute again');
      }
      return result('encryption', 'pass', account, region, resource, `every snapshot (${snapshotIds.join(', ')}) is encrypted with the configured key ${keyArn}`);
    }

    // No key configured for the Region: say which key was used, and whether it can be shared.
    const keys = [...new Set(bySnapshot.filter(s => s.snapshot!.Encrypted).map(s => String(s.snapshot!.KmsKeyId)))];
    if (keys.length === 0) {
      return result('encryption', 'pass', account, region, resource, `no key is configured for ${region} and the snapshots (${snapshotIds.join(', ')}) are not encrypted`);
    }
    const described: Array<{ arn: string; manager?: string }> = [];
    for (const key of keys) {
      try {
        // Without KeyManager, whether the key can be shared is unknown: never a pass.
        const manager = required<string>(await describeKey(account, region, key), 'KeyManager', 'kms:DescribeKey', isString);
        described.push({ arn: key, manager });
      } catch (e) {
        return unchecked('encryption', account, region, `the key ${key} of the snapshots of ${imageId}`, e);
      }
    }
    const awsManaged = described.filter(k => k.manager === 'AWS');
    const words = described.map(k => `${k.arn} (${k.manager === 'AWS' ? 'AWS managed, e.g. aws/ebs: it cannot be shared with other accounts' : 'customer managed: it can be shared through its key policy'})`).join(', ');
    const shared = account === r.owner && (r.targets.length > 0 || Object.values(r.launchPermission).some(v => v.length > 0));
    if (awsManaged.length > 0 && shared) {
      return result('encryption', 'fail', account, region, resource, `no key is configured for ${region}; the snapshots are encrypted with ${words}, yet the AMI is shared with other accounts`,
        'configure a customer managed KMS key for the Region (kmsKeyId) whose policy lets the target and launching accounts use it, and distribute again');
    }
    return result('encryption', 'pass', account, region, resource, `no key is configured for ${region}; the snapshots are encrypted with ${words}`);
  }

  async function launchPermissionCheck(r: RegionIntent, account: string, imageId: string): Promise<Result> {
    const { region } = r;
    const resource = `launch permissions of ${imageId}`;
    let actual: Json[];
    try {
      actual = await launchPermissions(account, region, imageId);
    } catch (e) {
      return unchecked('launch-permission', account, region, resource, e);
    }
    const want = r.launchPermission;
    const has = {
      userIds: actual.map(p => p.UserId).filter((x): x is string => typeof x === 'string'),
      userGroups: actual.map(p => p.Group).filter((x): x is string => typeof x === 'string'),
      organizationArns: actual.map(p => p.OrganizationArn).filter((x): x is string => typeof x === 'string'),
      organizationalUnitArns: actual.map(p => p.OrganizationalUnitArn).filter((x): x is string => typeof x === 'string'),
    };
    const words = { userIds: 'account', userGroups: 'group', organizationArns: 'organization', organizationalUnitArns: 'OU' } as const;
    const missing: string[] = [];
    const extra: string[] = [];
    const tolerated: string[] = [];
    for (const key of Object.keys(words) as Array<keyof typeof words>) {
      missing.push(...want[key].filter(v => !has[key].includes(v)).map(v => `${words[key]} ${v}`));
      for (const v of has[key].filter(x => !want[key].includes(x))) {
        // Image Builder copies the owner's AMI into each target account from that account: the target may be
        // among its launch permissions for the copy.
        (key === 'userIds' && r.targets.includes(v) ? tolerated : extra).push(`${words[key]} ${v}`);
      }
    }
    const note = tolerated.length > 0 ? ` (also ${tolerated.join(', ')}: target account${tolerated.length === 1 ? '' : 's'} of the Region, through which Image Builder copies)` : '';
    if (missing.length + extra.length > 0) {
      return result('launch-permission', 'fail', account, region, resource,
        [missing.length ? `missing: ${missing.join(', ')}` : '', extra.length ? `not configured, yet granted: ${extra.join(', ')}` : ''].filter(Boolean).join('; ') + note,
        extra.length ? `remove what is not configured (aws ec2 modify-image-attribute --image-id ${imageId} --launch-permission "Remove=[...]" --region ${region}), or add it to the configuration` : 'distribute the image again, or add the launch permissions by hand');
    }
    const all = [...want.userIds.map(v => `account ${v}`), ...want.userGroups.map(v => `group ${v}`), ...want.organizationArns.map(v => `organization ${v}`), ...want.organizationalUnitArns.map(v => `OU ${v}`)];
    return result('launch-permission', 'pass', account, region, resource, `exactly as configured: ${all.length ? all.join(', ') : 'not shared'}${note}`);
  }

  function tagsCheck(r: RegionIntent, account: string, imageId: string, image: Json): Result {
    const { region } = r;
    const tags = new Map<string, string>((image.Tags ?? []).map((t: Json) => [String(t.Key), String(t.Value)]));
    const wrong = Object.entries(r.amiTags).filter(([k, v]) => tags.get(k) !== v)
      .map(([k, v]) => (tags.has(k) ? `${k} is ${JSON.stringify(tags.get(k))}, not ${JSON.stringify(v)}` : `${k} (${JSON.stringify(v)}) is missing`));
    if (wrong.length > 0) {
      return result('ami-tags', 'fail', account, region, `tags of ${imageId}`, wrong.join('; '), `tag the AMI (aws ec2 create-tags --resources ${imageId} --region ${region}), or distribute again`);
    }
    const count = Object.keys(r.amiTags).length;
    return result('ami-tags', 'pass', account, region, `tags of ${imageId}`, count ? `the ${count} configured tag${count === 1 ? '' : 's'} (${Object.keys(r.amiTags).join(', ')}) are on the AMI` : 'no tags configured');
  }

  async function ssmCheck(r: RegionIntent, account: string, name: string): Promise<Result> {
    const { region } = r;
    const resource = `SSM parameter ${name}`;
    const ami = amiOf(region, account);
    if (!ami) {
      return result('ssm-parameter', 'fail', account, region, resource, `the image has no AMI in account ${account} in ${region} for the parameter to hold`, 'make the account a target account of the Region, and distribute again');
    }
    let value: string | undefined;
    try {
      const client = await aws.client(SSMClient, account, region);
      const answer = await aws.send<Json>(client, new GetParameterCommand({ Name: name }), 'ssm:GetParameter');
      value = required<string>(answer, 'Parameter.Value', 'ssm:GetParameter', v => typeof v === 'string');
    } catch (e) {
      if (errorCode(e) === 'ParameterNotFound') {
        return result('ssm-parameter', 'fail', account, region, resource, `the parameter does not exist; it should hold ${ami.imageId}`, 'distribute the image again (Image Builder writes the parameter)');
      }
      return unchecked('ssm-parameter', account, region, resource, e);
    }
    if (value !== ami.imageId) {
      return result('ssm-parameter', 'fail', account, region, resource, `holds ${JSON.stringify(value)}, not the image's AMI ${ami.imageId}`,
        `distribute the image again, or put the AMI ID (aws ssm put-parameter --name ${name} --value ${ami.imageId} --overwrite --region ${region})`);
    }
    return result('ssm-parameter', 'pass', account, region, resource, `holds the image's AMI ${ami.imageId}`);
  }

  async function launchTemplateCheck(r: RegionIntent, account: string, templateId: string, setDefault: boolean): Promise<Result> {
    const { region } = r;
    const version = setDefault ? '$Default' : '$Latest';
    const resource = `launch template ${templateId} (${version})`;
    let data: Json | undefined;
    try {
      const client = await ec2(account, region);
      const answer = await aws.send<Json>(client, new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: [version] }), 'ec2:DescribeLaunchTemplateVersions');
      const versions = required<Json[]>(answer, 'LaunchTemplateVersions', 'ec2:DescribeLaunchTemplateVersions', isList);
      data = versions.length === 0 ? undefined : required<Json>(versions[0], 'LaunchTemplateData', 'ec2:DescribeLaunchTemplateVersions', isObject);
    } catch (e) {
      if (NOT_FOUND.test(errorCode(e))) {
        return result('launch-template', 'fail', account, region, resource, `the launch template does not exist in ${account}`, 'fix the launch template ID in the distribution configuration');
      }
      return unchecked('launch-template', account, region, resource, e);
    }
    const inRegion = amis.filter(a => a.region === region);
    const imageId: unknown = data?.ImageId;
    const ami = inRegion.find(a => a.imageId === imageId);
    if (!ami) {
      return result('launch-template', 'fail', account, region, resource,
        `its ${setDefault ? 'default' : 'latest'} version launches ${imageId === undefined ? 'no AMI' : imageId}, not the image's AMI (${inRegion.map(a => a.imageId).join(', ') || 'none in this Region'})`,
        'distribute the image again (Image Builder adds a version with the new AMI), or set the template\'s default version to the one that has it');
    }
    if (ami.account !== account) {
      // The owner's AMI in another account's template: that account must be allowed to launch it.
      let permissions: Json[];
      try {
        permissions = await launchPermissions(ami.account, region, ami.imageId);
      } catch (e) {
        return unchecked('launch-template', account, region, `${resource}: whether ${account} may launch ${ami.imageId}`, e);
      }
      const allowed = permissions.some(p => p.UserId === account || p.Group === 'all');
      if (!allowed) {
        const viaOrganizations = permissions.some(p => p.OrganizationArn || p.OrganizationalUnitArn);
        return viaOrganizations
          ? result('launch-template', 'unchecked', account, region, resource, `could not check ${resource}: it launches ${ami.imageId} of ${ami.account}, shared with organizations or OUs only; whether ${account} is in them was not checked`, `add ${account} to the Region's launch permissions, or confirm its organization by hand`)
          : result('launch-template', 'fail', account, region, resource, `it launches ${ami.imageId} of ${ami.account}, which account ${account} may not launch (not in its launch permissions)`, `add ${account} to the Region's launch permissions or target accounts, and distribute again`);
      }
    }
    return result('launch-template', 'pass', account, region, resource, `its ${setDefault ? 'default' : 'latest'} version launches the image's AMI ${ami.imageId}${ami.account !== account ? ` (of ${ami.account}, which lets ${account} launch it)` : ''}`);
  }

  async function fastLaunchCheck(r: RegionIntent, account: string): Promise<Result> {
    const { region } = r;
    const ami = amiOf(region, account);
    if (!ami) {
      return result('fast-launch', 'fail', account, region, 'fast launch', `the image has no AMI in account ${account} in ${region} to enable fast launch for`, 'make the account a target account of the Region, and distribute again');
    }
    const resource = `fast launch of ${ami.imageId}`;
    let item: Json | undefined;
    try {
      const client = await ec2(account, region);
      const answer = await aws.send<Json>(client, new DescribeFastLaunchImagesCommand({ ImageIds: [ami.imageId] }), 'ec2:DescribeFastLaunchImages');
      item = required<Json[]>(answer, 'FastLaunchImages', 'ec2:DescribeFastLaunchImages', isList).find((i: Json) => i?.ImageId === ami.imageId);
    } catch (e) {
      return unchecked('fast-launch', account, region, resource, e);
    }
    if (item?.State === 'enabled') {
      return result('fast-launch', 'pass', account, region, resource, 'fast launch is enabled');
    }
    if (item?.State === 'enabling') {
      return result('fast-launch', 'unchecked', account, region, resource, `could not check ${resource}: it is still being enabled`, 'run verify again in a few minutes');
    }
    return result('fast-launch', 'fail', account, region, resource, item ? `fast launch is ${item.State}${item.StateTransitionReason ? ` (${item.StateTransitionReason})` : ''}, not enabled` : 'fast launch is not enabled',
      `enable it (aws ec2 enable-fast-launch --image-id ${ami.imageId} --region ${region}), or distribute again`);
  }
}
