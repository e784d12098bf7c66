import { App, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { CrossAccountDistributionRole, DistributionConfiguration, DistributionLifecycle, LifecycleAction, LifecycleFilter, LifecycleTimeUnit } from '../../../src';

/*
 * The app of docs/guides/retire.md: a distribution into a target account, the lifecycle policy that retires its
 * images (AMIs and snapshots included), and the target account's roles with the lifecycle role.
 * test/guides.test.ts synthesizes it; the Python suite runs cfn-lint over its templates (test/scenarios.ts).
 */

export function buildRetireApp(app: App): App {
  const stack = new Stack(app, 'GoldenAmi', { env: { account: '111111111111', region: 'us-east-1' } });
  const sourceKey = new kms.Key(stack, 'AmiKey');
  const distribution = new DistributionConfiguration(stack, 'Distribution', {
    distributionConfigurationName: 'golden-ami',
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    sourceKey,
    targetAccounts: ['222222222222'],
  }).addRegion('us-east-1', { kmsKey: sourceKey });

  // #region lifecycle
  // Deprecate after 30 days; delete after 90, keeping the 3 newest. DELETE takes the AMIs and their snapshots.
  new DistributionLifecycle(stack, 'Lifecycle', {
    distributions: [distribution],
    recipes: [{ name: 'golden-ami' }],
    rules: [
      { action: LifecycleAction.DEPRECATE, filter: LifecycleFilter.age(30, LifecycleTimeUnit.DAYS) },
      { action: LifecycleAction.DELETE, filter: LifecycleFilter.age(90, LifecycleTimeUnit.DAYS, 3) },
    ],
  });
  // #endregion

  // #region target-account
  // In the target account: the distribution role, and the lifecycle role that lets the policy retire the copies.
  const target = new Stack(app, 'TargetAccountRoles', { env: { account: '222222222222', region: 'us-east-1' } });
  new CrossAccountDistributionRole(target, 'Roles', {
    sourceAccounts: ['111111111111'],
    keys: [sourceKey],
    lifecycle: true,
  });
  // #endregion
  return app;
}
