import * as imagebuilder from '@aws-cdk/aws-imagebuilder-alpha';
import { App, Stack, aws_imagebuilder as cfn } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DistributionConfiguration } from '../src';
import { schemaErrors } from './schema';

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: { account: '111111111111', region: 'us-east-1' } });
  const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' })
    .addRegion('us-east-1')
    .addRegion('eu-west-1');
  return { stack, dist, distLogicalId: stack.getLogicalId(dist.node.defaultChild as cfn.CfnDistributionConfiguration) };
}

test('CfnImagePipeline takes distributionConfigurationArn', () => {
  const { stack, dist, distLogicalId } = setup();
  const recipe = new cfn.CfnImageRecipe(stack, 'Recipe', {
    name: 'golden',
    version: '1.0.0',
    parentImage: 'ami-0123456789abcdef0',
    components: [{ componentArn: 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x' }],
  });
  const infra = new cfn.CfnInfrastructureConfiguration(stack, 'Infra', { name: 'golden', instanceProfileName: 'ImageBuilderInstanceProfile' });
  new cfn.CfnImagePipeline(stack, 'ImagePipeline', {
    name: 'golden',
    imageRecipeArn: recipe.attrArn,
    infrastructureConfigurationArn: infra.attrArn,
    distributionConfigurationArn: dist.distributionConfigurationArn,
  });

  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
    DistributionConfigurationArn: { 'Fn::GetAtt': [distLogicalId, 'Arn'] },
  });
  expect(schemaErrors(template.toJSON(), [
    'AWS::ImageBuilder::ImagePipeline', 'AWS::ImageBuilder::ImageRecipe',
    'AWS::ImageBuilder::InfrastructureConfiguration', 'AWS::ImageBuilder::DistributionConfiguration',
  ])).toEqual([]);
});

test('the alpha module ImagePipeline accepts the construct as its distributionConfiguration', () => {
  const { stack, dist, distLogicalId } = setup();
  const recipe = new imagebuilder.ImageRecipe(stack, 'Recipe', {
    baseImage: imagebuilder.BaseImage.fromAmiId('ami-0123456789abcdef0'),
  });
  new imagebuilder.ImagePipeline(stack, 'ImagePipeline', { recipe, distributionConfiguration: dist });

  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::ImageBuilder::DistributionConfiguration', 1);
  template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
    DistributionConfigurationArn: { 'Fn::GetAtt': [distLogicalId, 'Arn'] },
  });
});
