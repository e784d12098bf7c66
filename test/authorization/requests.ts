import { AWS_SERVICE_ROLE_FOR_IMAGE_BUILDER_KMS_AND_STS } from './aws-managed-policies';
import { ALLOW_ALL, Request } from './evaluate';
import { executionRoleCatalogue } from './execution-role';
import { DeployedRole } from './resolve';
import { EXECUTION_ROLE, KeySpec, ORG_A, ORG_B, OU_A1, OU_A2, TARGET_ORG_PATH, Topology, keysOfTarget, targetAccountsOf } from './topology';

/*
 * The request catalogue: the requests AWS makes when Image Builder copies an AMI into a target account,
 * when the distribution account's Image Builder uses a key of another account, when a consumer launches
 * an instance (directly or through EC2 Auto Scaling), and the same requests by callers who must be denied.
 * Each kind cites the page it comes from. Who needs which key is decided here from the topology's data.
 */

/** A key as deployed: its ARN, account, Region, aliases and policy. */
export interface KeyView {
  readonly spec: KeySpec;
  readonly arn: string;
  readonly policy: any;
  readonly aliases: string[];
}

export interface CatalogueRequest extends Request {
  /** What the request is, in words. */
  readonly description: string;
  /** The AWS page that documents the request. */
  readonly source: string;
  readonly expected: 'allow' | 'deny';
}

const PAGES = {
  crossAccount: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html',
  ebsEncryption: 'https://docs.aws.amazon.com/ebs/latest/userguide/how-ebs-encryption-works.html',
  sharedEncryptedAmi: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html',
  organizations: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/share-amis-with-organizations-and-OUs.html',
  autoScaling: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html',
  serviceLinkedRole: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-service-linked-role.html',
  tagOnCreate: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html',
  grantIsForAwsResource: 'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource',
  globalConditionKeys: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html',
  principalArn: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn',
  executionRoleTrust: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderExecutionPolicy.html',
};

/** Members of organizations and OUs, with the `aws:PrincipalOrgPaths` AWS sets for them. */
const ORG_MEMBERS = {
  /** An account of organization A outside both named OUs. */
  orgA: { account: '505050505050', org: ORG_A, path: `${ORG_A}/r-ab12/ou-aaaa-99999999/` },
  /** An account of OU A1. */
  ouA1: { account: '606060606060', org: ORG_A, path: `${ORG_A}/r-ab12/${OU_A1}/` },
  /** An account of an OU below OU A2. */
  belowOuA2: { account: '676767676767', org: ORG_A, path: `${ORG_A}/r-ab12/${OU_A2}/ou-aaaa-33333333/` },
  /** An account of organization B. */
  orgB: { account: '707070707070', org: ORG_B, path: `${ORG_B}/r-cd34/ou-bbbb-11111111/` },
};
const memberOf = (org: string) => (org === ORG_A ? ORG_MEMBERS.orgA : ORG_MEMBERS.orgB);

/** An account of no organization that no distribution names. */
const OUTSIDER = '888888888888';

const EBS_CONTEXT_KEYS = { 'kms:EncryptionContextKeys': ['aws:ebs:id'] };
const AUTO_SCALING_OPERATIONS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'];

interface Caller {
  readonly principal: string;
  readonly principalArn: string;
  readonly account: string;
  readonly org?: string;
  readonly path?: string;
  readonly identityPolicies: Array<{ name: string; policy: any }>;
}

const consumer = (account: string, org?: { org: string; path: string }): Caller => ({
  principal: `arn:aws:iam::${account}:role/Launcher`,
  principalArn: `arn:aws:iam::${account}:role/Launcher`,
  account,
  org: org?.org,
  path: org?.path,
  identityPolicies: [ALLOW_ALL],
});

/** A KMS request of `caller` on `key`, made through EC2 in the key's Region (as EBS makes them). */
function kmsRequest(caller: Caller, key: KeyView, action: string, extra: Record<string, string | string[]> = {}): Request {
  const context: Record<string, string | string[]> = {
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalArn': caller.principalArn,
    'kms:CallerAccount': caller.account,
    'kms:ViaService': `ec2.${key.spec.region}.amazonaws.com`,
    ...(caller.org ? { 'aws:PrincipalOrgID': caller.org, 'aws:PrincipalOrgPaths': [caller.path!] } : {}),
    ...(key.aliases.length > 0 ? { 'kms:ResourceAliases': key.aliases } : {}),
    ...(action === 'kms:DescribeKey' || action === 'kms:CreateGrant' ? {} : EBS_CONTEXT_KEYS),
    ...(action === 'kms:CreateGrant' ? { 'kms:GrantIsForAWSResource': 'true' } : {}),
    ...extra,
  };
  return {
    principal: caller.principal,
    action,
    resource: key.arn,
    resourceAccount: key.spec.account,
    context,
    identityPolicies: caller.identityPolicies,
    resourcePolicy: key.policy,
  };
}

/** What copying an AMI with a key asks of the source (read) and destination (write) key. */
const READ_ACTIONS = ['kms:DescribeKey', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant'];
const WRITE_ACTIONS = ['kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptTo', 'kms:Encrypt', 'kms:CreateGrant'];
/** What launching an instance from an encrypted AMI asks of each of its keys. */
const LAUNCH_ACTIONS = ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom'];

/** Who needs a key, by the documented flow (not by what the library writes). */
export function needsKey(t: Topology, account: string, keyId: string): boolean {
  const build = t.regions.find(r => r.region === t.buildRegion);
  return t.regions.some(r => r.key === keyId && [...(r.targets ?? []), ...(r.launchAccounts ?? [])].includes(account))
    || (t.sourceKey === keyId && (targetAccountsOf(t).includes(account) || (build?.launchAccounts ?? []).includes(account)));
}

/** The keys an AMI launched in a Region is encrypted with: the Region's key, and the source key in the build Region. */
function launchKeys(t: Topology, regionName: string): string[] {
  const region = t.regions.find(r => r.region === regionName)!;
  return [...new Set([...(region.key ? [region.key] : []), ...(regionName === t.buildRegion && t.sourceKey ? [t.sourceKey] : [])])];
}

export function catalogue(t: Topology, keys: Map<string, KeyView>, roles: DeployedRole[]): CatalogueRequest[] {
  const requests: CatalogueRequest[] = [];
  const add = (description: string, source: string, expected: 'allow' | 'deny', request: Request) => requests.push({ description, source, expected, ...request });
  const key = (id: string) => keys.get(id)!;
  const roleOf = (account: string) => {
    const role = roles.find(r => r.account === account && r.name === 'EC2ImageBuilderDistributionCrossAccountRole');
    if (!role) {
      throw new Error(`no cross-account role in account ${account}`);
    }
    return role;
  };

  // Copies into target accounts: Image Builder assumes the role in the target account, then reads the
  // source AMI and writes the copy through EC2 with that role's session.
  for (const account of targetAccountsOf(t)) {
    const role = roleOf(account);
    add(`Image Builder of ${t.distributionAccount} assumes the role in target account ${account}`, PAGES.crossAccount, 'allow', {
      principal: `arn:aws:iam::${t.distributionAccount}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`,
      action: 'sts:AssumeRole',
      resource: role.arn,
      resourceAccount: account,
      context: { 'aws:PrincipalAccount': t.distributionAccount, 'aws:PrincipalArn': `arn:aws:iam::${t.distributionAccount}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder` },
      identityPolicies: [{ name: 'AWSServiceRoleForImageBuilder', policy: AWS_SERVICE_ROLE_FOR_IMAGE_BUILDER_KMS_AND_STS }],
      resourcePolicy: role.trustPolicy,
    });
    add(`Image Builder of an outsider account ${OUTSIDER} assumes the role in target account ${account}`, PAGES.crossAccount, 'deny', {
      principal: `arn:aws:iam::${OUTSIDER}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`,
      action: 'sts:AssumeRole',
      resource: role.arn,
      resourceAccount: account,
      context: { 'aws:PrincipalAccount': OUTSIDER, 'aws:PrincipalArn': `arn:aws:iam::${OUTSIDER}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder` },
      identityPolicies: [{ name: 'AWSServiceRoleForImageBuilder', policy: AWS_SERVICE_ROLE_FOR_IMAGE_BUILDER_KMS_AND_STS }],
      resourcePolicy: role.trustPolicy,
    });

    // The role trusts the source account for Image Builder's service-linked role and the execution role only.
    const sourceRole = (name: string, from = t.distributionAccount): Request => ({
      principal: `arn:aws:sts::${from}:assumed-role/${name}/session`,
      action: 'sts:AssumeRole',
      resource: role.arn,
      resourceAccount: account,
      context: { 'aws:PrincipalAccount': from, 'aws:PrincipalArn': `arn:aws:iam::${from}:role/${name}` },
      identityPolicies: [ALLOW_ALL],
      resourcePolicy: role.trustPolicy,
    });
    add(`the execution role ${EXECUTION_ROLE} of ${t.distributionAccount} assumes the role in target account ${account}`, PAGES.executionRoleTrust, 'allow', sourceRole(EXECUTION_ROLE));
    add(`another role (Admin) of ${t.distributionAccount}, allowed sts:AssumeRole by its own policy, assumes the role in target account ${account}`,
      PAGES.principalArn, 'deny', sourceRole('Admin'));
    add(`a role of ${t.distributionAccount} with the service-linked role's name at the root path assumes the role in target account ${account}`,
      PAGES.principalArn, 'deny', sourceRole('AWSServiceRoleForImageBuilder'));
    add(`a role named ${EXECUTION_ROLE} in an outsider account ${OUTSIDER} assumes the role in target account ${account}`,
      PAGES.principalArn, 'deny', sourceRole(EXECUTION_ROLE, OUTSIDER));

    const session: Caller = {
      principal: `arn:aws:sts::${account}:assumed-role/${role.name}/ImageBuilderDistribution`,
      principalArn: role.arn,
      account,
      // AWS sets the organization keys of every principal of a member account.
      ...(t.organizationAccess ? { org: ORG_A, path: TARGET_ORG_PATH } : {}),
      identityPolicies: role.identityPolicies,
    };
    for (const region of t.regions.filter(r => (r.targets ?? []).includes(account))) {
      if (t.sourceKey) {
        for (const action of READ_ACTIONS) {
          add(`target ${account}'s role reads the source AMI for its copy in ${region.region}: ${action} on the source key`, PAGES.crossAccount, 'allow', kmsRequest(session, key(t.sourceKey), action));
        }
      }
      if (region.key) {
        for (const action of WRITE_ACTIONS) {
          add(`target ${account}'s role writes its copy in ${region.region}: ${action} on the key of ${region.region}`, PAGES.crossAccount, 'allow', kmsRequest(session, key(region.key), action));
        }
      }
    }
    for (const other of t.keys.filter(k => !keysOfTarget(t, account).includes(k.id))) {
      add(`target ${account}'s role uses a key it copies nothing with (${other.id})`, PAGES.crossAccount, 'deny', kmsRequest(session, key(other.id), 'kms:Decrypt'));
    }
    if (t.launchTemplateUpdates) {
      const template = `arn:aws:ec2:${t.buildRegion}:${account}:launch-template/lt-0123456789abcdef0`;
      const ec2 = (action: string, tags: Record<string, string | string[]>): Request => ({
        principal: session.principal,
        action,
        resource: template,
        resourceAccount: account,
        context: { 'aws:PrincipalAccount': account, 'aws:PrincipalArn': role.arn, ...tags },
        identityPolicies: role.identityPolicies,
      });
      add(`target ${account}'s role adds a version to a launch template tagged for Image Builder`, PAGES.crossAccount, 'allow', ec2('ec2:CreateLaunchTemplateVersion', { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' }));
      add(`target ${account}'s role makes that version the default`, PAGES.crossAccount, 'allow', ec2('ec2:ModifyLaunchTemplate', { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' }));
      add(`target ${account}'s role tags a launch template tagged for Image Builder`, PAGES.crossAccount, 'allow',
        ec2('ec2:CreateTags', { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:TagKeys': ['CreatedBy'], 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' }));
      add(`target ${account}'s role tags a launch template for Image Builder as it is created`, PAGES.tagOnCreate, 'allow',
        ec2('ec2:CreateTags', { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:TagKeys': ['CreatedBy'], 'ec2:CreateAction': 'CreateLaunchTemplate' }));
      add(`target ${account}'s role changes a launch template not tagged for Image Builder`, PAGES.crossAccount, 'deny', ec2('ec2:CreateLaunchTemplateVersion', { 'aws:ResourceTag/CreatedBy': 'someone else' }));
      add(`target ${account}'s role puts another tag on a launch template`, PAGES.crossAccount, 'deny', ec2('ec2:CreateTags', { 'aws:RequestTag/CreatedBy': 'someone else', 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' }));
      // Taking over a template: tag an existing, untagged template for Image Builder, then add a version to it.
      add(`target ${account}'s role tags an existing, untagged launch template for Image Builder`, PAGES.tagOnCreate, 'deny',
        ec2('ec2:CreateTags', { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:TagKeys': ['CreatedBy'] }));
      add(`target ${account}'s role tags an existing launch template tagged otherwise for Image Builder`, PAGES.tagOnCreate, 'deny',
        ec2('ec2:CreateTags', { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:TagKeys': ['CreatedBy'], 'aws:ResourceTag/CreatedBy': 'someone else' }));
      add(`target ${account}'s role then adds a version to that template, still untagged`, PAGES.crossAccount, 'deny', ec2('ec2:CreateLaunchTemplateVersion', {}));
      add(`target ${account}'s role then makes a version of that template the default`, PAGES.crossAccount, 'deny', ec2('ec2:ModifyLaunchTemplate', {}));
    }
  }

  // Organization-scoped access: the keys the target accounts copy with allow the Image Builder role of any account
  // of the organization (and OUs), and no other principal, whatever its account.
  if (t.organizationAccess) {
    const roleName = 'EC2ImageBuilderDistributionCrossAccountRole';
    const roleSession = (account: string, org?: { org: string; path: string }): Caller => ({
      principal: `arn:aws:sts::${account}:assumed-role/${roleName}/ImageBuilderDistribution`,
      principalArn: `arn:aws:iam::${account}:role/${roleName}`,
      account,
      org: org?.org,
      path: org?.path,
      identityPolicies: [ALLOW_ALL],
    });
    const target = targetAccountsOf(t)[0];
    const member = { org: ORG_A, path: TARGET_ORG_PATH };
    const regionKeys = t.regions.filter(r => (r.targets ?? []).length > 0 && r.key).map(r => r.key!);
    const copyKeys = [...new Set([...(t.sourceKey ? [t.sourceKey] : []), ...regionKeys])];
    const ous = t.organizationAccess.organizationalUnits ?? [];
    for (const keyId of copyKeys) {
      const write = t.regions.some(r => r.key === keyId && (r.targets ?? []).length > 0);
      const allowedActions = write ? ['kms:Decrypt', 'kms:Encrypt', 'kms:CreateGrant'] : ['kms:Decrypt', 'kms:CreateGrant'];
      // An account of OU A1 that no distribution names: its role is in scope as well (the statements name no account).
      for (const action of allowedActions) {
        add(`the Image Builder role of ${ORG_MEMBERS.ouA1.account}, an account of the organization not named as a target, copies with ${keyId}: ${action}`,
          PAGES.globalConditionKeys, 'allow', kmsRequest(roleSession(ORG_MEMBERS.ouA1.account, ORG_MEMBERS.ouA1), key(keyId), action));
      }
      const denied: Array<{ who: string; caller: Caller }> = [
        { who: `a role of the same name in ${ORG_MEMBERS.orgB.account}, an account of organization ${ORG_B}`, caller: roleSession(ORG_MEMBERS.orgB.account, ORG_MEMBERS.orgB) },
        { who: `a role of the same name in ${OUTSIDER}, an account of no organization`, caller: roleSession(OUTSIDER) },
        { who: `another role (Admin) of target account ${target}`, caller: { ...roleSession(target, member), principal: `arn:aws:sts::${target}:assumed-role/Admin/s`, principalArn: `arn:aws:iam::${target}:role/Admin` } },
        { who: `a user of target account ${target}`, caller: { ...roleSession(target, member), principal: `arn:aws:iam::${target}:user/alice`, principalArn: `arn:aws:iam::${target}:user/alice` } },
        {
          who: `a role of the same name under another path in target account ${target}`,
          caller: { ...roleSession(target, member), principal: `arn:aws:sts::${target}:assumed-role/${roleName}/s`, principalArn: `arn:aws:iam::${target}:role/other/${roleName}` },
        },
        ...(ous.length > 0 && !ous.includes(OU_A2)
          ? [{ who: `the Image Builder role of ${ORG_MEMBERS.belowOuA2.account}, an account of the organization outside the OUs`, caller: roleSession(ORG_MEMBERS.belowOuA2.account, ORG_MEMBERS.belowOuA2) }]
          : []),
      ];
      for (const { who, caller } of denied) {
        for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:CreateGrant']) {
          add(`${who}: ${action} on ${keyId}`, PAGES.globalConditionKeys, 'deny', kmsRequest(caller, key(keyId), action));
        }
      }
      add(`the Image Builder role of target account ${target} creates a grant on ${keyId} that is not for an AWS resource`, PAGES.grantIsForAwsResource, 'deny',
        kmsRequest(roleSession(target, member), key(keyId), 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'false' }));
    }
  }

  // The distribution account's own Image Builder (its service-linked role) with keys another account owns.
  const imageBuilder: Caller = {
    principal: `arn:aws:iam::${t.distributionAccount}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`,
    principalArn: `arn:aws:iam::${t.distributionAccount}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`,
    account: t.distributionAccount,
    identityPolicies: [{ name: 'AWSServiceRoleForImageBuilder', policy: AWS_SERVICE_ROLE_FOR_IMAGE_BUILDER_KMS_AND_STS }],
  };
  const usedKeys = new Set([...(t.sourceKey ? [t.sourceKey] : []), ...t.regions.filter(r => r.key).map(r => r.key!)]);
  for (const spec of t.keys.filter(k => usedKeys.has(k.id) && k.account !== t.distributionAccount)) {
    const reads = spec.id === t.sourceKey ? READ_ACTIONS : [];
    const writes = t.regions.some(r => r.key === spec.id) ? WRITE_ACTIONS : [];
    const actions = [...new Set([...reads, ...writes])];
    for (const action of actions) {
      add(`Image Builder of the distribution account ${t.distributionAccount} uses ${spec.id}, owned by ${spec.account}: ${action}`, PAGES.serviceLinkedRole, 'allow', kmsRequest(imageBuilder, key(spec.id), action));
    }
  }

  // Launches by consumers: RunInstances asks EC2 to use every key of the AMI in that Region.
  for (const region of t.regions) {
    const callers: Array<{ who: string; caller: Caller }> = [
      ...(region.launchAccounts ?? []).filter(a => a !== t.distributionAccount).map(a => ({ who: `launch account ${a}`, caller: consumer(a) })),
      ...(region.organizations ?? []).map(org => ({ who: `an account of organization ${org}`, caller: consumer(memberOf(org).account, memberOf(org)) })),
      ...(region.organizationalUnits ?? []).flatMap(([, ou]) => (ou === OU_A1
        ? [{ who: `an account of OU ${ou}`, caller: consumer(ORG_MEMBERS.ouA1.account, ORG_MEMBERS.ouA1) }]
        : [{ who: `an account below OU ${ou}`, caller: consumer(ORG_MEMBERS.belowOuA2.account, ORG_MEMBERS.belowOuA2) }])),
    ];
    for (const keyId of launchKeys(t, region.region)) {
      for (const { who, caller } of callers) {
        for (const action of LAUNCH_ACTIONS) {
          add(`${who} launches from the AMI in ${region.region}: ${action} on ${keyId}`, who.includes('organization') || who.includes('OU') ? PAGES.organizations : PAGES.sharedEncryptedAmi, 'allow', kmsRequest(caller, key(keyId), action));
        }
        const grantee = `arn:aws:iam::${caller.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
        const autoScalingGrant = (granteePrincipal: string) => kmsRequest(caller, key(keyId), 'kms:CreateGrant', {
          'kms:GrantIsForAWSResource': 'false',
          'kms:GranteePrincipal': granteePrincipal,
          'kms:GrantOperations': AUTO_SCALING_OPERATIONS,
        });
        add(`${who} creates the grant for its own Auto Scaling service-linked role on ${keyId} (autoScalingGrants ${region.autoScalingGrants ? 'on' : 'off'})`, PAGES.autoScaling,
          region.autoScalingGrants ? 'allow' : 'deny', autoScalingGrant(grantee));
        add(`${who} creates a grant on ${keyId} for another account's Auto Scaling role`, PAGES.autoScaling, 'deny',
          autoScalingGrant(`arn:aws:iam::${OUTSIDER}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`));
        add(`${who} creates a grant on ${keyId} for a role of its own that is not Auto Scaling's`, PAGES.autoScaling, 'deny', autoScalingGrant(`arn:aws:iam::${caller.account}:role/Admin`));
        add(`${who} creates a grant on ${keyId} that is not for an AWS resource`, PAGES.grantIsForAwsResource, 'deny',
          kmsRequest(caller, key(keyId), 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'false' }));
      }
    }
  }

  // Outsiders: an account nobody named, other organizations and OUs, and consumers of other Regions' keys.
  for (const spec of t.keys.filter(k => usedKeys.has(k.id))) {
    const sharing = t.regions.filter(r => launchKeys(t, r.region).includes(spec.id));
    const orgShared = (org: string) => sharing.some(r => (r.organizations ?? []).includes(org));
    const ouShared = (ou: string) => sharing.some(r => (r.organizationalUnits ?? []).some(([, shared]) => shared === ou));
    const outsiders: Array<{ who: string; caller: Caller }> = [{ who: `outsider account ${OUTSIDER}`, caller: consumer(OUTSIDER) }];
    if (!orgShared(ORG_B)) {
      outsiders.push({ who: `an account of organization ${ORG_B}`, caller: consumer(ORG_MEMBERS.orgB.account, ORG_MEMBERS.orgB) });
    }
    if (!orgShared(ORG_A)) {
      outsiders.push({ who: `an account of organization ${ORG_A} outside the named OUs`, caller: consumer(ORG_MEMBERS.orgA.account, ORG_MEMBERS.orgA) });
      if (!ouShared(OU_A1)) {
        outsiders.push({ who: `an account of OU ${OU_A1}, which this key is not shared with`, caller: consumer(ORG_MEMBERS.ouA1.account, ORG_MEMBERS.ouA1) });
      }
      if (!ouShared(OU_A2)) {
        outsiders.push({ who: `an account below OU ${OU_A2}, which this key is not shared with`, caller: consumer(ORG_MEMBERS.belowOuA2.account, ORG_MEMBERS.belowOuA2) });
      }
    }
    const consumers = [...new Set(t.regions.flatMap(r => [...(r.targets ?? []), ...(r.launchAccounts ?? [])]))]
      .filter(a => a !== spec.account && a !== t.distributionAccount && !needsKey(t, a, spec.id));
    outsiders.push(...consumers.map(a => ({ who: `consumer ${a} of another Region's key`, caller: consumer(a) })));
    for (const { who, caller } of outsiders) {
      for (const action of ['kms:Decrypt', 'kms:CreateGrant']) {
        add(`${who}: ${action} on ${spec.id}`, PAGES.sharedEncryptedAmi, 'deny', kmsRequest(caller, key(spec.id), action));
      }
    }
  }
  // The distribution's execution role (grantDistribute), as DistributeImage and RetryImage use it.
  requests.push(...executionRoleCatalogue(t, keys, roles));
  return requests;
}
