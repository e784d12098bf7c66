import { App, Stack, aws_ec2 as ec2, aws_ecr as ecr, aws_kms as kms } from 'aws-cdk-lib';
import { buildBasicApp } from '../examples/basic/app';
import { buildAfterTheBuildApp } from '../examples/guides/after-the-build/app';
import { buildContainerApp } from '../examples/guides/containers/app';
import { buildInheritanceApp } from '../examples/guides/inheritance/app';
import { buildKeysApp } from '../examples/guides/keys/app';
import { afterAlpha, afterCfn, beforeAlpha, beforeCfn } from '../examples/guides/migrate/apps';
import { buildRetireApp } from '../examples/guides/retire/app';
import { buildVerificationApp } from '../examples/guides/verification/app';
import { buildMultiAccountApp } from '../examples/multi-account/app';
import { buildOrganizationApp } from '../examples/organization/app';
import { buildPipelineApp } from '../examples/pipeline/app';
import { CrossAccountDistributionRole, CrossAccountDistributionRoleStackSet, DistributionConfiguration, DistributionVerification, SsmParameterDataType } from '../src';

/*
 * The scenarios the Python suite builds again through the Python API: each must give the same
 * CloudFormation. Keep each in step with its twin in python-tests/scenarios.py. The example and guide apps
 * are listed too: the Python suite runs cfn-lint over the templates of every entry of SCENARIOS.
 */

/** The README's quick start. */
export function quickStart(app: App): void {
  const stack = new Stack(app, 'GoldenAmi', { env: { account: '111111111111', region: 'us-east-1' } });
  const key = new kms.Key(stack, 'AmiKey');

  new DistributionConfiguration(stack, 'Distribution', {
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    launchPermission: { accounts: ['222222222222'] },
  })
    .addRegion('us-east-1', { kmsKey: key })
    .addRegion('eu-west-1');
}

/** Keys in two other Regions' stacks, the distribution in us-east-1, shared with an organization and an OU. */
export function crossRegion(app: App): void {
  const env = (region: string) => ({ account: '111111111111', region });
  const euKey = new kms.Key(new Stack(app, 'KeysEu', { env: env('eu-west-1') }), 'Key');
  const apKey = new kms.Key(new Stack(app, 'KeysAp', { env: env('ap-southeast-2') }), 'Key');
  const stack = new Stack(app, 'Distribution', { env: env('us-east-1') });
  const sourceKey = new kms.Key(stack, 'SourceKey');
  new DistributionConfiguration(stack, 'Distribution', {
    distributionConfigurationName: 'cross-region',
    sourceKey,
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    amiTags: { team: 'platform' },
    launchPermission: {
      organizations: ['arn:aws:organizations::999999999999:organization/o-abcdefghij'],
      organizationalUnits: ['arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij'],
    },
  })
    .addRegion('us-east-1', { kmsKey: sourceKey })
    .addRegion('eu-west-1', { kmsKey: euKey, amiDescription: 'Europe' })
    .addRegion('ap-southeast-2', { kmsKey: apKey, ssmParameters: [{ parameterName: '/golden/ami' }] });
}

/** A copy into another account, and that account's role. */
export function crossAccount(app: App): void {
  const source = new Stack(app, 'Source', { env: { account: '111111111111', region: 'us-east-1' } });
  const key = new kms.Key(source, 'Key');
  new DistributionConfiguration(source, 'Distribution', { distributionConfigurationName: 'cross-account', amiName: 'golden-{{ imagebuilder:buildDate }}' })
    .addRegion('us-east-1', { kmsKey: key, targetAccounts: ['222222222222'], ssmParameters: [{ parameterName: '/golden/ami', amiAccount: '222222222222' }] });
  const target = new Stack(app, 'Target', { env: { account: '222222222222', region: 'us-east-1' } });
  new CrossAccountDistributionRole(target, 'Role', { sourceAccounts: ['111111111111'], keys: [key], ssmParameterNames: ['/golden/ami'] });
}

/**
 * A central key account: a security account owns the keys of both Regions; the pipeline account
 * distributes with them, copies into a target account and lets Auto Scaling consumers create grants.
 */
export function centralKeyAccount(app: App): void {
  const keyEnv = (region: string) => ({ env: { account: '999988887777', region } });
  const buildKey = new kms.Key(new Stack(app, 'SecurityKeysUs', keyEnv('us-east-1')), 'AmiKey');
  const euKey = new kms.Key(new Stack(app, 'SecurityKeysEu', keyEnv('eu-west-1')), 'AmiKey');
  const pipeline = new Stack(app, 'Pipeline', { env: { account: '111111111111', region: 'us-east-1' } });
  new DistributionConfiguration(pipeline, 'Distribution', {
    distributionConfigurationName: 'central-keys',
    sourceKey: buildKey,
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    launchPermission: { accounts: ['333333333333'] },
    autoScalingGrants: true,
  })
    .addRegion('us-east-1', { kmsKey: buildKey })
    .addRegion('eu-west-1', { kmsKey: euKey, targetAccounts: ['222222222222'] });
  const target = new Stack(app, 'Target', { env: { account: '222222222222', region: 'us-east-1' } });
  new CrossAccountDistributionRole(target, 'Role', { sourceAccounts: ['111111111111'], keys: [buildKey, euKey] });
}

/** The README's "Every option", synthesized (its twin is the region shown in docs/guides/python.md). */
export function everyOption(app: App): void {
  const stack = new Stack(app, 'GoldenAmi', { env: { account: '111111111111', region: 'us-east-1' } });
  const eu = new Stack(app, 'Eu', { env: { account: '111111111111', region: 'eu-west-1' } });
  const sourceKey = new kms.Key(stack, 'SourceKey');
  const euKey = new kms.Key(eu, 'Key');
  const launchTemplate = ec2.LaunchTemplate.fromLaunchTemplateAttributes(eu, 'Template', { launchTemplateId: 'lt-0123456789abcdef0' });
  const windowsTemplate = ec2.LaunchTemplate.fromLaunchTemplateAttributes(eu, 'Windows', { launchTemplateId: 'lt-0fedcba9876543210' });
  const repository = ecr.Repository.fromRepositoryName(stack, 'Repository', 'golden/app');
  new DistributionConfiguration(stack, 'Distribution', {
    distributionConfigurationName: 'golden-al2023',
    description: 'Golden Amazon Linux 2023 AMI',
    tags: { team: 'platform' },
    sourceKey,
    amiName: 'golden-al2023-{{ imagebuilder:buildDate }}',
    amiDescription: 'Golden AMI',
    amiTags: { os: 'al2023' },
    launchPermission: {
      accounts: ['222222222222'],
      organizations: ['arn:aws:organizations::999999999999:organization/o-abcdefghij'],
      organizationalUnits: ['arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij'],
      publicAccess: false,
    },
    targetAccounts: ['333333333333'],
    autoScalingGrants: true,
  })
    .addRegion('eu-west-1', {
      kmsKey: euKey,
      amiTags: { os: 'al2023', region: 'eu' },
      licenseConfigurationArns: ['arn:aws:license-manager:eu-west-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef'],
      // The template gets this account's AMI ID: its account needs launch permission (targets use ssmParameters).
      launchTemplates: [{ launchTemplate, accountId: '222222222222', setDefaultVersion: true }],
      ssmParameters: [{ parameterName: '/golden/al2023', amiAccount: '333333333333', dataType: SsmParameterDataType.AWS_EC2_IMAGE }],
      fastLaunch: [{ enabled: true, maxParallelLaunches: 6, targetSnapshotCount: 5, launchTemplate: windowsTemplate }],
    })
    .addContainerRegion('eu-west-1', { repository, tags: ['latest'], description: 'Golden container image' });
}

/** The target-account role on every account of an OU: a StackSet in the management account, with keys of the source account. */
export function organizationRoleStackSet(app: App): void {
  const keys = new Stack(app, 'SourceKeys', { env: { account: '111111111111', region: 'eu-west-1' } });
  const euKey = new kms.Key(keys, 'Key');
  const management = new Stack(app, 'Organization', { env: { account: '999999999999', region: 'us-east-1' } });
  new CrossAccountDistributionRoleStackSet(management, 'DistributionRoles', {
    organizationalUnitIds: ['ou-ab12-cdefghij', 'ou-ab12-klmnopqr'],
    sourceAccounts: ['111111111111'],
    keys: [euKey, kms.Key.fromKeyArn(management, 'BuildKey', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab')],
    launchTemplateUpdates: true,
    ssmParameterNames: ['/golden/ami-id'],
  });
}

/** The verification of a distribution to two Regions and a target account: function, rules, topic, alarms, dashboard (cfn-lint only). */
export function verification(app: App): void {
  const stack = new Stack(app, 'Verification', { env: { account: '111111111111', region: 'us-east-1' } });
  const distribution = new DistributionConfiguration(stack, 'Distribution', { amiName: 'golden-{{ imagebuilder:buildDate }}', targetAccounts: ['222222222222'] })
    .addRegion('us-east-1')
    .addRegion('eu-west-1');
  new DistributionVerification(stack, 'Verification', { distributions: [distribution] });
}

/** Every scenario, and the example apps, for the Python suite and cfn-lint. */
export const SCENARIOS: Record<string, (app: App) => void> = {
  'quick-start': quickStart,
  'cross-region': crossRegion,
  'cross-account': crossAccount,
  'central-key-account': centralKeyAccount,
  'example-basic': app => { buildBasicApp(app); },
  'example-multi-account': app => { buildMultiAccountApp(app); },
  'example-pipeline': app => { buildPipelineApp(app); },
  'example-organization': app => { buildOrganizationApp(app); },
  'every-option': everyOption,
  'organization-role-stack-set': organizationRoleStackSet,
  'verification': verification,
  'guide-keys': app => { buildKeysApp(app); },
  'guide-inheritance': app => { buildInheritanceApp(app); },
  'guide-containers': app => { buildContainerApp(app); },
  'guide-after-the-build': app => { buildAfterTheBuildApp(app); },
  'guide-retire': app => { buildRetireApp(app); },
  'guide-verification': app => { buildVerificationApp(app); },
  'guide-migrate-before-cfn': beforeCfn,
  'guide-migrate-after-cfn': afterCfn,
  'guide-migrate-before-alpha': beforeAlpha,
  'guide-migrate-after-alpha': afterAlpha,
};
