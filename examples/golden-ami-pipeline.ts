import { Stack, StackProps, Validations, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IDistributionConfiguration } from '../src';

/** A stack with the customer managed key that encrypts the AMIs of its Region. */
export class AmiKeyStack extends Stack {
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'AmiKey', { enableKeyRotation: true, description: `Encrypts golden AMIs in ${this.region}` });
  }
}

/** Properties of the examples' image pipeline. */
export interface GoldenAmiPipelineProps {
  /** Name of the recipe, infrastructure configuration and pipeline. */
  readonly name: string;
  /** The key the recipe encrypts the AMI with: the distribution's source key. */
  readonly sourceKey: kms.IKey;
  /** Where the pipeline distributes the AMI. */
  readonly distribution: IDistributionConfiguration;
}

/**
 * An Amazon Linux 2023 image pipeline with L1 constructs: instance role and profile, an encrypted recipe,
 * infrastructure configuration, and the pipeline that distributes with `distribution`.
 */
export class GoldenAmiPipeline extends Construct {
  constructor(scope: Construct, id: string, props: GoldenAmiPipelineProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
      ],
    });
    // cdk-nag 3 reads aws-cdk-lib's acknowledgements: one per finding, `<rule>[<finding>]`.
    for (const policy of ['AmazonSSMManagedInstanceCore', 'EC2InstanceProfileForImageBuilder']) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
        reason: 'Image Builder documents these two AWS managed policies as the instance profile of build and test instances.',
      });
    }
    const instanceProfile = new iam.CfnInstanceProfile(this, 'InstanceProfile', { roles: [role.roleName] });

    const recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      name: props.name,
      version: '1.0.0',
      parentImage: `arn:aws:imagebuilder:${region}:aws:image/amazon-linux-2023-x86/x.x.x`,
      components: [{ componentArn: `arn:aws:imagebuilder:${region}:aws:component/update-linux/x.x.x` }],
      blockDeviceMappings: [{
        deviceName: '/dev/xvda',
        ebs: { encrypted: true, kmsKeyId: props.sourceKey.keyArn, volumeSize: 30, volumeType: 'gp3', deleteOnTermination: true },
      }],
    });
    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: props.name,
      instanceProfileName: instanceProfile.ref,
      instanceTypes: ['t3.medium'],
    });
    new imagebuilder.CfnImagePipeline(this, 'Pipeline', {
      name: props.name,
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: props.distribution,
      schedule: { scheduleExpression: 'cron(0 4 ? * MON *)' },
    });
  }
}
