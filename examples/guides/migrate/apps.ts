import * as alpha from '@aws-cdk/aws-imagebuilder-alpha';
import { App, CfnResource, Stack, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../../../src';

/*
 * The apps of docs/guides/migrate.md: a distribution written with CfnDistributionConfiguration and with the
 * alpha module, and the same distribution after the move to this library. test/migration.test.ts synthesizes
 * each pair and writes the template diff into the guide.
 */

const ENV = { account: '111111111111', region: 'us-east-1' };
const LAUNCH_ACCOUNT = '222222222222';

/** The stack of every app: the AMI key of the build Region, and the Region that copies to eu-west-1. */
function goldenStack(app: App) {
  const stack = new Stack(app, 'GoldenAmi', { env: ENV });
  const key = new kms.Key(stack, 'AmiKey', { enableKeyRotation: true });
  return { stack, key };
}

/** Before: the team wrote the JSON and the key statements for the launch account by hand. */
export function beforeCfn(app: App): void {
  const { stack, key } = goldenStack(app);
  // #region before-cfn
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'LaunchAccount',
    principals: [new iam.AccountPrincipal(LAUNCH_ACCOUNT)],
    actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'],
    resources: ['*'],
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'LaunchAccountGrants',
    principals: [new iam.AccountPrincipal(LAUNCH_ACCOUNT)],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
  }));
  new imagebuilder.CfnDistributionConfiguration(stack, 'Distribution', {
    name: 'golden-al2023',
    distributions: [{
      region: 'us-east-1',
      amiDistributionConfiguration: {
        Name: 'golden-al2023-{{ imagebuilder:buildDate }}',
        KmsKeyId: key.keyArn,
        LaunchPermissionConfiguration: { UserIds: [LAUNCH_ACCOUNT] },
      },
    }],
  });
  // #endregion
}

/** After: the library writes the JSON and the key statements; the resource keeps its logical ID and name. */
export function afterCfn(app: App): void {
  const { stack, key } = goldenStack(app);
  // #region after-cfn
  const distribution = new DistributionConfiguration(stack, 'Distribution', {
    distributionConfigurationName: 'golden-al2023',
    amiName: 'golden-al2023-{{ imagebuilder:buildDate }}',
    launchPermission: { accounts: [LAUNCH_ACCOUNT] },
  }).addRegion('us-east-1', { kmsKey: key });
  // The old resource's logical ID: CloudFormation updates it in place instead of replacing it.
  (distribution.node.defaultChild as CfnResource).overrideLogicalId('Distribution');
  // #endregion
}

/** Before: the alpha module (it writes no key statements, so the team added them by hand). */
export function beforeAlpha(app: App): void {
  const { stack, key } = goldenStack(app);
  // #region before-alpha
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'LaunchAccount',
    principals: [new iam.AccountPrincipal(LAUNCH_ACCOUNT)],
    actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*', 'kms:CreateGrant'],
    resources: ['*'],
  }));
  const distribution = new alpha.DistributionConfiguration(stack, 'Distribution', { distributionConfigurationName: 'golden-al2023' });
  distribution.addAmiDistributions({
    region: 'us-east-1',
    amiName: 'golden-al2023-{{ imagebuilder:buildDate }}',
    amiKmsKey: key,
    amiLaunchPermission: { accountIds: [LAUNCH_ACCOUNT] },
  });
  // #endregion
}

/** After: the same construct ID and name, so the logical ID and the name stay. */
export function afterAlpha(app: App): void {
  const { stack, key } = goldenStack(app);
  // #region after-alpha
  new DistributionConfiguration(stack, 'Distribution', {
    distributionConfigurationName: 'golden-al2023',
    amiName: 'golden-al2023-{{ imagebuilder:buildDate }}',
    launchPermission: { accounts: [LAUNCH_ACCOUNT] },
  }).addRegion('us-east-1', { kmsKey: key });
  // #endregion
}
