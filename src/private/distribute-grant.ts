import { Fn, Resource, Stack, Token, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { COPY_ACTIONS, GRANT_ACTIONS, GRANT_FOR_AWS_RESOURCE, IMAGE_BUILDER_TAG } from './key-actions';
import { isListToken } from './key-policy';
import { concrete, isAlias, keyReferenceFrom, kmsArn, partitionOf, resolveKey } from './key-reference';
import { RegionDistribution } from './region-distribution';

/*
 * The statements of a distribution's execution role: what Image Builder does with the role it assumes to run this
 * distribution (DistributeImage, RetryImage, or image workflows with a custom execution role), limited to this
 * distribution's Regions, keys, target accounts, parameters, launch templates and license configurations.
 *
 * Derived from what AWS documents for the execution role, and from the policies AWS wrote for the same work:
 * - https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_DistributeImage.html (executionRole)
 * - https://docs.aws.amazon.com/imagebuilder/latest/userguide/distribution-enhanced_functionality.html
 * - https://docs.aws.amazon.com/imagebuilder/latest/userguide/pipeline-workflows.html (the execution role: a custom
 *   role with the permissions of EC2ImageBuilderExecutionPolicy rather than the service-linked role)
 * - https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html (v27) and
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderExecutionPolicy.html (v2): their
 *   distribution statements (CopyImage, ModifyImageAttribute and ModifySnapshotAttribute on images tagged
 *   `CreatedBy: EC2 Image Builder`, CreateTags, the KMS actions through EC2, sts:AssumeRole on
 *   EC2ImageBuilderDistributionCrossAccountRole, ssm:PutParameter, the launch-template actions, EnableFastLaunch,
 *   License Manager, the /aws/imagebuilder/ log groups), here on this distribution's resources only.
 * - https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html (copies, parameters and
 *   launch templates of other accounts go through the role of that account)
 */

/** The name of the role Image Builder assumes in other accounts (AWS names it; it cannot be configured). */
export const CROSS_ACCOUNT_ROLE_NAME = 'EC2ImageBuilderDistributionCrossAccountRole';

const FAST_LAUNCH_SERVICE = 'ec2fastlaunch.amazonaws.com';
/**
 * The EC2 action a distribution creates its AMIs and snapshots with: CopyImage, in every Region and account (the
 * build's CreateImage/RegisterImage are not the distribution's). Tags given with it are authorized as ec2:CreateTags
 * with `ec2:CreateAction` set to it, on the new AMI and its new snapshots.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/copy-ami-permissions.html
 */
const COPY_CREATE_ACTIONS = 'CopyImage';
const TAGGED_BY_IMAGE_BUILDER = { StringEquals: { [`aws:ResourceTag/${IMAGE_BUILDER_TAG.key}`]: IMAGE_BUILDER_TAG.value } };

/** What the statements are built from: the distribution as its construct holds it. */
export interface DistributeGrantModel {
  /** The distribution construct. */
  readonly scope: IConstruct;
  /** Its Regions with AMI settings, in the order they were added. */
  readonly entries: RegionDistribution[];
  /** The key of the AMI the build creates. */
  readonly sourceKey?: kms.IKey;
}

/**
 * The statements, for a principal whose policy lives in `principalScope`'s stack (keys of this app in another
 * Region or account are named there by alias).
 */
export function distributeStatements(model: DistributeGrantModel, principalScope: IConstruct): iam.PolicyStatement[] {
  const stack = Stack.of(model.scope);
  const partition = stack.partition;
  const account = stack.account;
  const buildRegion = stack.region;
  const entries = model.entries.filter(e => e.ami);
  const regions = unique([buildRegion, ...entries.map(e => e.region)]);
  const images = (rs: string[]) => rs.map(r => `arn:${partition}:ec2:${r}::image/*`);
  const snapshots = (rs: string[]) => rs.map(r => `arn:${partition}:ec2:${r}::snapshot/*`);
  // Another account's templates, parameters and fast launch are Image Builder's work through that account's role.
  const own = (other: string | undefined) => other === undefined || other === account;
  const statements: iam.PolicyStatement[] = [];
  const add = (sid: string, props: Omit<iam.PolicyStatementProps, 'sid'>) => statements.push(new iam.PolicyStatement({ sid, ...props }));

  const templates = entries.flatMap(e => (e.ami!.launchTemplates ?? []).filter(lt => own(lt.accountId))
    .map(lt => ({ region: e.region, id: lt.launchTemplate.launchTemplateId! })));
  // Describe actions have no resource-level permissions.
  add('ImageBuilderDescribe', {
    actions: ['ec2:DescribeImages', 'ec2:DescribeSnapshots', ...(templates.length > 0 ? ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'] : [])],
    resources: ['*'],
  });

  // The copies: the source AMI in the build Region, the new AMIs and their snapshots in the distribution's Regions.
  add('ImageBuilderCopyImage', { actions: ['ec2:CopyImage'], resources: [...images(regions), ...snapshots(regions)] });
  // Tags go on a copy and its snapshots as CopyImage creates them (tag on create: ec2:CreateAction), and later only on
  // images that are Image Builder's already. Never the CreatedBy tag on an existing AMI or snapshot: that tag is what
  // lets the statements below share, publish and fast-launch an image, so tagging one would unlock them for any AMI.
  add('ImageBuilderTagCopies', {
    actions: ['ec2:CreateTags'],
    resources: [...images(regions), ...snapshots(regions)],
    conditions: { StringEquals: { 'ec2:CreateAction': COPY_CREATE_ACTIONS } },
  });
  // amiTags and Image Builder's own tags on its copies after the copy, as the service-linked role's policy tags them.
  add('ImageBuilderTagImages', { actions: ['ec2:CreateTags'], resources: images(regions), conditions: TAGGED_BY_IMAGE_BUILDER });
  // Launch permissions, on Image Builder's images only (as EC2ImageBuilderExecutionPolicy limits them).
  add('ImageBuilderShareImages', { actions: ['ec2:ModifyImageAttribute'], resources: images(regions), conditions: TAGGED_BY_IMAGE_BUILDER });
  add('ImageBuilderShareSnapshots', { actions: ['ec2:ModifySnapshotAttribute'], resources: snapshots(regions), conditions: TAGGED_BY_IMAGE_BUILDER });

  statements.push(...keyStatements(model, entries, principalScope));

  // Copies, parameters, launch templates and fast launch in other accounts: through the role of that account.
  const accounts = unique(entries.flatMap(e => {
    const ami = e.ami!;
    return [
      ...(ami.targetAccounts ?? []),
      ...(ami.launchTemplates ?? []).map(lt => lt.accountId),
      ...(ami.ssmParameters ?? []).map(p => p.amiAccount),
      ...(ami.fastLaunch ?? []).map(f => f.accountId),
    ].filter((a): a is string => a !== undefined && a !== account);
  }));
  const rolePrefix = `arn:${partition}:iam::`;
  const roleSuffix = `:role/${CROSS_ACCOUNT_ROLE_NAME}`;
  const scalarAccounts = accounts.filter(a => !isListToken(a));
  if (scalarAccounts.length > 0) {
    add('ImageBuilderAssumeTargetRoles', { actions: ['sts:AssumeRole'], resources: scalarAccounts.map(a => `${rolePrefix}${a}${roleSuffix}`) });
  }
  // A list known only at deploy time: the ARNs are joined by CloudFormation, whose delimiter must be a literal, so the
  // partition is the build Region's (any partition for a stack without a Region: the role name and accounts still hold).
  const literalPartition = concrete(buildRegion) ? partitionOf(buildRegion) : '*';
  const listPrefix = `arn:${literalPartition}:iam::`;
  accounts.filter(isListToken).forEach((list, i) => add(`ImageBuilderAssumeTargetRolesList${i + 1}`, {
    actions: ['sts:AssumeRole'],
    resources: Fn.split(',', Fn.join('', [listPrefix, Fn.join(`${roleSuffix},${listPrefix}`, [list]), roleSuffix])),
  }));

  // SSM parameters of this account, in their Region. A name known only at deploy time may or may not start with '/':
  // both forms are listed, and the one that does not fit names no parameter (every parameter ARN has 'parameter/').
  const parameters = entries.flatMap(e => (e.ami!.ssmParameters ?? []).filter(p => own(p.amiAccount)).flatMap(p => {
    const prefix = `arn:${partition}:ssm:${e.region}:${account}:parameter`;
    const name = p.parameterName;
    return Token.isUnresolved(name) ? [`${prefix}/${name}`, `${prefix}${name}`] : [`${prefix}/${name.replace(/^\//, '')}`];
  }));
  if (parameters.length > 0) {
    add('ImageBuilderSetParameters', { actions: ['ssm:GetParameter', 'ssm:PutParameter'], resources: unique(parameters) });
  }

  // Launch templates of this account, by ID: a new version, made the default when asked.
  if (templates.length > 0) {
    add('ImageBuilderUpdateLaunchTemplates', {
      actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
      resources: unique(templates.map(t => `arn:${partition}:ec2:${t.region}:${account}:launch-template/${t.id}`)),
    });
  }

  // Fast launch of this account's copies (Windows AMIs), in the Regions that configure it.
  const fastLaunch = entries.flatMap(e => (e.ami!.fastLaunch ?? []).filter(f => f.enabled !== false && own(f.accountId))
    .map(f => ({ region: e.region, template: f.launchTemplate })));
  if (fastLaunch.length > 0) {
    add('ImageBuilderEnableFastLaunch', { actions: ['ec2:EnableFastLaunch'], resources: images(unique(fastLaunch.map(f => f.region))), conditions: TAGGED_BY_IMAGE_BUILDER });
    const fastLaunchTemplates = unique(fastLaunch.filter(f => f.template).map(f => `arn:${partition}:ec2:${f.region}:${account}:launch-template/${f.template!.launchTemplateId ?? '*'}`));
    if (fastLaunchTemplates.length > 0) {
      add('ImageBuilderFastLaunchTemplates', { actions: ['ec2:EnableFastLaunch'], resources: fastLaunchTemplates });
    }
    // EC2 Fast Launch works through its own service-linked role, made on first use.
    add('ImageBuilderFastLaunchServiceRole', {
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [`arn:${partition}:iam::${account}:role/aws-service-role/${FAST_LAUNCH_SERVICE}/*`],
      conditions: { StringEquals: { 'iam:AWSServiceName': FAST_LAUNCH_SERVICE } },
    });
  }

  // License configurations associated with the copies.
  const licenses = entries.flatMap(e => e.ami!.licenseConfigurationArns ?? []);
  const scalarLicenses = unique(licenses.filter(l => !isListToken(l)));
  if (scalarLicenses.length > 0) {
    add('ImageBuilderAssociateLicenses', { actions: ['license-manager:UpdateLicenseSpecificationsForResource'], resources: scalarLicenses });
  }
  licenses.filter(isListToken).forEach((list, i) => add(`ImageBuilderAssociateLicensesList${i + 1}`, {
    actions: ['license-manager:UpdateLicenseSpecificationsForResource'],
    resources: [list],
  }));

  // Image Builder's logs of the run, in the build Region.
  add('ImageBuilderLogs', {
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [`arn:${partition}:logs:${buildRegion}:${account}:log-group:/aws/imagebuilder/*`],
  });
  return statements;
}

/**
 * The copy and re-encryption actions (key-actions.ts) on the keys of the distribution's Regions and on the source
 * key, through EC2 only, with `kms:CreateGrant` only for AWS resources. Keys named by ARN are one statement; keys
 * named by alias (a key of this app in another Region or account, an alias imported by name) are the keys of their
 * account and Region that carry the alias (`kms:ResourceAliases`).
 */
function keyStatements(model: DistributeGrantModel, entries: RegionDistribution[], principalScope: IConstruct): iam.PolicyStatement[] {
  const buildRegion = Stack.of(model.scope).region;
  const uses: Array<{ key: kms.IKey; region: string }> = [
    ...entries.filter(e => e.kmsKey).map(e => ({ key: e.kmsKey!, region: e.region })),
    ...(model.sourceKey ? [{ key: model.sourceKey, region: buildRegion }] : []),
  ];
  const references = uses.map(({ key, region }) => referenceOf(key, region, principalScope));
  const byArn = unique(references.filter(r => r.aliasName === undefined).map(r => r.resource));
  const viaEc2 = { StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } };
  const statements: iam.PolicyStatement[] = [];
  if (byArn.length > 0) {
    statements.push(new iam.PolicyStatement({ sid: 'ImageBuilderUseKeys', actions: COPY_ACTIONS, resources: byArn, conditions: viaEc2 }));
    statements.push(new iam.PolicyStatement({ sid: 'ImageBuilderUseKeysCreateGrant', actions: GRANT_ACTIONS, resources: byArn, conditions: { ...viaEc2, ...GRANT_FOR_AWS_RESOURCE } }));
  }
  const byAlias = references.filter(r => r.aliasName !== undefined);
  if (byAlias.length > 0) {
    const resources = unique(byAlias.map(r => r.resource));
    const aliases = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': unique(byAlias.map(r => r.aliasName!)) } };
    statements.push(new iam.PolicyStatement({ sid: 'ImageBuilderUseKeysByAlias', actions: COPY_ACTIONS, resources, conditions: { ...viaEc2, ...aliases } }));
    statements.push(new iam.PolicyStatement({
      sid: 'ImageBuilderUseKeysByAliasCreateGrant', actions: GRANT_ACTIONS, resources, conditions: { ...viaEc2, ...aliases, ...GRANT_FOR_AWS_RESOURCE },
    }));
  }
  return statements;
}

/** How the role's policy names a key used in `region`: its ARN, or the keys of its account and Region with its alias. */
function referenceOf(key: kms.IKey, region: string, principalScope: IConstruct): { resource: string; aliasName?: string } {
  const resolved = resolveKey(key);
  if (Resource.isOwnedResource(resolved) || !isAlias(resolved)) {
    return keyReferenceFrom(principalScope, key);
  }
  // An alias imported by name names a key of its stack's account, in the Region it is used in.
  return { resource: kmsArn(region, Stack.of(resolved).account, 'key/*'), aliasName: resolved.aliasName };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** What the statements depend on, to tell whether the distribution changed after they were granted. */
export function grantFingerprint(model: DistributeGrantModel): string {
  return JSON.stringify(model.entries.filter(e => e.ami).map(e => ({
    region: e.region,
    key: e.kmsKey?.node.path,
    targets: e.ami!.targetAccounts,
    parameters: e.ami!.ssmParameters?.map(p => [p.parameterName, p.amiAccount]),
    templates: e.ami!.launchTemplates?.map(lt => [lt.launchTemplate.launchTemplateId, lt.accountId]),
    fastLaunch: e.ami!.fastLaunch?.map(f => [f.enabled, f.accountId, f.launchTemplate?.launchTemplateId]),
    licenses: e.ami!.licenseConfigurationArns,
  })));
}
