import { CloudFormationClient, CreateStackCommand, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateAccountCommand, CreateOrganizationCommand, CreateOrganizationalUnitCommand, DescribeCreateAccountStatusCommand, ListRootsCommand, MoveAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DEFAULT_ACCOUNT } from './moto';

/*
 * Seeding moto through the AWS API, account by account, as the accounts of a real organization would be set up.
 */

type ClientClass<T> = new (config: Record<string, unknown>) => T;

async function client<T>(service: ClientClass<T>, account: string, region = 'us-east-1'): Promise<T> {
  if (account === DEFAULT_ACCOUNT) {
    return new service({ region });
  }
  const assumed = await new STSClient({ region }).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/Seeder`, RoleSessionName: 'seed' }));
  const c = assumed.Credentials!;
  return new service({ region, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
}

/** A customer managed key whose policy is the account's own statement plus `statements`; returns its ARN. */
export async function createKey(
  account: string, region: string, statements: object[], options: { disabled?: boolean; alias?: string } = {},
): Promise<string> {
  const kms = await client(KMSClient, account, region);
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }, ...statements],
  };
  const key = (await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }))).KeyMetadata!;
  if (options.disabled) {
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
  }
  if (options.alias) {
    await kms.send(new CreateAliasCommand({ AliasName: options.alias, TargetKeyId: key.KeyId }));
  }
  return key.Arn!;
}

export interface CrossAccountRoleOptions {
  /** Attach Ec2ImageBuilderCrossAccountDistributionAccess (default true). */
  readonly managedPolicy?: boolean;
  /** Keys the role may use for copies (an inline policy with the copy actions and kms:CreateGrant). */
  readonly keyArns?: string[];
  /** The trust policy's statements, instead of one that trusts `trusts`. */
  readonly trustStatements?: object[];
  /**
   * Attach a customer managed policy of the account named like the AWS managed policy instead of it, for a moto
   * started without its AWS managed policies (`startMoto({ managedPolicies: false })`); the preflight tells them apart
   * only by name.
   */
  readonly managedPolicyStandIn?: boolean;
}

/** `EC2ImageBuilderDistributionCrossAccountRole` in `account`, trusting `trusts`, with or without its managed policy. */
export async function createCrossAccountRole(account: string, trusts: string, options: CrossAccountRoleOptions = {}) {
  const iam = await client(IAMClient, account);
  await iam.send(new CreateRoleCommand({
    RoleName: 'EC2ImageBuilderDistributionCrossAccountRole',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: options.trustStatements ?? [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${trusts}:root` }, Action: 'sts:AssumeRole' }],
    }),
  }));
  if (options.keyArns?.length) {
    await iam.send(new PutRolePolicyCommand({
      RoleName: 'EC2ImageBuilderDistributionCrossAccountRole',
      PolicyName: 'Keys',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'], Resource: options.keyArns },
          { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: options.keyArns, Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
        ],
      }),
    }));
  }
  if ((options.managedPolicy ?? true) && options.managedPolicyStandIn) {
    const created = await iam.send(new CreatePolicyCommand({
      PolicyName: 'Ec2ImageBuilderCrossAccountDistributionAccess',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['ec2:CopyImage', 'ec2:CreateTags', 'ec2:DescribeImages', 'ec2:DescribeSnapshots', 'ec2:ModifyImageAttribute', 'ec2:ModifySnapshotAttribute'], Resource: '*' }],
      }),
    }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'EC2ImageBuilderDistributionCrossAccountRole', PolicyArn: created.Policy!.Arn }));
  } else if (options.managedPolicy ?? true) {
    await iam.send(new AttachRolePolicyCommand({
      RoleName: 'EC2ImageBuilderDistributionCrossAccountRole',
      PolicyArn: 'arn:aws:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess',
    }));
  }
}

export async function createLaunchTemplate(account: string, region: string, name: string): Promise<string> {
  const ec2 = await client(EC2Client, account, region);
  const created = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { InstanceType: 't3.micro' } }));
  return created.LaunchTemplate!.LaunchTemplateId!;
}

export async function putParameter(account: string, region: string, name: string, dataType: string) {
  const ssm = await client(SSMClient, account, region);
  await ssm.send(new PutParameterCommand({ Name: name, Value: 'not-an-ami-yet', Type: 'String', DataType: dataType }));
}

export async function createRepository(account: string, region: string, name: string) {
  const ecr = await client(ECRClient, account, region);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
}

/** An organization of the default account, with one OU; returns their ARNs. */
export async function createOrganization(): Promise<{ organizationArn: string; ouArn: string }> {
  const organizations = await client(OrganizationsClient, DEFAULT_ACCOUNT);
  const organization = (await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!;
  const root = (await organizations.send(new ListRootsCommand({}))).Roots![0];
  const ou = (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id, Name: 'workloads' }))).OrganizationalUnit!;
  return { organizationArn: organization.Arn!, ouArn: ou.Arn! };
}

/**
 * Deploys `resources` (a template's Resources) as stack `stackName` in `account` and `region` through CloudFormation,
 * so that "the app's stack exists" is true; returns the physical ID of each logical ID.
 */
export async function deployStack(
  account: string, region: string, stackName: string, resources: Record<string, unknown>,
): Promise<Record<string, string>> {
  const cfn = await client(CloudFormationClient, account, region);
  await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify({ Resources: resources }) }));
  const described = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return Object.fromEntries((described.StackResources ?? []).map(r => [r.LogicalResourceId!, r.PhysicalResourceId!]));
}

/** Disables a key (of a deployed stack). */
export async function disableKey(account: string, region: string, keyId: string) {
  const kms = await client(KMSClient, account, region);
  await kms.send(new DisableKeyCommand({ KeyId: keyId }));
}

/** Deletes the role createCrossAccountRole made with `keyArns` and its managed policy. */
export async function deleteCrossAccountRole(account: string) {
  const iam = await client(IAMClient, account);
  const RoleName = 'EC2ImageBuilderDistributionCrossAccountRole';
  await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: 'Keys' }));
  await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: 'arn:aws:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess' }));
  await iam.send(new DeleteRoleCommand({ RoleName }));
}

/**
 * A member account of the default account's organization (made with organizations:CreateAccount), moved into the
 * OU `ouId` when given (else left at the root); returns its ID.
 */
export async function createMemberAccount(name: string, ouId?: string): Promise<string> {
  const organizations = await client(OrganizationsClient, DEFAULT_ACCOUNT);
  const created = await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.invalid` }));
  const status = await organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus!.Id! }));
  const account = status.CreateAccountStatus!.AccountId!;
  if (ouId) {
    const root = (await organizations.send(new ListRootsCommand({}))).Roots![0];
    await organizations.send(new MoveAccountCommand({ AccountId: account, SourceParentId: root.Id!, DestinationParentId: ouId }));
  }
  return account;
}

/** The root's ID of the default account's organization. */
export async function rootId(): Promise<string> {
  const organizations = await client(OrganizationsClient, DEFAULT_ACCOUNT);
  return (await organizations.send(new ListRootsCommand({}))).Roots![0].Id!;
}

/** An OU under `parentId`; returns its ID. */
export async function createOrganizationalUnit(parentId: string, name: string): Promise<string> {
  const organizations = await client(OrganizationsClient, DEFAULT_ACCOUNT);
  return (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }))).OrganizationalUnit!.Id!;
}

/** A role `roleName` in `account` with this trust policy and these managed policies attached (as a template writes them). */
export async function createRole(account: string, roleName: string, trustPolicy: object, managedPolicyArns: string[] = []) {
  const iam = await client(IAMClient, account);
  await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trustPolicy) }));
  for (const arn of managedPolicyArns) {
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: arn }));
  }
}
