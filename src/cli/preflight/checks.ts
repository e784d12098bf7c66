import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLaunchTemplatesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, DescribeOrganizationalUnitCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { accountSettingOutcome } from './account-settings';
import { coveringUnit, keyAccessUnitOutcome } from './organization-units';
import { CROSS_ACCOUNT_POLICY, CROSS_ACCOUNT_ROLE, Check, PlannedCheck, RoleKey } from './plan';
import { UNKNOWN_KEY_ID, evaluate, imageBuilderServiceRole, keyPolicyCoverage, lifecycleTrustRequest, trustRequest } from './policy-coverage';
import { keysMissingFromStackSet, roleKeyName } from './stack-set-keys';
import { COPY_ACTIONS, GRANT_ACTIONS, GRANT_FOR_AWS_RESOURCE } from '../../private/key-actions';
import { LIFECYCLE_MANAGED_POLICY, LIFECYCLE_ROLE_NAME } from '../../private/lifecycle-names';
import { AppResource, OwnedResource } from '../common/assembly';
import { AwsSession, NoAccess, classify, errorCode, incomplete, isList, isObject, isString, required } from '../common/aws';
import { Result } from '../common/report';

/*
 * The read-only AWS calls of each check, and what their answers mean. A check never throws: an error of
 * one account or Region becomes its own result, so that it hides no other. A check whose calls gave no
 * usable answer (no answer in time, denied, throttled, expired credentials, no connection) is `unchecked`,
 * never a pass. `runCheck` guards each check: whatever one throws, an answer it cannot read included, is its own
 * unchecked result with the reason. An answer without the field a check needs is unchecked (`required`).
 */

/**
 * `pass`: checked and fine; `fail`: checked and wrong (a finding); `unchecked`: could not be checked;
 * `deploys`: a resource this app deploys and that does not exist yet (nothing to check before the deploy).
 */
type Outcome = Omit<Result, 'check' | 'account' | 'region' | 'resource' | 'distributions'> & {
  /** The resource does not exist (a finding, unless this app deploys it). */
  readonly notFound?: boolean;
};

const pass = (message: string): Outcome => ({ status: 'pass', message });
const fail = (message: string, fix: string, extra: Partial<Outcome> = {}): Outcome => ({ status: 'fail', message, fix, ...extra });

/** The error code of an SDK error (`name`), e.g. `NoSuchEntity`, `NotFoundException`. */
const code = errorCode;

/** Runs one planned check. */
export async function runCheck(aws: AwsSession, planned: PlannedCheck, owned: OwnedResource[] = []): Promise<Result> {
  const { check } = planned;
  const base = { check: check.kind, account: check.account, region: check.region, resource: resourceOf(check), distributions: planned.distributions };
  if (aws.budgetSpent) {
    const why = classify(Object.assign(new Error('budget spent'), { name: 'BudgetSpent', $call: 'its first call' }), aws.settings);
    return { ...base, status: 'unchecked', message: `could not check ${base.resource}: ${why.message}`, fix: why.fix };
  }
  try {
    const { notFound, ...outcome } = await outcomeOf(aws, check, owned);
    return { ...base, ...outcome };
  } catch (e) {
    const why = classify(e, aws.settings, e instanceof NoAccess ? undefined : await endpointOfCall(aws, check));
    return { ...base, status: 'unchecked', message: `could not check ${base.resource}: ${why.message}`, fix: why.fix };
  }
}

/** The endpoint of the service a failed call went to, for messages (connection refused, no answer). */
async function endpointOfCall(aws: AwsSession, check: Check): Promise<string | undefined> {
  const service = { 'key': KMSClient, 'cross-account-role': IAMClient, 'lifecycle-role': IAMClient, 'launch-template': EC2Client, 'ecr-repository': ECRClient, 'ssm-parameter': SSMClient, 'organization': OrganizationsClient, 'organizational-unit': OrganizationsClient, 'key-access-unit': undefined, 'not-checkable': undefined, 'deployed-by-app': undefined, 'ami-block-public-access': EC2Client, 'ebs-encryption-default': EC2Client, 'region-opt-in': EC2Client, 'allowed-images': EC2Client, 'fast-launch-template': EC2Client }[check.kind];
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
    case 'lifecycle-role': return LIFECYCLE_ROLE_NAME;
    case 'launch-template': return check.launchTemplateId;
    case 'ecr-repository': return `ECR repository ${check.repositoryName}`;
    case 'ssm-parameter': return `SSM parameter ${check.parameterName}`;
    case 'organization': return check.organizationArn;
    case 'organizational-unit': return check.organizationalUnitArn;
    case 'key-access-unit': return `key access of target account ${check.account} (${check.organizationalUnitArns.length > 0 ? check.organizationalUnitArns.map(a => a.split('/').pop()).join(', ') : check.organizationArn.split('/').pop()})`;
    case 'not-checkable': return check.resource;
    case 'deployed-by-app': return check.resource;
    case 'ami-block-public-access': return 'AMI block public access';
    case 'ebs-encryption-default': return 'EBS encryption by default';
    case 'region-opt-in': return `Regions ${check.regions.join(', ')}`;
    case 'allowed-images': return `Allowed AMIs (AMIs of ${check.owner})`;
    case 'fast-launch-template': return `fast launch template ${check.launchTemplateId ?? check.launchTemplateName}`;
  }
}

/**
 * The physical ID of a resource of this app, asked of CloudFormation in its stack's account and Region (stacks
 * without an environment: the caller's); undefined while its stack, or the resource in it, is not deployed.
 * Whether it exists is the stack's answer, not a probe of the resource (which cannot tell "not deployed yet" from
 * "deleted by hand"). A call that gives no answer is a `NoAccess`: the check is unchecked, never passed.
 */
async function deployedId(aws: AwsSession, app: AppResource): Promise<string | undefined> {
  const identity = await aws.identity();
  const cfn = await aws.client(CloudFormationClient, app.account ?? identity.account, app.region ?? identity.region);
  try {
    const command = new DescribeStackResourceCommand({ StackName: app.stackName, LogicalResourceId: app.logicalId });
    const detail = required<any>(await aws.send<any>(cfn, command), 'StackResourceDetail', 'cloudformation:DescribeStackResource', isObject);
    // A resource whose creation failed, or that was deleted with its stack's rollback, is not deployed.
    return detail?.PhysicalResourceId && !/^(CREATE_FAILED|DELETE_COMPLETE)$/.test(String(detail.ResourceStatus ?? ''))
      ? detail.PhysicalResourceId : undefined;
  } catch (e) {
    // CloudFormation answers ValidationError "Stack with id X does not exist" / "Resource X does not exist for stack Y".
    if (code(e) === 'ValidationError' && /does not exist/i.test(String((e as Error).message))) {
      return undefined;
    }
    throw classify(e, aws.settings, await aws.endpointOf(cfn));
  }
}

/** A resource of this app whose stack is not deployed yet: nothing to check before the deploy. */
const deploys = (app: AppResource): Outcome => ({
  status: 'deploys',
  message: `created by this app, stack ${app.stack}: not deployed yet (CloudFormation has no ${app.logicalId} in stack ${app.stackName}${app.account ? ` of ${app.account}` : ''}${app.region ? ` in ${app.region}` : ''}); checked live once that stack is deployed`,
});

async function outcomeOf(aws: AwsSession, check: Check, owned: OwnedResource[]): Promise<Outcome> {
  const identity = await aws.identity();
  // A resource of this app, in the account and Region the check looks in (stacks without an environment: the caller's).
  const ownedOne = (kind: OwnedResource['kind'], name: string, region?: string) => owned.find(o => o.kind === kind && o.name === name
    && (o.account ?? identity.account) === check.account && (region === undefined || (o.region ?? identity.region) === region));
  switch (check.kind) {
    case 'key': {
      const alias = /:(alias\/.+)$/.exec(check.keyId)?.[1];
      const app = check.app ?? (check.ownedByApp && alias ? ownedOne('alias', alias, check.keyRegion) : undefined);
      if (!app) {
        return keyOutcome(aws, check);
      }
      const id = await deployedId(aws, app);
      if (id === undefined) {
        return deploys(app);
      }
      const appRegion = app.region ?? identity.region;
      if (appRegion !== check.keyRegion) {
        return fail(`is a key of stack ${app.stack} in ${appRegion}, but it encrypts copies in ${check.keyRegion}.`, `pass a key of a stack of ${check.keyRegion}`);
      }
      // The physical ID of a key is its key ID, that of an alias its name.
      return keyOutcome(aws, { ...check, keyId: check.app ? id : check.keyId });
    }
    case 'cross-account-role': {
      const app = ownedOne('role', CROSS_ACCOUNT_ROLE);
      if (app && await deployedId(aws, app) === undefined) {
        return deploys(app);
      }
      const stackSets = owned.filter(o => o.kind === 'role-stack-set' && o.stackSet);
      return app || stackSets.length === 0 ? roleOutcome(aws, check) : stackSetRoleOutcome(aws, check, stackSets);
    }
    case 'ecr-repository': {
      const app = check.app ?? ownedOne('repository', check.repositoryName, check.region);
      if (!app) {
        return repositoryOutcome(aws, check);
      }
      const name = await deployedId(aws, app);
      // The physical ID of a repository is its name.
      return name === undefined ? deploys(app) : repositoryOutcome(aws, { ...check, repositoryName: name });
    }
    case 'lifecycle-role': {
      const app = ownedOne('role', LIFECYCLE_ROLE_NAME);
      if (app && await deployedId(aws, app) === undefined) {
        return deploys(app);
      }
      return lifecycleRoleOutcome(aws, check);
    }
    case 'deployed-by-app': return { status: 'deploys', message: `created by this app, stack ${check.stack}: ${check.reason}` };
    case 'launch-template': return launchTemplateOutcome(aws, check);
    case 'ssm-parameter': return parameterOutcome(aws, check);
    case 'organization': return organizationOutcome(aws, check);
    case 'organizational-unit': return organizationalUnitOutcome(aws, check);
    case 'key-access-unit': return keyAccessUnitOutcome(aws, check);
    case 'not-checkable': return { status: 'unchecked', message: `not checkable: ${check.reason}`, fix: check.fix };
    case 'ami-block-public-access':
    case 'ebs-encryption-default':
    case 'region-opt-in':
    case 'allowed-images':
    case 'fast-launch-template':
      return accountSettingOutcome(aws, check);
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
    metadata = required<any>(await aws.send<any>(kms, new DescribeKeyCommand({ KeyId: check.keyId })), 'KeyMetadata', 'kms:DescribeKey', isObject);
  } catch (e) {
    if (code(e) === 'NotFoundException') {
      return fail(`does not exist in account ${check.account}, Region ${check.keyRegion} (${check.uses.join(', ')}): "The specified keyId is invalid" at distribution.`,
        `create the key (or the alias) in ${check.keyRegion}, or pass the ARN of a key of that Region`, { notFound: true });
    }
    throw e;
  }
  const keyRegion = required<string>(metadata, 'Arn', 'kms:DescribeKey', isString).split(':')[3];
  required(metadata, 'KeyState', 'kms:DescribeKey', isString);
  if (keyRegion !== check.keyRegion) {
    return fail(`is a key of ${keyRegion}, but it encrypts copies in ${check.keyRegion}.`, `pass a key of ${check.keyRegion}`);
  }
  if (metadata.KeyState !== 'Enabled') {
    return fail(`is ${metadata.KeyState}, so EBS cannot encrypt with it.`, 'enable the key (kms:EnableKey), or cancel its deletion, or pass another key');
  }
  // KMS's defaults, when an answer leaves them out.
  const spec = metadata.KeySpec ?? 'SYMMETRIC_DEFAULT';
  const usage = metadata.KeyUsage ?? 'ENCRYPT_DECRYPT';
  // Without KeyManager, whether other accounts can use the key is unknown: never a pass.
  if (check.sharedOutsideOwner) {
    required(metadata, 'KeyManager', 'kms:DescribeKey', isString);
  }
  if (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT') {
    return fail(`is a ${spec} key for ${usage}; EBS encrypts snapshots only with symmetric encryption keys.`, 'pass a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)');
  }
  if (metadata.KeyManager === 'AWS' && check.sharedOutsideOwner) {
    return fail('is an AWS managed key, which cannot be shared with other accounts, but other accounts use the AMI it encrypts.', 'use a customer managed key');
  }
  if (check.ownedByApp) {
    return pass(`${metadata.KeyState} symmetric key of ${keyRegion}, deployed by this app (its policy is the library's)`);
  }
  if (check.required.length === 0) {
    return pass(`${metadata.KeyState} symmetric key; only its own account uses it`);
  }
  const policy = required<string>(await aws.send<any>(kms, new GetKeyPolicyCommand({ KeyId: metadata.Arn, PolicyName: 'default' })), 'Policy', 'kms:GetKeyPolicy', isString);
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    throw incomplete('kms:GetKeyPolicy', 'Policy that is JSON');
  }
  const coverage = keyPolicyCoverage(document, check.required, metadata.Arn);
  if (coverage.missing.length > 0) {
    const denied = coverage.deniedBy.length > 0 ? ` (denied by ${coverage.deniedBy.join(', ')})` : '';
    return fail(`its policy does not grant ${coverage.missing.length} of the ${check.required.length} statements its consumers need${denied} (${check.uses.join(', ')}).`,
      `add the missing statements to the key policy${denied ? ' and narrow the deny' : ''} (requiredKeyPolicy() returns them all)`,
      { missingStatements: coverage.missing });
  }
  return pass(`enabled symmetric key; its policy grants the ${check.required.length} statements its consumers need`);
}

/** A policy document as IAM returns it (URL-encoded JSON), parsed; undefined when it is not JSON. */
function policyDocument(raw: string | undefined): unknown {
  for (const text of [raw ?? '{}', (() => {
    try {
      return decodeURIComponent(raw ?? '{}');
    } catch {
      return '';
    }
  })()]) {
    try {
      return JSON.parse(text);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** The KMS actions Image Builder's copy in a target account makes with the role, as key-actions.ts lists them; `kms:ReEncrypt*` as its two actions. */
const ROLE_KMS_ACTIONS = [...COPY_ACTIONS.flatMap(a => (a === 'kms:ReEncrypt*' ? ['kms:ReEncryptFrom', 'kms:ReEncryptTo'] : [a])), ...GRANT_ACTIONS];

/**
 * The role Image Builder assumes in a target account: named `EC2ImageBuilderDistributionCrossAccountRole`,
 * trusting the distribution account (its trust policy evaluated with Deny statements and conditions, for the
 * request Image Builder's service-linked role makes), with the `Ec2ImageBuilderCrossAccountDistributionAccess`
 * managed policy, and permission policies that let it use the KMS key of each Region that copies into the account.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */
async function roleOutcome(aws: AwsSession, check: Extract<Check, { kind: 'cross-account-role' }>): Promise<Outcome> {
  const iam = await aws.client(IAMClient, check.account);
  const deploy = `deploy CrossAccountDistributionRole (sourceAccounts: ['${check.sourceAccount}']) in account ${check.account}`;
  let role;
  try {
    role = required<any>(await aws.send<any>(iam, new GetRoleCommand({ RoleName: CROSS_ACCOUNT_ROLE })), 'Role', 'iam:GetRole', isObject);
    required(role, 'Arn', 'iam:GetRole', isString);
    required(role, 'AssumeRolePolicyDocument', 'iam:GetRole', isString);
  } catch (e) {
    if (code(e) === 'NoSuchEntity' || code(e) === 'NoSuchEntityException') {
      return fail(`does not exist in target account ${check.account}: the copy fails with AccessDenied on sts:AssumeRole.`, deploy, { notFound: true });
    }
    throw e;
  }
  const identity = await aws.identity();
  const serviceRole = imageBuilderServiceRole(check.sourceAccount, identity.partition);
  const trust = evaluate([policyDocument(role.AssumeRolePolicyDocument)], trustRequest(check.sourceAccount, identity.partition));
  if (trust.verdict === 'denied') {
    return trust.because.length > 0
      ? fail(`exists in ${check.account}, but its trust policy denies sts:AssumeRole to Image Builder of ${check.sourceAccount} (${trust.because.join(', ')}): the copy fails with AccessDenied.`,
        `narrow the Deny statement${trust.because.length === 1 ? '' : 's'} of the role's trust policy so that they leave out ${serviceRole}`)
      : fail(`exists in ${check.account} but does not trust the distribution account ${check.sourceAccount}: sts:AssumeRole is denied.`,
        `add ${check.sourceAccount} to the role's trust policy (sts:AssumeRole), or ${deploy}`);
  }
  if (trust.verdict === 'unknown') {
    return {
      status: 'unchecked',
      message: `cannot confirm that it trusts ${check.sourceAccount}: the trust policy's verdict depends on what the preflight cannot evaluate: ${trust.because.join('; ')}.`,
      fix: `check that ${serviceRole} meets these conditions, or trust the account without them (CrossAccountDistributionRole does)`,
    };
  }
  // Pipelines with an execution role distribute as that role: the trust policy must allow it too (the same request).
  const executionRoles = check.executionRoles ?? [];
  const trustPolicy = policyDocument(role.AssumeRolePolicyDocument);
  const untrusted = executionRoles.map(arn => ({ arn, trust: evaluate([trustPolicy], trustRequest(check.sourceAccount, identity.partition, arn)) }));
  const denied = untrusted.filter(u => u.trust.verdict === 'denied');
  if (denied.length > 0) {
    const arns = denied.map(u => u.arn);
    const because = [...new Set(denied.flatMap(u => u.trust.because))];
    return fail(`exists in ${check.account} and trusts Image Builder of ${check.sourceAccount}, but its trust policy ${because.length > 0 ? `denies (${because.join(', ')})` : 'does not allow'} sts:AssumeRole to the execution role${arns.length === 1 ? '' : 's'} ${arns.join(', ')} of the app's pipelines: their distribution into ${check.account} fails with AccessDenied.`,
      `add ${arns.join(', ')} to the executionRoles of the CrossAccountDistributionRole (or CrossAccountDistributionRoleStackSet) that deploys the role to ${check.account}, or set trustEntireSourceAccount: true; for a role made by hand, allow sts:AssumeRole to ${arns.length === 1 ? 'it' : 'them'} in its trust policy`);
  }
  const unsureTrust = untrusted.filter(u => u.trust.verdict === 'unknown');
  if (unsureTrust.length > 0) {
    return {
      status: 'unchecked',
      message: `cannot confirm that it trusts the execution role${unsureTrust.length === 1 ? '' : 's'} ${unsureTrust.map(u => u.arn).join(', ')}: the trust policy's verdict depends on what the preflight cannot evaluate: ${[...new Set(unsureTrust.flatMap(u => u.trust.because))].join('; ')}.`,
      fix: 'check that the execution roles meet these conditions, or name them in the executionRoles of the CrossAccountDistributionRole',
    };
  }
  const trusted = executionRoles.length > 0 ? `${check.sourceAccount} (and the execution role${executionRoles.length === 1 ? '' : 's'} ${executionRoles.join(', ')})` : check.sourceAccount;
  const attached: Array<{ PolicyName?: string; PolicyArn?: string }> = [];
  let marker: string | undefined;
  do {
    const page = await aws.send<any>(iam, new ListAttachedRolePoliciesCommand({ RoleName: CROSS_ACCOUNT_ROLE, Marker: marker }));
    attached.push(...required<any[]>(page, 'AttachedPolicies', 'iam:ListAttachedRolePolicies', isList));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  if (!attached.some(p => p.PolicyName === CROSS_ACCOUNT_POLICY)) {
    return fail(`exists in ${check.account} but lacks the AWS managed policy ${CROSS_ACCOUNT_POLICY}.`, `attach arn:${identity.partition}:iam::aws:policy/${CROSS_ACCOUNT_POLICY} to the role`);
  }
  const keys = check.keys.filter((k, i) => check.keys.findIndex(o => o.arn === k.arn && o.unknown === k.unknown) === i);
  if (keys.length === 0) {
    return pass(`trusts ${trusted} and has ${CROSS_ACCOUNT_POLICY}`);
  }
  const policies = await rolePolicies(aws, iam, attached);
  // A permissions boundary must allow the actions too.
  const boundaryArn: string | undefined = role.PermissionsBoundary?.PermissionsBoundaryArn;
  const boundary = boundaryArn ? await managedPolicy(aws, iam, boundaryArn) : undefined;
  const missing: Array<{ key: RoleKey; actions: string[]; deniedBy: string[] }> = [];
  const unsure: string[] = [];
  for (const listed of keys) {
    let key = listed;
    // A key of this app (by Ref or a cross-stack reference): its ARN once its stack is deployed; before that,
    // the role must allow the actions whatever the key's ID, or the check cannot confirm them.
    let pending: AppResource | undefined;
    if (key.arn === undefined && key.app) {
      const id = await deployedId(aws, key.app);
      const prefix = `arn:${identity.partition}:kms:${key.app.region ?? identity.region}:${key.app.account ?? check.sourceAccount}:`;
      pending = id === undefined ? key.app : undefined;
      key = { ...key, arn: id === undefined ? `${prefix}key/${UNKNOWN_KEY_ID}` : `${prefix}${key.app.type === 'AWS::KMS::Alias' ? id : `key/${id}`}` };
    }
    if (key.arn === undefined) {
      unsure.push(`the key of ${key.region} (${key.unknown}) is known only at deploy time`);
      continue;
    }
    const alias = /^(arn:[^:]+:kms:[^:]*:[0-9]*:)(alias\/.+)$/.exec(key.arn);
    const resource = alias ? `${alias[1]}key/${UNKNOWN_KEY_ID}` : key.arn;
    const lacking: string[] = [];
    const deniedBy = new Set<string>();
    for (const action of ROLE_KMS_ACTIONS) {
      const request = {
        principals: [],
        action,
        resource,
        context: {
          'aws:principalaccount': [check.account],
          'aws:principalarn': [role.Arn],
          ...(alias ? { 'kms:resourcealiases': [alias[2]] } : {}),
          ...(action === 'kms:CreateGrant' ? { 'kms:grantisforawsresource': ['true'] } : {}),
        },
      };
      const verdicts = [evaluate(policies, request), ...(boundary !== undefined ? [evaluate([boundary], request)] : [])];
      if (pending && verdicts.some(v => v.verdict !== 'allowed')) {
        unsure.push(`${action} on the key of ${key.region} (${pending.logicalId} of stack ${pending.stack}, not deployed yet): its policies do not allow it for every key ID, and the key's ARN is known once it is deployed`);
      } else if (verdicts.some(v => v.verdict === 'denied')) {
        lacking.push(action);
        verdicts.forEach(v => v.because.forEach(b => deniedBy.add(b)));
      } else if (verdicts.some(v => v.verdict === 'unknown')) {
        unsure.push(`${action} on ${key.arn}: ${verdicts.flatMap(v => v.because).join(', ')}`);
      }
    }
    if (lacking.length > 0) {
      missing.push({ key, actions: lacking, deniedBy: [...deniedBy] });
    }
  }
  if (missing.length > 0) {
    return fail(`trusts ${trusted}, but cannot use ${missing.map(m => `the key of ${m.key.region} (${m.key.arn}): lacks ${m.actions.join(', ')}${m.deniedBy.length > 0 ? `, denied by ${m.deniedBy.join(', ')}` : ''}`).join('; ')}. The copy into ${check.account} fails.`,
      'add the statements below to the role\'s policies (CrossAccountDistributionRole with keys: [...] writes them), and narrow any Deny',
      {
        missingStatements: missing.map(m => ({
          Effect: 'Allow',
          Action: m.actions,
          Resource: m.key.arn,
          ...(m.actions.length === 1 && m.actions[0] === 'kms:CreateGrant' ? { Condition: GRANT_FOR_AWS_RESOURCE } : {}),
        })),
      });
  }
  if (unsure.length > 0) {
    return {
      status: 'unchecked',
      message: `trusts ${trusted} and has ${CROSS_ACCOUNT_POLICY}, but cannot confirm its KMS permissions: ${unsure.join('; ')}.`,
      fix: 'grant the role the KMS actions on the key ARNs without conditions the preflight cannot evaluate (CrossAccountDistributionRole with keys: [...] does)',
    };
  }
  return pass(`trusts ${trusted}, has ${CROSS_ACCOUNT_POLICY}, and may use the key${keys.length === 1 ? '' : 's'} of ${keys.map(k => k.region).join(', ')}`);
}

/**
 * The role of a target account that StackSets of this app (`CrossAccountDistributionRoleStackSet`) may deploy: the
 * first whose OUs are above the account (organizations:ListParents, by the caller) makes it "role from StackSet X".
 * Until the StackSet's stack is deployed, that is DEPLOYS, as for the app's other resources; then the role is checked
 * live. An account no StackSet covers needs the role by other means; when coverage cannot be read, a missing role
 * is unchecked, never passed.
 */
async function stackSetRoleOutcome(aws: AwsSession, check: Extract<Check, { kind: 'cross-account-role' }>, stackSets: OwnedResource[]): Promise<Outcome> {
  const literalUnits = (s: OwnedResource) => {
    const units = s.stackSet!.organizationalUnitIds;
    return Array.isArray(units) && units.every(u => typeof u === 'string') ? units as string[] : undefined;
  };
  const names = stackSets.map(s => s.name).join(', ');
  let covering: { stackSet: OwnedResource; unit: string } | undefined;
  let management = false;
  let unknown: { message: string; fix?: string } | undefined;
  const unreadable = stackSets.filter(s => !literalUnits(s));
  try {
    const readable = stackSets.filter(s => literalUnits(s));
    const found = await coveringUnit(aws, check.account, readable.map(s => literalUnits(s)!));
    management = found === 'management';
    covering = found && found !== 'management' ? { stackSet: readable[found.index], unit: found.unit } : undefined;
  } catch (e) {
    unknown = classify(e, aws.settings);
  }
  if (!covering && !unknown && unreadable.length > 0) {
    unknown = {
      message: `the OUs of StackSet ${unreadable.map(s => s.name).join(', ')} are known only at deploy time`,
      fix: 'pass the OU IDs as literals to CrossAccountDistributionRoleStackSet',
    };
  }
  if (covering) {
    const { stackSet, unit } = covering;
    const record = stackSet.stackSet!;
    const named = `role from StackSet ${stackSet.name} (${unit}, stack ${stackSet.stack})`;
    const lacking = keysMissingFromStackSet(record, check.keys);
    if (lacking.length > 0) {
      return stackSetKeysOutcome(named, stackSet, check, lacking);
    }
    if (await deployedId(aws, stackSet) === undefined) {
      if (!record.sourceAccounts.includes(check.sourceAccount)) {
        return fail(`${named}: the StackSet's role does not trust the distribution account ${check.sourceAccount}, so the copy will fail with AccessDenied on sts:AssumeRole.`,
          `add '${check.sourceAccount}' to the sourceAccounts of StackSet ${stackSet.name}`);
      }
      // A role the account has already (deployed by hand, or by a stack per account) makes its stack instance fail.
      // Only a finding when the account can be read: what this app deploys is not checked before it is deployed.
      const existing = await roleOutcome(aws, check).catch(() => undefined);
      if (existing && !existing.notFound) {
        return fail(`${named}: the account has ${CROSS_ACCOUNT_ROLE} already, so the StackSet's stack instance in it will fail with the name taken.`,
          `delete the role (or the stack that made it) in ${check.account} before the StackSet is deployed`);
      }
      const d = deploys(stackSet);
      return { ...d, message: `${named}: ${d.message}` };
    }
    const outcome = await roleOutcome(aws, check);
    if (outcome.notFound) {
      return fail(`${named}: the StackSet is deployed, but the role does not exist in ${check.account}: its stack instance failed or is not created yet, and the copy fails with AccessDenied on sts:AssumeRole.`,
        `read the status reason of the account's stack instance (aws cloudformation list-stack-instances --stack-set-name ${stackSet.name} --stack-instance-account ${check.account} --call-as ${record.callAs}) and fix it`,
        { notFound: true });
    }
    return { ...outcome, message: `${named}: ${outcome.message}` };
  }
  const outcome = await roleOutcome(aws, check);
  if (outcome.notFound && unknown) {
    return {
      status: 'unchecked',
      message: `does not exist in target account ${check.account}, and whether StackSet ${names} deploys it there cannot be known: ${unknown.message}`,
      fix: unknown.fix,
    };
  }
  if (outcome.notFound) {
    const other = management
      ? ` (the organization's management account: StackSet ${names} never deploys to it)`
      : `, or move the account into an OU of StackSet ${names}`;
    return { ...outcome, fix: `${outcome.fix}${other}` };
  }
  return outcome;
}

/** The role a StackSet of this app deploys to the account lacks the key of some Regions that copy into it. */
function stackSetKeysOutcome(named: string, stackSet: OwnedResource, check: Extract<Check, { kind: 'cross-account-role' }>, lacking: RoleKey[]): Outcome {
  const regions = [...new Set(lacking.map(k => k.region))];
  return fail(`${named}: the StackSet's keys leave out ${lacking.map(k => `the key of Region ${k.region} (${roleKeyName(k)})`).join(', ')}, so every copy into ${check.account} in ${regions.join(', ')} fails with AccessDenied on the key.`,
    `add ${lacking.map(roleKeyName).join(', ')} to the keys of StackSet ${stackSet.name} (CrossAccountDistributionRoleStackSet keys: [...])`);
}

/** The permission policies of the role: inline and attached (their default versions). */
async function rolePolicies(aws: AwsSession, iam: IAMClient, attached: Array<{ PolicyArn?: string }>): Promise<unknown[]> {
  const documents: unknown[] = [];
  let marker: string | undefined;
  do {
    const page = await aws.send<any>(iam, new ListRolePoliciesCommand({ RoleName: CROSS_ACCOUNT_ROLE, Marker: marker }));
    for (const name of required<string[]>(page, 'PolicyNames', 'iam:ListRolePolicies', isList)) {
      const inline = await aws.send<any>(iam, new GetRolePolicyCommand({ RoleName: CROSS_ACCOUNT_ROLE, PolicyName: name }));
      documents.push(policyDocument(required<string>(inline, 'PolicyDocument', 'iam:GetRolePolicy', isString)));
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  for (const policy of attached) {
    if (policy.PolicyArn) {
      documents.push(await managedPolicy(aws, iam, policy.PolicyArn));
    }
  }
  return documents;
}

async function managedPolicy(aws: AwsSession, iam: IAMClient, arn: string): Promise<unknown> {
  const versionId = required<string>(await aws.send<any>(iam, new GetPolicyCommand({ PolicyArn: arn })), 'Policy.DefaultVersionId', 'iam:GetPolicy', isString);
  const version = await aws.send<any>(iam, new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }));
  return policyDocument(required<string>(version, 'PolicyVersion.Document', 'iam:GetPolicyVersion', isString));
}

/**
 * The role a lifecycle policy of the source account assumes in a target account to retire the copies there:
 * `Ec2ImageBuilderCrossAccountLifecycleAccess`, with the AWS managed policy `EC2ImageBuilderLifecycleExecutionPolicy`,
 * trusting Image Builder (`imagebuilder.amazonaws.com`) for images of the source account (`aws:SourceAccount`,
 * `aws:SourceArn`). Without it the policy leaves the copies in that account alone.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html
 */
async function lifecycleRoleOutcome(aws: AwsSession, check: Extract<Check, { kind: 'lifecycle-role' }>): Promise<Outcome> {
  const iam = await aws.client(IAMClient, check.account);
  const policies = `lifecycle polic${check.policies.length === 1 ? 'y' : 'ies'} ${check.policies.join(', ')}`;
  const deploy = `set lifecycle: true on the CrossAccountDistributionRole (or CrossAccountDistributionRoleStackSet) that deploys the distribution role to ${check.account} (sourceAccounts: ['${check.sourceAccount}'])`;
  let role;
  try {
    role = required<any>(await aws.send<any>(iam, new GetRoleCommand({ RoleName: LIFECYCLE_ROLE_NAME })), 'Role', 'iam:GetRole', isObject);
    required(role, 'AssumeRolePolicyDocument', 'iam:GetRole', isString);
  } catch (e) {
    if (code(e) === 'NoSuchEntity' || code(e) === 'NoSuchEntityException') {
      return fail(`does not exist in target account ${check.account}: the ${policies} of ${check.sourceAccount} cannot deprecate, disable or delete the copies distributed into ${check.account}.`, deploy, { notFound: true });
    }
    throw e;
  }
  const identity = await aws.identity();
  const request = lifecycleTrustRequest(check.sourceAccount, identity.partition, identity.region);
  const trust = evaluate([policyDocument(role.AssumeRolePolicyDocument)], request);
  if (trust.verdict === 'denied') {
    return fail(`exists in ${check.account}, but its trust policy ${trust.because.length > 0 ? `denies (${trust.because.join(', ')})` : 'does not allow'} sts:AssumeRole to imagebuilder.amazonaws.com for images of ${check.sourceAccount} (aws:SourceAccount ${check.sourceAccount}, aws:SourceArn an image ARN of it): the ${policies} leave the copies in ${check.account} alone.`,
      `trust imagebuilder.amazonaws.com with StringEquals aws:SourceAccount ${check.sourceAccount} and ArnLike aws:SourceArn arn:${identity.partition}:imagebuilder:*:*:image/*/*/* (${deploy.replace(/^set/, 'setting')} writes it)`);
  }
  if (trust.verdict === 'unknown') {
    return {
      status: 'unchecked',
      message: `cannot confirm that it trusts Image Builder for images of ${check.sourceAccount}: the trust policy's verdict depends on what the preflight cannot evaluate: ${trust.because.join('; ')}.`,
      fix: 'trust imagebuilder.amazonaws.com with aws:SourceAccount and aws:SourceArn conditions only (lifecycle: true on CrossAccountDistributionRole writes such a trust)',
    };
  }
  const attached: Array<{ PolicyName?: string; PolicyArn?: string }> = [];
  let marker: string | undefined;
  do {
    const page = await aws.send<any>(iam, new ListAttachedRolePoliciesCommand({ RoleName: LIFECYCLE_ROLE_NAME, Marker: marker }));
    attached.push(...required<any[]>(page, 'AttachedPolicies', 'iam:ListAttachedRolePolicies', isList));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const policyName = LIFECYCLE_MANAGED_POLICY.split('/').pop()!;
  if (!attached.some(p => p.PolicyName === policyName)) {
    const why = `the ${policies} cannot act on the copies there`;
    return fail(`exists in ${check.account} but lacks the AWS managed policy ${policyName}: ${why}.`,
      `attach arn:${identity.partition}:iam::aws:policy/${LIFECYCLE_MANAGED_POLICY} to the role`);
  }
  return pass(`trusts Image Builder for images of ${check.sourceAccount} and has ${policyName}`);
}

/** A launch template Image Builder updates must exist in its account and Region. */
async function launchTemplateOutcome(aws: AwsSession, check: Extract<Check, { kind: 'launch-template' }>): Promise<Outcome> {
  const ec2 = await aws.client(EC2Client, check.account, check.region);
  try {
    const found = await aws.send<any>(ec2, new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [check.launchTemplateId] }));
    if (required<unknown[]>(found, 'LaunchTemplates', 'ec2:DescribeLaunchTemplates', isList).length > 0) {
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
    const found = await aws.send<any>(ecr, new DescribeRepositoriesCommand({ repositoryNames: [check.repositoryName] }));
    // An answer that does not list the repository does not say it exists.
    if (!required<any[]>(found, 'repositories', 'ecr:DescribeRepositories', isList).some(r => r?.repositoryName === check.repositoryName)) {
      throw incomplete('ecr:DescribeRepositories', `repository ${check.repositoryName} in repositories`);
    }
    return pass('exists');
  } catch (e) {
    if (code(e) === 'RepositoryNotFoundException') {
      return fail(`does not exist in account ${check.account}, Region ${check.region}.`, `create the repository in ${check.region} (ecr.Repository in a stack of that Region)`, { notFound: true });
    }
    throw e;
  }
}

/** An existing SSM parameter is overwritten with the AMI ID: its data type must be the configured one. */
async function parameterOutcome(aws: AwsSession, check: Extract<Check, { kind: 'ssm-parameter' }>): Promise<Outcome> {
  const ssm = await aws.client(SSMClient, check.account, check.region);
  try {
    const parameter = required<any>(await aws.send<any>(ssm, new GetParameterCommand({ Name: check.parameterName })), 'Parameter', 'ssm:GetParameter', isObject);
    // SSM's documented default: "The default is text" (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Parameter.html).
    const dataType = parameter.DataType ?? 'text';
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
    return required<string>(await aws.send<any>(organizations, new DescribeOrganizationCommand({})), 'Organization.Arn', 'organizations:DescribeOrganization', isString);
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
    const found = await aws.send<any>(organizations, new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: check.organizationalUnitArn.split('/').pop() }));
    required(found, 'OrganizationalUnit', 'organizations:DescribeOrganizationalUnit', isObject);
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
