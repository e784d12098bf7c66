import { App, Stack, aws_ec2 as ec2, aws_ecr as ecr, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DistributionConfiguration, SsmParameterDataType } from '../src';
import { schemaErrors } from './schema';

const ACCOUNT = '111111111111';
const ORG_ARN = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU_ARN = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij';
const LICENSE_ARN = 'arn:aws:license-manager:us-east-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef';

function newStack(region = 'us-east-1') {
  const app = new App();
  return new Stack(app, 'Stack', { env: { account: ACCOUNT, region } });
}

function distributions(stack: Stack): any[] {
  const resources = Template.fromStack(stack).findResources('AWS::ImageBuilder::DistributionConfiguration');
  const all = Object.values(resources);
  expect(all).toHaveLength(1);
  return (all[0] as any).Properties.Distributions;
}

function expectSchemaValid(stack: Stack) {
  expect(schemaErrors(Template.fromStack(stack).toJSON(), ['AWS::ImageBuilder::DistributionConfiguration'])).toEqual([]);
}

describe('DistributionConfiguration', () => {
  test('chained addRegion() calls synthesize one resource holding both Regions, in order', () => {
    const stack = newStack();
    const result = new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'golden' })
      .addRegion('us-east-1', { amiName: 'a-{{ imagebuilder:buildDate }}' })
      .addRegion('eu-west-1', { amiName: 'b-{{ imagebuilder:buildDate }}' });

    expect(result).toBeInstanceOf(DistributionConfiguration);
    Template.fromStack(stack).resourceCountIs('AWS::ImageBuilder::DistributionConfiguration', 1);
    expect(distributions(stack)).toEqual([
      { Region: 'us-east-1', AmiDistributionConfiguration: { Name: 'a-{{ imagebuilder:buildDate }}' } },
      { Region: 'eu-west-1', AmiDistributionConfiguration: { Name: 'b-{{ imagebuilder:buildDate }}' } },
    ]);
    expectSchemaValid(stack);
  });

  test('name, description and tags', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist', {
      distributionConfigurationName: 'golden-ami',
      description: 'Golden AMI distribution',
      tags: { team: 'platform' },
    }).addRegion('us-east-1');

    Template.fromStack(stack).hasResourceProperties('AWS::ImageBuilder::DistributionConfiguration', {
      Name: 'golden-ami',
      Description: 'Golden AMI distribution',
      Tags: { team: 'platform' },
      Distributions: [{ Region: 'us-east-1' }],
    });
    expectSchemaValid(stack);
  });

  test('a generated name follows the service pattern', () => {
    const stack = newStack();
    const dist = new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1');
    const name = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(dist.node.defaultChild as any)].Properties.Name;
    expect(name).toMatch(/^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$/);
    expect(dist.distributionConfigurationName).toBe(name);
  });

  test('every AMI option renders with PascalCase keys', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', {
      amiName: 'golden-{{ imagebuilder:buildDate }}',
      amiDescription: 'Golden AMI',
      amiTags: { os: 'al2023' },
      kmsKey: key,
      targetAccounts: ['222222222222'],
      launchPermission: { accounts: ['333333333333'], organizations: [ORG_ARN], organizationalUnits: [OU_ARN] },
      licenseConfigurationArns: [LICENSE_ARN],
    });

    expect(distributions(stack)).toEqual([{
      Region: 'us-east-1',
      AmiDistributionConfiguration: {
        Name: 'golden-{{ imagebuilder:buildDate }}',
        Description: 'Golden AMI',
        AmiTags: { os: 'al2023' },
        KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as any), 'Arn'] },
        TargetAccountIds: ['222222222222'],
        LaunchPermissionConfiguration: {
          UserIds: ['333333333333'],
          OrganizationArns: [ORG_ARN],
          OrganizationalUnitArns: [OU_ARN],
        },
      },
      LicenseConfigurationArns: [LICENSE_ARN],
    }]);
    expectSchemaValid(stack);
  });

  test('public access renders the user group "all"', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { launchPermission: { publicAccess: true } });
    expect(distributions(stack)[0].AmiDistributionConfiguration).toEqual({ LaunchPermissionConfiguration: { UserGroups: ['all'] } });
  });

  test('Regions inherit the defaults unless they set their own', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist', {
      amiName: 'default-{{ imagebuilder:buildDate }}',
      amiDescription: 'default',
      amiTags: { a: '1' },
      launchPermission: { accounts: ['333333333333'] },
      targetAccounts: ['222222222222'],
    })
      .addRegion('us-east-1')
      .addRegion('eu-west-1', {
        amiName: 'eu-{{ imagebuilder:buildDate }}',
        amiTags: { b: '2' },
        targetAccounts: ['444444444444'],
        launchPermission: { organizations: [ORG_ARN] },
      });

    expect(distributions(stack)).toEqual([
      {
        Region: 'us-east-1',
        AmiDistributionConfiguration: {
          Name: 'default-{{ imagebuilder:buildDate }}',
          Description: 'default',
          AmiTags: { a: '1' },
          TargetAccountIds: ['222222222222'],
          LaunchPermissionConfiguration: { UserIds: ['333333333333'] },
        },
      },
      {
        Region: 'eu-west-1',
        AmiDistributionConfiguration: {
          Name: 'eu-{{ imagebuilder:buildDate }}',
          Description: 'default',
          AmiTags: { b: '2' },
          TargetAccountIds: ['444444444444'],
          LaunchPermissionConfiguration: { OrganizationArns: [ORG_ARN] },
        },
      },
    ]);
  });

  test('empty lists and objects are left out; a Region with no settings still gets (empty) AMI settings', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', {
      targetAccounts: [],
      amiTags: {},
      launchPermission: { accounts: [], organizations: [], organizationalUnits: [], publicAccess: false },
      licenseConfigurationArns: [],
      launchTemplates: [],
      ssmParameters: [],
      fastLaunch: [],
    });
    expect(distributions(stack)).toEqual([{ Region: 'us-east-1', AmiDistributionConfiguration: {} }]);
    expectSchemaValid(stack);
  });

  test('launch templates, SSM parameters and fast launch', () => {
    const stack = newStack();
    const lt = ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'LT', { launchTemplateId: 'lt-0123456789abcdef0' });
    const fastLt = ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'FastLT', { launchTemplateId: 'lt-0fedcba9876543210', versionNumber: '3' });
    const byName = ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'ByName', { launchTemplateName: 'windows-fast', versionNumber: '$Latest' });
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', {
      targetAccounts: ['222222222222'],
      // A launch template of another account gets the distribution account's AMI ID: that account needs launch permission.
      launchPermission: { accounts: ['222222222222'] },
      launchTemplates: [
        { launchTemplate: lt, setDefaultVersion: true },
        { launchTemplate: lt, accountId: '222222222222' },
        { launchTemplate: lt, setDefaultVersion: false },
      ],
      ssmParameters: [
        { parameterName: '/golden/ami' },
        { parameterName: '/golden/ami-id', amiAccount: '222222222222', dataType: SsmParameterDataType.AWS_EC2_IMAGE },
      ],
      fastLaunch: [
        { maxParallelLaunches: 6, targetSnapshotCount: 5, launchTemplate: fastLt },
        { enabled: false, accountId: '222222222222', launchTemplate: byName },
      ],
    });

    expect(distributions(stack)).toEqual([{
      Region: 'us-east-1',
      AmiDistributionConfiguration: { TargetAccountIds: ['222222222222'], LaunchPermissionConfiguration: { UserIds: ['222222222222'] } },
      // setDefaultVersion: Image Builder treats an unset value as true (API model), and the template says so.
      LaunchTemplateConfigurations: [
        { LaunchTemplateId: 'lt-0123456789abcdef0', SetDefaultVersion: true },
        { LaunchTemplateId: 'lt-0123456789abcdef0', AccountId: '222222222222', SetDefaultVersion: true },
        { LaunchTemplateId: 'lt-0123456789abcdef0', SetDefaultVersion: false },
      ],
      SsmParameterConfigurations: [
        { ParameterName: '/golden/ami' },
        { ParameterName: '/golden/ami-id', AmiAccountId: '222222222222', DataType: 'aws:ec2:image' },
      ],
      FastLaunchConfigurations: [
        {
          Enabled: true,
          MaxParallelLaunches: 6,
          SnapshotConfiguration: { TargetResourceCount: 5 },
          LaunchTemplate: { LaunchTemplateId: 'lt-0fedcba9876543210', LaunchTemplateVersion: '3' },
        },
        { Enabled: false, AccountId: '222222222222', LaunchTemplate: { LaunchTemplateName: 'windows-fast', LaunchTemplateVersion: '$Latest' } },
      ],
    }]);
    expectSchemaValid(stack);
  });

  test('a launch template without an ID is an error that says how to fix it', () => {
    const stack = newStack();
    const byName = ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'ByName', { launchTemplateName: 'web' });
    const dist = new DistributionConfiguration(stack, 'Dist');
    expect(() => dist.addRegion('us-east-1', { launchTemplates: [{ launchTemplate: byName }] }))
      .toThrow(/^\[LaunchTemplateWithoutId\] Region us-east-1: addRegion\('us-east-1', \.\.\.\) launchTemplates\[0\] \(Stack\/ByName\) has no launch template ID.*Fix: import the template with LaunchTemplate\.fromLaunchTemplateAttributes and its launchTemplateId\. \(at Stack\/Dist\)$/);
  });

  test('container distribution, alone and sharing a Region with AMI settings', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden');
    new DistributionConfiguration(stack, 'Dist')
      .addRegion('us-east-1', { amiName: 'x-{{ imagebuilder:buildDate }}' })
      .addContainerRegion('us-east-1', { repository: repo, tags: ['latest', '1.0'], description: 'Golden container' })
      .addContainerRegion('eu-west-1', { repository: repo });

    expect(distributions(stack)).toEqual([
      {
        Region: 'us-east-1',
        AmiDistributionConfiguration: { Name: 'x-{{ imagebuilder:buildDate }}' },
        ContainerDistributionConfiguration: {
          Description: 'Golden container',
          ContainerTags: ['latest', '1.0'],
          TargetRepository: { Service: 'ECR', RepositoryName: 'golden' },
        },
      },
      { Region: 'eu-west-1', ContainerDistributionConfiguration: { TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } } },
    ]);
    expectSchemaValid(stack);
  });

  test('adding the same Region twice is an error', () => {
    const stack = newStack();
    const dist = new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1');
    expect(() => dist.addRegion('us-east-1')).toThrow(/^\[RegionAddedTwice\] Region us-east-1: addRegion\('us-east-1', \.\.\.\) was already called for this Region/);
  });

  test('ARN attribute, grant and grantRead', () => {
    const stack = newStack();
    const dist = new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'golden' }).addRegion('us-east-1');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    dist.grantRead(role);
    dist.grant(role, 'imagebuilder:UpdateDistributionConfiguration');

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'imagebuilder:GetDistributionConfiguration', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dist'), 'Arn'] } },
          { Action: 'imagebuilder:UpdateDistributionConfiguration', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dist'), 'Arn'] } },
        ],
      },
    });
  });

  test('fromDistributionConfigurationArn and fromDistributionConfigurationName', () => {
    const stack = newStack();
    const byArn = DistributionConfiguration.fromDistributionConfigurationArn(stack, 'ByArn',
      'arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/golden-ami');
    expect(byArn.distributionConfigurationName).toBe('golden-ami');
    expect(byArn.distributionConfigurationArn).toBe('arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/golden-ami');

    const byName = DistributionConfiguration.fromDistributionConfigurationName(stack, 'ByName', 'Golden AMI');
    expect(byName.distributionConfigurationName).toBe('Golden AMI');
    expect(stack.resolve(byName.distributionConfigurationArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':imagebuilder:us-east-1:111111111111:distribution-configuration/golden-ami']],
    });

    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    byArn.grantRead(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'imagebuilder:GetDistributionConfiguration', Resource: byArn.distributionConfigurationArn }] },
    });
  });
});
