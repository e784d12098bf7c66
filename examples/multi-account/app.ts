import { App, Stack, StackProps, Validations, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CrossAccountDistributionRole, DistributionConfiguration } from '../../src';
import { AmiKeyStack, GoldenAmiPipeline } from '../golden-ami-pipeline';

/** The account that runs the pipeline, the accounts that receive copies, and the organization it shares with. */
export const SOURCE_ACCOUNT = '111111111111';
export const TARGET_ACCOUNTS = ['222222222222', '333333333333'];
export const ORGANIZATION_ARN = 'arn:aws:organizations::999999999999:organization/o-exampleorg1';
export const BUILD_REGION = 'us-east-1';
export const REPLICA_REGION = 'eu-west-1';

interface PipelineStackProps extends StackProps {
  readonly buildKey: kms.IKey;
  readonly replicaKey: kms.IKey;
}

/** The image pipeline: builds an encrypted AMI, copies it into the target accounts and shares it with the organization. */
export class MultiAccountPipelineStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);

    // #region distribution
    const distribution = new DistributionConfiguration(this, 'Distribution', {
      distributionConfigurationName: 'golden-multi-account',
      sourceKey: props.buildKey,
      amiName: 'golden-{{ imagebuilder:buildDate }}',
      targetAccounts: TARGET_ACCOUNTS,
      launchPermission: { organizations: [ORGANIZATION_ARN] },
    })
      .addRegion(BUILD_REGION, {
        kmsKey: props.buildKey,
        ssmParameters: [{ parameterName: '/golden/ami-id', amiAccount: TARGET_ACCOUNTS[0] }],
      })
      .addRegion(REPLICA_REGION, { kmsKey: props.replicaKey });
    // #endregion

    new GoldenAmiPipeline(this, 'ImagePipeline', { name: 'golden-multi-account', sourceKey: props.buildKey, distribution });
  }
}

interface TargetAccountStackProps extends StackProps {
  readonly sourceKeys: kms.IKey[];
  readonly ssmParameterNames?: string[];
}

/** In a target account: the role Image Builder assumes there. */
export class TargetAccountStack extends Stack {
  constructor(scope: Construct, id: string, props: TargetAccountStackProps) {
    super(scope, id, props);
    // #region role
    const distributionRole = new CrossAccountDistributionRole(this, 'DistributionRole', {
      sourceAccounts: [SOURCE_ACCOUNT],
      keys: props.sourceKeys,
      ssmParameterNames: props.ssmParameterNames,
    });
    // #endregion
    // cdk-nag 3 reads aws-cdk-lib's acknowledgements, one per finding (`<rule>[<finding>]`), on the role and the
    // constructs under it (its default policy).
    const acknowledge = (finding: string, reason: string) => Validations.of(distributionRole.role).acknowledge({ id: finding, reason });
    acknowledge('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess]',
      'Image Builder requires this AWS managed policy on the cross-account distribution role.');
    acknowledge('AwsSolutions-IAM5[Action::kms:ReEncrypt*]', 'kms:ReEncrypt* is ReEncryptFrom and ReEncryptTo, both used by the copy.');
    for (const key of props.sourceKeys) {
      acknowledge(`AwsSolutions-IAM5[Resource::arn:aws:kms:${key.env.region}:${key.env.account}:key/*]`,
        'key/* is limited to the source keys by kms:ResourceAliases: their key IDs are unknown at synth.');
    }
    for (const name of props.ssmParameterNames ?? []) {
      acknowledge(`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:${this.account}:parameter/${name.replace(/^\//, '')}]`,
        'Distributions update the SSM parameter in every Region they distribute to.');
    }
  }
}

/**
 * Source account: a key stack per Region and the pipeline. Each target account: the role, deployed
 * first (the pipeline's first run needs it).
 */
export function buildMultiAccountApp(app: App = new App()): App {
  // #region stacks
  const buildKeys = new AmiKeyStack(app, 'SourceKeys-us-east-1', { env: { account: SOURCE_ACCOUNT, region: BUILD_REGION } });
  const replicaKeys = new AmiKeyStack(app, 'SourceKeys-eu-west-1', { env: { account: SOURCE_ACCOUNT, region: REPLICA_REGION } });
  const pipeline = new MultiAccountPipelineStack(app, 'GoldenAmiMultiAccountPipeline', {
    env: { account: SOURCE_ACCOUNT, region: BUILD_REGION },
    buildKey: buildKeys.key,
    replicaKey: replicaKeys.key,
  });
  TARGET_ACCOUNTS.forEach((account, i) => {
    const target = new TargetAccountStack(app, `DistributionRole-${account}`, {
      env: { account, region: BUILD_REGION },
      sourceKeys: [buildKeys.key, replicaKeys.key],
      ssmParameterNames: i === 0 ? ['/golden/ami-id'] : undefined,
    });
    pipeline.addStackDependency(target, 'the target account role must exist before the first distribution');
  });
  // #endregion
  return app;
}

if (require.main === module) {
  buildMultiAccountApp().synth();
}
