import { App, Duration, Stack, aws_events as events, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms, aws_sns_subscriptions as subscriptions } from 'aws-cdk-lib';
import { CrossAccountDistributionRole, DistributionConfiguration, DistributionVerification, ReleaseRings } from '../../../src';

/*
 * The app of docs/guides/verify-continuously.md: a distribution to two accounts in two Regions, verified in AWS as
 * each image becomes AVAILABLE and every day (DistributionVerification), released in two rings (ReleaseRings), and
 * the target account's roles with the read-only verification role. test/guides.test.ts synthesizes it; the Python
 * suite runs cfn-lint over its templates (test/scenarios.ts).
 */

export function buildVerificationApp(app: App): App {
  const stack = new Stack(app, 'GoldenAmi', { env: { account: '111111111111', region: 'us-east-1' } });
  const sourceKey = new kms.Key(stack, 'AmiKey');
  const distribution = new DistributionConfiguration(stack, 'Distribution', {
    distributionConfigurationName: 'golden-ami',
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    sourceKey,
    targetAccounts: ['222222222222', '333333333333'],
  }).addRegion('us-east-1', { kmsKey: sourceKey });

  // #region verification
  // Verifies each image of the distribution as it becomes AVAILABLE, and the pipelines' latest images every day.
  const verification = new DistributionVerification(stack, 'Verification', {
    distributions: [distribution],
    schedule: events.Schedule.rate(Duration.days(1)),
  });
  // Findings and the alarms' notifications go to its topic: subscribe the team.
  verification.topic.addSubscription(new subscriptions.EmailSubscription('platform@example.com'));
  // #endregion

  // #region rings
  // The canary ring first (the distribution's own copy and one account); the rest only once the canary verified.
  const rings = new ReleaseRings(stack, 'Rings', {
    distribution,
    verification,
    rings: [
      { name: 'canary', accounts: ['111111111111', '222222222222'] },
      { name: 'everyone', rest: true },
    ],
  });
  // #endregion

  // #region pipeline
  const executionRole = new iam.Role(stack, 'ExecutionRole', {
    assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('EC2ImageBuilderExecutionPolicy')],
  });
  distribution.grantDistribute(executionRole);
  rings.grantExecution(executionRole);
  new imagebuilder.CfnImagePipeline(stack, 'Pipeline', {
    name: 'golden-ami',
    imageRecipeArn: 'arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/golden-ami/1.0.0',
    infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden-ami',
    distributionConfigurationArn: distribution.distributionConfigurationArn,
    executionRole: executionRole.roleArn,
    workflows: rings.workflows,
  });
  // #endregion

  // #region target-account
  // In each target account: the distribution role, and the read-only role the verification reads it through.
  for (const account of ['222222222222', '333333333333']) {
    const target = new Stack(app, `TargetAccountRoles-${account}`, { env: { account, region: 'us-east-1' } });
    new CrossAccountDistributionRole(target, 'Roles', {
      sourceAccounts: ['111111111111'],
      keys: [sourceKey],
      verification: true,
    });
  }
  // #endregion
  return app;
}
