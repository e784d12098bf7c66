import { IAspect, Stack, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { concrete } from './private/key-reference';
import { addPipelineValidation } from './private/pipeline-checks';
import { addDistributionValidation, checkNumbersAreNotTokens, isValidated } from './private/validation';

/**
 * An Aspect that checks every `CfnDistributionConfiguration` in its scope (hand-written, or made by the
 * Image Builder alpha module) with the same rules as `DistributionConfiguration`:
 *
 * ```ts
 * declare const app: App;
 * Aspects.of(app).add(new DistributionChecks());
 * ```
 *
 * The checks read the resource as CloudFormation receives it, escape-hatch overrides included, and name
 * fields by their CloudFormation path. Values known only at deploy time (parameters, imports, `Fn::If`)
 * are never findings. Errors fail `cdk synth` with the resource's path; warnings and errors can be
 * acknowledged by id (`cdk-imagebuilder-distribution:<Rule>`, see the README). Resources of
 * `DistributionConfiguration` are already checked and are not checked twice.
 *
 * It also follows every `CfnImagePipeline` (the alpha module's `ImagePipeline` makes one) to its recipe and its
 * distribution configuration, when the pipeline names them by reference (`recipe.attrArn`, the construct's
 * `distributionConfigurationArn`): the recipe's EBS key must be the distribution's `sourceKey`, and an AMI
 * encrypted with an AWS managed key cannot be shared. Whether the build Region encrypts new volumes by default,
 * and with which key, is an account setting `cdk synth` cannot see: an unencrypted recipe is not a finding.
 */
export class DistributionChecks implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof imagebuilder.CfnImagePipeline) {
      addPipelineValidation(node);
    }
    if (node instanceof imagebuilder.CfnDistributionConfiguration && !isValidated(node)) {
      const stack = Stack.of(node);
      checkNumbersAreNotTokens(node);
      addDistributionValidation(node, node, () => ({ ownerAccount: concrete(stack.account), buildRegion: concrete(stack.region) }), { audience: 'resource' });
    }
  }
}
