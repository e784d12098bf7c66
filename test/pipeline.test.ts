import * as imagebuilder from '@aws-cdk/aws-imagebuilder-alpha';
import { App, Stack, aws_imagebuilder as cfn, interfaces } from 'aws-cdk-lib';
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

test('CfnImagePipeline takes the construct itself as its IDistributionConfigurationRef', () => {
  const { stack, dist, distLogicalId } = setup();
  const recipe = new cfn.CfnImageRecipe(stack, 'Recipe', {
    name: 'golden',
    version: '1.0.0',
    parentImage: 'ami-0123456789abcdef0',
    components: [{ componentArn: 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x' }],
  });
  const infra = new cfn.CfnInfrastructureConfiguration(stack, 'Infra', { name: 'golden', instanceProfileName: 'ImageBuilderInstanceProfile' });
  const ref: interfaces.aws_imagebuilder.IDistributionConfigurationRef = dist;
  new cfn.CfnImagePipeline(stack, 'ImagePipeline', {
    name: 'golden',
    imageRecipeArn: recipe,
    infrastructureConfigurationArn: infra,
    distributionConfigurationArn: ref,
  });

  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
    DistributionConfigurationArn: { 'Fn::GetAtt': [distLogicalId, 'Arn'] },
  });
  expect(dist.distributionConfigurationRef).toEqual({ distributionConfigurationArn: dist.distributionConfigurationArn });
  expect(dist.env).toEqual({ account: '111111111111', region: 'us-east-1' });
  expect(schemaErrors(template.toJSON(), [
    'AWS::ImageBuilder::ImagePipeline', 'AWS::ImageBuilder::ImageRecipe',
    'AWS::ImageBuilder::InfrastructureConfiguration', 'AWS::ImageBuilder::DistributionConfiguration',
  ])).toEqual([]);
});

test('imported configurations are references too, in the environment of their ARN', () => {
  const { stack } = setup();
  const arn = 'arn:aws:imagebuilder:eu-west-1:222222222222:distribution-configuration/shared-golden';
  const byArn = DistributionConfiguration.fromDistributionConfigurationArn(stack, 'ByArn', arn);
  const byName = DistributionConfiguration.fromDistributionConfigurationName(stack, 'ByName', 'Golden AL2023');
  new cfn.CfnImagePipeline(stack, 'FromArn', { name: 'from-arn', imageRecipeArn: 'arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/golden/1.0.0', infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden', distributionConfigurationArn: byArn });
  new cfn.CfnImagePipeline(stack, 'FromName', { name: 'from-name', imageRecipeArn: 'arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/golden/1.0.0', infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden', distributionConfigurationArn: byName });

  expect(byArn.distributionConfigurationRef.distributionConfigurationArn).toBe(arn);
  expect(byArn.env).toEqual({ account: '222222222222', region: 'eu-west-1' });
  expect(byName.env).toEqual({ account: '111111111111', region: 'us-east-1' });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', { Name: 'from-arn', DistributionConfigurationArn: arn });
  template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
    Name: 'from-name',
    DistributionConfigurationArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':imagebuilder:us-east-1:111111111111:distribution-configuration/golden-al2023']] },
  });
});
