import { DescribeLaunchTemplatesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, DescribeOrganizationalUnitCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsSession, NoAccess, classify, errorCode } from './aws';
import { CROSS_ACCOUNT_POLICY, CROSS_ACCOUNT_ROLE, Check, PlannedCheck } from './plan';
import { keyPolicyCoverage, trustsAccount } from './policy-coverage';

/*
 * The read-only AWS calls of each check, and what their answers mean. A check never throws: an error of
 * one account or Region becomes its own result, so that it hides no other. A check whose calls gave no
 * usable answer (no answer in time, denied, throttled, expired credentials, no connection) is `unchecked`,
 * never a pass.
 */

/**
 * `pass`: checked and fine; `fail`: checked and wrong (a finding); `unchecked`: could not be checked;
 * `deploys`: a resource this app deploys and that does not exist yet (nothing to check before the deploy).
 */
export type Status = 'pass' | 'fail' | 'unchecked' | 'deploys';

/** The outcome of one check, as the command prints it. */
export interface Result {
  readonly check: string;
  readonly status: Status;
  readonly account?: string;
  /** The Region, or undefined for global services (IAM, Organizations). */
  readonly region?: string;
  readonly resource: string;
  readonly message: string;
  readonly fix?: string;
  /** Key policy statements to add (the key check). */
  readonly missingStatements?: unknown[];
  /** The distribution configurations that need it (construct paths, or stack/logical ID). */
  readonly distributions: string[];
}

type Outcome = Omit<Result, 'check' | 'account' | 'region' | 'resource' | 'distributions'>;

const pass = (message: string): Outcome => ({ status: 'pass', message });
const fail = (message: string, fix: string, extra: Partial<Outcome> = {}): Outcome => ({ status: 'fail', message, fix, ...extra });

/** The error code of an SDK error (`name`), e.g. `NoSuchEntity`, `NotFoundException`. */
const code = errorCode;

/** Runs one planned check. */
export async function runCheck(aws: AwsSession, planned: PlannedCheck): Promise<Result> {
  const { check } = planned;
  const base = { check: check.kind, account: check.account, region: check.region, resource: resourceOf(check), distributions: planned.distributions };
  if (aws.budgetSpent) {
    const why = classify(Object.assign(new Error('budget spent'), { name: 'BudgetSpent', $call: 'its first call' }), aws.settings);
    return { ...base, status: 'unchecked', message: `could not check ${base.resource}: ${why.message}`, fix: why.fix };
  }
  try {
    return { ...base, ...await outcomeOf(aws, check) };
  } catch (e) {
    const why = classify(e, aws.settings, e instanceof NoAccess ? undefined : await endpointOfCall(aws, check));
    return { ...base, status: 'unchecked', message: `could not check ${base.resource}: ${why.message}`, fix: why.fix };
  }
}

/** The endpoint of the service a failed call went to, for messages (connection refused, no answer). */
async function endpointOfCall(aws: AwsSession, check: Check): Promise<string | undefined> {
  const service = { 'key': KMSClient, 'cross-account-role': IAMClient, 'launch-template': EC2Client, 'ecr-repository': ECRClient, 'ssm-parameter': SSMClient, 'organization': OrganizationsClient, 'organizational-unit': OrganizationsClient, 'not-checkable': undefined }[check.kind];
  try {
    return service ? await aws.endpointOf(await aws.client(service as any, check.account!, check.kind === 'key' ? check.keyRegion : check.region)) : undefined;
  } catch {
    return undefined;
  }
}

function resourceOf(check: Check): string {
  switch (check.kind) {
    case 'key': return check.keyId;
    case 'cross-account-role': return CROSS_ACCOUNT_ROLE;
    case 'launch-template': return check.launchTemplateId;
    case 'ecr-repository': return `ECR repository ${check.repositoryName}`;
    case 'ssm-parameter': return `SSM parameter ${check.parameterName}`;
    case 'organization': return check.organizationArn;
    case 'organizational-unit': return check.organizationalUnitArn;
    case 'not-checkable': return check.resource;
  }
}

async function outcomeOf(aws: AwsSession, check: Check): Promise<Outcome> {
  switch (check.kind) {
    case 'key': return keyOutcome(aws, check);
    case 'cross-account-role': return roleOutcome(aws, check);
    case 'launch-template': return launchTemplateOutcome(aws, check);
    case 'ecr-repository': return repositoryOutcome(aws, check);
    case 'ssm-parameter': return parameterOutcome(aws, check);
    case 'organization': return organizationOutcome(aws, check);
    case 'organizational-unit': return organizationalUnitOutcome(aws, check);
    case 'not-checkable': return { status: 'unchecked', message: `not checkable: ${check.reason}`, fix: check.fix };
  }
}

/**
 * A key the app does not own: it exists in the Region that uses it, is enabled, is a symmetric encryption key
 * (EBS encrypts with nothing else), is not AWS managed when other accounts use it, and its policy grants
 * every statement `requiredKeyPolicy()` asks for.
 */
async function keyOutcome(aws: AwsSession, check: Extract<Check, { kind: 'key' }>): Promise<Outcome> {
  const kms = await aws.client(KMSClient, check.account, check.keyRegion);
  let metadata;
  try {
    metadata = (await aws.send<any>(kms, new DescribeKeyCommand({ KeyId: check.keyId }))).KeyMetadata!;
  } catch (e) {
    if (code(e) === 'NotFoundException') {
      return fail(`does not exist in account ${check.account}, Region ${check.keyRegion} (${check.uses.join(', ')}): "The specified keyId is invalid" at distribution.`,
        `create the key (or the alias) in ${check.keyRegion}, or pass the ARN of a key of that Region`);
    }
    throw e;
  }
  const keyRegion = metadata.Arn!.split(':')[3];
  if (keyRegion !== check.keyRegion) {
    return fail(`is a key of ${keyRegion}, but it encrypts copies in ${check.keyRegion}.`, `pass a key of ${check.keyRegion}`);
  }
  if (metadata.KeyState !== 'Enabled') {
    return fail(`is ${metadata.KeyState}, so EBS cannot encrypt with it.`, 'enable the key (kms:EnableKey), or cancel its deletion, or pass another key');
  }
  // KMS's defaults, when an answer leaves them out.
  const spec = metadata.KeySpec ?? 'SYMMETRIC_DEFAULT';
  const usage = metadata.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT') {
    return fail(`is a ${spec} key for ${usage}; EBS encrypts snapshots only with symmetric encryption keys.`, 'pass a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)');
  }
  if (metadata.KeyManager === 'AWS' && check.sharedOutsideOwner) {
    return fail('is an AWS managed key, which cannot be shared with other accounts, but other accounts use the AMI it encrypts.', 'use a customer managed key');
  }
  if (check.required.length === 0) {
    return pass(`${metadata.KeyState} symmetric key; only its own account uses it`);
  }
  const policy = (await aws.send<any>(kms, new GetKeyPolicyCommand({ KeyId: metadata.Arn, PolicyName: 'default' }))).Policy;
  const coverage = keyPolicyCoverage(JSON.parse(policy ?? '{}'), check.required, metadata.Arn);
  if (coverage.missing.length > 0) {
    const denied = coverage.deniedBy.length > 0 ? ` (denied by ${coverage.deniedBy.join(', ')})` : '';
    return fail(`its policy does not grant ${coverage.missing.length} of the ${check.required.length} statements its consumers need${denied} (${check.uses.join(', ')}).`,
      `add the missing statements to the key policy${denied ? ' and narrow the deny' : ''} (requiredKeyPolicy() returns them all)`,
      { missingStatements: coverage.missing });
  }
  return pass(`enabled symmetric key; its policy grants the ${check.required.length} statements its consumers need`);
}

/**
 * The role Image Builder assumes in a target account: named `EC2ImageBuilderDistributionCrossAccountRole`,
 * trusting the distribution account, with the `Ec2ImageBuilderCrossAccountDistributionAccess` managed policy.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */
async function roleOutcome(aws: AwsSession, check: Extract<Check, { kind: 'cross-account-role' }>): Promise<Outcome> {
  const iam = await aws.client(IAMClient, check.account);
  const deploy = `deploy CrossAccountDistributionRole (sourceAccounts: ['${check.sourceAccount}']) in account ${check.account}`;
  let role;
  try {
    role = (await aws.send<any>(iam, new GetRoleCommand({ RoleName: CROSS_ACCOUNT_ROLE }))).Role!;
  } catch (e) {
    if (code(e) === 'NoSuchEntity' || code(e) === 'NoSuchEntityException') {
      return fail(`does not exist in target account ${check.account}: the copy fails with AccessDenied on sts:AssumeRole.`, deploy);
    }
    throw e;
  }
  const identity = await aws.identity();
  const serviceRole = `arn:${identity.partition}:iam::${check.sourceAccount}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`;
  const trust = trustsAccount(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument ?? '%7B%7D')), check.sourceAccount, serviceRole);
  if (!trust.trusted) {
    return fail(`exists in ${check.account} but does not trust the distribution account ${check.sourceAccount}.`,
      `add ${check.sourceAccount} to the role's trust policy (sts:AssumeRole), or ${deploy}`);
  }
  const attached = await aws.send<any>(iam, new ListAttachedRolePoliciesCommand({ RoleName: CROSS_ACCOUNT_ROLE }));
  if (!(attached.AttachedPolicies ?? []).some((p: { PolicyName?: string }) => p.PolicyName === CROSS_ACCOUNT_POLICY)) {
    return fail(`exists in ${check.account} but lacks the AWS managed policy ${CROSS_ACCOUNT_POLICY}.`, `attach arn:${identity.partition}:iam::aws:policy/${CROSS_ACCOUNT_POLICY} to the role`);
  }
  return pass(`trusts ${check.sourceAccount}${trust.conditional ? ' (under conditions the preflight does not evaluate)' : ''} and has ${CROSS_ACCOUNT_POLICY}`);
}

/** A launch template Image Builder updates must exist in its account and Region. */
async function launchTemplateOutcome(aws: AwsSession, check: Extract<Check, { kind: 'launch-template' }>): Promise<Outcome> {
  const ec2 = await aws.client(EC2Client, check.account, check.region);
  try {
    const found = await aws.send<any>(ec2, new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [check.launchTemplateId] }));
    if ((found.LaunchTemplates ?? []).length > 0) {
      return pass('exists');
    }
  } catch (e) {
    if (!/NotFound|Malformed/.test(code(e))) {
      throw e;
    }
  }
  return fail(`does not exist in account ${check.account}, Region ${check.region}.`, `create it there, or give the ID of a launch template of ${check.account} in ${check.region}`);
}

/** The ECR repository a container image is distributed to must exist in the Region. */
async function repositoryOutcome(aws: AwsSession, check: Extract<Check, { kind: 'ecr-repository' }>): Promise<Outcome> {
  const ecr = await aws.client(ECRClient, check.account, check.region);
  try {
    await aws.send<any>(ecr, new DescribeRepositoriesCommand({ repositoryNames: [check.repositoryName] }));
    return pass('exists');
  } catch (e) {
    if (code(e) === 'RepositoryNotFoundException') {
      return fail(`does not exist in account ${check.account}, Region ${check.region}.`, `create the repository in ${check.region} (ecr.Repository in a stack of that Region)`);
    }
    throw e;
  }
}

/** An existing SSM parameter is overwritten with the AMI ID: its data type must be the configured one. */
async function parameterOutcome(aws: AwsSession, check: Extract<Check, { kind: 'ssm-parameter' }>): Promise<Outcome> {
  const ssm = await aws.client(SSMClient, check.account, check.region);
  try {
    const { Parameter: parameter } = await aws.send<any>(ssm, new GetParameterCommand({ Name: check.parameterName }));
    const dataType = parameter?.DataType ?? 'text';
    return dataType === check.dataType
      ? pass(`exists with data type ${dataType}`)
      : fail(`exists with data type ${dataType}, but the distribution writes it with data type ${check.dataType}.`,
        `set dataType '${dataType}' in the distribution, or delete the parameter so that Image Builder creates it`);
  } catch (e) {
    if (code(e) === 'ParameterNotFound') {
      return pass('does not exist yet: Image Builder creates it');
    }
    throw e;
  }
}

/** Organizations answers only for the caller's own organization. */
async function callerOrganization(aws: AwsSession): Promise<string | undefined> {
  const identity = await aws.identity();
  const organizations = await aws.client(OrganizationsClient, identity.account);
  try {
    return (await aws.send<any>(organizations, new DescribeOrganizationCommand({}))).Organization?.Arn;
  } catch (e) {
    if (/AccessDenied|AWSOrganizationsNotInUse/.test(code(e))) {
      throw new NoAccess(`the caller cannot read its organization (${code(e)})`, 'run the command with credentials of an account in the organization');
    }
    throw e;
  }
}

async function organizationOutcome(aws: AwsSession, check: Extract<Check, { kind: 'organization' }>): Promise<Outcome> {
  const own = await callerOrganization(aws);
  if (own === check.organizationArn) {
    return pass('is the caller\'s organization');
  }
  const sameId = own !== undefined && own.split('/').pop() === check.organizationArn.split('/').pop();
  return sameId
    ? fail(`names organization ${check.organizationArn.split('/').pop()} with another management account than its ARN ${own}.`, `use the ARN ${own}`)
    : { status: 'unchecked', message: `not checkable: the caller belongs to ${own}, and Organizations describes only the caller's own organization`, fix: 'run the command with credentials of an account in that organization' };
}

async function organizationalUnitOutcome(aws: AwsSession, check: Extract<Check, { kind: 'organizational-unit' }>): Promise<Outcome> {
  const own = await callerOrganization(aws);
  const organizationId = /:ou\/(o-[a-z0-9]+)\//.exec(check.organizationalUnitArn)?.[1];
  if (!own || !own.endsWith(`/${organizationId}`)) {
    return { status: 'unchecked', message: `not checkable: the OU belongs to ${organizationId}, the caller to ${own}`, fix: 'run the command with credentials of the OU\'s organization' };
  }
  const identity = await aws.identity();
  const organizations = await aws.client(OrganizationsClient, identity.account);
  try {
    await aws.send<any>(organizations, new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: check.organizationalUnitArn.split('/').pop() }));
    return pass('exists');
  } catch (e) {
    if (code(e) === 'OrganizationalUnitNotFoundException') {
      return fail(`does not exist in ${organizationId}.`, 'copy the OU\'s ARN from the Organizations console');
    }
    if (/AccessDenied/.test(code(e))) {
      throw new NoAccess(`the caller may not describe OUs (${code(e)})`, 'run the command in the management account or a delegated administrator');
    }
    throw e;
  }
}
