import { FoundDistribution } from '../src/cli/common/assembly';
import { imageReference } from '../src/cli/common/imagebuilder';
import { intentOf, matchDistribution } from '../src/cli/common/intent';

/*
 * What verify expects of an image (pure, no AWS): the app's distribution configuration matched to the image's by
 * ARN, its values Region by Region, with what the template knows only at deploy time taken from the image.
 */

const ACCOUNT = '123456789012';
const ARN = `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:distribution-configuration/golden-ami`;

const found = (properties: Record<string, unknown>, extra: Partial<FoundDistribution> = {}): FoundDistribution =>
  ({ stack: 'Golden', logicalId: 'Dist', constructPath: 'Golden/Dist/Resource', account: ACCOUNT, region: 'us-east-1', properties, ...extra });

const image = (distributions: unknown[]) => ({
  arn: `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image/golden/1.0.0/1`,
  distributionConfiguration: { arn: ARN, name: 'Golden AMI', timeoutMinutes: 720, distributions },
});

describe('matchDistribution', () => {
  test('by the ARN\'s name, as Image Builder writes it (lower case, spaces as hyphens), in the ARN\'s account and Region', () => {
    const right = found({ Name: 'Golden AMI' });
    const elsewhere = found({ Name: 'Golden AMI' }, { logicalId: 'Other', account: '999999999999' });
    expect(matchDistribution([elsewhere, right], ARN, 'aws')).toBe(right);
  });

  test('a name of pseudo parameters is read in the stack\'s environment', () => {
    const right = found({ Name: { 'Fn::Join': ['-', ['golden', { Ref: 'AWS::NoValue' }]] } });
    expect(matchDistribution([right], ARN, 'aws')).toBe(right); // the only one there, its name known at deploy time
    const sub = found({ Name: { 'Fn::Sub': 'golden-ami' } });
    expect(matchDistribution([sub, found({ Name: 'other' }, { logicalId: 'B' })], ARN, 'aws')).toBe(sub);
  });

  test('none: says what the app has instead', () => {
    expect(matchDistribution([found({ Name: 'silver' })], ARN, 'aws')).toBe(
      `the app has no distribution configuration golden-ami in account ${ACCOUNT}, Region us-east-1 (it has Golden/Dist/Resource (silver, ${ACCOUNT}/us-east-1))`);
    expect(matchDistribution([], ARN, 'aws')).toBe(`the app has no distribution configuration golden-ami in account ${ACCOUNT}, Region us-east-1 (it has none)`);
  });
});

describe('intentOf', () => {
  test('the app\'s values, with defaults written in; the distribution account is no target of its own', () => {
    const app = found({
      Name: 'golden-ami',
      Distributions: [{
        Region: 'eu-west-1',
        AmiDistributionConfiguration: {
          TargetAccountIds: ['111111111111', ACCOUNT],
          KmsKeyId: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-1:', { Ref: 'AWS::AccountId' }, ':alias/golden']] },
          AmiTags: { Team: 'platform' },
          LaunchPermissionConfiguration: { UserIds: ['222222222222'], UserGroups: ['all'] },
        },
        LaunchTemplateConfigurations: [{ LaunchTemplateId: 'lt-0123456789abcdef0', AccountId: '111111111111' }],
        SsmParameterConfigurations: [{ ParameterName: '/golden/ami' }],
        FastLaunchConfigurations: [{ Enabled: true }],
      }],
    });
    const distributed = image([{
      region: 'eu-west-1',
      amiDistributionConfiguration: {
        targetAccountIds: [ACCOUNT, '111111111111'],
        kmsKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/golden`,
        amiTags: { Team: 'platform' },
        launchPermission: { userGroups: ['all'], userIds: ['222222222222'] },
      },
      launchTemplateConfigurations: [{ launchTemplateId: 'lt-0123456789abcdef0', accountId: '111111111111', setDefaultVersion: false }],
      ssmParameterConfigurations: [{ parameterName: '/golden/ami', amiAccountId: ACCOUNT, dataType: 'text' }],
      fastLaunchConfigurations: [{ enabled: true, accountId: ACCOUNT }],
    }]);

    const intent = intentOf(app, distributed, 'aws');

    expect(intent.differences).toEqual([]);
    expect(intent.fromImage).toEqual([]);
    expect(intent.regions).toEqual([{
      region: 'eu-west-1',
      owner: ACCOUNT,
      targets: ['111111111111'],
      kmsKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/golden`,
      launchPermission: { userIds: ['222222222222'], userGroups: ['all'], organizationArns: [], organizationalUnitArns: [] },
      amiTags: { Team: 'platform' },
      launchTemplates: [{ launchTemplateId: 'lt-0123456789abcdef0', accountId: '111111111111', setDefaultVersion: false }],
      ssmParameters: [{ parameterName: '/golden/ami', amiAccountId: ACCOUNT, dataType: 'text' }],
      fastLaunch: [{ accountId: ACCOUNT, enabled: true }],
    }]);
  });

  test('a value known only at deploy time is the image\'s, and said', () => {
    const app = found({
      Name: 'golden-ami',
      Distributions: [{ Region: 'us-east-1', AmiDistributionConfiguration: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } }],
    });
    const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const intent = intentOf(app, image([{ region: 'us-east-1', amiDistributionConfiguration: { kmsKeyId: keyArn } }]), 'aws');
    expect(intent.regions[0].kmsKeyId).toBe(keyArn);
    expect(intent.fromImage).toEqual([`us-east-1 KMS key: "${keyArn}"`]);
    expect(intent.differences).toEqual([]);
  });

  test('where the app and the image\'s configuration differ: the Regions, a literal value', () => {
    const app = found({
      Name: 'golden-ami',
      Distributions: [
        { Region: 'us-east-1', AmiDistributionConfiguration: { TargetAccountIds: ['111111111111'] } },
        { Region: 'eu-west-1' },
      ],
    });
    const intent = intentOf(app, image([
      { region: 'us-east-1', amiDistributionConfiguration: { targetAccountIds: ['333333333333'] } },
      { region: 'ap-south-1' },
    ]), 'aws');
    expect(intent.differences).toEqual([
      { region: 'us-east-1', message: 'target accounts of Region us-east-1: the app has ["111111111111"], the image was distributed with ["333333333333"]' },
      { region: 'eu-west-1', message: 'Region eu-west-1 is in the app\'s configuration but not in the one the image was distributed with' },
      { region: 'ap-south-1', message: 'Region ap-south-1 is in the configuration the image was distributed with but not in the app\'s' },
    ]);
    // The app is the intent.
    expect(intent.regions.map(r => [r.region, r.targets])).toEqual([['us-east-1', ['111111111111']], ['eu-west-1', []]]);
  });
});

test('--image: an image build version ARN or an image pipeline ARN, nothing else', () => {
  expect(imageReference(`arn:aws:imagebuilder:eu-west-1:${ACCOUNT}:image/golden/1.2.3/4`)).toEqual({
    kind: 'image', arn: `arn:aws:imagebuilder:eu-west-1:${ACCOUNT}:image/golden/1.2.3/4`, partition: 'aws', region: 'eu-west-1', account: ACCOUNT,
  });
  expect(imageReference(`arn:aws-cn:imagebuilder:cn-north-1:${ACCOUNT}:image-pipeline/golden`)).toMatchObject({ kind: 'pipeline', partition: 'aws-cn', region: 'cn-north-1' });
  for (const text of ['ami-0123456789abcdef0', `arn:aws:imagebuilder:eu-west-1:${ACCOUNT}:image/golden/1.2.3`, `arn:aws:imagebuilder:eu-west-1:${ACCOUNT}:image/golden/x.x.x/1`, 'ssm:/golden/ami']) {
    expect(imageReference(text)).toBeUndefined();
  }
});
