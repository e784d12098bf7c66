import { Annotations as CoreAnnotations, App, Aspects, CfnParameter, Fn, Stack, aws_ec2 as ec2, aws_ecr as ecr, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { DistributionChecks, DistributionConfiguration, DistributionConfigurationProps, RegionDistributionOptions, SsmParameterDataType } from '../src';

const ACCOUNT = '111111111111';
const ORG_ARN = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU_ARN = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij';
const LICENSE_ARN = 'arn:aws:license-manager:us-east-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef';
const NAME = 'golden-{{ imagebuilder:buildDate }}';

function newStack(region = 'us-east-1') {
  return new Stack(new App(), 'Stack', { env: { account: ACCOUNT, region } });
}

/** The synth error message, or '' when synthesis succeeds. */
function synthError(stack: Stack): string {
  try {
    stack.node.root.node.findAll(); // keep the tree complete
    (stack.node.root as App).synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

type Build = (stack: Stack) => void;
const inRegion = (options: RegionDistributionOptions & { region?: string }, props: DistributionConfigurationProps = {}): Build => stack => {
  const { region: r = 'us-east-1', ...rest } = options;
  new DistributionConfiguration(stack, 'Dist', { amiName: NAME, ...props }).addRegion(r, rest);
};
const lt = (stack: Stack, id: string) => ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'LT', { launchTemplateId: id });
const importedKey = (region: string) => (stack: Stack) => kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:${region}:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab`);

/** Each rule: a configuration that breaks it, the same configuration fixed, and the message. */
const cases: Array<{ rule: string; broken: Build; fixed: Build; message: RegExp }> = [
  {
    rule: 'DistributionName',
    broken: stack => new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'bad/name' }).addRegion('us-east-1'),
    fixed: stack => new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'good-name' }).addRegion('us-east-1'),
    message: /\[DistributionName\] Name "bad\/name" is not a valid distribution configuration name.*Fix: rename it/,
  },
  {
    rule: 'Description',
    broken: inRegion({ amiDescription: 'x'.repeat(1025) }),
    fixed: inRegion({ amiDescription: 'x'.repeat(1024) }),
    message: /\[Description\] Region us-east-1: AmiDistributionConfiguration.Description is 1025 characters long: a description has 1 to 1024/,
  },
  {
    rule: 'Regions (none)',
    broken: stack => new DistributionConfiguration(stack, 'Dist'),
    fixed: stack => new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1'),
    message: /\[Regions\] Distributions is empty: a distribution configuration needs at least one Region. Fix: call addRegion\(\)/,
  },
  {
    rule: 'Regions (malformed)',
    broken: inRegion({ region: 'EU-West-1' }),
    fixed: inRegion({ region: 'eu-west-1' }),
    message: /\[Regions\] Region EU-West-1: Region "EU-West-1" is not a Region name like 'eu-west-1'/,
  },
  {
    rule: 'AccountId',
    broken: inRegion({ targetAccounts: ['12345678901'] }),
    fixed: inRegion({ targetAccounts: ['012345678901'] }),
    message: /\[AccountId\] Region us-east-1: AmiDistributionConfiguration.TargetAccountIds\[0\] is "12345678901": an account ID is exactly 12 digits/,
  },
  {
    rule: 'AccountId (launch template)',
    broken: stack => inRegion({ targetAccounts: ['222222222222'], launchTemplates: [{ launchTemplate: lt(stack, 'lt-0123456789abcdef0'), accountId: '2222' }] })(stack),
    fixed: stack => inRegion({ targetAccounts: ['222222222222'], launchTemplates: [{ launchTemplate: lt(stack, 'lt-0123456789abcdef0'), accountId: '222222222222' }] })(stack),
    message: /LaunchTemplateConfigurations\[0\].AccountId is "2222"/,
  },
  {
    rule: 'ListSize',
    broken: inRegion({ launchPermission: { organizations: Array.from({ length: 26 }, (_, i) => `arn:aws:organizations::999999999999:organization/o-${String(i).padStart(10, 'a')}`) } }),
    fixed: inRegion({ launchPermission: { organizations: Array.from({ length: 25 }, (_, i) => `arn:aws:organizations::999999999999:organization/o-${String(i).padStart(10, 'a')}`) } }),
    message: /\[ListSize\] Region us-east-1: AmiDistributionConfiguration.LaunchPermissionConfiguration.OrganizationArns has 26 items; at most 25/,
  },
  {
    rule: 'OrganizationArn',
    broken: inRegion({ launchPermission: { organizations: ['o-abcdefghij'] } }),
    fixed: inRegion({ launchPermission: { organizations: [ORG_ARN] } }),
    message: /\[OrganizationArn\] .*OrganizationArns\[0\] is "o-abcdefghij".*not the organization ID/,
  },
  {
    rule: 'OrganizationalUnitArn',
    broken: inRegion({ launchPermission: { organizationalUnits: ['ou-ab12-cdefghij'] } }),
    fixed: inRegion({ launchPermission: { organizationalUnits: [OU_ARN] } }),
    message: /\[OrganizationalUnitArn\] .*OrganizationalUnitArns\[0\] is "ou-ab12-cdefghij"/,
  },
  {
    rule: 'AmiName',
    broken: inRegion({ amiName: 'golden/{{ imagebuilder:buildDate }}' }),
    fixed: inRegion({ amiName: 'golden-{{ imagebuilder:buildDate }}' }),
    message: /\[AmiName\] Region us-east-1: AmiDistributionConfiguration.Name "golden\/\{\{ imagebuilder:buildDate \}\}" is not a valid AMI name/,
  },
  {
    rule: 'AmiTags',
    broken: inRegion({ amiTags: { 'aws:team': 'x' } }),
    fixed: inRegion({ amiTags: { team: 'x' } }),
    message: /\[AmiTags\] Region us-east-1: AmiDistributionConfiguration.AmiTags key "aws:team" starts with 'aws:'/,
  },
  {
    rule: 'AmiTags (value length)',
    broken: inRegion({ amiTags: { team: 'x'.repeat(257) } }),
    fixed: inRegion({ amiTags: { team: 'x'.repeat(256) } }),
    message: /AmiTags\["team"\] is 257 characters long; at most 256/,
  },
  {
    rule: 'AmiTags (count)',
    broken: inRegion({ amiTags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }),
    fixed: inRegion({ amiTags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) }),
    message: /AmiTags has 51 tags; at most 50/,
  },
  {
    rule: 'LaunchTemplateId',
    broken: stack => inRegion({ launchTemplates: [{ launchTemplate: lt(stack, 'lt-123') }] })(stack),
    fixed: stack => inRegion({ launchTemplates: [{ launchTemplate: lt(stack, 'lt-0123456789abcdef0') }] })(stack),
    message: /\[LaunchTemplateId\] Region us-east-1: launch template ID "lt-123" is not 'lt-' followed by 17/,
  },
  {
    rule: 'SsmParameter',
    broken: inRegion({ ssmParameters: [{ parameterName: '/golden ami' }] }),
    fixed: inRegion({ ssmParameters: [{ parameterName: '/golden-ami', dataType: SsmParameterDataType.AWS_EC2_IMAGE }] }),
    message: /\[SsmParameter\] Region us-east-1: SsmParameterConfigurations\[0\].ParameterName "\/golden ami" is not a valid name/,
  },
  {
    rule: 'FastLaunch',
    broken: inRegion({ fastLaunch: [{ maxParallelLaunches: 5, targetSnapshotCount: 10001 }] }),
    fixed: inRegion({ fastLaunch: [{ maxParallelLaunches: 6, targetSnapshotCount: 10000 }] }),
    message: /MaxParallelLaunches is 5; fast launch needs a whole number of at least 6[\s\S]*TargetResourceCount is 10001/,
  },
  {
    rule: 'LicenseConfigurationArn',
    broken: inRegion({ licenseConfigurationArns: ['lic-0123456789abcdef0123456789abcdef'] }),
    fixed: inRegion({ licenseConfigurationArns: [LICENSE_ARN] }),
    message: /\[LicenseConfigurationArn\] Region us-east-1: LicenseConfigurationArns\[0\] is "lic-0123456789abcdef0123456789abcdef"/,
  },
  {
    rule: 'PublicEncryptedAmi (Region key)',
    broken: stack => inRegion({ kmsKey: new kms.Key(stack, 'Key'), launchPermission: { publicAccess: true } })(stack),
    fixed: stack => inRegion({ kmsKey: new kms.Key(stack, 'Key'), launchPermission: { accounts: ['222222222222'] } })(stack),
    message: /\[PublicEncryptedAmi\] Region us-east-1: LaunchPermissionConfiguration.UserGroups makes the AMI public, but it is encrypted with the Region's key/,
  },
  {
    rule: 'PublicEncryptedAmi (source key)',
    broken: stack => inRegion({ launchPermission: { publicAccess: true } }, { sourceKey: new kms.Key(stack, 'Source') })(stack),
    fixed: stack => inRegion({ launchPermission: { publicAccess: true } })(stack),
    message: /encrypted with the source key Stack\/Source/,
  },
  {
    rule: 'AwsManagedKeyShared',
    broken: stack => inRegion({ kmsKey: kms.Alias.fromAliasName(stack, 'Ebs', 'alias/aws/ebs'), targetAccounts: ['222222222222'] })(stack),
    fixed: stack => inRegion({ kmsKey: kms.Alias.fromAliasName(stack, 'Ebs', 'alias/aws/ebs'), targetAccounts: [] })(stack),
    message: /\[AwsManagedKeyShared\] Region us-east-1: KmsKeyId "arn:aws:kms:us-east-1:111111111111:alias\/aws\/ebs" is an AWS managed key, which cannot be shared with other accounts, but the AMI goes to account 222222222222. Fix: use a customer managed key/,
  },
  {
    rule: 'AwsManagedKeyShared (source key)',
    broken: stack => inRegion({ launchPermission: { organizations: [ORG_ARN] } }, { sourceKey: kms.Alias.fromAliasName(stack, 'Ebs', 'alias/aws/ebs') })(stack),
    fixed: stack => inRegion({ launchPermission: { organizations: [ORG_ARN] } }, { sourceKey: new kms.Key(stack, 'Source') })(stack),
    message: /the source key alias\/aws\/ebs is an AWS managed key, .* goes to organization arn:aws:organizations/,
  },
  {
    rule: 'KeyRegion (imported)',
    broken: stack => inRegion({ region: 'eu-west-1', kmsKey: importedKey('us-east-1')(stack) })(stack),
    fixed: stack => inRegion({ region: 'eu-west-1', kmsKey: importedKey('eu-west-1')(stack) })(stack),
    message: /\[KeyRegion\] Region eu-west-1: AmiDistributionConfiguration.KmsKeyId "arn:aws:kms:us-east-1:.*" is a key of us-east-1, not of eu-west-1/,
  },
  {
    rule: 'KeyRegion (owned)',
    broken: stack => inRegion({ region: 'eu-west-1', kmsKey: new kms.Key(stack, 'Key') })(stack),
    fixed: stack => inRegion({ region: 'us-east-1', kmsKey: new kms.Key(stack, 'Key') })(stack),
    message: /\[KeyRegion\] Region eu-west-1: AmiDistributionConfiguration.KmsKeyId \(a key of this app\) is a key of us-east-1, not of eu-west-1; .*Fix: pass a key created in a eu-west-1 stack/,
  },
  {
    rule: 'SsmParameterAccount',
    broken: inRegion({ targetAccounts: ['222222222222'], ssmParameters: [{ parameterName: '/golden/ami', amiAccount: '333333333333' }] }),
    fixed: inRegion({ targetAccounts: ['222222222222', '333333333333'], ssmParameters: [{ parameterName: '/golden/ami', amiAccount: '333333333333' }] }),
    message: /\[SsmParameterAccount\] Region us-east-1: SsmParameterConfigurations\[0\].AmiAccountId "333333333333" is not a target account of this Region.*Fix: add 333333333333 to targetAccounts/,
  },
];

describe.each(cases)('rule $rule', ({ broken, fixed, message }) => {
  test('a configuration that breaks it fails synthesis with the message', () => {
    const stack = newStack();
    broken(stack);
    expect(synthError(stack)).toMatch(message);
  });

  test('the same configuration fixed synthesizes', () => {
    const stack = newStack();
    fixed(stack);
    expect(synthError(stack)).toBe('');
  });
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

describe('warnings', () => {
  const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => w.entry.data as string);

  test('an AMI name without the build date: a warning that says why', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist', { amiName: 'golden' }).addRegion('us-east-1');
    expect(warningsOf(stack)).toEqual([expect.stringMatching(/Region us-east-1: AmiDistributionConfiguration.Name "golden" has no \{\{ imagebuilder:buildDate \}\}: every build would produce the same AMI name, so the second build fails.* \[ack: cdk-imagebuilder-distribution:AmiNameWithoutBuildDate\]$/)]);

    const fixed = newStack();
    new DistributionConfiguration(fixed, 'Dist', { amiName: NAME }).addRegion('us-east-1');
    expect(warningsOf(fixed)).toEqual([]);
  });

  test('a Region RegionInfo does not know: a warning', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist').addRegion('xx-nowhere-9');
    expect(warningsOf(stack)).toEqual([expect.stringMatching(/Region xx-nowhere-9: Region "xx-nowhere-9" is not known to aws-cdk-lib's RegionInfo/)]);
  });

  test('a launch template in an account that receives nothing: a warning', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1', { launchTemplates: [{ launchTemplate: lt(stack, 'lt-0123456789abcdef0'), accountId: '222222222222' }] });
    expect(warningsOf(stack)).toEqual([expect.stringMatching(/LaunchTemplateConfigurations\[0\].AccountId "222222222222" neither receives a copy .* Fix: add 222222222222 to targetAccounts or launchPermission.accounts/)]);

    const fixed = newStack();
    new DistributionConfiguration(fixed, 'Dist', { amiName: NAME }).addRegion('us-east-1', {
      launchPermission: { accounts: ['222222222222'] },
      launchTemplates: [{ launchTemplate: lt(fixed, 'lt-0123456789abcdef0'), accountId: '222222222222' }],
    });
    expect(warningsOf(fixed)).toEqual([]);
  });

  test('warnings can be acknowledged by id', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist', { amiName: 'golden' }).addRegion('us-east-1');
    CoreAnnotations.of(stack).acknowledgeWarning('cdk-imagebuilder-distribution:AmiNameWithoutBuildDate', 'a fixed name is replaced on purpose');
    expect(warningsOf(stack)).toEqual([]);
  });
});

describe('tokens are never rejected', () => {
  test('account IDs, key ARNs and names from CfnParameter and Fn.importValue', () => {
    const stack = newStack();
    const account = new CfnParameter(stack, 'Account').valueAsString;
    const keyArn = Fn.importValue('KeyArn');
    const name = new CfnParameter(stack, 'Name').valueAsString;
    const orgArn = Fn.importValue('OrgArn');
    new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: name, amiName: new CfnParameter(stack, 'AmiName').valueAsString })
      .addRegion('eu-west-1', {
        kmsKey: kms.Key.fromKeyArn(stack, 'Key', keyArn),
        targetAccounts: [account, Fn.importValue('Target')],
        launchPermission: { accounts: [account], organizations: [orgArn], organizationalUnits: [Fn.importValue('OuArn')] },
        ssmParameters: [{ parameterName: new CfnParameter(stack, 'Param').valueAsString, amiAccount: account }],
        launchTemplates: [{ launchTemplate: lt(stack, Fn.importValue('LaunchTemplateId')), accountId: account }],
        licenseConfigurationArns: [Fn.importValue('License')],
        amiTags: { team: new CfnParameter(stack, 'Team').valueAsString },
      })
      .addRegion(new CfnParameter(stack, 'Region').valueAsString, { targetAccounts: [account] });
    expect(synthError(stack)).toBe('');
  });
});

describe('DistributionChecks aspect', () => {
  function handWritten(stack: Stack, distributions: any[], name = 'golden') {
    return new imagebuilder.CfnDistributionConfiguration(stack, 'Cfn', { name, distributions });
  }

  test('reports the same failures on a hand-written CfnDistributionConfiguration', () => {
    const stack = newStack();
    Aspects.of(stack.node.root).add(new DistributionChecks());
    handWritten(stack, [
      { region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, TargetAccountIds: ['123'], KmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/abc' } },
      { region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, LaunchPermissionConfiguration: { UserGroups: ['all'] }, KmsKeyId: 'alias/aws/ebs' } },
    ], 'bad/name');
    const message = synthError(stack);
    for (const rule of ['DistributionName', 'AccountId', 'KeyRegion', 'Regions', 'PublicEncryptedAmi', 'AwsManagedKeyShared']) {
      expect(message).toMatch(new RegExp(`\\[Stack/Cfn\\] \\[${rule}\\]`));
    }
  });

  test('camelCase keys in the JSON-typed objects are errors that name the PascalCase key', () => {
    const stack = newStack();
    Aspects.of(stack.node.root).add(new DistributionChecks());
    handWritten(stack, [{ region: 'us-east-1', amiDistributionConfiguration: { name: NAME, launchPermissionConfiguration: { userIds: ['222222222222'] } } }]);
    const message = synthError(stack);
    expect(message).toMatch(/\[UnknownKey\] Region us-east-1: AmiDistributionConfiguration has the key "name", which CloudFormation does not accept there .*Fix: write it as "Name"/);
    expect(message).toMatch(/has the key "launchPermissionConfiguration".*write it as "LaunchPermissionConfiguration"/);
  });

  test('container repository and empty lists', () => {
    const stack = newStack();
    Aspects.of(stack.node.root).add(new DistributionChecks());
    handWritten(stack, [
      { region: 'us-east-1', containerDistributionConfiguration: { TargetRepository: { Service: 'DockerHub' } }, licenseConfigurationArns: [] },
    ]);
    const message = synthError(stack);
    expect(message).toMatch(/\[ContainerRepository\] .*RepositoryName is undefined: a repository name of 1 to 1024 characters is required/);
    expect(message).toMatch(/\[ContainerRepository\] .*Service is "DockerHub"; allowed: "ECR"/);
    expect(message).toMatch(/\[ListSize\] Region us-east-1: LicenseConfigurationArns is an empty list/);
  });

  test('a valid hand-written configuration passes, and DistributionConfiguration is not checked twice', () => {
    const stack = newStack();
    Aspects.of(stack.node.root).add(new DistributionChecks());
    handWritten(stack, [{
      region: 'us-east-1',
      amiDistributionConfiguration: { Name: NAME, TargetAccountIds: ['222222222222'] },
      containerDistributionConfiguration: { TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } },
    }]);
    expect(synthError(stack)).toBe('');

    const twice = newStack();
    Aspects.of(twice.node.root).add(new DistributionChecks());
    new DistributionConfiguration(twice, 'Dist').addRegion('us-east-1', { targetAccounts: ['1'] });
    expect(synthError(twice).match(/\[AccountId\]/g)).toHaveLength(1);
  });

  test('checks the alpha module\'s distribution configuration', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const alpha = require('@aws-cdk/aws-imagebuilder-alpha');
    const stack = newStack();
    Aspects.of(stack.node.root).add(new DistributionChecks());
    const dist = new alpha.DistributionConfiguration(stack, 'Alpha');
    dist.addAmiDistributions({ region: 'us-east-1', amiName: NAME, amiTargetAccountIds: ['222222222222'], amiKmsKey: kms.Alias.fromAliasName(stack, 'Ebs', 'alias/aws/ebs') });
    expect(synthError(stack)).toMatch(/\[AwsManagedKeyShared\]/);
  });

  test('a container repository from ecr renders and passes', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist').addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden') });
    expect(synthError(stack)).toBe('');
  });
});
