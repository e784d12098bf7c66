import { App, CfnParameter, Lazy, Stack, Validations, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { propertyRuns } from './property-runs';
import { CrossAccountDistributionRole } from '../src';

const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const GRANT_CONDITION = { Bool: { 'kms:GrantIsForAWSResource': true } };
const COPY = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];

function targetStack(app = new App(), account = '222222222222', id = 'Target') {
  return new Stack(app, id, { env: { account, region: 'us-east-1' } });
}

const SERVICE_ROLE = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder']] };
const root = (account: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] });

test('the role: its name, trust in Image Builder\'s service-linked role of the source accounts, and the partition-aware managed policy', () => {
  const stack = targetStack();
  new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111', '444444444444'] });
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
    RoleName: 'EC2ImageBuilderDistributionCrossAccountRole',
    AssumeRolePolicyDocument: {
      Statement: [{
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: [root('111111111111'), root('444444444444')] },
        Condition: { ArnLike: { 'aws:PrincipalArn': SERVICE_ROLE } },
      }],
    },
    ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess']] }],
  });
  Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
});

test('execution roles are trusted by ARN beside the service-linked role; trustEntireSourceAccount keeps the trust of the whole account', () => {
  const stack = targetStack();
  const own = new Stack(stack.node.root as App, 'Source', { env: { account: '111111111111', region: 'us-east-1' } });
  const named = new iam.Role(own, 'Named', { roleName: 'ImageBuilderDistribution', path: '/pipelines/', assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  new CrossAccountDistributionRole(stack, 'Role', {
    sourceAccounts: ['111111111111'],
    executionRoles: [iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::111111111111:role/Exec'), named],
  });
  const [statement] = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Role'))[0].Properties.AssumeRolePolicyDocument.Statement;
  expect(statement.Principal).toEqual({ AWS: root('111111111111') });
  expect(stack.resolve(statement.Condition.ArnLike['aws:PrincipalArn'])).toEqual([
    SERVICE_ROLE,
    'arn:aws:iam::111111111111:role/Exec',
    { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/pipelines/ImageBuilderDistribution']] },
  ]);

  const whole = targetStack(new App());
  new CrossAccountDistributionRole(whole, 'Role', { sourceAccounts: ['111111111111', '444444444444'], trustEntireSourceAccount: true });
  Template.fromStack(whole).hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: ['111111111111', '444444444444'].map(account => ({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: root(account) } })),
    },
  });
});

test('an execution role of an account the role does not trust is an error, naming the fix', () => {
  const stack = targetStack();
  expect(() => new CrossAccountDistributionRole(stack, 'Role', {
    sourceAccounts: ['111111111111'],
    executionRoles: [iam.Role.fromRoleArn(stack, 'Other', 'arn:aws:iam::333333333333:role/Exec')],
  })).toThrow(/\[NoSourceAccounts\] CrossAccountDistributionRole: executionRoles\[0\] is "arn:aws:iam::333333333333:role\/Exec", a role of 333333333333, which is not one of the sourceAccounts \(111111111111\).*Fix: add 333333333333 to sourceAccounts/);
});

test('KMS statements are limited to the given keys', () => {
  const stack = targetStack();
  new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111'], keys: [kms.Key.fromKeyArn(stack, 'Key', KEY_ARN)] });
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: [
        { Sid: 'ImageBuilderUseSourceKeys', Effect: 'Allow', Action: COPY, Resource: KEY_ARN },
        { Sid: 'ImageBuilderUseSourceKeysCreateGrant', Effect: 'Allow', Action: 'kms:CreateGrant', Resource: KEY_ARN, Condition: GRANT_CONDITION },
      ],
    },
  });
});

test('keys of this app in other accounts are reached through their alias', () => {
  const app = new App();
  const keyStack = new Stack(app, 'Keys', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new kms.Key(keyStack, 'Key');
  const stack = targetStack(app);
  new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111'], keys: [key] });

  const [alias] = Object.values<any>(Template.fromStack(keyStack).findResources('AWS::KMS::Alias'));
  const aliasName = alias.Properties.AliasName;
  expect(aliasName).toMatch(/^alias\/imagebuilder-distribution\//);
  const condition = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [aliasName] } };
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: [
        { Sid: 'ImageBuilderUseSourceKeysByAlias', Action: COPY, Resource: 'arn:aws:kms:eu-west-1:111111111111:key/*', Condition: condition },
        { Sid: 'ImageBuilderUseSourceKeysByAliasCreateGrant', Action: 'kms:CreateGrant', Resource: 'arn:aws:kms:eu-west-1:111111111111:key/*', Condition: { ...condition, ...GRANT_CONDITION } },
      ],
    },
  });
  // No cross-environment reference: the role's stack does not import anything.
  expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('Fn::ImportValue');
});

test('launch-template and SSM-parameter updates add only the actions they need, launch templates as AWS documents them', () => {
  const stack = targetStack();
  new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111'], launchTemplateUpdates: true, ssmParameterNames: ['/golden/ami-id'] });
  const launchTemplates = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:*:222222222222:launch-template/*']] };
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: [
        {
          Sid: 'ImageBuilderUpdateLaunchTemplates',
          Action: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
          Resource: launchTemplates,
          Condition: { StringEquals: { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } },
        },
        {
          Sid: 'ImageBuilderTagLaunchTemplates',
          Action: 'ec2:CreateTags',
          Resource: launchTemplates,
          // Only templates tagged already: tagging another template would open it to new versions.
          Condition: { StringEquals: { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } },
        },
        {
          Sid: 'ImageBuilderTagLaunchTemplatesOnCreate',
          Action: 'ec2:CreateTags',
          Resource: launchTemplates,
          Condition: { StringEquals: { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder', 'ec2:CreateAction': ['CreateLaunchTemplate', 'CreateLaunchTemplateVersion'] } },
        },
        { Sid: 'ImageBuilderDescribeLaunchTemplates', Action: 'ec2:DescribeLaunchTemplates', Resource: '*' },
        {
          Sid: 'ImageBuilderUpdateSsmParameters',
          Action: 'ssm:PutParameter',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:*:222222222222:parameter/golden/ami-id']] },
        },
      ],
    },
  });
});

test('a second role in the same account is a clear error, in the same stack or another', () => {
  const app = new App();
  const stack = targetStack(app);
  new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111'] });
  expect(() => new CrossAccountDistributionRole(stack, 'Again', { sourceAccounts: ['111111111111'] }))
    .toThrow(/account 222222222222 already has one at Target\/Role; IAM role names are global to an account.*Fix: deploy one CrossAccountDistributionRole per account/);
  const otherRegion = new Stack(app, 'Other', { env: { account: '222222222222', region: 'eu-west-1' } });
  expect(() => new CrossAccountDistributionRole(otherRegion, 'Role', { sourceAccounts: ['111111111111'] })).toThrow(/already has one/);
  const otherAccount = targetStack(app, '333333333333', 'Third');
  expect(() => new CrossAccountDistributionRole(otherAccount, 'Role', { sourceAccounts: ['111111111111'] })).not.toThrow();
});

test('no source account is an error', () => {
  expect(() => new CrossAccountDistributionRole(targetStack(), 'Role', { sourceAccounts: [] })).toThrow(/sourceAccounts is empty/);
});

test('a source account that is not an account ID never reaches the trust policy: the call stops', () => {
  for (const account of ['*', '', '123', 'arn:aws:iam::888888888888:root', 'o-aaaaaaaaaa', '1234567890123']) {
    const stack = targetStack();
    expect(() => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111', account] }))
      .toThrow(new RegExp(`\\[AccountId\\] CrossAccountDistributionRole: sourceAccounts\\[1\\] is ${JSON.stringify(account).replace(/[*]/g, '\\*')}: an account ID is exactly 12 digits`));
  }
});

test('generated source accounts that are not account IDs, written or as tokens known at synth, never reach a trust policy', () => {
  const invalid = fc.oneof(fc.constantFrom('*', '', '?', 'arn:aws:iam::*:root'), fc.stringMatching(/^[0-9*? ]{0,14}$/), fc.string()).filter(v => !/^[0-9]{12}$/.test(v));
  fc.assert(fc.property(invalid, fc.boolean(), (account, lazy) => {
    const stack = targetStack();
    const value = lazy ? Lazy.string({ produce: () => account }) : account;
    let error = '';
    try {
      new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111', value] });
      (stack.node.root as App).synth();
    } catch (e) {
      error = (e as Error).message;
    }
    expect(error).toContain('[AccountId] CrossAccountDistributionRole: sourceAccounts[1] is');
  }), { numRuns: propertyRuns(0.25) });
});

test('a key ARN that is a pattern never reaches the role policy: the call stops', () => {
  for (const arn of ['arn:aws:kms:us-east-1:111111111111:key/*', 'arn:aws:kms:*:*:key/*', 'arn:aws:kms:us-east-1:111111111111:alias/*', 'arn:aws:kms:us-east-1:*:key/1234abcd-12ab-34cd-56ef-1234567890ab']) {
    const stack = targetStack();
    expect(() => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111'], keys: [kms.Key.fromKeyArn(stack, 'Key', arn)] }))
      .toThrow(/\[CrossAccountRoleKey\] CrossAccountDistributionRole: keys\[0\] is .*which is not the ARN of one KMS key/);
  }
});

test('a parameter name that is a pattern never reaches the role policy: the call stops', () => {
  for (const name of ['*', '/golden/*', 'golden?', '', '/golden/ami id']) {
    const stack = targetStack();
    expect(() => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111'], ssmParameterNames: ['/golden/ami-id', name] }))
      .toThrow(/\[SsmParameterName\] CrossAccountDistributionRole: ssmParameterNames\[1\] is .*which is not a parameter name/);
  }
});

/** A template value with CloudFormation's pseudo parameters of the test stack written in (partition aws). */
function deployed(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(deployed);
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, any>;
    if (v.Ref === 'AWS::Partition') {
      return 'aws';
    }
    if (v['Fn::Join']) {
      return v['Fn::Join'][1].map(deployed).join(v['Fn::Join'][0]);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deployed(x)]));
  }
  return value;
}

test('the trust policy is an error exactly when IAM would count more than 2,048 characters in it', () => {
  const accounts = fc.uniqueArray(fc.stringMatching(/^[0-9]{12}$/), { minLength: 1, maxLength: 80 });
  fc.assert(fc.property(accounts, fc.boolean(), (sourceAccounts, trustEntireSourceAccount) => {
    const stack = targetStack();
    new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts, trustEntireSourceAccount });
    let error = '';
    let template: any;
    try {
      template = (stack.node.root as App).synth().getStackByName('Target').template;
    } catch (e) {
      error = (e as Error).message;
    }
    const trustOf = (t: any) => Object.values<any>(t.Resources).find(r => r.Type === 'AWS::IAM::Role').Properties.AssumeRolePolicyDocument;
    if (template) {
      // IAM counts the document's characters without white space.
      const size = JSON.stringify(deployed(trustOf(template))).replace(/\s/g, '').length;
      expect(size).toBeLessThanOrEqual(2048);
    } else {
      expect(error).toMatch(/\[CrossAccountRolePolicySize\] CrossAccountDistributionRole: the role's trust policy has at least (\d+) characters/);
      const counted = Number(/at least (\d+) characters/.exec(error)![1]);
      expect(counted).toBeGreaterThan(2048);
      // Without the check (acknowledged), the document would be as large as counted.
      const plain = targetStack(new App(), '222222222222', 'Plain');
      const role = new CrossAccountDistributionRole(plain, 'Role', { sourceAccounts, trustEntireSourceAccount });
      Validations.of(role).acknowledge({ id: 'cdk-imagebuilder-distribution:CrossAccountRolePolicySize', reason: 'quota raised' });
      const synthesized = (plain.node.root as App).synth().getStackByName('Plain').template;
      expect(JSON.stringify(deployed(trustOf(synthesized))).replace(/\s/g, '').length).toBe(counted);
    }
  }), { numRuns: propertyRuns(0.1) });
});

test('a trust policy over the default quota can be acknowledged once the account\'s quota is raised', () => {
  const stack = targetStack();
  const role = new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: Array.from({ length: 70 }, (_, i) => String(100000000000 + i)) });
  Validations.of(role).acknowledge({ id: 'cdk-imagebuilder-distribution:CrossAccountRolePolicySize', reason: 'Role trust policy length raised to 4096' });
  expect(() => (stack.node.root as App).synth()).not.toThrow();
});

test('an execution role whose ARN is known only at deploy time goes into the trust as it is', () => {
  const stack = targetStack();
  const arn = new CfnParameter(stack, 'ExecutionRoleArn').valueAsString;
  new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: ['111111111111'], executionRoles: [iam.Role.fromRoleArn(stack, 'Execution', arn)] });
  const [statement] = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Role'))[0].Properties.AssumeRolePolicyDocument.Statement;
  expect(statement.Condition.ArnLike['aws:PrincipalArn']).toEqual([SERVICE_ROLE, { Ref: 'ExecutionRoleArn' }]);
});
