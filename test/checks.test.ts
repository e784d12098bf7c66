import { Annotations as CoreAnnotations, App, Aspects, CfnCondition, CfnParameter, Errors, Fn, Lazy, Stack, Validations, aws_ec2 as ec2, aws_ecr as ecr, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { newStack, synthError, warningsOf } from './helpers';
import { DistributionChecks, DistributionConfiguration } from '../src';

/*
 * How the checks behave around the rules: deploy-time values, escape hatches, acknowledgements, messages in
 * the user's terms, the error type, and the construct's own correctness.
 */

const NAME = 'golden-{{ imagebuilder:buildDate }}';

function handWritten(stack: Stack, distributions: any, name: any = 'golden') {
  Aspects.of(stack.node.root).add(new DistributionChecks());
  return new imagebuilder.CfnDistributionConfiguration(stack, 'Cfn', { name, distributions });
}

describe('deploy-time values are never findings; their literal parts are still checked', () => {
  /** A condition the template defines, for Fn::If. */
  function isProd(stack: Stack) {
    new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(new CfnParameter(stack, 'Environment').valueAsString, 'prod') });
  }

  test('a whole Distributions list given as Fn::If', () => {
    const stack = newStack();
    isProd(stack);
    handWritten(stack, Fn.conditionIf('IsProd', [{ Region: 'us-east-1' }], [{ Region: 'eu-west-1' }]));
    expect(synthError(stack)).toBe('');
  });

  test('an entry and an object given as Fn::If', () => {
    const stack = newStack();
    isProd(stack);
    handWritten(stack, [
      Fn.conditionIf('IsProd', { Region: 'us-east-1', AmiDistributionConfiguration: { Name: NAME } }, { Region: 'us-east-1' }),
      { region: 'eu-west-1', amiDistributionConfiguration: Fn.conditionIf('IsProd', { Name: NAME }, { Name: 'x-{{ imagebuilder:buildDate }}' }) },
    ]);
    expect(synthError(stack)).toBe('');
  });

  test('TargetAccountIds from a list parameter: an SSM parameter account is not judged', () => {
    const stack = newStack();
    const targets = new CfnParameter(stack, 'Targets', { type: 'CommaDelimitedList' });
    handWritten(stack, [{
      region: 'us-east-1',
      amiDistributionConfiguration: { Name: NAME, TargetAccountIds: targets.valueAsList },
      ssmParameterConfigurations: [{ parameterName: '/golden/ami', amiAccountId: '222222222222' }],
    }]);
    expect(synthError(stack)).toBe('');
  });

  test('account IDs, key ARNs, names and Regions from parameters and imports, through the construct', () => {
    const stack = newStack();
    const account = new CfnParameter(stack, 'Account').valueAsString;
    new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: new CfnParameter(stack, 'Name').valueAsString, amiName: new CfnParameter(stack, 'AmiName').valueAsString })
      .addRegion('eu-west-1', {
        kmsKey: kms.Key.fromKeyArn(stack, 'Key', Fn.importValue('KeyArn')),
        targetAccounts: [account, Fn.importValue('Target')],
        launchPermission: { accounts: [account], organizations: [Fn.importValue('OrgArn')], organizationalUnits: [Fn.importValue('OuArn')] },
        ssmParameters: [{ parameterName: new CfnParameter(stack, 'Param').valueAsString, amiAccount: account }],
        launchTemplates: [{ launchTemplate: ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'LT', { launchTemplateId: Fn.importValue('LaunchTemplateId') }), accountId: account }],
        licenseConfigurationArns: [Fn.importValue('License')],
        amiTags: { team: new CfnParameter(stack, 'Team').valueAsString },
      })
      .addRegion(new CfnParameter(stack, 'Region').valueAsString, { targetAccounts: new CfnParameter(stack, 'Targets', { type: 'CommaDelimitedList' }).valueAsList });
    expect(synthError(stack)).toBe('');
  });

  test('Lazy.list values are checked once they resolve', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1', { targetAccounts: Lazy.list({ produce: () => ['123'] }) });
    expect(synthError(stack)).toMatch(/\[AccountId\] addRegion\('us-east-1', \.\.\.\) targetAccounts\[0\] is "123"/);
  });
});

describe('the checks read what CloudFormation receives', () => {
  test('an escape-hatch override that writes a camelCase key is an error; one that fixes a value passes', () => {
    const broken = newStack();
    const dist = new DistributionConfiguration(broken, 'Dist', { amiName: NAME }).addRegion('us-east-1');
    (dist.node.defaultChild as imagebuilder.CfnDistributionConfiguration).addPropertyOverride('Distributions.0.AmiDistributionConfiguration.targetAccountIds', ['222222222222']);
    expect(synthError(broken)).toMatch(/\[UnknownKey\] addRegion\('us-east-1', \.\.\.\) amiSettings has the key "targetAccountIds".*write it as "TargetAccountIds"/);

    const fixed = newStack();
    const cfn = handWritten(fixed, [{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, TargetAccountIds: ['123'] } }]);
    cfn.addOverride('Properties.Distributions.0.AmiDistributionConfiguration.TargetAccountIds', ['222222222222']);
    expect(synthError(fixed)).toBe('');
  });

  test('a key the typed L1 drops is not judged, since CloudFormation never receives it', () => {
    const stack = newStack();
    const cfn = handWritten(stack, [{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME }, licenseArns: ['not-an-arn'] } as any]);
    expect(synthError(stack)).toBe('');
    const [entry] = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(cfn)].Properties.Distributions;
    expect(entry).toEqual({ Region: 'us-east-1', AmiDistributionConfiguration: { Name: NAME } });
  });
});

describe('acknowledgements', () => {
  test('an error acknowledged by id with a reason lets synth pass, and the reason is recorded', () => {
    const stack = newStack();
    const orgs = Array.from({ length: 26 }, (_, i) => `arn:aws:organizations::999999999999:organization/o-${String(i).padStart(10, 'a')}`);
    const dist = new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1', { launchPermission: { organizations: orgs } });
    expect(synthError(stack)).toMatch(/\[ListSize\]/);

    const acknowledged = newStack();
    new DistributionConfiguration(acknowledged, 'Dist', { amiName: NAME }).addRegion('us-east-1', { launchPermission: { organizations: orgs } });
    Validations.of(acknowledged).acknowledge({ id: 'cdk-imagebuilder-distribution:ListSize', reason: 'AWS raised the limit to 50 for our organization' });
    expect(synthError(acknowledged)).toBe('');
    const infos = Annotations.fromStack(acknowledged).findInfo('*', Match.anyValue()).map(i => i.entry.data);
    expect(infos).toEqual([expect.stringMatching(/^Acknowledged cdk-imagebuilder-distribution:ListSize: AWS raised the limit to 50 for our organization\. \[ListSize\] addRegion/)]);
    expect(dist).toBeDefined();
  });

  test('an acknowledged OU of "*" passes synth with a warning, and no key policy opens to it', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1', { kmsKey: key, launchPermission: { organizationalUnits: ['*'] } });
    Validations.of(stack).acknowledge({ id: 'cdk-imagebuilder-distribution:OrganizationalUnitArn', reason: 'we know' });
    expect(synthError(stack)).toBe('');
    expect(warningsOf(stack)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Acknowledged cdk-imagebuilder-distribution:OrganizationalUnitArn: we know\. \[OrganizationalUnitArn\].*The value is left out of every key policy and role this library writes/),
    ]));
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::KMS::Key'));
    expect(policy).not.toContain('PrincipalOrgPaths');
    expect(policy).not.toContain('ImageBuilderLaunchByOrganizationalUnits');
  });

  test('acknowledging another rule does not help', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1', { targetAccounts: ['123'] });
    Validations.of(stack).acknowledge({ id: 'cdk-imagebuilder-distribution:ListSize', reason: 'unrelated' });
    expect(synthError(stack)).toMatch(/\[AccountId\]/);
  });

  test('an error of a hand-written resource, acknowledged on the resource', () => {
    const stack = newStack();
    const cfn = handWritten(stack, [{ region: 'us-east-1', fastLaunchConfigurations: [{ enabled: true, maxParallelLaunches: 5 }] }]);
    Validations.of(cfn).acknowledge({ id: 'cdk-imagebuilder-distribution:FastLaunchParallelLaunches', reason: 'EC2 lowered the minimum' });
    expect(synthError(stack)).toBe('');
  });

  test('warnings are acknowledged with Annotations.acknowledgeWarning or Validations.acknowledge', () => {
    for (const acknowledge of [
      (s: Stack) => CoreAnnotations.of(s).acknowledgeWarning('cdk-imagebuilder-distribution:AmiNameBuildDateUnknown', 'the parameter holds the build date'),
      (s: Stack) => Validations.of(s).acknowledge({ id: 'cdk-imagebuilder-distribution:AmiNameBuildDateUnknown', reason: 'the parameter holds the build date' }),
    ]) {
      const stack = newStack();
      new DistributionConfiguration(stack, 'Dist', { amiName: new CfnParameter(stack, 'AmiName').valueAsString }).addRegion('us-east-1');
      expect(warningsOf(stack)).toEqual([expect.stringContaining('[AmiNameBuildDateUnknown]')]);
      const acknowledged = newStack();
      new DistributionConfiguration(acknowledged, 'Dist', { amiName: new CfnParameter(acknowledged, 'AmiName').valueAsString }).addRegion('us-east-1');
      acknowledge(acknowledged);
      expect(warningsOf(acknowledged)).toEqual([]);
    }
  });
});

describe('messages in the user\'s terms', () => {
  test('a mistake in a construct default is reported once, with the Regions that inherit it', () => {
    const stack = newStack();
    new DistributionConfiguration(stack, 'Dist', { amiName: NAME, targetAccounts: ['123'] })
      .addRegion('us-east-1')
      .addRegion('eu-west-1')
      .addRegion('ap-southeast-2', { targetAccounts: ['1234'] });
    const message = synthError(stack);
    expect(message.match(/\[AccountId\]/g)).toHaveLength(2);
    expect(message).toMatch(/\[AccountId\] targetAccounts\[0\] \(a construct default, inherited by Regions us-east-1, eu-west-1\) is "123"/);
    expect(message).toMatch(/\[AccountId\] addRegion\('ap-southeast-2', \.\.\.\) targetAccounts\[0\] is "1234"/);
  });

  test('keys are named by construct path, not by their generated alias or a GetAtt', () => {
    const app = new App();
    const key = new kms.Key(new Stack(app, 'Keys', { env: { account: '111111111111', region: 'eu-west-1' } }), 'AmiKey');
    const stack = newStack('us-east-1', app);
    new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('ap-southeast-2', { kmsKey: key });
    expect(synthError(stack)).toMatch(/\[KeyRegion\] addRegion\('ap-southeast-2', \.\.\.\) kmsKey Keys\/AmiKey is a key of eu-west-1/);
  });

  test('in a Python app (the jsii runtime sets JSII_AGENT), calls and props are spelled as in Python', () => {
    const saved = process.env.JSII_AGENT;
    process.env.JSII_AGENT = 'Python/3.11.7';
    try {
      const stack = newStack();
      new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1', { targetAccounts: ['123'], launchPermission: { organizations: ['o-abcdefghij'] } });
      const message = synthError(stack);
      expect(message).toMatch(/\[AccountId\] add_region\("us-east-1", \.\.\.\) target_accounts\[0\] is "123"/);
      expect(message).toMatch(/\[OrganizationArn\] add_region\("us-east-1", \.\.\.\) launch_permission\.organizations\[0\]/);
      expect(() => new DistributionConfiguration(newStack(), 'Dist').addRegion('us-east-1').addRegion('us-east-1'))
        .toThrow(/add_region\("us-east-1", \.\.\.\) was already called/);
    } finally {
      if (saved === undefined) {
        delete process.env.JSII_AGENT;
      } else {
        process.env.JSII_AGENT = saved;
      }
    }
  });

  test('users of the aspect read CloudFormation paths', () => {
    const stack = newStack();
    handWritten(stack, [{ region: 'us-east-1', amiDistributionConfiguration: { Name: NAME, TargetAccountIds: ['123'] } }]);
    expect(synthError(stack)).toMatch(/\[Stack\/Cfn\] \[AccountId\] Region us-east-1: AmiDistributionConfiguration\.TargetAccountIds\[0\] is "123"/);
  });
});

test('construction errors are validation errors by aws-cdk-lib\'s public check, with the rule and the construct path', () => {
  let error: unknown;
  try {
    new DistributionConfiguration(newStack(), 'Dist').addRegion('us-east-1').addRegion('us-east-1');
  } catch (e) {
    error = e;
  }
  expect(Errors.isValidationError(error)).toBe(true);
  expect(error).toMatchObject({ rule: 'RegionAddedTwice', constructPath: 'Stack/Dist', name: 'ValidationError' });
});

describe('the DistributionChecks aspect', () => {
  test('a valid hand-written configuration passes, and DistributionConfiguration is not checked twice', () => {
    const stack = newStack();
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
});

describe('the construct\'s own correctness', () => {
  test('a name with spaces and capitals: the ARN other environments see is Image Builder\'s (lowercase, hyphens)', () => {
    const app = new App();
    const stack = newStack('us-east-1', app);
    const dist = new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'Golden AMI' }).addRegion('us-east-1');
    const other = new Stack(app, 'Other', { env: { account: '222222222222', region: 'us-east-1' } });
    dist.grantRead(new iam.Role(other, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    const [policy] = Object.values<any>(Template.fromStack(other).findResources('AWS::IAM::Policy'));
    expect(JSON.stringify(policy.Properties.PolicyDocument.Statement[0].Resource)).toContain(':imagebuilder:us-east-1:111111111111:distribution-configuration/golden-ami');
  });

  test('a generated name is a physical name: a grant from another environment works', () => {
    const app = new App();
    const stack = newStack('us-east-1', app);
    const dist = new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1');
    const other = new Stack(app, 'Other', { env: { account: '222222222222', region: 'eu-west-1' } });
    dist.grantRead(new iam.Role(other, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    expect(synthError(stack)).toBe('');
    expect(dist.distributionConfigurationName).toMatch(/^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$/);
    const [policy] = Object.values<any>(Template.fromStack(other).findResources('AWS::IAM::Policy'));
    expect(JSON.stringify(policy.Properties.PolicyDocument.Statement[0].Resource)).toContain(`distribution-configuration/${dist.distributionConfigurationName.toLowerCase()}`);
  });

  test('an ECR repository of another Region\'s stack: its literal name, and a stack dependency', () => {
    const app = new App();
    const eu = new Stack(app, 'Eu', { env: { account: '111111111111', region: 'eu-west-1' } });
    const repository = new ecr.Repository(eu, 'Repo', { repositoryName: 'golden' });
    const stack = newStack('us-east-1', app);
    new DistributionConfiguration(stack, 'Dist').addContainerRegion('eu-west-1', { repository });
    expect(synthError(stack)).toBe('');
    expect(stack.dependencies).toContain(eu);
    const [dist] = Object.values<any>(Template.fromStack(stack).findResources('AWS::ImageBuilder::DistributionConfiguration'));
    expect(dist.Properties.Distributions[0].ContainerDistributionConfiguration.TargetRepository).toEqual({ Service: 'ECR', RepositoryName: 'golden' });
  });
});
