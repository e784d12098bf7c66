import * as imagebuilder from '@aws-cdk/aws-imagebuilder-alpha';
import { App, Aspects, CfnParameter, Stack, Validations, aws_ec2 as ec2, aws_imagebuilder as cfn, aws_kms as kms, interfaces } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { DistributionChecks, DistributionConfiguration } from '../src';
import { propertyRuns } from './property-runs';
import { schemaErrors } from './schema';
import { withoutCdkValidation } from './without-cdk-validation';

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
  // A pipeline cannot use a configuration of another Region and account (rules.test.ts): acknowledged to read the reference.
  Validations.of(byArn).acknowledge({ id: 'cdk-imagebuilder-distribution:DistributionConfigurationEnvironment', reason: 'the test reads how the reference renders' });
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

/*
 * DistributionChecks follows image pipelines to their recipe and distribution (the rules' broken and fixed cases
 * are in rules.test.ts): through the alpha module, across stacks, and never further than references reach.
 */
describe('DistributionChecks and the pipeline around the distribution', () => {
  withoutCdkValidation();

  function alphaPipeline(recipeKey: 'source' | 'other') {
    const app = new App();
    const stack = new Stack(app, 'Pipeline', { env: { account: '111111111111', region: 'us-east-1' } });
    Aspects.of(app).add(new DistributionChecks());
    const sourceKey = new kms.Key(stack, 'SourceKey');
    const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', sourceKey, targetAccounts: ['222222222222'] })
      .addRegion('us-east-1', { kmsKey: sourceKey });
    const recipe = new imagebuilder.ImageRecipe(stack, 'Recipe', {
      baseImage: imagebuilder.BaseImage.fromAmiId('ami-0123456789abcdef0'),
      blockDevices: [{
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, kmsKey: recipeKey === 'source' ? sourceKey : new kms.Key(stack, 'OtherKey') }),
      }],
    });
    new imagebuilder.ImagePipeline(stack, 'ImagePipeline', { recipe, distributionConfiguration: dist });
    return app;
  }

  test('the alpha ImagePipeline is followed to its ImageRecipe\'s block devices', () => {
    expect(() => alphaPipeline('other').synth()).toThrow(
      /\[RecipeSourceKey\] The image pipeline Pipeline\/ImagePipeline builds with the recipe Pipeline\/Recipe and distributes with Pipeline\/Dist: Pipeline\/Recipe BlockDeviceMappings\[0\]\.Ebs\.KmsKeyId is Pipeline\/OtherKey, but Pipeline\/Dist has sourceKey Pipeline\/SourceKey/,
    );
    expect(() => alphaPipeline('source').synth()).not.toThrow();
  });

  test('a recipe in another stack of the environment is followed through the reference', () => {
    const app = new App();
    const env = { account: '111111111111', region: 'us-east-1' };
    const recipes = new Stack(app, 'Recipes', { env });
    const pipelines = new Stack(app, 'Pipelines', { env });
    Aspects.of(app).add(new DistributionChecks());
    const recipe = new cfn.CfnImageRecipe(recipes, 'Recipe', {
      name: 'golden',
      version: '1.0.0',
      parentImage: 'ami-0123456789abcdef0',
      components: [{ componentArn: 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x' }],
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: true, kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:alias/aws/ebs' } }],
    });
    const dist = new DistributionConfiguration(pipelines, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', launchPermission: { accounts: ['222222222222'] } })
      .addRegion('us-east-1');
    new cfn.CfnImagePipeline(pipelines, 'ImagePipeline', {
      name: 'golden',
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden',
      distributionConfigurationArn: dist.distributionConfigurationArn,
    });
    expect(() => app.synth()).toThrow(/\[RecipeAwsManagedKey\] The image pipeline Pipelines\/ImagePipeline builds with the recipe Recipes\/Recipe and distributes with Pipelines\/Dist/);
  });

  test('hand-written ARNs and deploy-time keys are not followed, and are no finding', () => {
    const { stack, dist } = setup();
    Aspects.of(stack.node.root).add(new DistributionChecks());
    const keyParameter = new CfnParameter(stack, 'RecipeKeyArn');
    const recipe = new cfn.CfnImageRecipe(stack, 'Recipe', {
      name: 'golden',
      version: '1.0.0',
      parentImage: 'ami-0123456789abcdef0',
      components: [{ componentArn: 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x' }],
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: true, kmsKeyId: keyParameter.valueAsString } }],
    });
    for (const [id, imageRecipeArn] of [
      ['ByArn', 'arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/golden/1.0.0'],
      ['DeployTimeKey', recipe.attrArn],
    ]) {
      new cfn.CfnImagePipeline(stack, id, {
        name: id,
        imageRecipeArn,
        infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden',
        distributionConfigurationArn: dist.distributionConfigurationArn,
      });
    }
    expect(() => (stack.node.root as App).synth()).not.toThrow();
  });

  test('whatever a recipe\'s block device mappings hold, the checks report only their own findings', () => {
    const keyId = fc.oneof(
      fc.constantFrom<unknown>('arn:aws:kms:us-east-1:111111111111:alias/aws/ebs', 'alias/aws/ebs', { Ref: 'RecipeKeyArn' }, { 'Fn::GetAtt': ['SourceKey', 'Arn'] }, { 'Fn::ImportValue': 'KeyArn' }),
      fc.jsonValue(),
    );
    const ebs = fc.record({ Encrypted: fc.oneof(fc.boolean(), fc.jsonValue()), KmsKeyId: keyId }, { requiredKeys: [] });
    const mapping = fc.record({ DeviceName: fc.string(), Ebs: fc.oneof(ebs, fc.jsonValue()) }, { requiredKeys: [] });
    const mappings = fc.oneof(fc.array(mapping, { maxLength: 3 }), fc.jsonValue());
    fc.assert(fc.property(mappings, fc.constantFrom<string[] | undefined>(undefined, ['222222222222']), (blockDeviceMappings, accounts) => {
      const app = new App();
      const stack = new Stack(app, 'Pipeline', { env: { account: '111111111111', region: 'us-east-1' } });
      Aspects.of(app).add(new DistributionChecks());
      const sourceKey = new kms.Key(stack, 'SourceKey');
      const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', sourceKey, launchPermission: accounts && { accounts } })
        .addRegion('us-east-1', { kmsKey: sourceKey });
      const recipe = new cfn.CfnImageRecipe(stack, 'Recipe', { name: 'golden', version: '1.0.0', parentImage: 'ami-0123456789abcdef0', components: [] });
      recipe.addPropertyOverride('BlockDeviceMappings', blockDeviceMappings);
      new cfn.CfnImagePipeline(stack, 'ImagePipeline', {
        name: 'golden',
        imageRecipeArn: recipe.attrArn,
        infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden',
        distributionConfigurationArn: dist.distributionConfigurationArn,
      });
      try {
        app.synth();
      } catch (e) {
        // Only our rules fail the synthesis, each message starting with its rule.
        expect((e as Error).message).toMatch(/^Validation failed with the following errors:\n(\s+\[[^\]]+\] \[Recipe[A-Za-z]+\] .*\n?)+$/);
      }
    }), { numRuns: propertyRuns(0.1) });
  });
});

test('a pipeline whose properties aws-cdk-lib refuses to render fails with aws-cdk-lib\'s own error, not from inside the checks', () => {
  const { stack, dist } = setup();
  Aspects.of(stack.node.root).add(new DistributionChecks());
  const pipeline = new cfn.CfnImagePipeline(stack, 'ImagePipeline', {
    name: 'golden',
    imageRecipeArn: 'arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/golden/1.0.0',
    infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden',
    distributionConfigurationArn: dist.distributionConfigurationArn,
  });
  (pipeline as any).schedule = 'not an object';
  let message = '';
  let trace = '';
  try {
    (stack.node.root as App).synth();
  } catch (e) {
    message = (e as Error).message;
    trace = (e as Error).stack ?? '';
  }
  expect(message).not.toMatch(/Validation failed|\[Recipe/);
  expect(trace).not.toMatch(/pipeline-checks/);
  expect(message).toMatch(/schedule/i);
});
