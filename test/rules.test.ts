import { format } from 'util';
import { App, Aspects, Aws, CfnParameter, CfnResource, Stack, aws_ec2 as ec2, aws_ecr as ecr, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { newStack, synthError, warningsOf } from './helpers';
import {
  CrossAccountDistributionRole, CrossAccountDistributionRoleStackSet, DistributionChecks, DistributionConfiguration, DistributionConfigurationProps,
  DistributionLifecycle, DistributionLifecycleProps, DistributionVerification, LifecycleAction, LifecycleFilter, LifecycleTimeUnit,
  RegionDistributionOptions,
  ReleaseRing, ReleaseRings, SsmParameterDataType,
  TargetAccountKeyAccess,
} from '../src';
import { CATALOG, RuleId } from '../src/private/rules';

/*
 * Every rule of the catalog, with a configuration that breaks it and the same configuration fixed: through
 * the construct (messages name the call and prop), through the DistributionChecks aspect on a hand-written
 * resource (messages name the CloudFormation path), or at construction (the call throws).
 */

const ACCOUNT = '111111111111';
const ORG_ARN = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU_ARN = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij';
const LICENSE_ARN = 'arn:aws:license-manager:us-east-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef';
const NAME = 'golden-{{ imagebuilder:buildDate }}';
const KEY_ARN = (region: string, account = ACCOUNT) => `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

type Build = (stack: Stack) => void;

/** A DistributionConfiguration with one Region. */
const l2 = (options: RegionDistributionOptions & { region?: string } = {}, props: DistributionConfigurationProps = {}): Build => stack => {
  const { region = 'us-east-1', ...rest } = options;
  new DistributionConfiguration(stack, 'Dist', { amiName: NAME, ...props }).addRegion(region, rest);
};

/** A hand-written CfnDistributionConfiguration in us-east-1 that gives launch permission to `accounts`. */
const cfnDist = (stack: Stack, accounts: string[]) => {
  const resource = new imagebuilder.CfnDistributionConfiguration(stack, 'Cfn', {
    name: 'golden',
    distributions: [{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, LaunchPermissionConfiguration: { UserIds: accounts } } }],
  });
  return { distributionConfigurationArn: resource.attrArn };
};

/** A hand-written CfnDistributionConfiguration, checked by the aspect. */
const cfn = (distributions: any, name: any = 'golden'): Build => stack => {
  Aspects.of(stack.node.root).add(new DistributionChecks());
  new imagebuilder.CfnDistributionConfiguration(stack, 'Cfn', { name, distributions });
};

/** `build` with the stack parameter `Os` its names refer to: a Ref to nothing fails aws-cdk-lib's template check. */
const withOs = (build: Build): Build => stack => {
  new CfnParameter(stack, 'Os');
  build(stack);
};

/**
 * An image pipeline whose recipe's root volume has `ebs`, distributing with what `dist` makes; the
 * DistributionChecks aspect follows the pipeline to both.
 */
const pipelineWith = (
  ebs: (stack: Stack) => imagebuilder.CfnImageRecipe.EbsInstanceBlockDeviceSpecificationProperty,
  dist: (stack: Stack) => { readonly distributionConfigurationArn: string },
): Build => stack => {
  Aspects.of(stack.node.root).add(new DistributionChecks());
  const recipe = new imagebuilder.CfnImageRecipe(stack, 'Recipe', {
    name: 'golden',
    version: '1.0.0',
    parentImage: 'ami-0123456789abcdef0',
    components: [{ componentArn: 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x' }],
    blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: ebs(stack) }],
  });
  const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(stack, 'Infra', { name: 'golden', instanceProfileName: 'ImageBuilderInstanceProfile' });
  new imagebuilder.CfnImagePipeline(stack, 'Pipeline', {
    name: 'golden',
    imageRecipeArn: recipe.attrArn,
    infrastructureConfigurationArn: infrastructure.attrArn,
    distributionConfigurationArn: dist(stack).distributionConfigurationArn,
  });
};
/** The key a test stack's recipe encrypts with (made once per stack). */
const recipeKey = (stack: Stack) => (stack.node.tryFindChild('RecipeKey') as kms.Key | undefined) ?? new kms.Key(stack, 'RecipeKey');
/** A DistributionConfiguration that shares with account 222222222222, with or without a source key. */
const sharedDist = (sourceKey?: (stack: Stack) => kms.IKey) => (stack: Stack) =>
  new DistributionConfiguration(stack, 'Dist', { amiName: NAME, sourceKey: sourceKey?.(stack), launchPermission: { accounts: ['222222222222'] } })
    .addRegion('us-east-1', { kmsKey: recipeKey(stack) });

const lt = (stack: Stack, attrs: ec2.LaunchTemplateAttributes, id = 'LT') => ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, id, attrs);
const importedKey = (region: string, account = ACCOUNT) => (stack: Stack) => kms.Key.fromKeyArn(stack, 'Key', KEY_ARN(region, account));
const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));
const parameterNames = (n: number, length: number) => Array.from({ length: n }, (_, i) => `/${'p'.repeat(length)}${i}`);
const orgs = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:organizations::999999999999:organization/o-${String(i).padStart(10, 'a')}`);

/** A hand-written image pipeline (no aspect) that distributes with `arn`, imported with fromDistributionConfigurationArn. */
const pipelineOfImport = (arn: string): Build => stack => {
  const imported = DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Imported', arn);
  new imagebuilder.CfnImagePipeline(stack, 'Pipeline', {
    name: 'golden',
    imageRecipeArn: 'arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/golden/1.0.0',
    infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden',
    distributionConfigurationArn: imported.distributionConfigurationArn,
  });
};

/** The service principal of Image Builder, which assumes the execution role. */
const IMAGE_BUILDER = new iam.ServicePrincipal('imagebuilder.amazonaws.com');

/** A stack of the test account in the GovCloud Region us-gov-east-1 (partition aws-us-gov), made once per app. */
const govStack = (stack: Stack) => (stack.node.root.node.tryFindChild('Gov') as Stack | undefined)
  ?? new Stack(stack.node.root, 'Gov', { env: { account: ACCOUNT, region: 'us-gov-east-1' } });

interface Case {
  readonly rule: RuleId;
  /** What the case is about, when a rule has several. */
  readonly about?: string;
  /** `synth` (default): `cdk synth` reports it; `construction`: the call throws. */
  readonly broken: Build;
  readonly fixed: Build;
  readonly message: RegExp;
}

/** A canary Region, then the rest (ReleaseRings). */
const CANARY_RINGS: ReleaseRing[] = [{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest', rest: true }];

const CASES: Case[] = [
  {
    rule: 'DistributionName',
    broken: stack => new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'bad/name' }).addRegion('us-east-1'),
    fixed: stack => new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'good-name' }).addRegion('us-east-1'),
    message: /\[DistributionName\] distributionConfigurationName "bad\/name" is not a valid distribution configuration name.*Fix: rename it, e.g. "bad-name"/,
  },
  {
    rule: 'DistributionNameCollision',
    about: 'names that differ only in underscores (the API model: one name)',
    broken: stack => {
      new DistributionConfiguration(stack, 'A', { distributionConfigurationName: 'golden_ami' }).addRegion('us-east-1');
      new DistributionConfiguration(stack, 'B', { distributionConfigurationName: 'golden-ami' }).addRegion('us-east-1');
    },
    fixed: stack => {
      new DistributionConfiguration(stack, 'A', { distributionConfigurationName: 'golden_ami' }).addRegion('us-east-1');
      new DistributionConfiguration(stack, 'B', { distributionConfigurationName: 'golden-ami-2' }).addRegion('us-east-1');
    },
    message: /\[DistributionNameCollision\] .*"golden-ami" is the name of .*reads spaces and underscores as '-'/,
  },
  {
    rule: 'DistributionNameCollision',
    broken: stack => {
      new DistributionConfiguration(stack, 'A', { distributionConfigurationName: 'Golden AMI' }).addRegion('us-east-1');
      new DistributionConfiguration(stack, 'B', { distributionConfigurationName: 'golden-ami' }).addRegion('us-east-1');
    },
    fixed: stack => {
      new DistributionConfiguration(stack, 'A', { distributionConfigurationName: 'Golden AMI' }).addRegion('us-east-1');
      new DistributionConfiguration(stack, 'B', { distributionConfigurationName: 'golden-ami-2' }).addRegion('us-east-1');
    },
    message: /\[DistributionNameCollision\] distributionConfigurationName "golden-ami" is the name of Stack\/A too, once Image Builder ignores case/,
  },
  {
    rule: 'Description',
    broken: l2({ amiDescription: 'x'.repeat(1025) }),
    fixed: l2({ amiDescription: 'x'.repeat(1024) }),
    message: /\[Description\] addRegion\('us-east-1', \.\.\.\) amiDescription is 1025 characters long: a description has 1 to 1024\. Fix: shorten it, or leave it out\./,
  },
  {
    rule: 'Tags',
    broken: stack => new DistributionConfiguration(stack, 'Dist', { tags: { '': 'x' } }).addRegion('us-east-1'),
    fixed: stack => new DistributionConfiguration(stack, 'Dist', { tags: { team: 'x' } }).addRegion('us-east-1'),
    message: /\[Tags\] tags has the key "": a tag key has 1 to 128 letters/,
  },
  {
    rule: 'Regions',
    broken: stack => new DistributionConfiguration(stack, 'Dist'),
    fixed: stack => new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1'),
    message: /\[Regions\] regions is empty: a distribution configuration needs at least one Region\. Fix: add a Region \(addRegion\(\) or addContainerRegion\(\)\)/,
  },
  {
    rule: 'RegionName',
    broken: l2({ region: 'EU-West-1' }),
    fixed: l2({ region: 'eu-west-1' }),
    message: /\[RegionName\] addRegion\('EU-West-1', \.\.\.\) region "EU-West-1" is not a Region code like 'eu-west-1'/,
  },
  {
    rule: 'RegionName',
    about: 'an empty Region',
    broken: l2({ region: '' }),
    fixed: l2({ region: 'eu-west-1' }),
    message: /\[RegionName\] addRegion\('', \.\.\.\) region "" is not a Region code/,
  },
  {
    rule: 'DuplicateRegion',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME } }, { region: 'us-east-1', amiDistributionConfiguration: { Name: NAME } }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME } }, { region: 'eu-west-1', amiDistributionConfiguration: { Name: NAME } }]),
    message: /\[Stack\/Cfn\] \[DuplicateRegion\] Region us-east-1: Region "us-east-1" appears more than once; each Region has one entry/,
  },
  {
    rule: 'UnknownRegion',
    broken: l2({ region: 'xx-nowhere-9' }),
    fixed: l2({ region: 'eu-west-1' }),
    message: /\[UnknownRegion\] addRegion\('xx-nowhere-9', \.\.\.\) region "xx-nowhere-9" is not known to aws-cdk-lib's RegionInfo/,
  },
  {
    rule: 'RegionPartition',
    broken: l2({ region: 'cn-north-1' }),
    fixed: l2({ region: 'eu-west-1' }),
    message: /\[RegionPartition\] addRegion\('cn-north-1', \.\.\.\) region "cn-north-1" is in the aws-cn partition, but the distribution builds in us-east-1 \(aws\)/,
  },
  {
    rule: 'RegionWithoutOutput',
    broken: cfn([{ region: 'us-east-1' }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: {} }]),
    message: /\[RegionWithoutOutput\] Region us-east-1: has nothing to distribute: Image Builder wants one or more outputs for each Region/,
  },
  {
    rule: 'AccountId',
    broken: l2({ targetAccounts: ['12345678901'] }),
    fixed: l2({ targetAccounts: ['012345678901'] }),
    message: /\[AccountId\] addRegion\('us-east-1', \.\.\.\) targetAccounts\[0\] is "12345678901": an account ID is exactly 12 digits/,
  },
  {
    rule: 'AccountId',
    about: 'a launch template account',
    broken: stack => l2({ launchPermission: { accounts: ['222222222222'] }, launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: '2222' }] })(stack),
    fixed: stack => l2({ launchPermission: { accounts: ['222222222222'] }, launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: '222222222222' }] })(stack),
    message: /\[AccountId\] addRegion\('us-east-1', \.\.\.\) launchTemplates\[0\]\.accountId is "2222"/,
  },
  {
    rule: 'ListSize',
    broken: l2({ launchPermission: { organizations: orgs(26) } }),
    fixed: l2({ launchPermission: { organizations: orgs(25) } }),
    message: /\[ListSize\] addRegion\('us-east-1', \.\.\.\) launchPermission\.organizations has 26 items; at most 25 are allowed/,
  },
  {
    rule: 'ListSize',
    about: 'an empty list in a hand-written resource',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME }, licenseConfigurationArns: [] }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME } }]),
    message: /\[ListSize\] Region us-east-1: LicenseConfigurationArns is an empty list, which CloudFormation rejects/,
  },
  {
    rule: 'OrganizationArn',
    broken: l2({ launchPermission: { organizations: ['o-abcdefghij'] } }),
    fixed: l2({ launchPermission: { organizations: [ORG_ARN] } }),
    message: /\[OrganizationArn\] addRegion\('us-east-1', \.\.\.\) launchPermission\.organizations\[0\] is "o-abcdefghij".*not the organization ID/,
  },
  {
    rule: 'OrganizationalUnitArn',
    broken: l2({ launchPermission: { organizationalUnits: ['ou-ab12-cdefghij'] } }),
    fixed: l2({ launchPermission: { organizationalUnits: [OU_ARN] } }),
    message: /\[OrganizationalUnitArn\] addRegion\('us-east-1', \.\.\.\) launchPermission\.organizationalUnits\[0\] is "ou-ab12-cdefghij"/,
  },
  {
    rule: 'LaunchPermissionGroup',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, LaunchPermissionConfiguration: { UserGroups: ['everyone'] } } }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, LaunchPermissionConfiguration: { UserGroups: ['all'] } } }]),
    message: /\[LaunchPermissionGroup\] Region us-east-1: AmiDistributionConfiguration\.LaunchPermissionConfiguration\.UserGroups\[0\] is "everyone"; the only launch group is "all"/,
  },
  {
    rule: 'PublicEncryptedAmi',
    broken: stack => l2({ kmsKey: new kms.Key(stack, 'Key'), launchPermission: { publicAccess: true } })(stack),
    fixed: stack => l2({ kmsKey: new kms.Key(stack, 'Key'), launchPermission: { accounts: ['222222222222'] } })(stack),
    message: /\[PublicEncryptedAmi\] addRegion\('us-east-1', \.\.\.\) launchPermission\.publicAccess makes the AMI public, but it is encrypted with the Region's key Stack\/Key.*Fix: turn off public access \(launchPermission\.publicAccess\)/,
  },
  {
    rule: 'PublicEncryptedAmi',
    about: 'the source key',
    broken: stack => l2({ launchPermission: { publicAccess: true } }, { sourceKey: new kms.Key(stack, 'Source') })(stack),
    fixed: stack => l2({ launchPermission: { publicAccess: true } })(stack),
    message: /launchPermission\.publicAccess \(a construct default|encrypted with the source key Stack\/Source/,
  },
  {
    rule: 'AmiName',
    broken: l2({ amiName: 'golden/{{ imagebuilder:buildDate }}' }),
    fixed: l2({ amiName: NAME }),
    message: /\[AmiName\] addRegion\('us-east-1', \.\.\.\) amiName "golden\/\{\{ imagebuilder:buildDate \}\}" is not a valid AMI name/,
  },
  {
    rule: 'AmiName',
    about: 'a colon passes the API but EC2 refuses it in the copy\'s name',
    broken: l2({ amiName: 'golden:al2023-{{ imagebuilder:buildDate }}' }),
    fixed: l2({ amiName: 'golden-al2023-{{ imagebuilder:buildDate }}' }),
    message: /\[AmiName\] addRegion\('us-east-1', \.\.\.\) amiName "golden:al2023-\{\{ imagebuilder:buildDate \}\}" holds ':', which EC2 refuses in the name of an AMI.*Fix: replace them/,
  },
  {
    rule: 'AmiName',
    about: 'a tab in the literal part of a name built with Fn::Join',
    broken: withOs(cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: { 'Fn::Join': ['', ['golden\t', { Ref: 'Os' }, '-{{ imagebuilder:buildDate }}']] } } }])),
    fixed: withOs(cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: { 'Fn::Join': ['', ['golden-', { Ref: 'Os' }, '-{{ imagebuilder:buildDate }}']] } } }])),
    message: /\[AmiName\] Region us-east-1: AmiDistributionConfiguration\.Name "golden\\t\.\.\.-\{\{ imagebuilder:buildDate \}\}" holds a tab, which EC2 refuses/,
  },
  {
    rule: 'AmiName',
    about: 'too long once {{imagebuilder:buildDate}} is expanded to 27 characters',
    // 102 + 26 = 128 characters as written (too long for the API); 101 + 26 = 127 passes the API, and expands to 128.
    broken: l2({ amiName: `${'g'.repeat(75)}{{imagebuilder:buildDate}}{{imagebuilder:buildDate}}` }),
    fixed: l2({ amiName: `${'g'.repeat(74)}{{imagebuilder:buildDate}}{{imagebuilder:buildDate}}` }),
    message: /\[AmiName\] addRegion\('us-east-1', \.\.\.\) amiName "g+\{\{imagebuilder:buildDate\}\}\{\{imagebuilder:buildDate\}\}" is 129 characters long once Image Builder expands its variables.*EC2 takes AMI names of 3 to 128 characters/,
  },
  {
    rule: 'AmiNameWithoutBuildDate',
    broken: l2({ amiName: 'golden' }),
    fixed: l2({ amiName: NAME }),
    message: /\[AmiNameWithoutBuildDate\] addRegion\('us-east-1', \.\.\.\) amiName "golden" has no \{\{ imagebuilder:buildDate \}\}; Image Builder refuses the configuration \("The EC2 AMI name must contain/,
  },
  {
    rule: 'AmiNameWithoutBuildDate',
    about: 'a name built with Fn::Join whose literal parts have no buildDate',
    broken: withOs(cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: { 'Fn::Join': ['-', ['golden', { Ref: 'Os' }]] } } }])),
    fixed: withOs(cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: { 'Fn::Join': ['-', ['golden', { Ref: 'Os' }, '{{ imagebuilder:buildDate }}']] } } }])),
    message: /\[AmiNameWithoutBuildDate\] Region us-east-1: AmiDistributionConfiguration\.Name "golden-\.\.\." has no \{\{ imagebuilder:buildDate \}\} in its literal parts/,
  },
  {
    rule: 'AmiNameWithoutBuildDate',
    about: 'a name from a stack parameter with a literal prefix, through the construct',
    broken: stack => l2({ amiName: `golden-${new CfnParameter(stack, 'Os').valueAsString}` })(stack),
    fixed: stack => l2({ amiName: `golden-${new CfnParameter(stack, 'Os').valueAsString}-{{ imagebuilder:buildDate }}` })(stack),
    message: /\[AmiNameWithoutBuildDate\] addRegion\('us-east-1', \.\.\.\) amiName "golden-\.\.\." has no \{\{ imagebuilder:buildDate \}\} in its literal parts/,
  },
  {
    rule: 'AmiNameBuildDateUnknown',
    broken: stack => l2({ amiName: new CfnParameter(stack, 'AmiName').valueAsString })(stack),
    fixed: stack => l2({ amiName: `${new CfnParameter(stack, 'AmiName').valueAsString}-{{ imagebuilder:buildDate }}` })(stack),
    message: /\[AmiNameBuildDateUnknown\] addRegion\('us-east-1', \.\.\.\) amiName is known only at deploy time, so the library cannot check that it holds \{\{ imagebuilder:buildDate \}\}/,
  },
  {
    rule: 'AmiTags',
    broken: l2({ amiTags: { 'aws:team': 'x' } }),
    fixed: l2({ amiTags: { team: 'x' } }),
    message: /\[AmiTags\] addRegion\('us-east-1', \.\.\.\) amiTags has the key "aws:team", which starts with 'aws:'/,
  },
  {
    rule: 'AmiTags',
    about: 'the length of a value',
    broken: l2({ amiTags: { team: 'x'.repeat(257) } }),
    fixed: l2({ amiTags: { team: 'x'.repeat(256) } }),
    message: /amiTags has the value of "team" 257 characters long; at most 256/,
  },
  {
    rule: 'KmsKeyArn',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, KmsKeyId: 'alias/golden' } }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, KmsKeyId: 'arn:aws:kms:us-east-1:111111111111:alias/golden' } }]),
    message: /\[KmsKeyArn\] Region us-east-1: AmiDistributionConfiguration\.KmsKeyId is "alias\/golden", but Image Builder takes the ARN of a key or of an alias here/,
  },
  {
    rule: 'KeyRegion',
    broken: stack => l2({ region: 'eu-west-1', kmsKey: importedKey('us-east-1')(stack) })(stack),
    fixed: stack => l2({ region: 'eu-west-1', kmsKey: importedKey('eu-west-1')(stack) })(stack),
    message: /\[KeyRegion\] addRegion\('eu-west-1', \.\.\.\) kmsKey arn:aws:kms:us-east-1:111111111111:key\/1234abcd-12ab-34cd-56ef-1234567890ab is a key of us-east-1, not of eu-west-1/,
  },
  {
    rule: 'KeyRegion',
    about: 'a key of this app, named by its construct path',
    broken: stack => l2({ region: 'eu-west-1', kmsKey: new kms.Key(stack, 'Key') })(stack),
    fixed: stack => l2({ region: 'us-east-1', kmsKey: new kms.Key(stack, 'Key') })(stack),
    message: /\[KeyRegion\] addRegion\('eu-west-1', \.\.\.\) kmsKey Stack\/Key is a key of us-east-1, not of eu-west-1.*Fix: pass a key created in a eu-west-1 stack/,
  },
  {
    rule: 'KeyRegion',
    about: 'an ARN written with Fn::Sub in a hand-written resource',
    broken: cfn([{ region: 'eu-west-1', amiDistributionConfiguration: { KmsKeyId: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:us-east-1:${AWS::AccountId}:alias/golden' } } }]),
    fixed: cfn([{ region: 'eu-west-1', amiDistributionConfiguration: { KmsKeyId: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:eu-west-1:${AWS::AccountId}:alias/golden' } } }]),
    message: /\[KeyRegion\] Region eu-west-1: AmiDistributionConfiguration\.KmsKeyId "arn:\.\.\.:kms:us-east-1:\.\.\.:alias\/golden" is a key of us-east-1/,
  },
  {
    rule: 'KeyRegion',
    about: 'an ARN with ${AWS::Region} in Fn::Sub, in the entry of another Region',
    broken: cfn([
      { region: 'us-east-1', amiDistributionConfiguration: { KmsKeyId: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/golden' } } },
      { region: 'eu-west-1', amiDistributionConfiguration: { KmsKeyId: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/golden' } } },
    ]),
    fixed: cfn([
      { region: 'us-east-1', amiDistributionConfiguration: { KmsKeyId: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/golden' } } },
      { region: 'eu-west-1', amiDistributionConfiguration: { KmsKeyId: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:eu-west-1:${AWS::AccountId}:alias/golden' } } },
    ]),
    message: /\[KeyRegion\] Region eu-west-1: AmiDistributionConfiguration\.KmsKeyId "arn:\.\.\.:kms:\.\.\.:\.\.\.:alias\/golden" is a key of us-east-1 \(AWS::Region in the ARN is the Region of the configuration's stack, us-east-1, whichever entry it stands in\), not of eu-west-1/,
  },
  {
    rule: 'KeyRegion',
    about: 'an ARN joined with Aws.REGION, in the entry of another Region',
    broken: stack => cfn([{ region: 'eu-west-1', amiDistributionConfiguration: { KmsKeyId: `arn:aws:kms:${Aws.REGION}:111111111111:alias/golden` } }])(stack),
    fixed: stack => cfn([{ region: 'us-east-1', amiDistributionConfiguration: { KmsKeyId: `arn:aws:kms:${Aws.REGION}:111111111111:alias/golden` } }])(stack),
    message: /\[KeyRegion\] Region eu-west-1: AmiDistributionConfiguration\.KmsKeyId "arn:aws:kms:\.\.\.:111111111111:alias\/golden" is a key of us-east-1 \(AWS::Region/,
  },
  {
    rule: 'KeyRegion',
    about: 'a source key of another Region than the build Region',
    broken: stack => l2({}, { sourceKey: kms.Key.fromKeyArn(stack, 'Source', KEY_ARN('eu-west-1')) })(stack),
    fixed: stack => l2({}, { sourceKey: kms.Key.fromKeyArn(stack, 'Source', KEY_ARN('us-east-1')) })(stack),
    message: /\[KeyRegion\] sourceKey arn:aws:kms:eu-west-1:111111111111:key\/1234abcd-12ab-34cd-56ef-1234567890ab is a key of eu-west-1, but the build creates the AMI in us-east-1 \(the Region of the distribution's stack\).*Fix: pass the key of us-east-1/,
  },
  {
    rule: 'KeyRegion',
    about: 'a source key of this app in a stack of another Region',
    broken: stack => l2({}, { sourceKey: new kms.Key(new Stack(stack.node.root, 'EuKeys', { env: { account: ACCOUNT, region: 'eu-west-1' } }), 'Source') })(stack),
    fixed: stack => l2({}, { sourceKey: new kms.Key(stack, 'Source') })(stack),
    message: /\[KeyRegion\] sourceKey EuKeys\/Source is a key of eu-west-1, but the build creates the AMI in us-east-1/,
  },
  {
    rule: 'UnusableKey',
    broken: stack => l2({ kmsKey: new kms.Key(stack, 'Key', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.SIGN_VERIFY }) })(stack),
    fixed: stack => l2({ kmsKey: new kms.Key(stack, 'Key') })(stack),
    message: /\[UnusableKey\] addRegion\('us-east-1', \.\.\.\) kmsKey Stack\/Key has the key spec RSA_2048; EBS encrypts snapshots only with enabled, symmetric encryption keys/,
  },
  {
    rule: 'UnusableKey',
    about: 'a disabled source key',
    broken: stack => l2({}, { sourceKey: new kms.Key(stack, 'Source', { enabled: false }) })(stack),
    fixed: stack => l2({}, { sourceKey: new kms.Key(stack, 'Source') })(stack),
    message: /\[UnusableKey\] sourceKey Stack\/Source is disabled/,
  },
  {
    rule: 'KeyRegionUnknown',
    broken: stack => {
      const anywhere = new Stack(stack.node.root, 'Anywhere');
      l2({ kmsKey: new kms.Key(anywhere, 'Key') })(anywhere);
      l2()(stack); // the test's own stack holds a distribution too
    },
    fixed: stack => l2({ kmsKey: new kms.Key(stack, 'Key') })(stack),
    message: /\[KeyRegionUnknown\] addRegion\('us-east-1', \.\.\.\) kmsKey Anywhere\/Key is a key of a stack without an explicit Region/,
  },
  {
    rule: 'AwsManagedKeyShared',
    broken: stack => l2({ kmsKey: kms.Alias.fromAliasName(stack, 'Ebs', 'alias/aws/ebs'), targetAccounts: ['222222222222'] })(stack),
    fixed: stack => l2({ kmsKey: kms.Alias.fromAliasName(stack, 'Ebs', 'alias/aws/ebs') })(stack),
    message: /\[AwsManagedKeyShared\] addRegion\('us-east-1', \.\.\.\) kmsKey alias\/aws\/ebs is an AWS managed key, which cannot be shared with other accounts, but the AMI goes to account 222222222222/,
  },
  {
    rule: 'AwsManagedKeyShared',
    about: 'the source key',
    broken: stack => l2({ launchPermission: { organizations: [ORG_ARN] } }, { sourceKey: kms.Alias.fromAliasName(stack, 'Ebs', 'alias/aws/ebs') })(stack),
    fixed: stack => l2({ launchPermission: { organizations: [ORG_ARN] } }, { sourceKey: new kms.Key(stack, 'Source') })(stack),
    message: /\[AwsManagedKeyShared\] sourceKey alias\/aws\/ebs is an AWS managed key, .* goes to organization arn:aws:organizations/,
  },
  {
    rule: 'SourceKeyDefaultEncryption',
    broken: stack => new DistributionConfiguration(stack, 'Dist', { amiName: NAME, sourceKey: new kms.Key(stack, 'Source') })
      .addRegion('eu-west-1', { launchPermission: { accounts: ['222222222222'] } }),
    fixed: stack => new DistributionConfiguration(stack, 'Dist', { amiName: NAME, sourceKey: new kms.Key(stack, 'Source') })
      .addRegion('eu-west-1', { kmsKey: importedKey('eu-west-1')(stack), launchPermission: { accounts: [ACCOUNT] } }),
    message: /\[SourceKeyDefaultEncryption\] addRegion\('eu-west-1', \.\.\.\) kmsKey is not set, so the copy of the AMI \(encrypted with the source key Stack\/Source\)/,
  },
  {
    rule: 'RecipeSourceKey',
    broken: pipelineWith(stack => ({ encrypted: true, kmsKeyId: new kms.Key(stack, 'Other').keyArn }), sharedDist(recipeKey)),
    fixed: pipelineWith(stack => ({ encrypted: true, kmsKeyId: recipeKey(stack).keyArn }), sharedDist(recipeKey)),
    message: /\[RecipeSourceKey\] The image pipeline Stack\/Pipeline builds with the recipe Stack\/Recipe and distributes with Stack\/Dist: Stack\/Recipe BlockDeviceMappings\[0\]\.Ebs\.KmsKeyId is Stack\/Other, but Stack\/Dist has sourceKey Stack\/RecipeKey.*Fix: encrypt the recipe's block devices with Stack\/RecipeKey/,
  },
  {
    rule: 'RecipeSourceKey',
    about: 'no sourceKey',
    broken: pipelineWith(stack => ({ encrypted: true, kmsKeyId: recipeKey(stack).keyArn }), sharedDist()),
    fixed: pipelineWith(stack => ({ encrypted: true, kmsKeyId: recipeKey(stack).keyArn }), sharedDist(recipeKey)),
    message: /\[RecipeSourceKey\] .*Stack\/Recipe BlockDeviceMappings\[0\]\.Ebs\.KmsKeyId encrypts the AMI with Stack\/RecipeKey, but Stack\/Dist has no sourceKey, so no key policy lets account 222222222222 use the key.*Fix: pass the recipe's key as sourceKey/,
  },
  {
    rule: 'RecipeSourceKey',
    about: 'the key ID, or an alias of the key, is the same key',
    broken: pipelineWith(() => ({ encrypted: true }), sharedDist(recipeKey)),
    fixed: pipelineWith(stack => ({ encrypted: true, kmsKeyId: recipeKey(stack).addAlias('alias/golden').aliasArn }), sharedDist(stack => recipeKey(stack))),
    message: /\[RecipeSourceKey\] .*Stack\/Recipe BlockDeviceMappings\[0\]\.Ebs\.Encrypted is true without a KmsKeyId \(the account's default EBS key\), but Stack\/Dist has sourceKey Stack\/RecipeKey/,
  },
  {
    rule: 'RecipeAwsManagedKey',
    broken: pipelineWith(() => ({ encrypted: true, kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:alias/aws/ebs' }), stack => cfnDist(stack, ['222222222222'])),
    fixed: pipelineWith(() => ({ encrypted: true, kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:alias/aws/ebs' }), stack => cfnDist(stack, [ACCOUNT])),
    message: /\[RecipeAwsManagedKey\] The image pipeline Stack\/Pipeline builds with the recipe Stack\/Recipe and distributes with Stack\/Cfn: Stack\/Recipe BlockDeviceMappings\[0\]\.Ebs\.KmsKeyId is arn:aws:kms:us-east-1:111111111111:alias\/aws\/ebs, an AWS managed key, .* shares the AMI with account 222222222222\. Fix: encrypt the recipe's block devices with a customer managed key/,
  },
  {
    rule: 'RecipeDefaultEbsKey',
    broken: pipelineWith(() => ({ encrypted: true }), stack => cfnDist(stack, ['222222222222'])),
    fixed: pipelineWith(stack => ({ encrypted: true, kmsKeyId: recipeKey(stack).keyArn }), stack => cfnDist(stack, ['222222222222'])),
    message: /\[RecipeDefaultEbsKey\] .*Stack\/Recipe BlockDeviceMappings\[0\]\.Ebs\.Encrypted is true without a KmsKeyId, so EBS encrypts with the account's default EBS key, the AWS managed key aws\/ebs unless the build account set another default/,
  },
  {
    rule: 'ImportedKeyPolicy',
    broken: stack => l2({ kmsKey: importedKey('us-east-1')(stack), targetAccounts: ['222222222222'] })(stack),
    fixed: stack => l2({ kmsKey: new kms.Key(stack, 'Key'), targetAccounts: ['222222222222'] })(stack),
    message: /\[ImportedKeyPolicy\] The key arn:aws:kms:us-east-1:111111111111:key\/.* \(the key of Region us-east-1\) is imported/,
  },
  {
    rule: 'KeyPolicySize',
    broken: stack => l2({ kmsKey: new kms.Key(stack, 'Key'), launchPermission: { accounts: Array.from({ length: 500 }, (_, i) => String(200000000000 + i)) } })(stack),
    fixed: stack => l2({ kmsKey: new kms.Key(stack, 'Key'), launchPermission: { accounts: Array.from({ length: 400 }, (_, i) => String(200000000000 + i)) } })(stack),
    message: /\[Stack\/Key\] \[KeyPolicySize\] The policy of the key Stack\/Key is about 3\d{4} bytes once deployed; KMS accepts at most 32768/,
  },
  {
    rule: 'LaunchTemplateId',
    broken: stack => l2({ launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-123' }) }] })(stack),
    fixed: stack => l2({ launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }) }] })(stack),
    message: /\[LaunchTemplateId\] addRegion\('us-east-1', \.\.\.\) launchTemplates\[0\]\.launchTemplate is "lt-123", not 'lt-' followed by 17/,
  },
  {
    rule: 'LaunchTemplateAccount',
    about: 'a target account alone is not enough',
    broken: stack => l2({ targetAccounts: ['222222222222'], launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: '222222222222' }] })(stack),
    fixed: stack => l2({
      targetAccounts: ['222222222222'],
      launchPermission: { accounts: ['222222222222'] },
      launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: '222222222222' }],
    })(stack),
    message: /\[LaunchTemplateAccount\] addRegion\('us-east-1', \.\.\.\) launchTemplates\[0\]\.accountId "222222222222" has no launch permission on the AMI in this Region; Image Builder writes the AMI ID of the distribution's account into the template, not the ID of that account's copy.*Fix: add 222222222222 to launchPermission\.accounts .*; or have Image Builder write the AMI ID to an SSM parameter in 222222222222 \(ssmParameters, with 222222222222 a target account\) and use 'resolve:ssm:<parameter name>'/,
  },
  {
    rule: 'LaunchTemplateAccount',
    about: 'fixed the other way: an SSM parameter in the target account instead of the launch template',
    broken: stack => l2({ targetAccounts: ['222222222222'], launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: '222222222222' }] })(stack),
    fixed: l2({ targetAccounts: ['222222222222'], ssmParameters: [{ parameterName: '/golden/ami', amiAccount: '222222222222' }] }),
    message: /\[LaunchTemplateAccount\] addRegion\('us-east-1', \.\.\.\) launchTemplates\[0\]\.accountId "222222222222" has no launch permission/,
  },
  {
    rule: 'LaunchTemplateAccount',
    about: 'a hand-written resource',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { TargetAccountIds: ['222222222222'] }, launchTemplateConfigurations: [{ launchTemplateId: 'lt-0123456789abcdef0', accountId: '222222222222' }] }]),
    fixed: cfn([{
      region: 'us-east-1',
      amiDistributionConfiguration: { TargetAccountIds: ['222222222222'], LaunchPermissionConfiguration: { UserIds: ['222222222222'] } },
      launchTemplateConfigurations: [{ launchTemplateId: 'lt-0123456789abcdef0', accountId: '222222222222' }],
    }]),
    message: /\[LaunchTemplateAccount\] Region us-east-1: LaunchTemplateConfigurations\[0\]\.AccountId "222222222222" has no launch permission.*Fix: add 222222222222 to AmiDistributionConfiguration\.LaunchPermissionConfiguration\.UserIds/,
  },
  {
    rule: 'LaunchTemplateAccountUnconfirmed',
    broken: stack => l2({ launchPermission: { organizations: [ORG_ARN] }, launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: '222222222222' }] })(stack),
    fixed: stack => l2({
      launchPermission: { organizations: [ORG_ARN], accounts: ['222222222222'] },
      launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: '222222222222' }],
    })(stack),
    message: /\[LaunchTemplateAccountUnconfirmed\] addRegion\('us-east-1', \.\.\.\) launchTemplates\[0\]\.accountId "222222222222" is not among the accounts with launch permission, and the library cannot tell whether it may launch the AMI \(it may belong to an organization or OU with launch permission\)/,
  },
  {
    rule: 'SsmParameterName',
    broken: l2({ ssmParameters: [{ parameterName: '/golden ami' }] }),
    fixed: l2({ ssmParameters: [{ parameterName: '/golden-ami' }] }),
    message: /\[SsmParameterName\] addRegion\('us-east-1', \.\.\.\) ssmParameters\[0\]\.parameterName "\/golden ami" is not a valid parameter name/,
  },
  {
    rule: 'SsmParameterName',
    about: 'a prefix Systems Manager reserves',
    broken: l2({ ssmParameters: [{ parameterName: '/aws/golden' }] }),
    fixed: l2({ ssmParameters: [{ parameterName: '/golden/aws' }] }),
    message: /parameterName "\/aws\/golden" starts with 'aws' or 'ssm', which Systems Manager reserves/,
  },
  {
    rule: 'SsmParameterName',
    about: 'a hierarchy without a leading slash',
    broken: l2({ ssmParameters: [{ parameterName: 'golden/ami' }] }),
    fixed: l2({ ssmParameters: [{ parameterName: '/golden/ami' }] }),
    message: /parameterName "golden\/ami" is in a hierarchy but does not start with '\/'/,
  },
  {
    rule: 'SsmParameterName',
    about: 'a hierarchy over 15 levels',
    broken: l2({ ssmParameters: [{ parameterName: `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}` }] }),
    fixed: l2({ ssmParameters: [{ parameterName: `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}` }] }),
    message: /is 16 levels deep; Systems Manager allows 15/,
  },
  {
    rule: 'SsmParameterDataType',
    broken: cfn([{ region: 'us-east-1', ssmParameterConfigurations: [{ parameterName: '/golden', dataType: 'string' }] }]),
    fixed: cfn([{ region: 'us-east-1', ssmParameterConfigurations: [{ parameterName: '/golden', dataType: 'text' }] }]),
    message: /\[SsmParameterDataType\] Region us-east-1: SsmParameterConfigurations\[0\]\.DataType is "string"; allowed: text, aws:ec2:image/,
  },
  {
    rule: 'SsmParameterAccount',
    broken: l2({ targetAccounts: ['222222222222'], ssmParameters: [{ parameterName: '/golden/ami', amiAccount: '333333333333', dataType: SsmParameterDataType.AWS_EC2_IMAGE }] }),
    fixed: l2({ targetAccounts: ['222222222222', '333333333333'], ssmParameters: [{ parameterName: '/golden/ami', amiAccount: '333333333333' }] }),
    message: /\[SsmParameterAccount\] addRegion\('us-east-1', \.\.\.\) ssmParameters\[0\]\.amiAccount "333333333333" is not a target account of this Region.*Fix: add 333333333333 to targetAccounts, or leave ssmParameters\[0\]\.amiAccount out/,
  },
  {
    rule: 'FastLaunchEnabled',
    broken: cfn([{ region: 'us-east-1', fastLaunchConfigurations: [{ maxParallelLaunches: 6 }] }]),
    fixed: cfn([{ region: 'us-east-1', fastLaunchConfigurations: [{ enabled: true, maxParallelLaunches: 6 }] }]),
    message: /\[FastLaunchEnabled\] Region us-east-1: FastLaunchConfigurations\[0\]\.Enabled is missing/,
  },
  {
    rule: 'FastLaunchParallelLaunches',
    broken: l2({ fastLaunch: [{ maxParallelLaunches: 5 }] }),
    fixed: l2({ fastLaunch: [{ maxParallelLaunches: 6 }] }),
    message: /\[FastLaunchParallelLaunches\] addRegion\('us-east-1', \.\.\.\) fastLaunch\[0\]\.maxParallelLaunches is 5; fast launch needs a whole number of at least 6/,
  },
  {
    rule: 'FastLaunchSnapshotCount',
    broken: l2({ fastLaunch: [{ targetSnapshotCount: 10001 }] }),
    fixed: l2({ fastLaunch: [{ targetSnapshotCount: 10000 }] }),
    message: /\[FastLaunchSnapshotCount\] addRegion\('us-east-1', \.\.\.\) fastLaunch\[0\]\.targetSnapshotCount is 10001/,
  },
  {
    rule: 'FastLaunchTemplate',
    broken: cfn([{ region: 'us-east-1', fastLaunchConfigurations: [{ enabled: true, launchTemplate: { launchTemplateId: 'lt-0123456789abcdef0', launchTemplateName: 'windows' } }] }]),
    fixed: cfn([{ region: 'us-east-1', fastLaunchConfigurations: [{ enabled: true, launchTemplate: { launchTemplateId: 'lt-0123456789abcdef0' } }] }]),
    message: /\[FastLaunchTemplate\] Region us-east-1: FastLaunchConfigurations\[0\]\.LaunchTemplate names the launch template both by ID and by name/,
  },
  {
    rule: 'FastLaunchTemplate',
    about: 'a launch template name and version through the construct',
    broken: stack => l2({ fastLaunch: [{ launchTemplate: lt(stack, { launchTemplateName: 'ab', versionNumber: '' }) }] })(stack),
    fixed: stack => l2({ fastLaunch: [{ launchTemplate: lt(stack, { launchTemplateName: 'abc', versionNumber: '1' }) }] })(stack),
    message: /fastLaunch\[0\]\.launchTemplate is "ab": a launch template name has 3 to 128[\s\S]*fastLaunch\[0\]\.launchTemplate is 0 characters long; a version has 1 to 1024/,
  },
  {
    rule: 'FastLaunchAccount',
    broken: l2({ targetAccounts: ['222222222222'], fastLaunch: [{ accountId: '333333333333' }] }),
    fixed: l2({ targetAccounts: ['222222222222'], fastLaunch: [{ accountId: '222222222222' }] }),
    message: /\[FastLaunchAccount\] addRegion\('us-east-1', \.\.\.\) fastLaunch\[0\]\.accountId "333333333333" owns no copy of the AMI in this Region/,
  },
  {
    rule: 'LicenseConfigurationArn',
    broken: l2({ licenseConfigurationArns: ['lic-0123456789abcdef0123456789abcdef'] }),
    fixed: l2({ licenseConfigurationArns: [LICENSE_ARN] }),
    message: /\[LicenseConfigurationArn\] addRegion\('us-east-1', \.\.\.\) licenseConfigurationArns\[0\] is "lic-0123456789abcdef0123456789abcdef"/,
  },
  {
    rule: 'LicenseConfigurationRegion',
    broken: l2({ region: 'eu-west-1', licenseConfigurationArns: [LICENSE_ARN] }),
    fixed: l2({ region: 'us-east-1', licenseConfigurationArns: [LICENSE_ARN] }),
    message: /\[LicenseConfigurationRegion\] addRegion\('eu-west-1', \.\.\.\) licenseConfigurationArns\[0\] is a license configuration of us-east-1, but this entry distributes to eu-west-1/,
  },
  {
    rule: 'LicenseConfigurationRegion',
    about: 'an ARN with ${AWS::Region}, the stack\'s Region, in the entry of another Region',
    broken: cfn([{ region: 'eu-west-1', amiDistributionConfiguration: {}, licenseConfigurationArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:license-manager:${AWS::Region}:${AWS::AccountId}:license-configuration:lic-0123456789abcdef0123456789abcdef' }] }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: {}, licenseConfigurationArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:license-manager:${AWS::Region}:${AWS::AccountId}:license-configuration:lic-0123456789abcdef0123456789abcdef' }] }]),
    message: /\[LicenseConfigurationRegion\] Region eu-west-1: LicenseConfigurationArns\[0\] is a license configuration of us-east-1, but this entry distributes to eu-west-1/,
  },
  {
    rule: 'ContainerRepository',
    broken: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { Service: 'DockerHub', RepositoryName: 'golden' } } }]),
    fixed: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } } }]),
    message: /\[ContainerRepository\] Region us-east-1: ContainerDistributionConfiguration\.TargetRepository\.Service is "DockerHub"; allowed: "ECR"/,
  },
  {
    rule: 'ContainerRepository',
    about: 'Service missing: the API requires it, the CloudFormation schema does not',
    broken: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { RepositoryName: 'golden' } } }]),
    fixed: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } } }]),
    message: /\[ContainerRepository\] Region us-east-1: ContainerDistributionConfiguration\.TargetRepository\.Service is missing; allowed: "ECR" \(the API requires it\)/,
  },
  {
    rule: 'ContainerRepository',
    about: 'Service null',
    broken: stack => {
      cfn([{ region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { RepositoryName: 'golden' } } }])(stack);
      (stack.node.findChild('Cfn') as imagebuilder.CfnDistributionConfiguration).addPropertyOverride('Distributions.0.ContainerDistributionConfiguration.TargetRepository.Service', null);
    },
    fixed: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } } }]),
    message: /\[ContainerRepository\] Region us-east-1: ContainerDistributionConfiguration\.TargetRepository\.Service is null; allowed: "ECR"/,
  },
  {
    rule: 'ContainerRepository',
    about: 'TargetRepository missing',
    broken: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { ContainerTags: ['latest'] } }]),
    fixed: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { ContainerTags: ['latest'], TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } } }]),
    message: /\[ContainerRepository\] Region us-east-1: ContainerDistributionConfiguration\.TargetRepository is missing; Image Builder needs the repository/,
  },
  {
    rule: 'ContainerRepository',
    about: 'RepositoryName missing',
    broken: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { Service: 'ECR' } } }]),
    fixed: cfn([{ region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } } }]),
    message: /\[ContainerRepository\] Region us-east-1: ContainerDistributionConfiguration\.TargetRepository\.RepositoryName is missing: a repository name/,
  },
  {
    rule: 'ContainerRepositoryName',
    broken: stack => new DistributionConfiguration(stack, 'Dist').addContainerRegion('us-east-1', {
      repository: ecr.Repository.fromRepositoryName(stack, 'Repo', '111111111111.dkr.ecr.us-east-1.amazonaws.com/golden'),
    }),
    fixed: stack => new DistributionConfiguration(stack, 'Dist').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden') }),
    message: /\[ContainerRepositoryName\] addContainerRegion\('us-east-1', \.\.\.\) repository is "111111111111\.dkr\.ecr\.us-east-1\.amazonaws\.com\/golden", a registry URI.*Fix: give the name only, e\.g\. "golden"/,
  },
  {
    rule: 'ContainerRepositoryRegion',
    broken: stack => {
      const repository = new ecr.Repository(new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } }), 'Repo', { repositoryName: 'golden' });
      new DistributionConfiguration(stack, 'Dist').addContainerRegion('us-east-1', { repository });
    },
    fixed: stack => {
      const repository = new ecr.Repository(new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } }), 'Repo', { repositoryName: 'golden' });
      new DistributionConfiguration(stack, 'Dist').addContainerRegion('eu-west-1', { repository });
    },
    message: /\[ContainerRepositoryRegion\] addContainerRegion\('us-east-1', \.\.\.\) repository Eu\/Repo is a repository of eu-west-1, but this entry distributes to us-east-1/,
  },
  {
    rule: 'ContainerTags',
    broken: stack => new DistributionConfiguration(stack, 'Dist').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden'), tags: [''] }),
    fixed: stack => new DistributionConfiguration(stack, 'Dist').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden'), tags: ['latest'] }),
    message: /\[ContainerTags\] addContainerRegion\('us-east-1', \.\.\.\) tags\[0\] is 0 characters long; an image tag has 1 to 300/,
  },
  {
    rule: 'UnknownKey',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { name: NAME } }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME } }]),
    message: /\[UnknownKey\] Region us-east-1: AmiDistributionConfiguration has the key "name", which CloudFormation does not accept there .*Fix: write it as "Name"/,
  },
  {
    rule: 'ResourceProperties',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: {} }], 42),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: {} }], 'golden'),
    message: /\[ResourceProperties\] The resource's properties do not have the types of AWS::ImageBuilder::DistributionConfiguration.*name: 42 should be a string.*Fix: give each property the type/,
  },
  {
    rule: 'InvalidInput',
    broken: l2({ targetAccounts: ['222222222222', null as any] }),
    fixed: l2({ targetAccounts: ['222222222222'] }),
    message: /^\[InvalidInput\] addRegion\('us-east-1', \.\.\.\) targetAccounts\[1\] is null, but it must be a string\. Fix: pass a string, or leave the value out\. \(at Stack\/Dist\)$/,
  },
  {
    rule: 'ModifiedAfterSynthesis',
    broken: stack => {
      const dist = new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1');
      (stack.node.root as App).synth();
      dist.addRegion('eu-west-1');
    },
    fixed: stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1').addRegion('eu-west-1');
      (stack.node.root as App).synth();
    },
    message: /^\[ModifiedAfterSynthesis\] addRegion\("eu-west-1", \.\.\.\) was called after the app was synthesized.*Fix: make every addRegion\(\), addContainerRegion\(\) and grant\(\) call before synthesizing/,
  },
  {
    rule: 'RegionAddedTwice',
    broken: stack => new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1').addRegion('us-east-1'),
    fixed: stack => new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden') }),
    message: /^\[RegionAddedTwice\] Region us-east-1: addRegion\('us-east-1', \.\.\.\) was already called for this Region.* \(at Stack\/Dist\)$/,
  },
  {
    rule: 'LaunchTemplateWithoutId',
    broken: stack => l2({ launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateName: 'web' }) }] })(stack),
    fixed: stack => l2({ launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }) }] })(stack),
    message: /^\[LaunchTemplateWithoutId\] Region us-east-1: addRegion\('us-east-1', \.\.\.\) launchTemplates\[0\] \(Stack\/LT\) has no launch template ID/,
  },
  {
    rule: 'ListTokenOrganizations',
    broken: stack => l2({ kmsKey: new kms.Key(stack, 'Key') }, {
      launchPermission: { organizations: new CfnParameter(stack, 'Orgs', { type: 'CommaDelimitedList' }).valueAsList },
    })(stack),
    fixed: stack => l2({ kmsKey: new kms.Key(stack, 'Key') }, {
      launchPermission: { organizations: [new CfnParameter(stack, 'Org', { type: 'String' }).valueAsString] },
    })(stack),
    message: /^\[ListTokenOrganizations\] Region us-east-1: launchPermission\.organizations \(a construct default, inherited by Region us-east-1\) is a list known only at deploy time/,
  },
  {
    rule: 'DeployTimeValueInKeyPolicy',
    broken: stack => {
      const key = new kms.Key(new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } }), 'Key');
      l2({ region: 'eu-west-1', kmsKey: key, launchPermission: { accounts: [new CfnParameter(stack, 'Account').valueAsString] } })(stack);
    },
    fixed: stack => {
      const key = new kms.Key(new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } }), 'Key');
      l2({ region: 'eu-west-1', kmsKey: key, launchPermission: { accounts: ['222222222222'] } })(stack);
    },
    message: /^\[DeployTimeValueInKeyPolicy\] Region eu-west-1: addRegion\('eu-west-1', \.\.\.\) launchPermission\.accounts\[0\] is a deploy-time value of stack Stack/,
  },
  {
    rule: 'ContainerRepositoryReference',
    broken: stack => {
      const repository = new ecr.Repository(new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } }), 'Repo');
      new DistributionConfiguration(stack, 'Dist').addContainerRegion('eu-west-1', { repository });
    },
    fixed: stack => {
      const repository = new ecr.Repository(new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } }), 'Repo', { repositoryName: 'golden' });
      new DistributionConfiguration(stack, 'Dist').addContainerRegion('eu-west-1', { repository });
    },
    message: /^\[ContainerRepositoryReference\] Region eu-west-1: the repository Eu\/Repo is in stack Eu of another Region or account.*Fix: give the repository a repositoryName/,
  },
  {
    rule: 'RegionNotAdded',
    broken: stack => { new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1').requiredKeyPolicy('ap-south-1'); },
    fixed: stack => { new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1').requiredKeyPolicy('eu-west-1'); },
    message: /^\[RegionNotAdded\] requiredKeyPolicy: Region ap-south-1 has no AMI distribution settings; Regions added with addRegion\(\): eu-west-1/,
  },
  {
    rule: 'NoSourceAccounts',
    broken: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: [] }),
    fixed: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'] }),
    message: /^\[NoSourceAccounts\] CrossAccountDistributionRole: sourceAccounts is empty/,
  },
  {
    rule: 'DuplicateCrossAccountRole',
    broken: stack => {
      new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'] });
      new CrossAccountDistributionRole(stack, 'Again', { sourceAccounts: ['333333333333'] });
    },
    fixed: stack => { new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222', '333333333333'] }); },
    message: /^\[DuplicateCrossAccountRole\] CrossAccountDistributionRole: account 111111111111 already has one at Stack\/Role/,
  },
  {
    rule: 'VerificationEnvironment',
    about: 'a configuration of another Region',
    broken: stack => {
      const eu = new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } });
      new DistributionVerification(stack, 'Verify', { distributions: [new DistributionConfiguration(eu, 'Dist', { amiName: NAME }).addRegion('eu-west-1')] });
    },
    fixed: stack => {
      const eu = new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } });
      new DistributionVerification(eu, 'Verify', { distributions: [new DistributionConfiguration(eu, 'Dist', { amiName: NAME }).addRegion('eu-west-1')] });
    },
    message: /\[VerificationEnvironment\] Region us-east-1: DistributionVerification 'Verify' distributions\[0\] is Eu\/Dist, a distribution configuration of Region eu-west-1, but the verification is in Region us-east-1 of account 111111111111.*Fix: create a DistributionVerification in a stack of Region eu-west-1 of account 111111111111 for it/,
  },
  {
    rule: 'VerificationEnvironment',
    about: 'an imported configuration of another account',
    broken: stack => new DistributionVerification(stack, 'Verify', {
      distributions: [DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Theirs', 'arn:aws:imagebuilder:us-east-1:222222222222:distribution-configuration/golden')],
    }),
    fixed: stack => new DistributionVerification(stack, 'Verify', {
      distributions: [DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Ours', `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:distribution-configuration/golden`)],
    }),
    message: /\[VerificationEnvironment\] Region us-east-1: DistributionVerification 'Verify' distributions\[0\] is Stack\/Theirs \(arn:aws:imagebuilder:us-east-1:222222222222:distribution-configuration\/golden\), a distribution configuration of account 222222222222.*Fix: create a DistributionVerification in a stack of Region us-east-1 of account 222222222222/,
  },
  {
    rule: 'VerificationDistributions',
    broken: stack => new DistributionVerification(stack, 'Verify', { distributions: [] }),
    fixed: stack => new DistributionVerification(stack, 'Verify', { distributions: [new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')] }),
    message: /^\[VerificationDistributions\] DistributionVerification 'Verify': distributions is empty.*Fix: pass the DistributionConfiguration whose images to verify/,
  },
  {
    rule: 'VerificationConcurrency',
    broken: stack => new DistributionVerification(stack, 'Verify', { distributions: [new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')], concurrency: 65 }),
    fixed: stack => new DistributionVerification(stack, 'Verify', { distributions: [new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')], concurrency: 64 }),
    message: /^\[VerificationConcurrency\] DistributionVerification 'Verify': concurrency is 65, but it must be a whole number from 1 to 64.*Fix: leave it out \(16\) or pass a whole number from 1 to 64/,
  },
  {
    rule: 'VerificationNames',
    about: 'the read-only role\'s name',
    broken: stack => new DistributionVerification(stack, 'Verify', { distributions: [new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')], roleName: 'Read Only' }),
    fixed: stack => new DistributionVerification(stack, 'Verify', { distributions: [new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')], roleName: 'ReadOnly' }),
    message: /^\[VerificationNames\] DistributionVerification 'Verify': roleName is "Read Only", but it must be an IAM role name: 1 to 64 letters, digits and.*Fix: leave it out for the default/,
  },
  {
    rule: 'VerificationNames',
    about: 'a namespace of AWS\'s services',
    broken: stack => new DistributionVerification(stack, 'Verify', { distributions: [new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')], metricNamespace: 'AWS/ImageBuilder' }),
    fixed: stack => new DistributionVerification(stack, 'Verify', { distributions: [new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')], metricNamespace: 'Platform/ImageBuilder' }),
    message: /^\[VerificationNames\] DistributionVerification 'Verify': metricNamespace is "AWS\/ImageBuilder", but it must be a CloudWatch namespace: .*not starting with ':' or 'AWS\/'/,
  },
  {
    rule: 'DuplicateVerification',
    broken: stack => {
      const dist = new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1');
      new DistributionVerification(stack, 'Verify', { distributions: [dist] });
      const other = new Stack(stack.node.root, 'Other', { env: { account: ACCOUNT, region: 'us-east-1' } });
      new DistributionVerification(other, 'Again', { distributions: [new DistributionConfiguration(other, 'Dist', { amiName: NAME }).addRegion('us-east-1')] });
    },
    fixed: stack => {
      const dist = new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1');
      new DistributionVerification(stack, 'Verify', { distributions: [dist] });
      // Another account, and another Region of the same account: each its own role.
      const other = new Stack(stack.node.root, 'Other', { env: { account: '222222222222', region: 'us-east-1' } });
      new DistributionVerification(other, 'Again', { distributions: [new DistributionConfiguration(other, 'Dist', { amiName: NAME }).addRegion('us-east-1')] });
      const eu = new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } });
      new DistributionVerification(eu, 'Eu', { distributions: [new DistributionConfiguration(eu, 'Dist', { amiName: NAME }).addRegion('eu-west-1')] });
    },
    message: /\[DuplicateVerification\] Region us-east-1: DistributionVerification 'Again' is the second in account 111111111111 and this Region: Stack\/Verify is the first; each creates the role ImageBuilderDistributionVerifier-<Region>/,
  },
  {
    rule: 'CrossAccountRoleKey',
    broken: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], keys: [kms.Alias.fromAliasName(stack, 'Ebs', 'alias/aws/ebs')] }),
    fixed: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], keys: [importedKey('us-east-1', '222222222222')(stack)] }),
    message: /^\[CrossAccountRoleKey\] CrossAccountDistributionRole: keys\[0\] is the AWS managed key alias\/aws\/ebs/,
  },
  {
    rule: 'VerificationRoleName',
    about: 'a name IAM does not accept',
    broken: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], verification: true, verificationRoleName: 'Image Builder/Verification' }),
    fixed: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], verification: true, verificationRoleName: 'ImageBuilder.Verification' }),
    message: /^\[VerificationRoleName\] CrossAccountDistributionRole: verificationRoleName is "Image Builder\/Verification", which IAM does not accept as a role name .*Fix: pass a role name/,
  },
  {
    rule: 'VerificationRoleName',
    about: 'longer than 64 characters',
    broken: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], verification: true, verificationRoleName: 'V'.repeat(65) }),
    fixed: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], verification: true, verificationRoleName: 'V'.repeat(64) }),
    message: /^\[VerificationRoleName\] CrossAccountDistributionRole: verificationRoleName is "V{65}", which IAM does not accept/,
  },
  {
    rule: 'VerificationRoleName',
    about: 'the name of the lifecycle role, in another case',
    broken: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], lifecycle: true, verification: true, verificationRoleName: 'ec2imagebuildercrossaccountlifecycleaccess' }),
    fixed: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], lifecycle: true, verification: true }),
    message: /^\[VerificationRoleName\] CrossAccountDistributionRole: verificationRoleName is "ec2imagebuildercrossaccountlifecycleaccess", the name of another role this construct makes \(Ec2ImageBuilderCrossAccountLifecycleAccess; IAM role names are unique/,
  },
  {
    rule: 'VerificationRoleName',
    about: 'a name without verification: true',
    broken: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], verificationRoleName: 'ReadOnlyVerification' }),
    fixed: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], verification: true, verificationRoleName: 'ReadOnlyVerification' }),
    message: /^\[VerificationRoleName\] CrossAccountDistributionRole: verificationRoleName is "ReadOnlyVerification", but verification is not true, so no verification role is made\. Fix: set verification: true/,
  },
  {
    rule: 'CrossAccountRolePolicySize',
    about: 'the trust policy: each source account adds its root ARN, 2,048 characters by default',
    broken: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: accounts(80) }),
    fixed: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: accounts(15) }),
    message: /\[CrossAccountRolePolicySize\] CrossAccountDistributionRole: the role's trust policy has at least \d+ characters \(IAM counts them without white space\), over IAM's default quota of 2048 .*Fix: trust fewer sourceAccounts/,
  },
  {
    rule: 'CrossAccountRolePolicySize',
    about: 'the inline policy: a statement too large for aws-cdk-lib to split off',
    broken: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], ssmParameterNames: parameterNames(12, 1000) }),
    fixed: stack => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['222222222222'], ssmParameterNames: parameterNames(5, 1000) }),
    message: /\[CrossAccountRolePolicySize\] CrossAccountDistributionRole: the role's inline policy has at least \d+ characters .*over IAM's limit of 10240/,
  },
  {
    rule: 'TemplateSize',
    broken: stack => l2({ targetAccounts: ['222222222222'] })(padded(stack, 1_000_000)),
    fixed: stack => l2({ targetAccounts: ['222222222222'] })(padded(stack, 700_000)),
    message: /\[TemplateSize\] The template of stack Stack \(Stack\.template\.json\) is \d+ bytes, over CloudFormation's limit of 1000000 bytes for a template.*Fix: reach target accounts as their organization's Image Builder role/,
  },
  {
    rule: 'TemplateSizeNearLimit',
    broken: stack => l2({ targetAccounts: ['222222222222'] })(padded(stack, 850_000)),
    fixed: stack => l2({ targetAccounts: ['222222222222'] })(padded(stack, 700_000)),
    message: /\[TemplateSizeNearLimit\] The template of stack Stack \(Stack\.template\.json\) is \d+ bytes, 85 % of CloudFormation's limit/,
  },
  {
    rule: 'StackSetName',
    broken: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, stackSetName: '1-roles' }),
    fixed: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, stackSetName: 'roles-v1' }),
    message: /^\[StackSetName\] .*stackSetName is "1-roles"/,
  },
  {
    rule: 'StackSetOrganizationalUnits',
    broken: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, organizationalUnitIds: ['arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefghij'] }),
    fixed: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, organizationalUnitIds: ['ou-ab12-cdefghij'] }),
    message: /^\[StackSetOrganizationalUnits\] .*organizationalUnitIds\[0\] is "arn:aws:organizations::111111111111:ou\/o-abcdefghij\/ou-ab12-cdefghij", which is not the ID of an OU or root\. Fix: pass its ID, 'ou-ab12-cdefghij'/,
  },
  {
    rule: 'StackSetRegion',
    broken: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, region: 'us-east-1,eu-west-1' }),
    fixed: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, region: 'eu-west-1' }),
    message: /^\[StackSetRegion\] .*region is "us-east-1,eu-west-1", which is not a Region name/,
  },
  {
    rule: 'StackSetOperationPreferences',
    broken: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, maxConcurrentPercentage: 0 }),
    fixed: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, maxConcurrentPercentage: 25 }),
    message: /^\[StackSetOperationPreferences\] .*maxConcurrentPercentage is 0, but CloudFormation takes a whole percentage from 1 to 100/,
  },
  {
    rule: 'StackSetTemplateValue',
    broken: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, sourceAccounts: new CfnParameter(stack, 'Accounts', { type: 'List<String>' }).valueAsList }),
    fixed: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, sourceAccounts: ['222222222222'] }),
    message: /^\[StackSetTemplateValue\] .*sourceAccounts\[0\] is known only at deploy time.*Fix: pass the literal value/,
  },
  {
    rule: 'StackSetTemplateSize',
    broken: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, ssmParameterNames: parameterNames(60, 1000) }),
    fixed: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, ssmParameterNames: parameterNames(5, 1000) }),
    message: /^\[StackSetTemplateSize\] .*the role's template has \d+ bytes, over CloudFormation's limit of 51200 bytes/,
  },
  {
    rule: 'StackSetKeyRegion',
    broken: stackSetWithDistribution([KEY_ARN('us-east-1')]),
    fixed: stackSetWithDistribution([KEY_ARN('us-east-1'), KEY_ARN('eu-west-1')]),
    message: /\[StackSetKeyRegion\] CrossAccountDistributionRoleStackSet: DistributionConfiguration Stack\/Dist copies into the accounts of ou-ab12-cdefghij in Region eu-west-1 with the key of Region eu-west-1 \(arn:aws:kms:eu-west-1:111111111111:key\/1234abcd-12ab-34cd-56ef-1234567890ab\), but keys leaves it out.*Fix: add arn:aws:kms:eu-west-1:111111111111:key\/1234abcd-12ab-34cd-56ef-1234567890ab to keys/,
  },
  {
    rule: 'StackSetOptInRegion',
    broken: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, region: 'ap-east-1' }),
    fixed: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, region: 'eu-west-1' }),
    message: /ap-east-1, an opt-in Region/,
  },
  {
    rule: 'LifecyclePolicyName',
    broken: lifecycle({ lifecyclePolicyName: ' golden' }),
    fixed: lifecycle({ lifecyclePolicyName: 'golden retention' }),
    message: /^\[LifecyclePolicyName\] DistributionLifecycle 'Lifecycle': lifecyclePolicyName is " golden", which Image Builder does not accept/,
  },
  {
    rule: 'LifecycleSelection',
    broken: lifecycle({ imageTags: { pipeline: 'golden' } }),
    fixed: lifecycle({ recipes: undefined, imageTags: { pipeline: 'golden' } }),
    message: /^\[LifecycleSelection\] DistributionLifecycle 'Lifecycle': both recipes and imageTags are given/,
  },
  {
    rule: 'LifecycleRules',
    broken: lifecycle({ rules: [{ action: LifecycleAction.DEPRECATE, filter: LifecycleFilter.count(3) }] }),
    fixed: lifecycle({ rules: [{ action: LifecycleAction.DEPRECATE, filter: LifecycleFilter.age(30, LifecycleTimeUnit.DAYS) }] }),
    message: /^\[LifecycleRules\] DistributionLifecycle 'Lifecycle': rules\[0\] is a DEPRECATE rule with LifecycleFilter\.count\(3\); Image Builder takes a count filter only for DELETE/,
  },
  {
    rule: 'LifecycleDeleteKeepsAmis',
    broken: lifecycle({ rules: [{ action: LifecycleAction.DELETE, filter: LifecycleFilter.count(3), includeAmis: false }] }),
    fixed: lifecycle({ rules: [{ action: LifecycleAction.DELETE, filter: LifecycleFilter.count(3) }] }),
    message: /\[LifecycleDeleteKeepsAmis\] DistributionLifecycle 'Lifecycle': rules\[0\] deletes images without their AMIs/,
  },
  {
    rule: 'LifecycleAmiExclusionWithDelete',
    broken: lifecycle({ rules: [{ action: LifecycleAction.DELETE, filter: LifecycleFilter.count(3), exclusions: { amiTags: { keep: 'true' } } }] }),
    fixed: lifecycle({ rules: [{ action: LifecycleAction.DELETE, filter: LifecycleFilter.count(3), exclusions: { imageTags: { keep: 'true' } } }] }),
    message: /\[LifecycleAmiExclusionWithDelete\] DistributionLifecycle 'Lifecycle': rules\[0\] deletes image resources and excludes some AMIs/,
  },
  {
    rule: 'LifecycleSelectionAmiTags',
    broken: lifecycle({ recipes: undefined, imageTags: { team: 'platform' } }, { amiTags: { team: 'platform' } }),
    fixed: lifecycle({ recipes: undefined, imageTags: { pipeline: 'golden' } }, { amiTags: { team: 'platform' } }),
    message: /\[LifecycleSelectionAmiTags\] DistributionLifecycle 'Lifecycle': imageTags selects by team=platform, which the distributions put on the AMIs/,
  },
  {
    rule: 'LifecycleAmiInUse',
    broken: lifecycle({ rules: [{ action: LifecycleAction.DISABLE, filter: LifecycleFilter.age(60, LifecycleTimeUnit.DAYS) }] }, { ssmParameters: [{ parameterName: '/golden/ami' }] }),
    fixed: lifecycle({ rules: [{ action: LifecycleAction.DEPRECATE, filter: LifecycleFilter.age(60, LifecycleTimeUnit.DAYS) }] }, { ssmParameters: [{ parameterName: '/golden/ami' }] }),
    message: /\[LifecycleAmiInUse\] DistributionLifecycle 'Lifecycle': its DISABLE rule acts on AMIs that the distributions write into SSM parameter \/golden\/ami in us-east-1/,
  },
  {
    rule: 'LifecycleTargetAccountRole',
    broken: lifecycle({}, { targetAccounts: ['222222222222'] }),
    fixed: stack => {
      new CrossAccountDistributionRole(new Stack(stack.node.root, 'Target', { env: { account: '222222222222', region: 'us-east-1' } }), 'Role', { sourceAccounts: [ACCOUNT], lifecycle: true });
      lifecycle({}, { targetAccounts: ['222222222222'] })(stack);
    },
    message: /\[LifecycleTargetAccountRole\] DistributionLifecycle 'Lifecycle': the distributions copy AMIs into 1 target account \(222222222222\) where this app deploys no lifecycle role/,
  },
  {
    rule: 'ReleaseRingAttachment',
    broken: ringed(CANARY_RINGS),
    fixed: stack => {
      ringed(CANARY_RINGS)(stack);
      const rings = stack.node.findChild('Rings') as ReleaseRings;
      new imagebuilder.CfnImagePipeline(stack, 'Pipeline', {
        name: 'golden',
        imageRecipeArn: 'arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/golden/1.0.0',
        infrastructureConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden',
        workflows: rings.workflows,
      });
    },
    message: /^\[ReleaseRingAttachment\] ReleaseRings 'Rings': no image pipeline of this app runs its workflow, so nothing is released in rings: a pipeline without it distributes with Stack\/Dist to every ring at once, with no gate\. Fix: pass the rings' workflows as the CfnImagePipeline's workflows/,
  },
  {
    rule: 'ReleaseRingDefinition',
    broken: ringed([{ name: 'everything' }]),
    fixed: ringed([{ name: 'everything', regions: ['us-east-1'] }, { name: 'rest', rest: true }]),
    message: /^\[ReleaseRingDefinition\] ReleaseRings 'Rings': rings has 1 ring; a release in rings needs at least two.*Fix: add a last ring \{ name: 'rest', rest: true \}/,
  },
  {
    rule: 'ReleaseRingPartition',
    about: 'a target account in no ring',
    broken: ringed([{ name: 'canary', accounts: [ACCOUNT] }, { name: 'europe', regions: ['eu-west-1'], accounts: ['222222222222'] }]),
    fixed: ringed([{ name: 'canary', accounts: [ACCOUNT] }, { name: 'rest', rest: true }]),
    message: /\[ReleaseRingPartition\] ReleaseRings 'Rings': Region us-east-1: the copies of account 222222222222 are in no ring \(rings: canary, europe\).*Fix: add 222222222222 \(or us-east-1\) to a ring/,
  },
  {
    rule: 'ReleaseRingPartition',
    about: 'a target account in two rings',
    broken: ringed([{ name: 'canary', accounts: ['222222222222'] }, { name: 'all' }]),
    fixed: ringed([{ name: 'canary', accounts: ['222222222222'] }, { name: 'rest', rest: true }]),
    message: /\[ReleaseRingPartition\] ReleaseRings 'Rings': Region us-east-1: the copies of account 222222222222 are in 2 rings \(canary, all\)/,
  },
  {
    rule: 'ReleaseRingUnknownTarget',
    broken: ringed([{ name: 'canary', regions: ['eu-west-2'] }, { name: 'rest', rest: true }]),
    fixed: ringed([{ name: 'canary', regions: ['eu-west-1'] }, { name: 'rest', rest: true }]),
    message: /\[ReleaseRingUnknownTarget\] ReleaseRings 'Rings': ring canary \(rings\[0\]\.regions\) names eu-west-2, which the distribution does not distribute AMIs to \(its Regions: us-east-1, eu-west-1\)/,
  },
  {
    rule: 'ReleaseRingToken',
    broken: stack => ringed(CANARY_RINGS, { targetAccounts: new CfnParameter(stack, 'Targets', { type: 'List<String>' }).valueAsList })(stack),
    fixed: ringed(CANARY_RINGS, { targetAccounts: ['222222222222'] }),
    message: /\[ReleaseRingToken\] ReleaseRings 'Rings': Region us-east-1: targetAccounts holds values known only at deploy time, so its copies cannot be split into rings.*Fix: write the value literally/,
  },
  {
    rule: 'ReleaseRingSetting',
    broken: stack => ringed(CANARY_RINGS, {}, { launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }), accountId: '222222222222' }] })(stack),
    fixed: stack => ringed(CANARY_RINGS, {}, { launchTemplates: [{ launchTemplate: lt(stack, { launchTemplateId: 'lt-0123456789abcdef0' }) }] })(stack),
    message: /\[ReleaseRingSetting\] ReleaseRings 'Rings': Region us-east-1: launchTemplates names account 222222222222; ApplyImageConfigurations applies launch templates only in the distribution's own account \(111111111111\)/,
  },
  {
    rule: 'ReleaseRingEnvironment',
    broken: ringed([{ name: 'canary', accounts: accounts(280) }, { name: 'rest', rest: true }], { targetAccounts: accounts(300) }),
    fixed: ringed([{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest', rest: true }], { targetAccounts: accounts(300) }),
    message: /\[ReleaseRingEnvironment\] ReleaseRings 'Rings': the verification function Stack\/Verification\/Function would have an environment of \d+ bytes with the rings \(VERIFY_RINGS: \d+ bytes\), over Lambda's 4 KB/,
  },
  {
    rule: 'ReleaseRingDocumentSize',
    broken: ringed([{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest', rest: true }], { targetAccounts: accounts(1200) }),
    fixed: ringed([{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest', rest: true }], { targetAccounts: accounts(400) }),
    message: /\[ReleaseRingDocumentSize\] ReleaseRings 'Rings': the workflow document of the rings has about \d+ characters, over the 16000 that AWS::ImageBuilder::Workflow's Data takes/,
  },
  {
    rule: 'StackSetOverlappingUnits',
    about: 'the root in one StackSet and an OU of it in another',
    broken: stack => {
      new CrossAccountDistributionRoleStackSet(stack, 'All', { ...STACK_SET, organizationalUnitIds: ['r-ab12'] });
      new CrossAccountDistributionRoleStackSet(stack, 'Prod', { ...STACK_SET, organizationalUnitIds: ['ou-zz99-abcdefgh', 'ou-ab12-cdefghij'] });
    },
    fixed: stack => {
      new CrossAccountDistributionRoleStackSet(stack, 'All', { ...STACK_SET, organizationalUnitIds: ['r-ab12'] });
      new CrossAccountDistributionRoleStackSet(stack, 'Prod', { ...STACK_SET, organizationalUnitIds: ['ou-zz99-abcdefgh'] });
    },
    message: /\[StackSetOverlappingUnits\] CrossAccountDistributionRoleStackSet \(stack instances in Region us-east-1\): organizationalUnitIds\[1\] is "ou-ab12-cdefghij", which lies in the root "r-ab12", a target of Stack\/All \(its organizationalUnitIds\[0\]\): both StackSets create the role EC2ImageBuilderDistributionCrossAccountRole in the same accounts.*Fix: deploy the role to these accounts from one StackSet/,
  },
  {
    rule: 'StackSetOverlappingUnits',
    about: 'an OU in one StackSet and its root in a later one',
    broken: stack => {
      new CrossAccountDistributionRoleStackSet(stack, 'Prod', { ...STACK_SET, organizationalUnitIds: ['ou-ab12-cdefghij'] });
      new CrossAccountDistributionRoleStackSet(stack, 'All', { ...STACK_SET, organizationalUnitIds: ['r-ab12'] });
    },
    fixed: stack => {
      // Another organization: a StackSet of another management account.
      new CrossAccountDistributionRoleStackSet(stack, 'Prod', { ...STACK_SET, organizationalUnitIds: ['ou-ab12-cdefghij'] });
      new CrossAccountDistributionRoleStackSet(new Stack(stack.node.root, 'Other', { env: { account: '999999999999', region: 'us-east-1' } }), 'All', { ...STACK_SET, organizationalUnitIds: ['r-ab12'] });
    },
    message: /\[StackSetOverlappingUnits\] CrossAccountDistributionRoleStackSet \(stack instances in Region us-east-1\): organizationalUnitIds\[0\] is "r-ab12", which is the root that holds "ou-ab12-cdefghij", a target of Stack\/Prod/,
  },
  {
    rule: 'DistributeGranteeAccount',
    broken: stack => {
      const other = new Stack(stack.node.root, 'Other', { env: { account: '222222222222', region: 'us-east-1' } });
      new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1').grantDistribute(new iam.Role(other, 'Role', { assumedBy: IMAGE_BUILDER }));
    },
    fixed: stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1').grantDistribute(new iam.Role(stack, 'Role', { assumedBy: IMAGE_BUILDER }));
    },
    message: /\[DistributeGranteeAccount\] Region us-east-1: grantDistribute\(\) grantee Other\/Role is a role of account 222222222222, but the distribution Stack\/Dist is of account 111111111111; a role is passed to a service only in its own account.*Fix: grant a role of account 111111111111/,
  },
  {
    rule: 'DistributeGranteeImported',
    broken: stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')
        .grantDistribute(iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::222222222222:role/golden-execution'));
    },
    fixed: stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')
        .grantDistribute(iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/golden-execution'));
    },
    message: /\[DistributeGranteeImported\] Region us-east-1: grantDistribute\(\) grantee Stack\/Role is a role of account 222222222222, but the distribution Stack\/Dist is of account 111111111111/,
  },
  {
    rule: 'DistributeGranteeTrust',
    broken: stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')
        .grantDistribute(new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }));
    },
    fixed: stack => {
      new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1')
        .grantDistribute(new iam.Role(stack, 'Role', { assumedBy: new iam.CompositePrincipal(new iam.ServicePrincipal('ec2.amazonaws.com'), IMAGE_BUILDER) }));
    },
    message: /\[DistributeGranteeTrust\] Region us-east-1: grantDistribute\(\) grantee Stack\/Role has a trust policy that names the service ec2.amazonaws.com, not imagebuilder.amazonaws.com, so Image Builder cannot assume it.*Fix: create the role with assumedBy/,
  },
  {
    rule: 'ArnPartition',
    about: 'a key ARN of the aws partition for a GovCloud Region',
    broken: stack => l2({ region: 'us-gov-east-1', kmsKey: kms.Key.fromKeyArn(govStack(stack), 'Key', 'arn:aws:kms:us-gov-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab') })(govStack(stack)),
    fixed: stack => l2({ region: 'us-gov-east-1', kmsKey: kms.Key.fromKeyArn(govStack(stack), 'Key', 'arn:aws-us-gov:kms:us-gov-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab') })(govStack(stack)),
    message: /\[ArnPartition\] addRegion\('us-gov-east-1', \.\.\.\) kmsKey "arn:aws:kms:us-gov-east-1:111111111111:key\/1234abcd-12ab-34cd-56ef-1234567890ab" is an ARN of the partition aws, but its Region us-gov-east-1 is in the partition aws-us-gov.*allowed here: arn:aws-us-gov:.*Fix: write the ARN as "arn:aws-us-gov:kms:us-gov-east-1:/,
  },
  {
    rule: 'ArnPartition',
    about: 'an organization ARN of the aws partition, shared in a GovCloud Region',
    broken: stack => l2({ region: 'us-gov-east-1', launchPermission: { organizations: [ORG_ARN] } })(govStack(stack)),
    fixed: stack => l2({ region: 'us-gov-east-1', launchPermission: { organizations: [ORG_ARN.replace('arn:aws:', 'arn:aws-us-gov:')] } })(govStack(stack)),
    message: /\[ArnPartition\] addRegion\('us-gov-east-1', \.\.\.\) launchPermission\.organizations\[0\] "arn:aws:organizations::999999999999:organization\/o-abcdefghij" is an ARN of the partition aws, but the Region us-gov-east-1 it is shared in is in the partition aws-us-gov/,
  },
  {
    rule: 'SsmParameterArnLength',
    about: 'a name within the API model\'s 1011 characters, over them with its ARN',
    broken: l2({ ssmParameters: [{ parameterName: `/${'a'.repeat(1000)}` }] }),
    fixed: l2({ ssmParameters: [{ parameterName: `/${'a'.repeat(966)}` }] }),
    message: /\[SsmParameterArnLength\] addRegion\('us-east-1', \.\.\.\) ssmParameters\[0\]\.parameterName "\/a+\.\.\." is 1001 characters, 1045 with its ARN \(arn:aws:ssm:us-east-1:<account>:parameter\.\.\.\).*limit of 1011 \(allowed here: a name of at most 967 characters\)\. Fix: shorten the parameter name by 34 characters/,
  },
  {
    rule: 'ContainerTagCharacters',
    broken: stack => new DistributionConfiguration(stack, 'Dist').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden'), tags: ['release/1.0+build'] }),
    fixed: stack => new DistributionConfiguration(stack, 'Dist').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden'), tags: ['release-1.0-build'] }),
    message: /\[ContainerTagCharacters\] addContainerRegion\('us-east-1', \.\.\.\) tags\[0\] "release\/1\.0\+build" holds "\/", "\+"; ECR takes image tags of letters, digits, '-', '_' and '\.' only\. Fix: replace them, e\.g\. "release-1\.0-build"/,
  },
  {
    rule: 'KmsKeyArnForm',
    about: 'the ARN of another service',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, KmsKeyId: 'arn:aws:iam::111111111111:role/golden' } }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, KmsKeyId: KEY_ARN('us-east-1') } }]),
    message: /\[KmsKeyArnForm\] Region us-east-1: AmiDistributionConfiguration\.KmsKeyId "arn:aws:iam::111111111111:role\/golden" is not a KMS key ARN or alias ARN: it is not an ARN of KMS \(its service is "iam"\).*allowed: arn:<partition>:kms:<region>:<account>:key\/<key ID>/,
  },
  {
    rule: 'KmsKeyArnForm',
    about: 'an alias name with a space',
    broken: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, KmsKeyId: 'arn:aws:kms:us-east-1:111111111111:alias/golden key' } }]),
    fixed: cfn([{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, KmsKeyId: 'arn:aws:kms:us-east-1:111111111111:alias/golden-key' } }]),
    message: /\[KmsKeyArnForm\] Region us-east-1: AmiDistributionConfiguration\.KmsKeyId "arn:aws:kms:us-east-1:111111111111:alias\/golden key" is not a KMS key ARN or alias ARN: "alias\/golden key" is neither key\/<key ID>/,
  },
  {
    rule: 'DistributionConfigurationArn',
    about: 'an upper-case name',
    broken: stack => { DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Imported', 'arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/Golden'); },
    fixed: stack => { DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Imported', 'arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/golden'); },
    message: /^\[DistributionConfigurationArn\] Region us-east-1: fromDistributionConfigurationArn\(\) distributionConfigurationArn "arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration\/Golden" has the name "Golden" in upper case.*allowed: arn:<partition>:imagebuilder.*Fix: write the ARN as Image Builder returns it, "arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration\/golden"/,
  },
  {
    rule: 'DistributionConfigurationArn',
    about: 'an image pipeline\'s ARN',
    broken: stack => { DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Imported', 'arn:aws:imagebuilder:us-east-1:111111111111:image-pipeline/golden'); },
    fixed: stack => { DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Imported', new CfnParameter(stack, 'Arn').valueAsString); },
    message: /^\[DistributionConfigurationArn\] Region us-east-1: fromDistributionConfigurationArn\(\) distributionConfigurationArn "arn:aws:imagebuilder:us-east-1:111111111111:image-pipeline\/golden" is the ARN of an Image Builder image-pipeline, not of a distribution configuration/,
  },
  {
    rule: 'DistributionConfigurationArn',
    about: 'not an ARN',
    broken: stack => { DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Imported', 'golden'); },
    fixed: stack => { DistributionConfiguration.fromDistributionConfigurationName(stack, 'Imported', 'golden'); },
    message: /^\[DistributionConfigurationArn\] fromDistributionConfigurationArn\(\) distributionConfigurationArn "golden" is not the ARN of a distribution configuration/,
  },
  {
    rule: 'DistributionConfigurationEnvironment',
    about: 'an imported configuration of another account, used by a pipeline',
    broken: pipelineOfImport('arn:aws:imagebuilder:us-east-1:222222222222:distribution-configuration/golden'),
    fixed: pipelineOfImport('arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/golden'),
    message: /\[DistributionConfigurationEnvironment\] Region us-east-1: the image pipeline Stack\/Pipeline \(DistributionConfigurationArn\) distributes with fromDistributionConfigurationArn\("arn:aws:imagebuilder:us-east-1:222222222222:distribution-configuration\/golden"\) \(Stack\/Imported\), a distribution configuration of account 222222222222.*Fix: create the distribution configuration in the pipeline's Region and account/,
  },
  {
    rule: 'DistributionConfigurationEnvironment',
    about: 'the aspect: a literal ARN of another Region',
    broken: pipelineWith(() => ({ encrypted: false }), () => ({ distributionConfigurationArn: 'arn:aws:imagebuilder:eu-west-1:111111111111:distribution-configuration/golden' })),
    fixed: pipelineWith(() => ({ encrypted: false }), () => ({ distributionConfigurationArn: 'arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/golden' })),
    message: /\[DistributionConfigurationEnvironment\] Region us-east-1: the image pipeline Stack\/Pipeline \(DistributionConfigurationArn\) distributes with "arn:aws:imagebuilder:eu-west-1:111111111111:distribution-configuration\/golden", a distribution configuration of Region eu-west-1, but the pipeline is in Region us-east-1 of account 111111111111/,
  },
  {
    rule: 'DistributionConfigurationEnvironment',
    about: 'the aspect: a configuration of the app in a stack of another Region',
    broken: stack => {
      const eu = new Stack(stack.node.root, 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' }, crossRegionReferences: true });
      pipelineWith(() => ({ encrypted: false }), () => new DistributionConfiguration(eu, 'Dist', { amiName: NAME }).addRegion('eu-west-1'))(stack);
    },
    fixed: stack => {
      pipelineWith(() => ({ encrypted: false }), () => new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('eu-west-1'))(stack);
    },
    message: /\[DistributionConfigurationEnvironment\] Region us-east-1: the image pipeline Stack\/Pipeline \(DistributionConfigurationArn\) distributes with Eu\/Dist, a distribution configuration of Region eu-west-1/,
  },
  {
    rule: 'StackSetOverlappingUnits',
    about: 'the same OU twice in one StackSet',
    broken: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, organizationalUnitIds: ['ou-ab12-cdefghij', 'ou-ab12-cdefghij'] }),
    fixed: stack => new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...STACK_SET, organizationalUnitIds: ['ou-ab12-cdefghij'] }),
    message: /\[StackSetOverlappingUnits\] CrossAccountDistributionRoleStackSet \(stack instances in Region us-east-1\): organizationalUnitIds\[1\] is "ou-ab12-cdefghij", already organizationalUnitIds\[0\]; CloudFormation takes each ID once.*Fix: remove organizationalUnitIds\[1\]/,
  },
];

/** A DistributionLifecycle of a one-Region distribution, selecting by recipe, with one DELETE rule. */
function lifecycle(props: Partial<DistributionLifecycleProps>, region: RegionDistributionOptions = {}): Build {
  return stack => {
    const dist = new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1', region);
    new DistributionLifecycle(stack, 'Lifecycle', {
      distributions: [dist],
      recipes: [{ name: 'golden-ami' }],
      rules: [{ action: LifecycleAction.DELETE, filter: LifecycleFilter.age(90, LifecycleTimeUnit.DAYS) }],
      ...props,
    });
  };
}

/** A StackSet of the target-account role for one OU, trusting one distribution account. */
/** A distribution of us-east-1 (with `region`'s options) and eu-west-1 to 222222222222, released in `rings`. */
function ringed(rings: ReleaseRing[], props: DistributionConfigurationProps = {}, region: RegionDistributionOptions = {}): Build {
  return stack => {
    const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: NAME, targetAccounts: ['222222222222'], ...props })
      .addRegion('us-east-1', region)
      .addRegion('eu-west-1');
    const verification = new DistributionVerification(stack, 'Verification', { distributions: [distribution] });
    new ReleaseRings(stack, 'Rings', { distribution, verification, rings });
  };
}
const STACK_SET = { organizationalUnitIds: ['ou-ab12-cdefghij'], sourceAccounts: ['222222222222'] };

/**
 * A distribution into target accounts of OU_ARN (TargetAccountKeyAccess.organization()) in us-east-1 and eu-west-1,
 * each with its key, and the StackSet of the role for that OU with the keys `stackSetKeys` (ARNs).
 */
function stackSetWithDistribution(stackSetKeys: string[]): Build {
  return stack => {
    const key = (region: string) => kms.Key.fromKeyArn(stack, `Key-${region}`, KEY_ARN(region));
    new DistributionConfiguration(stack, 'Dist', {
      amiName: NAME,
      targetAccounts: ['222222222222'],
      targetAccountKeyAccess: TargetAccountKeyAccess.organization(ORG_ARN, [OU_ARN]),
    }).addRegion('us-east-1', { kmsKey: key('us-east-1') }).addRegion('eu-west-1', { kmsKey: key('eu-west-1') });
    new CrossAccountDistributionRoleStackSet(stack, 'Roles', {
      ...STACK_SET,
      sourceAccounts: [ACCOUNT],
      keys: stackSetKeys.map((arn, i) => kms.Key.fromKeyArn(stack, `RoleKey${i}`, arn)),
    });
  };
}

/** The stack with a resource of about `size` bytes: the rest of a template the library's stacks may hold. */
function padded(stack: Stack, size: number): Stack {
  new CfnResource(stack, 'Padding', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x'.repeat(size) } });
  return stack;
}

/** What a case produces: the construction error, the synth error, or the warnings, as one text. */
function outcome(build: Build): { thrown: string; synth: string; warnings: string[] } {
  const stack = newStack();
  try {
    build(stack);
  } catch (e) {
    return { thrown: (e as Error).message, synth: '', warnings: [] };
  }
  // aws-cdk-lib's template validation reports a stack left without resources (a case that only imports) on the
  // console, at each synthesis (the warnings are read from another): that report is expected here, nothing else.
  const printed = jest.spyOn(console, 'error').mockImplementation(() => {});
  let synth: string;
  let warnings: string[];
  let texts: string[];
  try {
    synth = synthError(stack);
    const app = stack.node.root as App;
    warnings = synth ? [] : app.node.children.filter(Stack.isStack).flatMap(warningsOf);
  } finally {
    texts = printed.mock.calls.map(args => format(...args));
    printed.mockRestore();
  }
  expect(texts.filter(text => !/Resources section must exist and be non-empty/.test(text))).toEqual([]);
  return { thrown: '', synth, warnings };
}

describe.each(CASES.map(c => [`${c.rule}${c.about ? ` (${c.about})` : ''}`, c] as const))('%s', (_name, c) => {
  const level = CATALOG[c.rule].level;
  const phase = CATALOG[c.rule].phase;

  test(`broken: ${phase === 'construction' ? 'the call throws' : level === 'error' ? 'cdk synth fails' : 'a warning'} with the message`, () => {
    const { thrown, synth, warnings } = outcome(c.broken);
    if (phase === 'construction') {
      expect(thrown).toMatch(c.message);
    } else if (level === 'error') {
      expect(thrown).toBe('');
      expect(synth).toMatch(c.message);
    } else {
      expect(thrown + synth).toBe('');
      expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(c.message)]));
    }
  });

  test('fixed: no error and no warning of the rule', () => {
    const { thrown, synth, warnings } = outcome(c.fixed);
    expect(thrown + synth).toBe('');
    expect(warnings.filter(w => w.includes(`[${c.rule}]`))).toEqual([]);
  });
});

test('every rule of the catalog has a broken and a fixed case', () => {
  expect([...new Set(CASES.map(c => c.rule))].sort()).toEqual(Object.keys(CATALOG).sort());
});

test('errors are reported together, each with the construct path', () => {
  const stack = newStack();
  new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'x' })
    .addRegion('us-east-1', { targetAccounts: ['1'], amiTags: { 'aws:x': 'y' } });
  const message = synthError(stack);
  expect(message).toMatch(/Validation failed/);
  for (const rule of ['DistributionName', 'AccountId', 'AmiTags']) {
    expect(message).toMatch(new RegExp(`\\[Stack/Dist\\] \\[${rule}\\]`));
  }
});
