import { App, Stack, StackProps, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DistributionConfiguration } from '../../src';
import { AmiKeyStack, GoldenAmiPipeline } from '../golden-ami-pipeline';

/** The account that builds the AMI, and the account it is shared with. */
export const BUILD_ACCOUNT = '111111111111';
export const SHARED_ACCOUNT = '222222222222';

interface PipelineStackProps extends StackProps {
  readonly replicaKey: kms.IKey;
}

/** The image pipeline in the build Region, distributing an encrypted AMI to two Regions. */
export class GoldenAmiPipelineStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);

    // The recipe encrypts the AMI it builds with this key: the source key.
    const sourceKey = new kms.Key(this, 'SourceKey', { enableKeyRotation: true, description: 'Encrypts the golden AMI in the build Region' });

    const distribution = new DistributionConfiguration(this, 'Distribution', {
      distributionConfigurationName: 'golden-al2023',
      description: 'Golden Amazon Linux 2023 AMI',
      sourceKey,
      amiName: 'golden-al2023-{{ imagebuilder:buildDate }}',
      amiTags: { team: 'platform' },
      launchPermission: { accounts: [SHARED_ACCOUNT] },
    })
      .addRegion(this.region, { kmsKey: sourceKey })
      .addRegion(props.replicaKey.env.region, { kmsKey: props.replicaKey });

    new GoldenAmiPipeline(this, 'ImagePipeline', { name: 'golden-al2023', sourceKey, distribution });
  }
}

/** Builds the example: a key stack in eu-west-1 and the pipeline in us-east-1, without cross-region references. */
export function buildBasicApp(app: App = new App()): App {
  const euKeys = new AmiKeyStack(app, 'GoldenAmiKeys-eu-west-1', { env: { account: BUILD_ACCOUNT, region: 'eu-west-1' } });
  new GoldenAmiPipelineStack(app, 'GoldenAmiPipeline', {
    env: { account: BUILD_ACCOUNT, region: 'us-east-1' },
    replicaKey: euKeys.key,
  });
  return app;
}

if (require.main === module) {
  buildBasicApp().synth();
}
