/*
 * The rule catalog: every mistake the library stops, with its level, when it is found (at construction,
 * or at synth by the rules), where the constraint comes from and the AWS failure it prevents. The README's
 * rule table and the coverage table in docs/ are checked against it (test/catalog.test.ts).
 */

export type RuleLevel = 'error' | 'warning';
export type RulePhase = 'synth' | 'construction';

export interface RuleDefinition {
  readonly level: RuleLevel;
  /** `construction`: thrown by the call that makes the mistake; `synth`: reported by `cdk synth`. */
  readonly phase: RulePhase;
  /** Where the constraint comes from: an Image Builder API model shape, the CloudFormation schema, or an AWS page. */
  readonly source: string;
  /** The AWS failure the rule prevents. */
  readonly prevents: string;
  /**
   * The rule checks values that key policies and roles take (who may use a key: accounts, organizations, OUs).
   * Its error can be acknowledged, but acknowledging it never grants the value access: the value stays out of
   * every key policy and role the library writes (`requiredKeyPolicy()` and the preflight record included),
   * and `cdk synth` says so in a warning. Values that fail the rule are left out whether it is acknowledged or not.
   */
  readonly guardsKeyAccess?: true;
}

const API = (shape: string) => `API model \`${shape}\``;
const PAGE = {
  crossAccount: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html',
  launchTemplates: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/dist-using-launch-template.html',
  shareAmi: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html',
  publicAmi: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-intro.html',
  copyAmi: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/CopyingAMIs.html',
  launchPermission: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchPermission.html',
  fastLaunch: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableFastLaunch.html',
  launchTemplateName: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html',
  ssmNames: 'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html',
  ecrNames: 'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html',
  ecrTags: 'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageIdentifier.html',
  licenseManager: 'https://docs.aws.amazon.com/license-manager/latest/userguide/license-configurations.html',
  kmsQuotas: 'https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html',
  kmsOrgIds: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid',
  arns: 'https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateDistributionConfiguration.html',
  ec2AmiName: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html',
  buildDateError: 'https://github.com/hashicorp/terraform-provider-aws/issues/36610',
  pseudoParameters: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html',
  crossAccountSample: 'https://github.com/aws-samples/amazon-ec2-image-builder-samples/blob/main/distribution/cross-account-amis/README.md',
  iamQuotas: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
  cfnQuotas: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
  recipeEbs: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-imagebuilder-imagerecipe-ebsinstanceblockdevicespecification.html',
  encryptedAmiErrors: 'https://aws.amazon.com/premiumsupport/knowledge-center/image-builder-distr-error-encrypted-ami/',
  ebsEncryption: 'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html',
  stackSet: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stackset.html',
  stackSetTargets: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html',
  stackSetOperations: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html',
  optInRegions: 'https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html',
  lifecyclePrerequisites: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html',
  lifecycleRules: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-rules.html',
  kmsKeyIds: 'https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id',
  ssmParameterResource: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html',
  arnFormat: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html',
  createRole: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html',
  passRole: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html',
  imageBuilderRoles: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/pipeline-workflows.html',
  createImagePipeline: 'https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateImagePipeline.html',
  organizationalUnit: 'https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html',
  workflowSteps: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/wfdoc-step-actions.html',
  workflowVariables: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/wfdoc-dynamic-vars.html',
  lambdaEnvironment: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html',
  workflowResource: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-imagebuilder-workflow.html',
  stackSetDeploymentTargets: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-deploymenttargets.html',
  imageBuilderEvents: 'https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-imagebuilder.html',
  getImage: 'https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_GetImage.html',
  ec2Throttling: 'https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html',
  putMetricData: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html',
};

export const CATALOG = {
  // The distribution configuration itself.
  DistributionName: { level: 'error', phase: 'synth', source: API('ResourceName'), prevents: 'CreateDistributionConfiguration rejects the name' },
  DistributionNameCollision: {
    level: 'error',
    phase: 'synth',
    source: `[CreateDistributionConfiguration](${PAGE.arns}): names are unique per account and Region; the API model's \`name\`: names that differ only in case, spaces or underscores count as the same name`,
    prevents: 'the second configuration fails to create (its ARN, in lowercase, already exists)',
  },
  ResourceProperties: {
    level: 'error',
    phase: 'synth',
    source: 'the CloudFormation resource schema\'s types (the L1 `CfnDistributionConfiguration` checks them)',
    prevents: 'a template aws-cdk-lib cannot write, or CloudFormation rejects',
  },
  Description: { level: 'error', phase: 'synth', source: API('NonEmptyString') + ' (1..1024)', prevents: 'validation error on create' },
  Tags: { level: 'error', phase: 'synth', source: API('TagMap') + ', `TagKey`, `TagValue`', prevents: 'the configuration\'s tags are rejected' },

  // Regions.
  Regions: { level: 'error', phase: 'synth', source: API('CreateDistributionConfigurationRequest.distributions'), prevents: 'a configuration without Regions is rejected' },
  RegionName: { level: 'error', phase: 'synth', source: API('Distribution.region') + ' and Region codes', prevents: 'an empty or malformed Region is rejected' },
  DuplicateRegion: { level: 'error', phase: 'synth', source: API('Distribution.region') + ': one entry per Region', prevents: 'a Region listed twice is rejected' },
  UnknownRegion: { level: 'warning', phase: 'synth', source: 'aws-cdk-lib `RegionInfo`', prevents: 'a misspelled Region fails at distribution' },
  RegionPartition: { level: 'error', phase: 'synth', source: `[EC2: copy an AMI](${PAGE.copyAmi}) within a partition`, prevents: 'a copy into another partition (aws-cn, aws-us-gov) fails' },
  RegionWithoutOutput: {
    level: 'error',
    phase: 'synth',
    source: 'Image Builder: "One or more outputs should be provided for each region"',
    prevents: 'a Region entry with nothing to distribute is rejected',
  },

  // Accounts, organizations and launch permission.
  AccountId: { level: 'error', phase: 'synth', source: API('AccountId') + ', in every field that holds one', prevents: 'an invalid account is rejected', guardsKeyAccess: true },
  ListSize: {
    level: 'error',
    phase: 'synth',
    source: 'API model list sizes (accounts 1536, organizations and OUs 25, licenses 50, launch templates 100, fast launch 1000); CloudFormation rejects empty lists',
    prevents: 'a list over its limit, or empty, is rejected',
  },
  OrganizationArn: { level: 'error', phase: 'synth', source: API('OrganizationArn'), prevents: 'an organization ID passed where the ARN goes', guardsKeyAccess: true },
  OrganizationalUnitArn: { level: 'error', phase: 'synth', source: API('OrganizationalUnitArn'), prevents: 'an OU ID passed where the ARN goes', guardsKeyAccess: true },
  LaunchPermissionGroup: { level: 'error', phase: 'synth', source: `[EC2 \`LaunchPermission.Group\`](${PAGE.launchPermission}): only \`all\``, prevents: 'an unknown launch group is rejected' },
  PublicEncryptedAmi: { level: 'error', phase: 'synth', source: `[EC2: make an AMI public](${PAGE.publicAmi})`, prevents: 'an AMI with encrypted snapshots cannot be public' },

  // The AMI.
  AmiName: {
    level: 'error',
    phase: 'synth',
    source: `${API('AmiNameString')}; [EC2 AMI names](${PAGE.ec2AmiName}) once the variables are expanded (3..128, letters, digits and \`( ) [ ] space . / - ' @ _\`)`,
    prevents: 'an invalid AMI name is rejected, or the copy fails on a colon, tab or newline',
  },
  AmiNameWithoutBuildDate: {
    level: 'error',
    phase: 'synth',
    source: `${API('AmiDistributionConfiguration.name')}; Image Builder's error "The EC2 AMI name must contain '{{ imagebuilder:buildDate }}'" ([terraform-provider-aws#36610](${PAGE.buildDateError}))`,
    prevents: 'Image Builder refuses the configuration',
  },
  AmiNameBuildDateUnknown: {
    level: 'warning',
    phase: 'synth',
    source: `${API('AmiDistributionConfiguration.name')}: a name known only at deploy time`,
    prevents: 'a name without `{{ imagebuilder:buildDate }}` goes unnoticed until deploy',
  },
  AmiTags: { level: 'error', phase: 'synth', source: API('TagMap') + ' (50 tags, key pattern, no `aws:`, value 256)', prevents: 'an AMI tag is rejected' },

  // KMS keys.
  KmsKeyArn: { level: 'error', phase: 'synth', source: API('AmiDistributionConfiguration.kmsKeyId') + ': a key ARN or an alias ARN, 1..1024', prevents: 'a key ID or alias name fails the copy' },
  KeyRegion: {
    level: 'error',
    phase: 'synth',
    source: `${API('AmiDistributionConfiguration.kmsKeyId')}: a key of the entry's Region; the source key, of the build Region; [pseudo parameters](${PAGE.pseudoParameters}): \`AWS::Region\` is the stack's`,
    prevents: 'a key of another Region cannot encrypt the copy (or the build\'s AMI)',
  },
  UnusableKey: {
    level: 'error',
    phase: 'synth',
    source: '[EBS encryption](https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html): enabled, symmetric encryption keys only',
    prevents: 'the copy fails with a disabled or asymmetric key',
  },
  KeyRegionUnknown: { level: 'warning', phase: 'synth', source: 'a key in a stack without an explicit Region', prevents: 'a key of the wrong Region goes unnoticed until the distribution' },
  AwsManagedKeyShared: { level: 'error', phase: 'synth', source: `[EC2: share an AMI](${PAGE.shareAmi})`, prevents: '`alias/aws/ebs` snapshots cannot be shared' },
  SourceKeyDefaultEncryption: {
    level: 'warning',
    phase: 'synth',
    source: `[cross-account distribution](${PAGE.crossAccount}) (the default EBS key)`,
    prevents: 'a copy re-encrypted with `aws/ebs` cannot be shared',
  },
  ImportedKeyPolicy: { level: 'warning', phase: 'synth', source: `[cross-account distribution](${PAGE.crossAccount})`, prevents: 'consumers missing from a key policy the app cannot change' },
  KeyPolicySize: { level: 'error', phase: 'synth', source: `[KMS quotas](${PAGE.kmsQuotas}) (32,768 bytes)`, prevents: 'the key\'s stack fails to deploy' },
  TemplateSize: {
    level: 'error',
    phase: 'synth',
    source: `[CloudFormation quotas](${PAGE.cfnQuotas}): a template in S3 is at most 1 MB (counted as 1,000,000 bytes of the written template)`,
    prevents: 'the stack of a distribution or key fails to deploy',
  },
  TemplateSizeNearLimit: {
    level: 'warning',
    phase: 'synth',
    source: `[CloudFormation quotas](${PAGE.cfnQuotas}): over 80 % of the 1 MB template limit`,
    prevents: 'a few more accounts or Regions make the stack fail to deploy',
  },

  // The image pipeline around the distribution (DistributionChecks follows CfnImagePipeline to its recipe).
  RecipeSourceKey: {
    level: 'error',
    phase: 'synth',
    source: `[recipe block device mappings](${PAGE.recipeEbs}) (\`KmsKeyId\` encrypts the AMI the build creates); [cross-account distribution](${PAGE.crossAccount})`,
    prevents: 'consumers given access to a key that does not encrypt the AMI, or to none: copies and launches fail',
  },
  RecipeAwsManagedKey: {
    level: 'error',
    phase: 'synth',
    source: `[recipe block device mappings](${PAGE.recipeEbs}); [EC2: share an AMI](${PAGE.shareAmi}); [Image Builder encrypted AMI errors](${PAGE.encryptedAmiErrors})`,
    prevents: 'an AMI encrypted with `alias/aws/ebs` cannot be shared or copied into other accounts',
  },
  RecipeDefaultEbsKey: {
    level: 'warning',
    phase: 'synth',
    source: `[EBS encryption](${PAGE.ebsEncryption}) (the default KMS key); [EC2: share an AMI](${PAGE.shareAmi})`,
    prevents: '`Encrypted` without a key uses the account\'s default EBS key, `aws/ebs` unless the account changed it, whose snapshots cannot be shared',
  },

  DistributionConfigurationArn: {
    level: 'error',
    phase: 'construction',
    source: `${API('DistributionConfigurationArn')} (\`distribution-configuration/\` and a lowercase name)`,
    prevents: 'a pipeline or DistributeImage given an upper-case name, another resource\'s ARN or anything else fails',
  },
  DistributionConfigurationEnvironment: {
    level: 'error',
    phase: 'synth',
    source: `[CreateImagePipeline](${PAGE.createImagePipeline}): Image Builder's resources are Regional; the API shares components, images and recipes only (\`Put*Policy\`), not distribution configurations`,
    prevents: 'a pipeline that names a distribution configuration of another Region or account fails to create',
  },

  DistributeGranteeAccount: {
    level: 'error',
    phase: 'synth',
    source: `[IAM: pass a role to a service](${PAGE.passRole}): only to a service of the role's own account`,
    prevents: 'a `grantDistribute()` grantee of another account: Image Builder cannot be given the role, and the distribution fails',
  },
  DistributeGranteeImported: {
    level: 'warning',
    phase: 'synth',
    source: `[IAM: pass a role to a service](${PAGE.passRole}): only to a service of the role's own account (an imported role, by its ARN)`,
    prevents: 'an imported `grantDistribute()` grantee of another account: Image Builder cannot be given the role',
  },
  DistributeGranteeTrust: {
    level: 'error',
    phase: 'synth',
    source: `[IAM: pass a role to a service](${PAGE.passRole}); [Image Builder execution role](${PAGE.imageBuilderRoles}) (trusts \`imagebuilder.amazonaws.com\`)`,
    prevents: 'a `grantDistribute()` grantee whose trust policy names another service: Image Builder cannot assume it',
  },

  ArnPartition: {
    level: 'error',
    phase: 'synth',
    source: `[ARNs](${PAGE.arnFormat}): the partition of the resource's Region (aws-cdk-lib \`RegionInfo\`); KMS keys, License Manager configurations, organizations and OUs`,
    prevents: 'an ARN of another partition (`arn:aws:kms:us-gov-east-1:...`) names no resource: the copy or share fails',
  },

  SsmParameterArnLength: {
    level: 'error',
    phase: 'synth',
    source: `[AWS::SSM::Parameter](${PAGE.ssmParameterResource}) \`Name\`: at most 1011 characters "including the full length of the parameter ARN"`,
    prevents: 'the parameter update fails for a name that fits the API model but not with its ARN',
  },
  ContainerTagCharacters: {
    level: 'error',
    phase: 'synth',
    source: `ECR's image tags: letters, digits, \`-\`, \`_\`, \`.\` (the service's "must satisfy regular expression '[a-zA-Z0-9-_.]+'"; [ImageIdentifier](${PAGE.ecrTags}) gives 1..300)`,
    prevents: 'the image push fails',
  },

  KmsKeyArnForm: {
    level: 'error',
    phase: 'synth',
    source: `[KMS key identifiers](${PAGE.kmsKeyIds}): \`key/\` and a key ID, or \`alias/\` and a name (KMS \`AliasNameType\`: 1..256 of \`a-zA-Z0-9:/_-\`), in the key's account`,
    prevents: 'a KmsKeyId that starts with `arn:` but names no key (another service\'s ARN, a malformed key ID or alias): the copy fails',
  },

  // Launch templates.
  LaunchTemplateId: { level: 'error', phase: 'synth', source: API('LaunchTemplateId'), prevents: 'the launch template update fails' },
  LaunchTemplateAccount: {
    level: 'error',
    phase: 'synth',
    source: `[AWS's cross-account distribution sample](${PAGE.crossAccountSample}) ("Launch template gotcha": the template gets the source account's AMI ID); [launch templates](${PAGE.launchTemplates})`,
    prevents: 'instances launched from the template in that account fail with an AMI permission error',
  },
  LaunchTemplateAccountUnconfirmed: {
    level: 'warning',
    phase: 'synth',
    source: `[AWS's cross-account distribution sample](${PAGE.crossAccountSample}); launch permission through an organization or OU, or an account unknown at synth`,
    prevents: 'a template account without launch permission goes unnoticed until instances fail to launch',
  },

  // SSM parameters.
  SsmParameterName: {
    level: 'error',
    phase: 'synth',
    source: `${API('SsmParameterName')}; [Systems Manager PutParameter](${PAGE.ssmNames}) naming (no \`aws\`/\`ssm\` prefix, leading \`/\` in hierarchies, 15 levels)`,
    prevents: 'the parameter update fails',
  },
  SsmParameterDataType: { level: 'error', phase: 'synth', source: API('SsmParameterDataType'), prevents: 'the parameter update fails' },
  SsmParameterAccount: { level: 'error', phase: 'synth', source: API('SsmParameterConfiguration.amiAccountId') + ': a target account of the Region', prevents: 'the parameter update fails' },

  // Fast launch.
  FastLaunchEnabled: { level: 'error', phase: 'synth', source: API('FastLaunchConfiguration.enabled') + ' (required)', prevents: 'the fast-launch setting is rejected' },
  FastLaunchParallelLaunches: { level: 'error', phase: 'synth', source: `[EC2 EnableFastLaunch](${PAGE.fastLaunch}) (at least 6)`, prevents: 'fast launch fails to start' },
  FastLaunchSnapshotCount: { level: 'error', phase: 'synth', source: API('TargetResourceCount') + ' (1..10000)', prevents: 'fast launch fails to start' },
  FastLaunchTemplate: {
    level: 'error',
    phase: 'synth',
    source: `[EC2 EnableFastLaunch](${PAGE.fastLaunch}) (ID or name, not both); [EC2 launch template names](${PAGE.launchTemplateName}); ${API('FastLaunchLaunchTemplateSpecification')}`,
    prevents: 'fast launch fails to start',
  },
  FastLaunchAccount: { level: 'error', phase: 'synth', source: API('FastLaunchConfiguration.accountId') + ': the account that owns a copy', prevents: 'fast launch cannot find the AMI' },

  // License Manager.
  LicenseConfigurationArn: { level: 'error', phase: 'synth', source: API('LicenseConfigurationArn'), prevents: 'the license association fails' },
  LicenseConfigurationRegion: { level: 'error', phase: 'synth', source: `[License Manager](${PAGE.licenseManager}): license configurations are Regional`, prevents: 'the license association fails' },

  // Containers.
  ContainerRepository: { level: 'error', phase: 'synth', source: API('TargetContainerRepository'), prevents: 'the container distribution is rejected' },
  ContainerRepositoryName: { level: 'error', phase: 'synth', source: `[ECR repository names](${PAGE.ecrNames}) (2..256, lowercase pattern)`, prevents: 'a registry URI or invalid name fails the push' },
  ContainerRepositoryRegion: { level: 'error', phase: 'synth', source: 'ECR repositories are Regional: the entry\'s Region', prevents: 'Image Builder cannot find the repository' },
  ContainerTags: { level: 'error', phase: 'synth', source: `${API('ContainerDistributionConfiguration.containerTags')} (1..1024); [ECR image tags](${PAGE.ecrTags}) (1..300)`, prevents: 'the image push fails' },

  // The CloudFormation shape.
  UnknownKey: { level: 'error', phase: 'synth', source: 'CloudFormation schema; aws-cdk issues 26912, 34758', prevents: 'camelCase keys silently dropped or rejected' },

  // Mistakes the construct stops when they are made.
  InvalidInput: {
    level: 'error',
    phase: 'construction',
    source: 'the types of the construct\'s API (checked for JavaScript callers; TypeScript and jsii check them in other languages)',
    prevents: 'a crash of the checks, or `null`, `undefined` or `NaN` written into a template or a key policy',
  },
  ModifiedAfterSynthesis: {
    level: 'error',
    phase: 'construction',
    source: 'aws-cdk-lib: an app is synthesized once; later changes are not written',
    prevents: 'a Region (or a grant) silently missing from the synthesized templates',
  },
  RegionAddedTwice: { level: 'error', phase: 'construction', source: API('Distribution.region') + ': one entry per Region', prevents: 'settings of one Region split over two calls' },
  LaunchTemplateWithoutId: { level: 'error', phase: 'construction', source: API('LaunchTemplateConfiguration.launchTemplateId') + ' (required)', prevents: 'Image Builder updates launch templates by ID only' },
  ListTokenOrganizations: { level: 'error', phase: 'construction', source: `[\`aws:PrincipalOrgID\`](${PAGE.kmsOrgIds}) takes organization IDs`, prevents: 'a key-policy condition that never matches' },
  DeployTimeValueInKeyPolicy: { level: 'error', phase: 'construction', source: 'CloudFormation: a stack reads only its own parameters and the exports of its Region', prevents: 'a cyclic reference between the key\'s and the distribution\'s stacks' },
  ContainerRepositoryReference: { level: 'error', phase: 'construction', source: 'CloudFormation: a generated name is not known in another Region', prevents: 'a cross-region reference to the repository name' },
  RegionNotAdded: { level: 'error', phase: 'construction', source: '`requiredKeyPolicy()` of a Region', prevents: 'statements for a Region the distribution does not have' },
  NoSourceAccounts: { level: 'error', phase: 'construction', source: `[cross-account distribution](${PAGE.crossAccount}): the role trusts the source account`, prevents: 'a role no Image Builder can assume' },
  DuplicateCrossAccountRole: { level: 'error', phase: 'construction', source: 'IAM role names are unique per account', prevents: 'the second role fails to deploy' },
  CrossAccountRolePolicySize: {
    level: 'error',
    phase: 'synth',
    source: `[IAM quotas](${PAGE.iamQuotas}): a role trust policy 2,048 characters by default (adjustable), a role's inline policies 10,240, without white space`,
    prevents: 'the role\'s stack fails to deploy',
  },
  CrossAccountRoleKey: { level: 'error', phase: 'construction', source: `[cross-account distribution](${PAGE.crossAccount}): the source account's keys`, prevents: 'a role policy that grants nothing on the key' },
  VerificationRoleName: {
    level: 'error',
    phase: 'construction',
    source: `[CreateRole](${PAGE.createRole}) \`RoleName\` (1..64 of \`[\\w+=,.@-]\`; unique in an account, case-insensitive); \`verificationRoleName\` only with \`verification: true\``,
    prevents: 'the verification role fails to deploy (a malformed name, or the name of another role of the account), or a name that makes no role',
  },

  // The lifecycle policy of the distributions' images (DistributionLifecycle).
  LifecyclePolicyName: { level: 'error', phase: 'construction', source: API('ResourceName') + ' and `NonEmptyString` (description, 1..1024)', prevents: 'CreateLifecyclePolicy rejects the name or description' },
  LifecycleSelection: { level: 'error', phase: 'construction', source: API('LifecyclePolicyResourceSelection') + ': recipes (1..50, `ResourceName`, `WildcardVersionNumber`) or a tag map (1..50), exactly one', prevents: 'CreateLifecyclePolicy rejects the selection' },
  LifecycleRules: {
    level: 'error',
    phase: 'construction',
    source: API('LifecyclePolicyDetails') + ' (1..3, one per action; count only for DELETE; value 1..1000, retainAtLeast 1..10; DEPRECATE and DISABLE include AMIs only, snapshots only with AMIs; container policies DELETE only; exclusions: `TagMap` 1..50, `AccountList`, last launched 1..365)',
    prevents: 'CreateLifecyclePolicy rejects the rules',
  },
  LifecycleDeleteKeepsAmis: { level: 'warning', phase: 'synth', source: API('LifecyclePolicyDetailAction') + ': DELETE removes only what `includeResources` names', prevents: 'deleted image resources whose AMIs and snapshots keep billing, with no record left to find them by' },
  LifecycleAmiExclusionWithDelete: { level: 'warning', phase: 'synth', source: API('LifecyclePolicyDetailExclusionRules') + ': AMI exclusions keep AMIs, image-resource tags keep image resources', prevents: 'AMIs kept while their image resource is deleted: never retired again' },
  LifecycleSelectionAmiTags: { level: 'warning', phase: 'synth', source: API('LifecyclePolicyResourceSelection.tagMap') + ': tags of the Image Builder image resources', prevents: 'a policy that selects no image because its tags are on the AMIs' },
  LifecycleAmiInUse: { level: 'warning', phase: 'synth', source: `[lifecycle rules](${PAGE.lifecycleRules}) and the managed policy \`EC2ImageBuilderLifecycleExecutionPolicy\` (no SSM, launch template or Auto Scaling action)`, prevents: 'launch templates and SSM parameters left pointing at disabled or deregistered AMIs: launches fail' },
  LifecycleTargetAccountRole: { level: 'warning', phase: 'synth', source: `[lifecycle prerequisites](${PAGE.lifecyclePrerequisites}): the role \`Ec2ImageBuilderCrossAccountLifecycleAccess\` in each destination account`, prevents: 'copies in target accounts never retired, billing on' },

  // The verification of the distributions' images (DistributionVerification).
  VerificationEnvironment: {
    level: 'error',
    phase: 'synth',
    source: `[Image Builder's events](${PAGE.imageBuilderEvents}) go to the default event bus of the image's account and Region; [GetImage](${PAGE.getImage}) reads the images of its Region`,
    prevents: 'the images of a configuration of another account or Region never verified: no event reaches the function, and no alarm says so',
  },
  VerificationDistributions: { level: 'error', phase: 'construction', source: 'the construct verifies the images of the distribution configurations it is given', prevents: 'a verification that verifies nothing while its dashboard and alarms stay quiet' },
  VerificationConcurrency: { level: 'error', phase: 'construction', source: `[EC2 API throttling](${PAGE.ec2Throttling}): one bucket of requests per account and Region`, prevents: 'no check at all (0), or checks throttled into unchecked results' },
  VerificationNames: {
    level: 'error',
    phase: 'construction',
    source: `[CreateRole](${PAGE.createRole}) \`RoleName\` (1..64 of \`[\\w+=,.@-]\`); [PutMetricData](${PAGE.putMetricData}) \`Namespace\` (1..255, not \`AWS/\`)`,
    prevents: 'the function assumes no role in any account (every copy elsewhere unchecked), or its metrics are dropped',
  },
  DuplicateVerification: { level: 'error', phase: 'synth', source: `IAM role names are unique in an account ([IAM quotas](${PAGE.iamQuotas})); the verification's role has a fixed name, \`ImageBuilderDistributionVerifier-<Region>\`, which the target accounts' read-only role trusts: one verification per account and Region`, prevents: 'the second verification\'s stack fails to deploy (the role exists)' },

  // The cross-account role deployed to OUs by a StackSet (CrossAccountDistributionRoleStackSet).
  StackSetName: { level: 'error', phase: 'construction', source: `[AWS::CloudFormation::StackSet](${PAGE.stackSet}) \`StackSetName\` (1..128, a letter, then letters, digits, hyphens)`, prevents: 'CloudFormation rejects the StackSet' },
  StackSetOrganizationalUnits: { level: 'error', phase: 'construction', source: `[DeploymentTargets](${PAGE.stackSetTargets}) \`OrganizationalUnitIds\` (OU or root IDs)`, prevents: 'the StackSet deploys to no account, or is rejected' },
  StackSetRegion: { level: 'error', phase: 'construction', source: `[AWS::CloudFormation::StackSet](${PAGE.stackSet}) \`StackInstancesGroup.Regions\`; IAM is global: one Region per role`, prevents: 'stack instances in an unknown Region, or a second instance whose role name already exists' },
  StackSetOptInRegion: { level: 'warning', phase: 'synth', source: `[opt-in Regions](${PAGE.optInRegions}) are disabled in an account until enabled`, prevents: 'the stack instance, and so the role, fails in every account that has not enabled the Region' },
  StackSetOperationPreferences: { level: 'error', phase: 'construction', source: `[StackSetOperationPreferences](${PAGE.stackSetOperations}) (whole percentages, 0..100 and 1..100)`, prevents: 'CloudFormation rejects the StackSet' },
  StackSetTemplateValue: { level: 'error', phase: 'construction', source: 'a StackSet\'s template is one text deployed as it is to every account: it holds no values of the app\'s stacks', prevents: 'a role template with references that no target account can resolve' },
  StackSetOverlappingUnits: {
    level: 'error',
    phase: 'synth',
    source: `[OrganizationalUnit](${PAGE.organizationalUnit}) IDs: 'ou-' and the ID of the root that holds the OU; [DeploymentTargets](${PAGE.stackSetDeploymentTargets}) \`OrganizationalUnitIds\` (unique items); IAM role names are unique in an account`,
    prevents: 'two StackSets create the role in the same accounts (the root and an OU of it, or an OU twice): the second stack instance fails',
  },
  StackSetTemplateSize: { level: 'error', phase: 'construction', source: `[CloudFormation quotas](${PAGE.cfnQuotas}): \`TemplateBody\` up to 51,200 bytes`, prevents: 'CloudFormation rejects the StackSet' },
  StackSetKeyRegion: { level: 'error', phase: 'synth', source: `[cross-account distribution](${PAGE.crossAccount}): the target account's role uses the source key and the key of each Region that copies into it`, prevents: 'every copy into the accounts of the StackSet\'s OUs in that Region fails with AccessDenied on the key' },

  // Release rings (ReleaseRings): the distribution split into rings of a DISTRIBUTION workflow.
  ReleaseRingDefinition: {
    level: 'error',
    phase: 'construction',
    source: `at least two rings; ring names in step names (${API('WorkflowStepName')} \`^[A-Za-z][A-Za-z0-9-_]{1,99}$\`, unique in a workflow; no hyphen, read by [JSONPath](${PAGE.workflowVariables})); \`rest\` only on the last ring; [WaitForAction](${PAGE.workflowSteps}) \`timeoutSeconds\` up to 7 days; ${API('VersionNumber')}; one list of rings per verification function`,
    prevents: 'a workflow Image Builder rejects, or a release that is not in rings',
  },
  ReleaseRingPartition: {
    level: 'error',
    phase: 'synth',
    source: 'the rings split the distribution: each copy (a Region\'s AMI in the distribution\'s own account or a target account) in exactly one ring, each ring holding a copy',
    prevents: 'accounts that never get the image, or get it twice, unverified, or a ring that distributes nothing',
  },
  ReleaseRingUnknownTarget: { level: 'error', phase: 'synth', source: 'a ring names Regions and accounts of the distribution', prevents: 'a canary ring that verifies nothing of what it was meant to hold (a misspelt Region or account)' },
  ReleaseRingToken: { level: 'error', phase: 'synth', source: 'the workflow document is written at synth: its rings need the Regions and accounts as literals', prevents: 'a release whose rings cannot be checked or rendered' },
  ReleaseRingSetting: {
    level: 'error',
    phase: 'synth',
    source: `[step actions](${PAGE.workflowSteps}): a workflow distributes AMIs or container images, not both; \`ApplyImageConfigurations\` applies launch templates and fast launch only in the distribution's own account`,
    prevents: 'settings of the plain distribution that the rings would silently leave out',
  },
  ReleaseRingEnvironment: { level: 'error', phase: 'synth', source: `[Lambda environment variables](${PAGE.lambdaEnvironment}): 4 KB for all of a function's variables`, prevents: 'the verification function fails to deploy' },
  ReleaseRingAttachment: { level: 'warning', phase: 'synth', source: `[Image Builder workflows](${PAGE.imageBuilderRoles}): a pipeline runs a custom distribution workflow only when its \`Workflows\` name it; without, it distributes with its distribution configuration`, prevents: 'a release meant to be in rings that goes to every account at once, with no gate' },
  ReleaseRingDocumentSize: { level: 'error', phase: 'synth', source: `[AWS::ImageBuilder::Workflow](${PAGE.workflowResource}) \`Data\`: at most 16,000 characters`, prevents: 'CloudFormation rejects the workflow' },
} as const satisfies Record<string, RuleDefinition>;

export type RuleId = keyof typeof CATALOG;

/** The prefix of the ids users acknowledge: `cdk-imagebuilder-distribution:<RuleId>`. */
export const ACK_PREFIX = 'cdk-imagebuilder-distribution:';

export function ackId(rule: RuleId): string {
  return `${ACK_PREFIX}${rule}`;
}

/** The id of the warning an acknowledged error of a `guardsKeyAccess` rule gives: its value got no access. */
export function leftOutId(rule: RuleId): string {
  return `${ackId(rule)}:LeftOutOfPolicies`;
}

/** What acknowledging a rule does, in words (the README's rule table). */
export function acknowledging(rule: RuleId): string {
  const definition: RuleDefinition = CATALOG[rule];
  if (definition.phase === 'construction') {
    return 'not acknowledgeable: the call throws';
  }
  if (definition.level === 'warning') {
    return 'silences the warning';
  }
  return definition.guardsKeyAccess
    ? 'synth passes; the value stays out of every key policy and role (a warning says so)'
    : 'synth passes (recorded as info)';
}
