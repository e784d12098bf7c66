import { App, CfnParameter, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CrossAccountDistributionRole, DistributionConfiguration } from '../src';

/*
 * One test per defect of the authorization issue: each failed before the fix (the message or the
 * statement it checks did not exist, or synthesis crashed) and passes after.
 */

const DIST = '111111111111';
const KEY_ACCOUNT = '101010101010';
const ORG_ARN = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const GRANT_CONDITION = { Bool: { 'kms:GrantIsForAWSResource': true } };
const COPY = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];

const env = (account: string, region: string) => ({ env: { account, region } });

function synthError(app: App): string {
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

function keyStatements(stack: Stack, key: kms.IKey): any[] {
  const target = (key instanceof kms.Alias ? key.aliasTargetKey : key) as kms.Key;
  const template = Template.fromStack(stack).toJSON();
  return template.Resources[stack.getLogicalId(target.node.defaultChild as kms.CfnKey)].Properties.KeyPolicy.Statement
    .filter((s: any) => s.Sid?.startsWith('ImageBuilder'));
}

describe('1. list tokens', () => {
  test('launch accounts from a list parameter: the key policy names the list itself', () => {
    const app = new App();
    const stack = new Stack(app, 'Dist', env(DIST, 'us-east-1'));
    const key = new kms.Key(stack, 'Key');
    const accounts = new CfnParameter(stack, 'Accounts', { type: 'CommaDelimitedList' }).valueAsList;
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: key, launchPermission: { accounts } });
    expect(keyStatements(stack, key)).toEqual([
      { Sid: 'ImageBuilderLaunchByAccountsList1', Effect: 'Allow', Action: expect.any(Array), Principal: { AWS: { Ref: 'Accounts' } }, Resource: '*' },
      { Sid: 'ImageBuilderCreateGrantForAccountsList1', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: { AWS: { Ref: 'Accounts' } }, Resource: '*', Condition: GRANT_CONDITION },
    ]);
  });

  test.each(['organizations', 'organizationalUnits'] as const)('%s from a list parameter: a synth error that names the field and the fix', field => {
    const stack = new Stack(new App(), 'Dist', env(DIST, 'us-east-1'));
    const arns = new CfnParameter(stack, 'Arns', { type: 'CommaDelimitedList' }).valueAsList;
    expect(() => new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key'), launchPermission: { [field]: arns } }))
      .toThrow(new RegExp(`Region us-east-1: addRegion\\('us-east-1', \\.\\.\\.\\) launchPermission\\.${field} is a list known only at deploy time .*Fix: give each ARN as its own value`));
  });

  test('without a key, a list of organizations is only rendered', () => {
    const app = new App();
    const stack = new Stack(app, 'Dist', env(DIST, 'us-east-1'));
    const arns = new CfnParameter(stack, 'Arns', { type: 'CommaDelimitedList' }).valueAsList;
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { launchPermission: { organizations: arns } });
    expect(synthError(app)).toBe('');
  });
});

describe('2. a central key account', () => {
  test('a key of this app in another account gets a statement for the distribution account\'s Image Builder', () => {
    const app = new App();
    const keys = new Stack(app, 'Keys', env(KEY_ACCOUNT, 'us-east-1'));
    const key = new kms.Key(keys, 'Key');
    const stack = new Stack(app, 'Dist', env(DIST, 'us-east-1'));
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: key });
    expect(keyStatements(keys, key)).toEqual([
      { Sid: 'ImageBuilderCopy', Effect: 'Allow', Action: COPY, Principal: { AWS: `arn:aws:iam::${DIST}:root` }, Resource: '*' },
      { Sid: 'ImageBuilderCreateGrantForAccounts', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: { AWS: `arn:aws:iam::${DIST}:root` }, Resource: '*', Condition: GRANT_CONDITION },
    ]);
    // Another account's key is named by alias: no cross-account reference.
    const [entry] = Object.values<any>(Template.fromStack(stack).findResources('AWS::ImageBuilder::DistributionConfiguration'))[0].Properties.Distributions;
    expect(entry.AmiDistributionConfiguration.KmsKeyId).toMatch(new RegExp(`^arn:aws:kms:us-east-1:${KEY_ACCOUNT}:alias/imagebuilder-distribution/`));
  });

  test('an imported key of another account: requiredKeyPolicy() and the warning include the distribution account', () => {
    const stack = new Stack(new App(), 'Dist', env(DIST, 'us-east-1'));
    const dist = new DistributionConfiguration(stack, 'Dist')
      .addRegion('us-east-1', { kmsKey: kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:us-east-1:${KEY_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`) });
    expect(stack.resolve(dist.requiredKeyPolicy('us-east-1').toJSON()).Statement.map((s: any) => [s.Sid, s.Principal])).toEqual([
      ['ImageBuilderCopy', { AWS: `arn:aws:iam::${DIST}:root` }],
      ['ImageBuilderCreateGrantForAccounts', { AWS: `arn:aws:iam::${DIST}:root` }],
    ]);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('ImportedKeyPolicy'));
    expect(warnings.map(w => w.entry.data)).toEqual([expect.stringContaining(`arn:aws:iam::${DIST}:root`)]);
  });
});

describe('3. EC2 Auto Scaling in consumer accounts', () => {
  const grantee = 'arn:aws:iam::${aws:PrincipalAccount}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling*';

  test('autoScalingGrants: consumers may create grants for their own Auto Scaling service-linked role only', () => {
    const stack = new Stack(new App(), 'Dist', env(DIST, 'us-east-1'));
    const key = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'Dist', { autoScalingGrants: true })
      .addRegion('us-east-1', { kmsKey: key, launchPermission: { accounts: ['222222222222'], organizations: [ORG_ARN] } });
    const statements = keyStatements(stack, key).filter(s => s.Sid.startsWith('ImageBuilderAutoScalingGrants'));
    const conditions = {
      'StringLike': { 'kms:GranteePrincipal': grantee },
      'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'CreateGrant'] },
    };
    expect(statements).toEqual([
      { Sid: 'ImageBuilderAutoScalingGrantsForAccounts', Effect: 'Allow', Action: 'kms:CreateGrant', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Resource: '*', Condition: conditions },
      {
        Sid: 'ImageBuilderAutoScalingGrantsForOrganizations',
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Principal: { AWS: '*' },
        Resource: '*',
        Condition: { ...conditions, StringEquals: { 'aws:PrincipalOrgID': ['o-abcdefghij'] } },
      },
    ]);
  });

  test('a Region can turn it off; off is the default', () => {
    const stack = new Stack(new App(), 'Dist', env(DIST, 'us-east-1'));
    const key = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'Dist', { autoScalingGrants: true })
      .addRegion('us-east-1', { kmsKey: key, launchPermission: { accounts: ['222222222222'] }, autoScalingGrants: false });
    const other = new Stack(new App(), 'Other', env(DIST, 'us-east-1'));
    const otherKey = new kms.Key(other, 'Key');
    new DistributionConfiguration(other, 'Dist').addRegion('us-east-1', { kmsKey: otherKey, launchPermission: { accounts: ['222222222222'] } });
    for (const statements of [keyStatements(stack, key), keyStatements(other, otherKey)]) {
      expect(statements.map(s => s.Sid)).toEqual(['ImageBuilderLaunchByAccounts', 'ImageBuilderCreateGrantForAccounts']);
    }
  });
});

describe('4. CrossAccountDistributionRole with an imported alias', () => {
  test('an alias imported in a stack of the key\'s account and Region: its keys there, by kms:ResourceAliases', () => {
    const app = new App();
    const source = new Stack(app, 'Source', env(DIST, 'eu-west-1'));
    new kms.Key(source, 'Key', { alias: 'alias/golden' }); // managed there; the role's stack only knows its name
    const target = new Stack(app, 'Target', env('222222222222', 'us-east-1'));
    new CrossAccountDistributionRole(target, 'Role', { sourceAccounts: [DIST], keys: [kms.Alias.fromAliasName(source, 'Golden', 'alias/golden')] });
    Template.fromStack(target).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Sid: 'ImageBuilderUseSourceKeysByAlias',
          Effect: 'Allow',
          Action: COPY,
          Resource: `arn:aws:kms:eu-west-1:${DIST}:key/*`,
          Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/golden'] } },
        }]),
      },
    });
  });

  test('an alias imported in the role\'s own stack: a synth error with the fix', () => {
    const target = new Stack(new App(), 'Target', env('222222222222', 'us-east-1'));
    expect(() => new CrossAccountDistributionRole(target, 'Role', { sourceAccounts: [DIST], keys: [kms.Alias.fromAliasName(target, 'Golden', 'alias/golden')] }))
      .toThrow(/keys\[0\] is the alias alias\/golden imported in stack Target \(account 222222222222, Region us-east-1\).*Fix: import the alias in a stack of the key's account and Region/);
  });
});

test('5. launch-template updates: tagged templates only, and the tag itself', () => {
  const stack = new Stack(new App(), 'Target', env('222222222222', 'us-east-1'));
  new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: [DIST], launchTemplateUpdates: true });
  const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
  expect(statements.find((s: any) => s.Sid === 'ImageBuilderUpdateLaunchTemplates').Condition).toEqual({ StringEquals: { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } });
  expect(statements.find((s: any) => s.Sid === 'ImageBuilderTagLaunchTemplates')).toMatchObject({
    Action: 'ec2:CreateTags', Condition: { StringEquals: { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } },
  });
});

describe('6. the source key', () => {
  test('launch consumers of other Regions do not get it', () => {
    const app = new App();
    const stack = new Stack(app, 'Dist', env(DIST, 'us-east-1'));
    const sourceKey = new kms.Key(stack, 'Source');
    const eu = new kms.Key(new Stack(app, 'Eu', env(DIST, 'eu-west-1')), 'Key');
    new DistributionConfiguration(stack, 'Dist', { sourceKey })
      .addRegion('us-east-1')
      .addRegion('eu-west-1', { kmsKey: eu, launchPermission: { accounts: ['333333333333'], organizations: [ORG_ARN] } });
    expect(keyStatements(stack, sourceKey)).toEqual([]);
  });

  test('one key as the source key and a Region\'s key: merged statements, each principal once per purpose', () => {
    const stack = new Stack(new App(), 'Dist', env(DIST, 'us-east-1'));
    const key = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'Dist', { sourceKey: key })
      .addRegion('us-east-1', { kmsKey: key, targetAccounts: ['222222222222'], launchPermission: { accounts: ['333333333333'], organizations: [ORG_ARN] } });
    expect(keyStatements(stack, key).map(s => [s.Sid, s.Principal])).toEqual([
      ['ImageBuilderCopy', { AWS: 'arn:aws:iam::222222222222:root' }],
      ['ImageBuilderLaunchByAccounts', { AWS: 'arn:aws:iam::333333333333:root' }],
      ['ImageBuilderLaunchByOrganizations', { AWS: '*' }],
      ['ImageBuilderCreateGrantForAccounts', { AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:root'] }],
      ['ImageBuilderCreateGrantForOrganizations', { AWS: '*' }],
    ]);
  });
});

test('7. a key policy over 32,768 bytes is a synth error that names the key and the fix; one that fits is not', () => {
  const build = (count: number) => {
    const app = new App();
    const stack = new Stack(app, 'Dist', env(DIST, 'us-east-1'));
    const accounts = Array.from({ length: count }, (_, i) => String(200000000000 + i));
    new DistributionConfiguration(stack, 'Dist').addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key'), launchPermission: { accounts } });
    return synthError(app);
  };
  expect(build(500)).toMatch(/\[Dist\/Key\] \[KeyPolicySize\] The policy of the key Dist\/Key is about 3\d{4} bytes once deployed; KMS accepts at most 32768\. Fix: share with organizations or OUs/);
  expect(build(400)).toBe('');
});

test('8. an AMI of the source key shared from a Region without kmsKey: a warning', () => {
  const build = (kmsKey: boolean) => {
    const app = new App();
    const stack = new Stack(app, 'Dist', env(DIST, 'us-east-1'));
    const eu = new kms.Key(new Stack(app, 'Eu', env(DIST, 'eu-west-1')), 'Key');
    new DistributionConfiguration(stack, 'Dist', { sourceKey: new kms.Key(stack, 'Source'), amiName: 'golden-{{ imagebuilder:buildDate }}' })
      .addRegion('us-east-1')
      .addRegion('eu-west-1', { kmsKey: kmsKey ? eu : undefined, launchPermission: { accounts: ['222222222222'] } });
    return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => w.entry.data as string);
  };
  expect(build(false)).toEqual([expect.stringMatching(/\[SourceKeyDefaultEncryption\] addRegion\('eu-west-1', \.\.\.\) kmsKey is not set, so the copy of the AMI \(encrypted with the source key Dist\/Source\).*cannot be shared.*account 222222222222\. Fix: set kmsKey for this Region/)]);
  expect(build(true)).toEqual([]);
});

describe('9. found by fuzzing', () => {
  test('an alias of a key of this app, used from another Region: its key\'s alias, never an alias of an alias', () => {
    const app = new App();
    const eu = new Stack(app, 'Eu', env(DIST, 'eu-west-1'));
    const key = new kms.Key(eu, 'Key');
    const alias = key.addAlias('alias/golden-eu');
    const stack = new Stack(app, 'Dist', env(DIST, 'us-east-1'));
    new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1', { kmsKey: alias, launchPermission: { accounts: ['222222222222'] } });
    const template = Template.fromStack(eu).toJSON();
    const aliases = Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::KMS::Alias');
    expect(aliases.map(a => a.Properties)).toEqual([{ AliasName: 'alias/golden-eu', TargetKeyId: { 'Fn::GetAtt': [eu.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] } }]);
    const [dist] = Object.values<any>(Template.fromStack(stack).findResources('AWS::ImageBuilder::DistributionConfiguration'));
    expect(dist.Properties.Distributions[0].AmiDistributionConfiguration.KmsKeyId).toBe(`arn:aws:kms:eu-west-1:${DIST}:alias/golden-eu`);
    expect(keyStatements(eu, key).map(s => s.Sid)).toEqual(['ImageBuilderLaunchByAccounts', 'ImageBuilderCreateGrantForAccounts']);
  });

  test('two distributions sharing a key through the key and its alias: each Sid once', () => {
    const stack = new Stack(new App(), 'Dist', env(DIST, 'us-east-1'));
    const key = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'A').addRegion('us-east-1', { kmsKey: key, launchPermission: { accounts: ['222222222222'] } });
    new DistributionConfiguration(stack, 'B').addRegion('us-east-1', { kmsKey: key.addAlias('alias/golden'), launchPermission: { accounts: ['333333333333'] } });
    const sids = keyStatements(stack, key).map(s => s.Sid);
    expect(sids).toEqual([...new Set(sids)]);
    expect(keyStatements(stack, key)[0].Principal).toEqual({ AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:root'] });
  });

  test('a parameter of the distribution\'s stack bound for the policy of a key in another stack: a synth error with the value, the key and the fix', () => {
    const app = new App();
    const eu = new kms.Key(new Stack(app, 'Eu', env(DIST, 'eu-west-1')), 'Key');
    const stack = new Stack(app, 'Dist', env(DIST, 'us-east-1'));
    const account = new CfnParameter(stack, 'Account').valueAsString;
    expect(() => new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1', { kmsKey: eu, launchPermission: { accounts: [account] } }))
      .toThrow(/Region eu-west-1: addRegion\('eu-west-1', \.\.\.\) launchPermission\.accounts\[0\] is a deploy-time value of stack Dist \(\{"Ref":"Account"\}\), but it goes into the policy of the key Eu\/Key.*Fix: pass a plain value/);
  });

  test('list tokens in CrossAccountDistributionRole.sourceAccounts: the trust policy names the list', () => {
    const stack = new Stack(new App(), 'Target', env('222222222222', 'us-east-1'));
    const sources = new CfnParameter(stack, 'Sources', { type: 'CommaDelimitedList' }).valueAsList;
    new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: sources });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { Ref: 'Sources' } } }] },
    });
  });
});
