import { App, Stack, StackProps, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { DistributionConfiguration } from '../../src';

/** The account that builds the AMI, and the account it is shared with. */
export const BUILD_ACCOUNT = '111111111111';
export const SHARED_ACCOUNT = '222222222222';

/** A customer managed key for the AMI copies of one Region. */
export class AmiKeyStack extends Stack {
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'AmiKey', { enableKeyRotation: true, description: 'Encrypts golden AMI copies' });
  }
}

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

    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
      ],
    });
    NagSuppressions.addResourceSuppressions(role, [{
      id: 'AwsSolutions-IAM4',
      reason: 'Image Builder documents these two AWS managed policies as the instance profile of build and test instances.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore', 'Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder'],
    }]);
    const instanceProfile = new iam.CfnInstanceProfile(this, 'InstanceProfile', { roles: [role.roleName] });

    const recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      name: 'golden-al2023',
      version: '1.0.0',
      parentImage: `arn:aws:imagebuilder:${this.region}:aws:image/amazon-linux-2023-x86/x.x.x`,
      components: [{ componentArn: `arn:aws:imagebuilder:${this.region}:aws:component/update-linux/x.x.x` }],
      blockDeviceMappings: [{
        deviceName: '/dev/xvda',
        ebs: { encrypted: true, kmsKeyId: sourceKey.keyArn, volumeSize: 30, volumeType: 'gp3', deleteOnTermination: true },
      }],
    });
    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: 'golden-al2023',
      instanceProfileName: instanceProfile.ref,
      instanceTypes: ['t3.medium'],
    });
    new imagebuilder.CfnImagePipeline(this, 'Pipeline', {
      name: 'golden-al2023',
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: distribution.distributionConfigurationArn,
      schedule: { scheduleExpression: 'cron(0 4 ? * MON *)' },
    });
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
