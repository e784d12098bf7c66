import { App, Stack, aws_events as events, aws_events_targets as targets, aws_iam as iam, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../../../src';

/*
 * The app of docs/guides/after-the-build.md: a distribution with the execution role that DistributeImage and
 * RetryImage use (grantDistribute), and the notification that runs `verify` when an image is AVAILABLE.
 * test/guides.test.ts synthesizes it; the Python suite runs cfn-lint over its templates (test/scenarios.ts).
 */

export function buildAfterTheBuildApp(app: App): App {
  const stack = new Stack(app, 'GoldenAmi', { env: { account: '111111111111', region: 'us-east-1' } });
  const sourceKey = new kms.Key(stack, 'AmiKey');

  // #region execution-role
  const distribution = new DistributionConfiguration(stack, 'Distribution', {
    distributionConfigurationName: 'golden-ami',
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    sourceKey,
    targetAccounts: ['222222222222'],
  })
    .addRegion('us-east-1', { kmsKey: sourceKey, ssmParameters: [{ parameterName: '/golden/ami-id' }] })
    .addRegion('eu-west-1');

  // The role Image Builder assumes to distribute again (DistributeImage) or to resume (RetryImage).
  const executionRole = new iam.Role(stack, 'DistributionRole', {
    roleName: 'ImageBuilderDistribution',
    assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
  });
  // After the last addRegion(): the role gets exactly what this distribution does, nothing else.
  distribution.grantDistribute(executionRole);
  // #endregion

  // #region notification
  // Every image of this account and Region that becomes AVAILABLE: its ARN is the event's first resource.
  const imageAvailable = new sns.Topic(stack, 'ImageAvailable', { masterKey: sourceKey });
  new events.Rule(stack, 'OnImageAvailable', {
    eventPattern: {
      source: ['aws.imagebuilder'],
      detailType: ['EC2 Image Builder Image State Change'],
      detail: { state: { status: ['AVAILABLE'] } },
    },
    targets: [new targets.SnsTopic(imageAvailable, {
      message: events.RuleTargetInput.fromObject({ image: events.EventField.fromPath('$.resources[0]') }),
    })],
  });
  // #endregion
  return app;
}
