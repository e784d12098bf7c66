import * as cdk from 'aws-cdk-lib';
import { App, ContextProvider, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';
import { DistributionConfiguration } from '../src';

const ACCOUNT = '111111111111';
const ORG_ARN = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU_ARN = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij';
const LAUNCH = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];
const COPY = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];
const GRANT_CONDITION = { Bool: { 'kms:GrantIsForAWSResource': true } };

function keyStack(app: App, region: string) {
  const stack = new Stack(app, `Keys-${region}`, { env: { account: ACCOUNT, region } });
  return { stack, key: new kms.Key(stack, 'Key') };
}

function distributionsOf(stack: Stack): any[] {
  const [dist] = Object.values<any>(Template.fromStack(stack).findResources('AWS::ImageBuilder::DistributionConfiguration'));
  return dist.Properties.Distributions;
}

/** The statements of the (only) KMS key in a stack whose Sid starts with ImageBuilder. */
function imageBuilderStatements(stack: Stack, keyLogicalId?: string): any[] {
  const keys = Template.fromStack(stack).findResources('AWS::KMS::Key');
  const key = keyLogicalId ? keys[keyLogicalId] : Object.values<any>(keys)[0];
  return key.Properties.KeyPolicy.Statement.filter((s: any) => s.Sid?.startsWith('ImageBuilder'));
}

describe('keys in other Regions', () => {
  test('keys in eu-west-1 and ap-southeast-2 stacks, distribution in us-east-1: no custom resource, stack dependencies, each Region its own key', () => {
    const app = new App();
    const eu = keyStack(app, 'eu-west-1');
    const ap = keyStack(app, 'ap-southeast-2');
    const distStack = new Stack(app, 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DistributionConfiguration(distStack, 'Dist', { launchPermission: { accounts: ['222222222222'] } })
      .addRegion('eu-west-1', { kmsKey: eu.key })
      .addRegion('ap-southeast-2', { kmsKey: ap.key });

    const assembly = app.synth();
    for (const stack of assembly.stacks) {
      const types = Object.values<any>(stack.template.Resources).map(r => r.Type);
      expect(types.filter(t => t.startsWith('Custom::') || t === 'AWS::Lambda::Function')).toEqual([]);
    }
    expect(distStack.dependencies).toEqual(expect.arrayContaining([eu.stack, ap.stack]));

    const [euEntry, apEntry] = distributionsOf(distStack);
    expect(euEntry.AmiDistributionConfiguration.KmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:111111111111:alias\/imagebuilder-distribution\/[A-Za-z0-9]+$/);
    expect(apEntry.AmiDistributionConfiguration.KmsKeyId).toMatch(/^arn:aws:kms:ap-southeast-2:111111111111:alias\/imagebuilder-distribution\/[A-Za-z0-9]+$/);
    expect(euEntry.AmiDistributionConfiguration.KmsKeyId).not.toEqual(apEntry.AmiDistributionConfiguration.KmsKeyId);

    for (const [entry, key] of [[euEntry, eu], [apEntry, ap]] as const) {
      const aliasName = entry.AmiDistributionConfiguration.KmsKeyId.split(':').pop();
      Template.fromStack(key.stack).hasResourceProperties('AWS::KMS::Alias', {
        AliasName: aliasName,
        TargetKeyId: { 'Fn::GetAtt': [key.stack.getLogicalId(key.key.node.defaultChild as kms.CfnKey), 'Arn'] },
      });
    }
  });

  test('a key used by several distributions and Regions gets one alias', () => {
    const app = new App();
    const eu = keyStack(app, 'eu-west-1');
    const distStack = new Stack(app, 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DistributionConfiguration(distStack, 'A').addRegion('eu-west-1', { kmsKey: eu.key });
    new DistributionConfiguration(distStack, 'B').addRegion('eu-west-1', { kmsKey: eu.key });
    const other = new Stack(app, 'Other', { env: { account: ACCOUNT, region: 'us-west-2' } });
    new DistributionConfiguration(other, 'C').addRegion('eu-west-1', { kmsKey: eu.key });

    Template.fromStack(eu.stack).resourceCountIs('AWS::KMS::Alias', 1);
    const ids = [...distributionsOf(other), ...Object.values<any>(Template.fromStack(distStack).findResources('AWS::ImageBuilder::DistributionConfiguration'))
      .flatMap(d => d.Properties.Distributions)].map(d => d.AmiDistributionConfiguration.KmsKeyId);
    expect(new Set(ids).size).toBe(1);
  });

  test('a key in the same Region is referenced by its ARN, with no alias', () => {
    const app = new App();
    const stack = new Stack(app, 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const key = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: key });
    expect(distributionsOf(stack)[0].AmiDistributionConfiguration.KmsKeyId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] });
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Alias', 0);
  });
});

describe('imported keys', () => {
  test('Key.fromKeyArn: that ARN', () => {
    const stack = new Stack(new App(), 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const arn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1', { kmsKey: kms.Key.fromKeyArn(stack, 'Key', arn) });
    expect(distributionsOf(stack)[0].AmiDistributionConfiguration.KmsKeyId).toBe(arn);
  });

  test('Key.fromLookup with cached context: the looked-up ARN', () => {
    const env = { account: ACCOUNT, region: 'us-east-1' };
    const contextKey = ContextProvider.getKey(new Stack(new App(), 'Probe', { env }), { provider: cxschema.ContextProvider.KEY_PROVIDER, props: { aliasName: 'alias/golden' } }).key;
    const stack = new Stack(new App({ context: { [contextKey]: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' } } }), 'Dist', { env });
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: kms.Key.fromLookup(stack, 'Key', { aliasName: 'alias/golden' }) });
    expect(stack.resolve(distributionsOf(stack)[0].AmiDistributionConfiguration.KmsKeyId)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab']],
    });
  });

  test('Alias.fromAliasName: the alias ARN in the entry\'s Region, not the stack\'s', () => {
    const stack = new Stack(new App(), 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const alias = kms.Alias.fromAliasName(stack, 'Alias', 'alias/golden-ami');
    new DistributionConfiguration(stack, 'Dist')
      .addRegion('us-east-1', { kmsKey: alias })
      .addRegion('eu-west-1', { kmsKey: alias });
    expect(distributionsOf(stack).map(d => d.AmiDistributionConfiguration.KmsKeyId)).toEqual([
      'arn:aws:kms:us-east-1:111111111111:alias/golden-ami',
      'arn:aws:kms:eu-west-1:111111111111:alias/golden-ami',
    ]);
  });

  test('an imported key other accounts must use: a warning with the statements to add, and requiredKeyPolicy', () => {
    const stack = new Stack(new App(), 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const arn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const dist = new DistributionConfiguration(stack, 'Dist')
      .addRegion('eu-west-1', { kmsKey: kms.Key.fromKeyArn(stack, 'Key', arn), launchPermission: { accounts: ['222222222222'] } });

    const expected = [
      { Sid: 'ImageBuilderLaunchByAccounts', Effect: 'Allow', Action: LAUNCH, Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Resource: '*' },
      { Sid: 'ImageBuilderCreateGrantForAccounts', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Resource: '*', Condition: GRANT_CONDITION },
    ];
    expect(stack.resolve(dist.requiredKeyPolicy('eu-west-1').toJSON()).Statement).toEqual(expected);

    const warnings = Annotations.fromStack(stack).findWarning('/Dist/Dist/Resource', Match.stringLikeRegexp('ImportedKeyPolicy'));
    expect(warnings).toHaveLength(1);
    const message = warnings[0].entry.data as string;
    expect(message).toContain(`The key ${arn} (the key of Region eu-west-1) is imported`);
    const marker = 'requiredSourceKeyPolicy() return them too): ';
    const json = message.slice(message.indexOf(marker) + marker.length, message.indexOf(' [ack:'));
    expect(JSON.parse(json)).toEqual(expected);
    expect(message).toContain('[ack: cdk-imagebuilder-distribution:ImportedKeyPolicy]');
  });

  test('the warning can be acknowledged', () => {
    const stack = new Stack(new App(), 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const dist = new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1', {
      kmsKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      targetAccounts: ['222222222222'],
    });
    cdk.Annotations.of(dist).acknowledgeWarning('cdk-imagebuilder-distribution:ImportedKeyPolicy', 'the key policy is managed by the security team');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('ImportedKeyPolicy'));
  });

  test('no warning when only the owner account uses an imported key', () => {
    const stack = new Stack(new App(), 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1', {
      kmsKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      launchPermission: { accounts: [ACCOUNT] },
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('key policies of owned keys', () => {
  function setup() {
    const app = new App();
    const stack = new Stack(app, 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    return { stack, key: new kms.Key(stack, 'Key') };
  }

  test('target accounts: the copy actions, CreateGrant only for AWS resources', () => {
    const { stack, key } = setup();
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: key, targetAccounts: ['222222222222', '333333333333'] });
    const principal = { AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:root'] };
    expect(imageBuilderStatements(stack)).toEqual([
      { Sid: 'ImageBuilderCopy', Effect: 'Allow', Action: COPY, Principal: principal, Resource: '*' },
      { Sid: 'ImageBuilderCreateGrantForAccounts', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: principal, Resource: '*', Condition: GRANT_CONDITION },
    ]);
  });

  test('launch-permission accounts: the launch actions; an account that copies is not listed again', () => {
    const { stack, key } = setup();
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', {
      kmsKey: key, targetAccounts: ['333333333333'], launchPermission: { accounts: ['222222222222', '333333333333'] },
    });
    expect(imageBuilderStatements(stack)).toEqual([
      { Sid: 'ImageBuilderCopy', Effect: 'Allow', Action: COPY, Principal: { AWS: 'arn:aws:iam::333333333333:root' }, Resource: '*' },
      { Sid: 'ImageBuilderLaunchByAccounts', Effect: 'Allow', Action: LAUNCH, Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Resource: '*' },
      {
        Sid: 'ImageBuilderCreateGrantForAccounts',
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Principal: { AWS: ['arn:aws:iam::333333333333:root', 'arn:aws:iam::222222222222:root'] },
        Resource: '*',
        Condition: GRANT_CONDITION,
      },
    ]);
  });

  test('organizations and OUs: principal * restricted by aws:PrincipalOrgID and aws:PrincipalOrgPaths', () => {
    const { stack, key } = setup();
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: key, launchPermission: { organizations: [ORG_ARN], organizationalUnits: [OU_ARN] } });
    const org = { StringEquals: { 'aws:PrincipalOrgID': ['o-abcdefghij'] } };
    const ou = { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-abcdefghij/*/ou-ab12-cdefghij/*'] } };
    expect(imageBuilderStatements(stack)).toEqual([
      { Sid: 'ImageBuilderLaunchByOrganizations', Effect: 'Allow', Action: LAUNCH, Principal: { AWS: '*' }, Resource: '*', Condition: org },
      { Sid: 'ImageBuilderLaunchByOrganizationalUnits', Effect: 'Allow', Action: LAUNCH, Principal: { AWS: '*' }, Resource: '*', Condition: ou },
      { Sid: 'ImageBuilderCreateGrantForOrganizations', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: { AWS: '*' }, Resource: '*', Condition: { ...GRANT_CONDITION, ...org } },
      { Sid: 'ImageBuilderCreateGrantForOrganizationalUnits', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: { AWS: '*' }, Resource: '*', Condition: { ...GRANT_CONDITION, ...ou } },
    ]);
  });

  test('the source key: target accounts of every Region, and launch consumers of the build Region only', () => {
    const app = new App();
    const stack = new Stack(app, 'Dist', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const sourceKey = new kms.Key(stack, 'SourceKey');
    const eu = keyStack(app, 'eu-west-1');
    new DistributionConfiguration(stack, 'Dist', { sourceKey })
      .addRegion('us-east-1', { launchPermission: { accounts: ['222222222222'], organizations: [ORG_ARN] } })
      .addRegion('eu-west-1', { kmsKey: eu.key, targetAccounts: ['333333333333'], launchPermission: { accounts: ['444444444444'], organizationalUnits: [OU_ARN] } });

    const accounts = { AWS: ['arn:aws:iam::333333333333:root', 'arn:aws:iam::222222222222:root'] };
    const org = { StringEquals: { 'aws:PrincipalOrgID': ['o-abcdefghij'] } };
    expect(imageBuilderStatements(stack)).toEqual([
      { Sid: 'ImageBuilderLaunchByAccounts', Effect: 'Allow', Action: LAUNCH, Principal: accounts, Resource: '*' },
      { Sid: 'ImageBuilderLaunchByOrganizations', Effect: 'Allow', Action: LAUNCH, Principal: { AWS: '*' }, Resource: '*', Condition: org },
      { Sid: 'ImageBuilderCreateGrantForAccounts', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: accounts, Resource: '*', Condition: GRANT_CONDITION },
      { Sid: 'ImageBuilderCreateGrantForOrganizations', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: { AWS: '*' }, Resource: '*', Condition: { ...GRANT_CONDITION, ...org } },
    ]);
    // The eu-west-1 key names only its own Region's consumers.
    expect(imageBuilderStatements(eu.stack).map(s => [s.Sid, s.Principal])).toEqual([
      ['ImageBuilderCopy', { AWS: 'arn:aws:iam::333333333333:root' }],
      ['ImageBuilderLaunchByAccounts', { AWS: 'arn:aws:iam::444444444444:root' }],
      ['ImageBuilderLaunchByOrganizationalUnits', { AWS: '*' }],
      ['ImageBuilderCreateGrantForAccounts', { AWS: ['arn:aws:iam::333333333333:root', 'arn:aws:iam::444444444444:root'] }],
      ['ImageBuilderCreateGrantForOrganizationalUnits', { AWS: '*' }],
    ]);
  });

  test('Regions and distributions sharing a key merge into one statement per purpose', () => {
    const { stack, key } = setup();
    new DistributionConfiguration(stack, 'A').addRegion('us-east-1', { kmsKey: key, launchPermission: { accounts: ['222222222222', '333333333333'] } });
    new DistributionConfiguration(stack, 'B').addRegion('us-east-1', { kmsKey: key, launchPermission: { accounts: ['333333333333', '444444444444'], organizations: [ORG_ARN] } });
    new DistributionConfiguration(stack, 'C').addRegion('us-east-1', {
      kmsKey: key,
      launchPermission: { organizations: ['arn:aws:organizations::999999999999:organization/o-zyxwvutsrq'] },
    });
    const statements = imageBuilderStatements(stack);
    expect(statements.map(s => s.Sid)).toEqual([
      'ImageBuilderLaunchByAccounts', 'ImageBuilderLaunchByOrganizations', 'ImageBuilderCreateGrantForAccounts', 'ImageBuilderCreateGrantForOrganizations',
    ]);
    expect(statements[0].Principal).toEqual({ AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:root', 'arn:aws:iam::444444444444:root'] });
    expect(statements[1].Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': ['o-abcdefghij', 'o-zyxwvutsrq'] } });
    expect(statements[3].Condition).toEqual({ ...GRANT_CONDITION, StringEquals: { 'aws:PrincipalOrgID': ['o-abcdefghij', 'o-zyxwvutsrq'] } });
  });

  test('the owner account is not a consumer', () => {
    const { stack, key } = setup();
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: key, launchPermission: { accounts: [ACCOUNT] }, targetAccounts: [ACCOUNT] });
    expect(imageBuilderStatements(stack)).toEqual([]);
  });

  test('requiredSourceKeyPolicy and requiredKeyPolicy for a Region without a key', () => {
    const { stack } = setup();
    const dist = new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1', { targetAccounts: ['222222222222'] });
    expect(stack.resolve(dist.requiredKeyPolicy('eu-west-1').toJSON()).Statement.map((s: any) => s.Sid))
      .toEqual(['ImageBuilderCopy', 'ImageBuilderCreateGrantForAccounts']);
    expect(stack.resolve(dist.requiredSourceKeyPolicy().toJSON()).Statement.map((s: any) => s.Sid))
      .toEqual(['ImageBuilderLaunchByAccounts', 'ImageBuilderCreateGrantForAccounts']);
    expect(() => dist.requiredKeyPolicy('ap-south-1')).toThrow(/Region ap-south-1 has no AMI distribution settings; Regions added with addRegion\(\): eu-west-1/);
  });
});
