import { randomBytes } from 'crypto';
import {
  CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, EC2Client, ModifyImageAttributeCommand, ModifyLaunchTemplateCommand,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { Ec2Endpoint } from '../endpoints/ec2';
import { Obj } from '../endpoints/imagebuilder';
import { DEFAULT_ACCOUNT } from '../preflight/moto';

/*
 * Seeding what a distribution leaves behind, account by account, for the verify tests: AMIs registered in moto
 * (their launch permissions and the launch templates and SSM parameters that name them live there) and described
 * by the local EC2 endpoint (ec2.ts: their state, tags, block devices and their snapshots' KMS keys, which moto
 * does not keep).
 */

type ClientClass<T> = new (config: Record<string, unknown>) => T;

async function client<T>(service: ClientClass<T>, account: string, region: string): Promise<T> {
  if (account === DEFAULT_ACCOUNT) {
    return new service({ region });
  }
  const assumed = await new STSClient({ region }).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/Seeder`, RoleSessionName: 'seed' }));
  const c = assumed.Credentials!;
  return new service({ region, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
}

export interface AmiOptions {
  /** The key of its snapshot; unencrypted without one. */
  readonly keyArn?: string;
  readonly tags?: Record<string, string>;
  /** Accounts (or `all`) to add to its launch permissions in moto. */
  readonly launchPermission?: string[];
  /** @default 'available' */
  readonly state?: string;
}

/** An AMI of `account` in `region`: registered in moto, described (with its encrypted snapshot) by the local EC2 endpoint. */
export async function seedAmi(ec2: Ec2Endpoint, account: string, region: string, name: string, options: AmiOptions = {}): Promise<string> {
  const client_ = await client(EC2Client, account, region);
  const imageId = (await client_.send(new RegisterImageCommand({ Name: name }))).ImageId!;
  if (options.launchPermission?.length) {
    await client_.send(new ModifyImageAttributeCommand({
      ImageId: imageId,
      LaunchPermission: { Add: options.launchPermission.map(p => (p === 'all' ? { Group: 'all' as const } : { UserId: p })) },
    }));
  }
  const snapshotId = `snap-${randomBytes(8).toString('hex').slice(0, 17)}`;
  const ebs = { SnapshotId: snapshotId, VolumeSize: 8, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: options.keyArn !== undefined };
  ec2.state.images.set(`${region}/${imageId}`, {
    ImageId: imageId,
    ImageLocation: `${account}/${name}`,
    State: options.state ?? 'available',
    OwnerId: account,
    CreationDate: new Date().toISOString(),
    Public: (options.launchPermission ?? []).includes('all'),
    Architecture: 'x86_64',
    ImageType: 'machine',
    Name: name,
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    VirtualizationType: 'hvm',
    Hypervisor: 'xen',
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: ebs }],
    ...(options.tags ? { Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
  });
  setSnapshot(ec2, account, region, snapshotId, options.keyArn);
  return imageId;
}

/** The snapshot as EC2 describes it: encrypted with `keyArn`, or not encrypted. */
export function setSnapshot(ec2: Ec2Endpoint, account: string, region: string, snapshotId: string, keyArn: string | undefined) {
  ec2.state.snapshots.set(`${region}/${snapshotId}`, {
    SnapshotId: snapshotId,
    OwnerId: account,
    VolumeId: 'vol-ffffffff',
    VolumeSize: 8,
    State: 'completed',
    Progress: '100%',
    StartTime: new Date(),
    Description: `Created by EC2 Image Builder for ${snapshotId}`,
    Encrypted: keyArn !== undefined,
    ...(keyArn ? { KmsKeyId: keyArn } : {}),
  });
}

/** The snapshot IDs of a seeded AMI. */
export function snapshotsOf(ec2: Ec2Endpoint, region: string, imageId: string): string[] {
  return (ec2.state.images.get(`${region}/${imageId}`)?.BlockDeviceMappings ?? []).map((m: Obj) => m.Ebs.SnapshotId);
}

/** Adds launch permissions to an AMI in moto. */
export async function addLaunchPermission(account: string, region: string, imageId: string, userIds: string[]) {
  const ec2 = await client(EC2Client, account, region);
  await ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: userIds.map(UserId => ({ UserId })) } }));
}

/** A launch template launching `imageId`, then (when given) a version launching `newImageId` made the default. */
export async function seedLaunchTemplate(account: string, region: string, name: string, imageId: string, newImageId?: string): Promise<string> {
  const ec2 = await client(EC2Client, account, region);
  const created = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro' } }));
  const id = created.LaunchTemplate!.LaunchTemplateId!;
  if (newImageId) {
    const version = await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, LaunchTemplateData: { ImageId: newImageId, InstanceType: 't3.micro' } }));
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: String(version.LaunchTemplateVersion!.VersionNumber) }));
  }
  return id;
}

export async function seedParameter(account: string, region: string, name: string, value: string) {
  const ssm = await client(SSMClient, account, region);
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
}

/**
 * A `DistributionConfiguration` as Image Builder returns it (GetImage's `distributionConfiguration`), from a
 * synthesized `AWS::ImageBuilder::DistributionConfiguration` resource: what deploying that template makes.
 */
export function deployedConfiguration(arn: string, properties: Obj): Obj {
  const camel = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) {
      return value.map(v => camel(v));
    }
    if (typeof value !== 'object' || value === null) {
      return value;
    }
    if (key === 'AmiTags') {
      return value; // tag keys are the user's
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => {
      const name = k === 'LaunchPermissionConfiguration' ? 'launchPermission' : k.charAt(0).toLowerCase() + k.slice(1);
      return [name, camel(v, k)];
    }));
  };
  return {
    arn,
    name: properties.Name,
    timeoutMinutes: 720,
    distributions: camel(properties.Distributions),
    dateCreated: '2026-11-30T08:00:00.000Z',
  };
}
