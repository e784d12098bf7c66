import { App, Duration, RemovalPolicy, Stack, StackProps, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DistributionConfiguration } from '../../../src';

/*
 * The app of docs/guides/keys.md: AMI keys meant to live as long as the AMIs they encrypt, and a Region
 * without a key of its own. test/guides.test.ts synthesizes it; cfn-lint checks its templates.
 */

const ACCOUNT = '111111111111';

// #region key-stack
/** The key that encrypts the AMIs of one Region, in a stack of that Region. */
export class AmiKeyStack extends Stack {
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'AmiKey', {
      description: `Encrypts golden AMIs in ${this.region}, and every copy made from them`,
      // New key material every year; the old material stays, so existing AMIs keep working.
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      // Deleting the stack must not delete the key: every AMI and copy it encrypts would become unusable.
      removalPolicy: RemovalPolicy.RETAIN,
      // If someone schedules deletion anyway, the longest wait KMS allows.
      pendingWindow: Duration.days(30),
    });
  }
}
// #endregion

export function buildKeysApp(app: App = new App()): App {
  const env = (region: string) => ({ env: { account: ACCOUNT, region } });
  // #region distribution
  const buildKey = new AmiKeyStack(app, 'AmiKeys-us-east-1', env('us-east-1')).key;
  const euKey = new AmiKeyStack(app, 'AmiKeys-eu-west-1', env('eu-west-1')).key;
  const stack = new Stack(app, 'GoldenAmi', env('us-east-1'));

  new DistributionConfiguration(stack, 'Distribution', {
    sourceKey: buildKey,
    amiName: 'golden-{{ imagebuilder:buildDate }}',
  })
    .addRegion('us-east-1', { kmsKey: buildKey, launchPermission: { accounts: ['222222222222'] } })
    .addRegion('eu-west-1', { kmsKey: euKey, launchPermission: { accounts: ['222222222222'] } })
    // No key: the copy is encrypted with the account's default EBS key of ap-southeast-2. Fine while only
    // this account uses it; sharing it is a warning (SourceKeyDefaultEncryption).
    .addRegion('ap-southeast-2');
  // #endregion
  return app;
}

if (require.main === module) {
  buildKeysApp().synth();
}
