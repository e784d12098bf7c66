import { App, CfnElement, Stack, aws_imagebuilder as cfn, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { synthError } from './helpers';
import { schemaErrors } from './schema';
import { PipelineStack, SHARED_ACCOUNT, buildPipelineApp } from '../examples/pipeline/app';

/*
 * The pipeline example (examples/pipeline/app.ts): recipe, infrastructure configuration, pipeline and distribution
 * from the alpha module and the construct, linked by references only, and checked by DistributionChecks.
 */

function pipelineStack(app: App): PipelineStack {
  return app.node.children.find((c): c is PipelineStack => c instanceof PipelineStack)!;
}

const app = buildPipelineApp(new App());
const stack = pipelineStack(app);
const template = Template.fromStack(stack);
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const only = (type: string) => {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
};

test('the pipeline names its recipe, infrastructure and the distribution by reference, never by a written ARN', () => {
  const recipe = only('AWS::ImageBuilder::ImageRecipe');
  const infrastructure = only('AWS::ImageBuilder::InfrastructureConfiguration');
  template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
    ImageRecipeArn: { 'Fn::GetAtt': [recipe, 'Arn'] },
    InfrastructureConfigurationArn: { 'Fn::GetAtt': [infrastructure, 'Arn'] },
    DistributionConfigurationArn: { 'Fn::GetAtt': [logicalId(stack.distribution), 'Arn'] },
  });
});

test('the recipe encrypts the root volume with the source key, which the distribution shares', () => {
  const sourceKey = logicalId(stack.sourceKey);
  template.hasResourceProperties('AWS::ImageBuilder::ImageRecipe', {
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, KmsKeyId: { 'Fn::GetAtt': [sourceKey, 'Arn'] } } }],
  });
  const [dist] = Object.values<any>(template.findResources('AWS::ImageBuilder::DistributionConfiguration'));
  expect(dist.Properties.Distributions).toEqual([{
    Region: 'us-east-1',
    AmiDistributionConfiguration: {
      Name: 'golden-al2023-{{ imagebuilder:buildDate }}',
      KmsKeyId: { 'Fn::GetAtt': [sourceKey, 'Arn'] },
      LaunchPermissionConfiguration: { UserIds: [SHARED_ACCOUNT] },
    },
  }]);
  // The source key's policy names the account the AMI is shared with.
  const statements: any[] = template.findResources('AWS::KMS::Key')[sourceKey].Properties.KeyPolicy.Statement;
  expect(statements.some(s => JSON.stringify(s.Principal ?? {}).includes(`:iam::${SHARED_ACCOUNT}:root`) && [s.Action].flat().includes('kms:Decrypt'))).toBe(true);
});

test('the example synthesizes without findings, and validates against the CloudFormation schemas', () => {
  expect(synthError(stack)).toBe('');
  expect(schemaErrors(template.toJSON())).toEqual([]);
});

test('DistributionChecks stops the example when the recipe encrypts with another key', () => {
  const broken = buildPipelineApp(new App());
  const brokenStack = pipelineStack(broken);
  const other = new kms.Key(brokenStack, 'OtherKey');
  const recipe = brokenStack.node.findChild('Recipe').node.defaultChild as cfn.CfnImageRecipe;
  recipe.addPropertyOverride('BlockDeviceMappings.0.Ebs.KmsKeyId', other.keyArn);
  expect(synthError(brokenStack as Stack)).toMatch(
    /\[RecipeSourceKey\] The image pipeline GoldenAmiAlphaPipeline\/Pipeline builds with the recipe GoldenAmiAlphaPipeline\/Recipe and distributes with GoldenAmiAlphaPipeline\/Distribution: .*KmsKeyId is GoldenAmiAlphaPipeline\/OtherKey, but GoldenAmiAlphaPipeline\/Distribution has sourceKey GoldenAmiAlphaPipeline\/SourceKey/,
  );
});
