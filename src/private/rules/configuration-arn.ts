import { Stack, Stage, Token, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RuleId } from './catalog';
import { spell } from './messages';
import { isStr, literalText, UNKNOWN } from './shape';

/*
 * The ARN of a distribution configuration, and where it can be used. The API model's `DistributionConfigurationArn`
 * is `arn:aws[^:]*:imagebuilder:<region>:<account>:distribution-configuration/` and a lowercase name (Image
 * Builder lowercases the name in the ARN). A distribution configuration is a resource of one Region and account:
 * an image pipeline names one of its own Region and account. Image Builder's resources are Regional, and the API
 * shares only components, images, image recipes and container recipes (`PutComponentPolicy`, `PutImagePolicy`,
 * `PutImageRecipePolicy`, `PutContainerRecipePolicy`): there is no policy that lets another account or Region use
 * a distribution configuration.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateImagePipeline.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_PutImageRecipePolicy.html
 */

/** API model `DistributionConfigurationArn`. */
export const DISTRIBUTION_CONFIGURATION_ARN = /^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws):distribution-configuration\/[a-z0-9-_]+$/;

/**
 * Why a literal ARN is not a distribution configuration's, with the fix; undefined when it is one (or a token).
 * Never throws, whatever the value.
 */
export function distributionConfigurationArnProblem(arn: unknown): { problem: string; fix: string } | undefined {
  if (!isStr(arn) || Token.isUnresolved(arn) || DISTRIBUTION_CONFIGURATION_ARN.test(arn)) {
    return undefined;
  }
  const parts = arn.split(':');
  const resource = parts.slice(5).join(':');
  const type = resource.split('/')[0];
  const allowed = 'arn:<partition>:imagebuilder:<region>:<account>:distribution-configuration/<name in lowercase letters, digits, \'-\' and \'_\'>';
  if (parts[0] === 'arn' && parts[2] === 'imagebuilder' && type !== 'distribution-configuration') {
    return { problem: `is the ARN of an Image Builder ${type || 'resource'}, not of a distribution configuration (allowed: ${allowed})`, fix: 'pass the ARN of the distribution configuration (the pipeline\'s DistributionConfigurationArn), or use fromDistributionConfigurationName()' };
  }
  const name = resource.startsWith('distribution-configuration/') ? resource.slice('distribution-configuration/'.length) : undefined;
  if (name !== undefined && name !== name.toLowerCase() && DISTRIBUTION_CONFIGURATION_ARN.test(`${parts.slice(0, 5).join(':')}:distribution-configuration/${name.toLowerCase()}`)) {
    return { problem: `has the name ${JSON.stringify(name)} in upper case, but Image Builder writes the name in the ARN in lower case (allowed: ${allowed})`, fix: `write the ARN as Image Builder returns it, ${JSON.stringify(`${parts.slice(0, 5).join(':')}:distribution-configuration/${name.toLowerCase()}`)}` };
  }
  return { problem: `is not the ARN of a distribution configuration (allowed: ${allowed})`, fix: 'copy the ARN from the Image Builder console or GetDistributionConfiguration' };
}

/** The Region and account a literal ARN names, as far as they are concrete (pseudo parameters of `stack` written in). */
export function environmentOfArn(value: unknown, stack: Stack): { region?: string; account?: string } {
  const pseudo = {
    'AWS::Region': Token.isUnresolved(stack.region) ? undefined : stack.region,
    'AWS::AccountId': Token.isUnresolved(stack.account) ? undefined : stack.account,
  };
  const text = literalText(value, pseudo);
  if (text === undefined || !text.startsWith('arn:')) {
    return {};
  }
  const parts = text.split(':');
  const known = (v: string | undefined) => (v !== undefined && v !== '' && !v.includes(UNKNOWN) ? v : undefined);
  return { region: known(parts[3]), account: known(parts[4]) };
}

/**
 * A pipeline of `pipelineStack` that distributes with a configuration of `where` (another Region or account):
 * the finding, or undefined when they match or either is unknown at synth.
 */
export function environmentMismatch(pipeline: IConstruct, configuration: string, where: { region?: string; account?: string }):
{ rule: RuleId; text: string } | undefined {
  const stack = Stack.of(pipeline);
  const region = Token.isUnresolved(stack.region) ? undefined : stack.region;
  const account = Token.isUnresolved(stack.account) ? undefined : stack.account;
  const otherRegion = region !== undefined && where.region !== undefined && where.region !== region;
  const otherAccount = account !== undefined && where.account !== undefined && where.account !== 'aws' && where.account !== account;
  if (!otherRegion && !otherAccount) {
    return undefined;
  }
  const differs = [
    ...(otherRegion ? [`Region ${where.region}`] : []),
    ...(otherAccount ? [`account ${where.account}`] : []),
  ].join(' and ');
  return {
    rule: 'DistributionConfigurationEnvironment',
    text: `[DistributionConfigurationEnvironment] Region ${region ?? '(unknown)'}: the image pipeline ${ownerPath(pipeline)} (DistributionConfigurationArn) distributes with ${configuration}, a distribution configuration of ${differs}, but the pipeline is in Region ${region ?? '(unknown)'} of account ${account ?? '(unknown)'}; a pipeline takes a distribution configuration of its own Region and account (they are Regional, and Image Builder does not share them). Fix: create the distribution configuration in the pipeline's Region and account (a DistributionConfiguration in the pipeline's stack lists every Region to copy to), or move the pipeline.`,
  };
}

function ownerPath(resource: IConstruct): string {
  const owner = resource.node.scope;
  return owner && owner.node.defaultChild === resource ? owner.node.path : resource.node.path;
}

/** The pipelines the `DistributionChecks` aspect checks: their own validation reports the mistake. */
export const pipelinesOfTheAspect = new WeakSet<IConstruct>();

/**
 * The pipelines of the app (of the import's stage) that use an imported ARN of another Region or account: checked
 * at synth by the import, so that a pipeline finds the mistake without the `DistributionChecks` aspect.
 */
export function importedArnUseMessages(scope: IConstruct, arn: string): Array<{ rule: RuleId; level: 'error'; text: string }> {
  if (Token.isUnresolved(arn)) {
    return [];
  }
  const stage = Stage.of(scope) ?? scope.node.root;
  const pipelines = stage.node.findAll().filter((c): c is imagebuilder.CfnImagePipeline => c instanceof imagebuilder.CfnImagePipeline);
  return pipelines.flatMap(pipeline => {
    if (pipeline.distributionConfigurationArn !== arn || pipelinesOfTheAspect.has(pipeline)) {
      return [];
    }
    const finding = environmentMismatch(pipeline, `${spell('fromDistributionConfigurationArn')}(${JSON.stringify(arn)}) (${scope.node.path})`, environmentOfArn(arn, Stack.of(pipeline)));
    return finding ? [{ ...finding, level: 'error' as const }] : [];
  });
}
