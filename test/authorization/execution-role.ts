import { Request } from './evaluate';
import { CatalogueRequest, KeyView } from './requests';
import { DeployedRole } from './resolve';
import { EXECUTION_ROLE, Topology, targetAccountsOf } from './topology';

/*
 * The requests Image Builder makes with a distribution's execution role (`grantDistribute`) when it runs the
 * distribution (DistributeImage, RetryImage): the copies into the distribution's Regions, their tags and launch
 * permissions, the KMS actions of a copy on the Regions' keys and the source key, the roles of the target accounts,
 * the SSM parameters, launch templates, fast launch and license configurations of the distribution; and the same
 * requests on everything outside the distribution, which must be denied. Decided from the topology's data and
 * AWS's pages, never from the statements the library writes.
 */

const PAGES = {
  distributeImage: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/distribution-enhanced_functionality.html',
  serviceLinkedRole: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html',
  executionPolicy: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderExecutionPolicy.html',
  crossAccount: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html',
  tagOnCreate: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html',
  ssm: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/dist-ssm-parameters.html',
  fastLaunch: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/win-start-fast-launch-prereqs.html',
};

/** A Region no topology distributes to, an account nobody names, a key no distribution uses. */
const OTHER_REGION = 'sa-east-1';
const OUTSIDER = '888888888888';
const TAG = { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' };

/** A key policy as aws-cdk-lib writes it by default: the owner account may grant access through IAM. */
const ownerPolicy = (account: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
});

/** The trust policy of a target account's role: it trusts the source account. */
const trusting = (account: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
});

export function executionRoleCatalogue(t: Topology, keys: Map<string, KeyView>, roles: DeployedRole[]): CatalogueRequest[] {
  const role = roles.find(r => r.account === t.distributionAccount && r.name === EXECUTION_ROLE);
  if (!role) {
    throw new Error(`no execution role ${EXECUTION_ROLE} in ${t.distributionAccount}`);
  }
  const account = t.distributionAccount;
  const principal = `arn:aws:sts::${account}:assumed-role/${EXECUTION_ROLE}/ImageBuilder`;
  const requests: CatalogueRequest[] = [];
  type Partial = Omit<Request, 'principal' | 'identityPolicies'>;
  const add = (description: string, source: string, expected: 'allow' | 'deny', request: Partial) =>
    requests.push({ description: `execution role: ${description}`, source, expected, principal, identityPolicies: role.identityPolicies, ...request });
  type Context = Record<string, string | string[]>;
  const on = (action: string, resource: string, context: Context = {}, resourceAccount = account, resourcePolicy?: any) => ({
    action,
    resource,
    resourceAccount,
    context: { 'aws:PrincipalAccount': account, 'aws:PrincipalArn': role.arn, ...context },
    resourcePolicy,
  });
  const image = (region: string, id = 'ami-0123456789abcdef0') => `arn:aws:ec2:${region}::image/${id}`;
  const snapshot = (region: string) => `arn:aws:ec2:${region}::snapshot/snap-0123456789abcdef0`;
  const regions = [...new Set([t.buildRegion, ...t.regions.map(r => r.region)])];

  // The copies: CopyImage reads the source AMI in the build Region and creates the copy in each Region.
  add(`copies the source AMI of ${t.buildRegion}`, PAGES.distributeImage, 'allow', on('ec2:CopyImage', image(t.buildRegion, 'ami-00000000000000001')));
  for (const region of regions) {
    add(`creates the copy in ${region}`, PAGES.distributeImage, 'allow', on('ec2:CopyImage', image(region)));
    add(`tags the copy in ${region} as it creates it`, PAGES.tagOnCreate, 'allow',
      on('ec2:CreateTags', image(region), { 'ec2:CreateAction': 'CopyImage', 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:TagKeys': ['CreatedBy'] }));
    add(`tags the copy's snapshot in ${region} as it creates it`, PAGES.tagOnCreate, 'allow',
      on('ec2:CreateTags', snapshot(region), { 'ec2:CreateAction': 'CopyImage', 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:TagKeys': ['CreatedBy'] }));
    add(`puts the AMI tags on Image Builder's copy in ${region}`, PAGES.serviceLinkedRole, 'allow',
      on('ec2:CreateTags', image(region), { ...TAG, 'aws:RequestTag/team': 'platform', 'aws:TagKeys': ['team'] }));
    add(`shares the snapshot of Image Builder's copy in ${region}`, PAGES.executionPolicy, 'allow', on('ec2:ModifySnapshotAttribute', snapshot(region), TAG));
    // Taking over an AMI or snapshot that is not this distribution's: tag it as Image Builder's after it was created
    // (a request that cannot be told from tagging an existing one), then share, publish or fast-launch it.
    const asImageBuilder = { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:TagKeys': ['CreatedBy'] };
    add(`tags an existing, untagged AMI of ${region} as Image Builder's`, PAGES.tagOnCreate, 'deny', on('ec2:CreateTags', image(region), asImageBuilder));
    add(`tags an existing AMI of ${region} tagged otherwise as Image Builder's`, PAGES.tagOnCreate, 'deny',
      on('ec2:CreateTags', image(region), { ...asImageBuilder, 'aws:ResourceTag/CreatedBy': 'someone else' }));
    add(`tags an existing, untagged snapshot of ${region} as Image Builder's`, PAGES.tagOnCreate, 'deny', on('ec2:CreateTags', snapshot(region), asImageBuilder));
    add(`tags an existing snapshot of ${region} with other tags`, PAGES.tagOnCreate, 'deny',
      on('ec2:CreateTags', snapshot(region), { 'aws:RequestTag/team': 'platform', 'aws:TagKeys': ['team'] }));
    add(`then shares (or publishes) that untagged AMI of ${region}`, PAGES.executionPolicy, 'deny', on('ec2:ModifyImageAttribute', image(region)));
    add(`then shares that untagged snapshot of ${region}`, PAGES.executionPolicy, 'deny', on('ec2:ModifySnapshotAttribute', snapshot(region)));
    add(`then enables fast launch of that untagged AMI of ${region}`, PAGES.fastLaunch, 'deny', on('ec2:EnableFastLaunch', image(region)));
    add(`shares Image Builder's copy in ${region} (launch permission)`, PAGES.executionPolicy, 'allow', on('ec2:ModifyImageAttribute', image(region), TAG));
    add(`shares an AMI of ${region} that is not Image Builder's`, PAGES.executionPolicy, 'deny', on('ec2:ModifyImageAttribute', image(region), { 'aws:ResourceTag/CreatedBy': 'someone else' }));
    add(`tags an AMI of ${region} that is not Image Builder's with other tags`, PAGES.serviceLinkedRole, 'deny',
      on('ec2:CreateTags', image(region), { 'aws:RequestTag/team': 'platform', 'aws:TagKeys': ['team'] }));
  }
  add(`creates a copy in ${OTHER_REGION}, which the distribution does not name`, PAGES.distributeImage, 'deny', on('ec2:CopyImage', image(OTHER_REGION)));
  add(`shares Image Builder's AMI in ${OTHER_REGION}`, PAGES.executionPolicy, 'deny', on('ec2:ModifyImageAttribute', image(OTHER_REGION), TAG));
  add(`tags Image Builder's AMI in ${OTHER_REGION}`, PAGES.serviceLinkedRole, 'deny', on('ec2:CreateTags', image(OTHER_REGION), { ...TAG, 'aws:RequestTag/team': 'platform', 'aws:TagKeys': ['team'] }));

  // The keys: the source key is read, each Region's key encrypts the copy, through EC2 in the key's Region.
  const kms = (keyView: KeyView, action: string, extra: Record<string, string | string[]> = {}) => on(action, keyView.arn, {
    'kms:CallerAccount': account,
    'kms:ViaService': `ec2.${keyView.spec.region}.amazonaws.com`,
    ...(keyView.aliases.length > 0 ? { 'kms:ResourceAliases': keyView.aliases } : {}),
    ...(action === 'kms:DescribeKey' || action === 'kms:CreateGrant' ? {} : { 'kms:EncryptionContextKeys': ['aws:ebs:id'] }),
    ...(action === 'kms:CreateGrant' ? { 'kms:GrantIsForAWSResource': 'true' } : {}),
    ...extra,
  }, keyView.spec.account, keyView.policy);
  const reads = ['kms:DescribeKey', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant'];
  const writes = ['kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptTo', 'kms:Encrypt', 'kms:CreateGrant'];
  if (t.sourceKey) {
    for (const action of reads) {
      add(`reads the source AMI: ${action} on the source key ${t.sourceKey}`, PAGES.serviceLinkedRole, 'allow', kms(keys.get(t.sourceKey)!, action));
    }
  }
  for (const region of t.regions.filter(r => r.key)) {
    for (const action of writes) {
      add(`encrypts the copy in ${region.region}: ${action} on ${region.key}`, PAGES.serviceLinkedRole, 'allow', kms(keys.get(region.key!)!, action));
    }
  }
  for (const keyView of keys.values()) {
    add(`creates a grant on ${keyView.spec.id} that is not for an AWS resource`, PAGES.serviceLinkedRole, 'deny', kms(keyView, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'false' }));
    add(`decrypts with ${keyView.spec.id} outside EC2`, PAGES.serviceLinkedRole, 'deny', kms(keyView, 'kms:Decrypt', { 'kms:ViaService': `s3.${keyView.spec.region}.amazonaws.com` }));
  }
  const otherKey: KeyView = {
    spec: { id: 'another key of the account', account, region: t.buildRegion },
    arn: `arn:aws:kms:${t.buildRegion}:${account}:key/00000000-0000-4000-8000-000000000000`,
    policy: ownerPolicy(account),
    aliases: [],
  };
  for (const action of ['kms:Decrypt', 'kms:CreateGrant', 'kms:Encrypt']) {
    add(`${action} on another key of the account, which the distribution does not use`, PAGES.serviceLinkedRole, 'deny', kms(otherKey, action));
  }

  // The roles of the target accounts; no other role, and no other account's.
  for (const target of targetAccountsOf(t)) {
    const targetRole = roles.find(r => r.account === target && r.name === 'EC2ImageBuilderDistributionCrossAccountRole')!;
    add(`assumes the role of target account ${target}`, PAGES.crossAccount, 'allow', on('sts:AssumeRole', targetRole.arn, {}, target, targetRole.trustPolicy));
    add(`assumes another role of target account ${target}`, PAGES.crossAccount, 'deny',
      on('sts:AssumeRole', `arn:aws:iam::${target}:role/Admin`, {}, target, trusting(account)));
  }
  add(`assumes the distribution role of an account the distribution does not name (${OUTSIDER})`, PAGES.crossAccount, 'deny',
    on('sts:AssumeRole', `arn:aws:iam::${OUTSIDER}:role/EC2ImageBuilderDistributionCrossAccountRole`, {}, OUTSIDER, trusting(account)));

  // SSM parameters, launch templates, fast launch and license configurations of the distribution account.
  for (const region of t.regions) {
    for (const name of region.ssmParameters ?? []) {
      const arn = `arn:aws:ssm:${region.region}:${account}:parameter/${name.replace(/^\//, '')}`;
      add(`sets the parameter ${name} in ${region.region}`, PAGES.ssm, 'allow', on('ssm:PutParameter', arn));
      add(`sets the parameter ${name} in ${OTHER_REGION}`, PAGES.ssm, 'deny', on('ssm:PutParameter', arn.replace(`:${region.region}:`, `:${OTHER_REGION}:`)));
    }
    if (region.ssmParameters?.length) {
      add(`sets another parameter in ${region.region}`, PAGES.ssm, 'deny', on('ssm:PutParameter', `arn:aws:ssm:${region.region}:${account}:parameter/other/ami-id`));
    }
    for (const id of region.launchTemplates ?? []) {
      const arn = `arn:aws:ec2:${region.region}:${account}:launch-template/${id}`;
      add(`adds a version to launch template ${id} in ${region.region}`, PAGES.crossAccount, 'allow', on('ec2:CreateLaunchTemplateVersion', arn));
      add(`makes it the default version of ${id}`, PAGES.crossAccount, 'allow', on('ec2:ModifyLaunchTemplate', arn));
      add(`adds a version to launch template ${id} in ${OTHER_REGION}`, PAGES.crossAccount, 'deny', on('ec2:CreateLaunchTemplateVersion', arn.replace(`:${region.region}:`, `:${OTHER_REGION}:`)));
    }
    if (region.launchTemplates?.length) {
      add(`adds a version to another launch template in ${region.region}`, PAGES.crossAccount, 'deny',
        on('ec2:CreateLaunchTemplateVersion', `arn:aws:ec2:${region.region}:${account}:launch-template/lt-0aaaaaaaaaaaaaaaa`));
      add(`makes a version of another launch template the default in ${region.region}`, PAGES.crossAccount, 'deny',
        on('ec2:ModifyLaunchTemplate', `arn:aws:ec2:${region.region}:${account}:launch-template/lt-0aaaaaaaaaaaaaaaa`));
    }
    if (region.fastLaunch) {
      add(`enables fast launch of Image Builder's copy in ${region.region}`, PAGES.fastLaunch, 'allow', on('ec2:EnableFastLaunch', image(region.region), TAG));
      add(`enables fast launch of an AMI of ${region.region} that is not Image Builder's`, PAGES.fastLaunch, 'deny', on('ec2:EnableFastLaunch', image(region.region), { 'aws:ResourceTag/CreatedBy': 'someone else' }));
      if (region.fastLaunch.launchTemplate) {
        add(`enables fast launch with launch template ${region.fastLaunch.launchTemplate}`, PAGES.fastLaunch, 'allow',
          on('ec2:EnableFastLaunch', `arn:aws:ec2:${region.region}:${account}:launch-template/${region.fastLaunch.launchTemplate}`));
      }
      add('creates the service-linked role of EC2 Fast Launch', PAGES.fastLaunch, 'allow',
        on('iam:CreateServiceLinkedRole', `arn:aws:iam::${account}:role/aws-service-role/ec2fastlaunch.amazonaws.com/AWSServiceRoleForEC2FastLaunch`, { 'iam:AWSServiceName': 'ec2fastlaunch.amazonaws.com' }));
      add('creates the service-linked role of another service', PAGES.fastLaunch, 'deny',
        on('iam:CreateServiceLinkedRole', `arn:aws:iam::${account}:role/aws-service-role/ec2fastlaunch.amazonaws.com/AWSServiceRoleForEC2FastLaunch`, { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' }));
    } else {
      add(`enables fast launch in ${region.region}, which does not configure it`, PAGES.fastLaunch, 'deny', on('ec2:EnableFastLaunch', image(region.region), TAG));
    }
    for (const license of region.licenses ?? []) {
      add(`associates the license configuration ${license}`, PAGES.serviceLinkedRole, 'allow', on('license-manager:UpdateLicenseSpecificationsForResource', license));
      add('associates another license configuration', PAGES.serviceLinkedRole, 'deny',
        on('license-manager:UpdateLicenseSpecificationsForResource', license.replace(/lic-[0-9a-f]+$/, 'lic-ffffffffffffffffffffffffffffffff')));
    }
  }

  // Image Builder's logs of the run, in the build Region; no other log group.
  add('writes the log of the run', PAGES.executionPolicy, 'allow',
    on('logs:PutLogEvents', `arn:aws:logs:${t.buildRegion}:${account}:log-group:/aws/imagebuilder/golden:log-stream:1`));
  add('writes to another log group', PAGES.executionPolicy, 'deny',
    on('logs:PutLogEvents', `arn:aws:logs:${t.buildRegion}:${account}:log-group:/app/secrets:log-stream:1`));
  return requests;
}
