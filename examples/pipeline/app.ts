import * as imagebuilder from '@aws-cdk/aws-imagebuilder-alpha';
import { App, Aspects, Stack, StackProps, aws_ec2 as ec2, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DistributionChecks, DistributionConfiguration } from '../../src';

/** The account that builds the AMI, and the account the AMI is shared with. */
export const BUILD_ACCOUNT = '111111111111';
export const SHARED_ACCOUNT = '222222222222';

/**
 * The whole pipeline around the distribution, with the alpha module's constructs and no hand-written ARN: an
 * Amazon Linux 2023 recipe whose root volume is encrypted with the source key, the infrastructure configuration,
 * the pipeline, and the distribution (the construct itself is the pipeline's `distributionConfiguration`).
 */
export class PipelineStack extends Stack {
  public readonly sourceKey: kms.Key;
  public readonly distribution: DistributionConfiguration;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    // The recipe encrypts the AMI with this key; the distribution gives its consumers access to it.
    this.sourceKey = new kms.Key(this, 'SourceKey', { enableKeyRotation: true, description: 'Encrypts the golden AMI the pipeline builds' });

    const recipe = new imagebuilder.ImageRecipe(this, 'Recipe', {
      imageRecipeName: 'golden-al2023',
      imageRecipeVersion: '1.0.0',
      baseImage: imagebuilder.BaseImage.fromImage(imagebuilder.AmazonManagedImage.amazonLinux2023(this, 'AmazonLinux2023', {
        imageArchitecture: imagebuilder.ImageArchitecture.X86_64,
        imageType: imagebuilder.ImageType.AMI,
      })),
      components: [{ component: imagebuilder.AmazonManagedComponent.updateOs(this, 'UpdateOs', { platform: imagebuilder.Platform.LINUX }) }],
      blockDevices: [{
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, kmsKey: this.sourceKey, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
      }],
    });

    // Its default instance profile has the two policies Image Builder documents for build instances.
    const infrastructureConfiguration = new imagebuilder.InfrastructureConfiguration(this, 'Infrastructure', {
      infrastructureConfigurationName: 'golden-al2023',
      instanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MEDIUM)],
    });

    this.distribution = new DistributionConfiguration(this, 'Distribution', {
      distributionConfigurationName: 'golden-al2023',
      sourceKey: this.sourceKey,
      amiName: 'golden-al2023-{{ imagebuilder:buildDate }}',
      launchPermission: { accounts: [SHARED_ACCOUNT] },
    }).addRegion(this.region, { kmsKey: this.sourceKey });

    new imagebuilder.ImagePipeline(this, 'Pipeline', {
      imagePipelineName: 'golden-al2023',
      recipe,
      infrastructureConfiguration,
      distributionConfiguration: this.distribution,
    });
  }
}

/** Builds the example; DistributionChecks follows the pipeline to its recipe and distribution at synth. */
export function buildPipelineApp(app: App = new App()): App {
  new PipelineStack(app, 'GoldenAmiAlphaPipeline', { env: { account: BUILD_ACCOUNT, region: 'us-east-1' } });
  Aspects.of(app).add(new DistributionChecks());
  return app;
}

if (require.main === module) {
  buildPipelineApp().synth();
}
