import { App, Stack } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../../../src';

/*
 * The app of docs/guides/settings-inheritance.md: construct defaults, Regions that keep them, and Regions that
 * replace them. test/guides.test.ts synthesizes it and checks what each Region renders.
 */

export function buildInheritanceApp(app: App = new App()): App {
  const stack = new Stack(app, 'GoldenAmi', { env: { account: '111111111111', region: 'us-east-1' } });
  // #region inheritance
  const defaultTags = { team: 'platform', os: 'al2023' };

  new DistributionConfiguration(stack, 'Distribution', {
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    amiTags: defaultTags,
    launchPermission: { accounts: ['222222222222'] },
    targetAccounts: ['333333333333'],
  })
    // Every default.
    .addRegion('us-east-1')
    // Replaced: the tags are { region: 'eu' } alone.
    .addRegion('eu-west-1', { amiTags: { region: 'eu' } })
    // Merged by hand: spread the defaults into the Region's value.
    .addRegion('eu-central-1', { amiTags: { ...defaultTags, region: 'eu' } })
    // Replaced: only 444444444444 may launch here; the copy into 333333333333 is still inherited.
    .addRegion('ap-southeast-2', { launchPermission: { accounts: ['444444444444'] } })
    // Cleared: an empty list replaces the default too, so this Region copies into no account.
    .addRegion('sa-east-1', { targetAccounts: [] });
  // #endregion
  return app;
}

if (require.main === module) {
  buildInheritanceApp().synth();
}
