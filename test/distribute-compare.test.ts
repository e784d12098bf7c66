import * as fc from 'fast-check';
import { PROPERTY_RUNS } from './property-runs';
import { FoundDistribution } from '../src/cli/common/assembly';
import { compareConfigurations } from '../src/cli/distribute/compare';
import { clientTokenOf } from '../src/cli/distribute/request';

/*
 * The comparison of the deployed configuration with the app's (pure), case by case, and as a property: whatever the
 * two hold, it answers differences and never throws; a configuration compared with itself as deployed has none.
 */

const ACCOUNT = '111111111111';
const where = { account: ACCOUNT, region: 'us-east-1', partition: 'aws' };

const app = (distributions: unknown): FoundDistribution => ({
  stack: 'Golden', logicalId: 'Distribution', account: ACCOUNT, region: 'us-east-1', properties: { Name: 'golden', Distributions: distributions },
});

test('what the service writes in when a field is left out, and empty lists, are no difference', () => {
  const mine = app([{ Region: 'us-east-1', AmiDistributionConfiguration: { Name: 'golden' }, SsmParameterConfigurations: [{ ParameterName: '/golden/ami' }] }]);
  const deployed = {
    distributions: [{
      region: 'us-east-1',
      amiDistributionConfiguration: { name: 'golden', targetAccountIds: [], launchPermission: {} },
      ssmParameterConfigurations: [{ parameterName: '/golden/ami', amiAccountId: ACCOUNT, dataType: 'text' }],
    }],
  };
  expect(compareConfigurations(mine, deployed, where)).toEqual({ differences: [], deployTime: [] });
});

test('a key known only at deploy time is taken as deployed and listed; a literal that differs is a difference naming the field', () => {
  const mine = app([{
    Region: { Ref: 'AWS::Region' },
    AmiDistributionConfiguration: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] }, AmiTags: { Team: 'platform' }, TargetAccountIds: ['222222222222'] },
  }]);
  const deployed = {
    distributions: [{
      region: 'us-east-1',
      amiDistributionConfiguration: { kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/1', amiTags: { Team: 'apps' }, targetAccountIds: ['222222222222', '333333333333'] },
    }],
  };
  const { differences, deployTime } = compareConfigurations(mine, deployed, where);
  expect(deployTime).toEqual(['us-east-1 amiDistributionConfiguration.kmsKeyId: arn:aws:kms:us-east-1:111111111111:key/1']);
  expect(differences.map(d => d.message)).toEqual([
    'Region us-east-1, account 111111111111: amiDistributionConfiguration.amiTags: tag Team: the app has "platform", the deployed configuration "apps"',
    'Region us-east-1, account 111111111111: amiDistributionConfiguration.targetAccountIds: the deployed configuration has 333333333333, which the app does not',
  ]);
});

test('a Region the app has and the deployed configuration has not is a difference', () => {
  const { differences } = compareConfigurations(app([{ Region: 'eu-west-1', AmiDistributionConfiguration: {} }]), { distributions: [] }, where);
  expect(differences.map(d => [d.region, d.field])).toEqual([['eu-west-1', 'distributions']]);
});

test('the client token fits the model (1 to 64 characters) and changes with any part of the request', () => {
  const token = clientTokenOf('distribute', ['ami-1', 'arn:c', 'hash', 'arn:r']);
  expect(token).toMatch(/^distribute-[0-9a-f]{48}$/);
  expect(token.length).toBeLessThanOrEqual(64);
  expect(clientTokenOf('distribute', ['ami-1', 'arn:c', 'hash', 'arn:r'])).toBe(token);
  expect(clientTokenOf('distribute', ['ami-2', 'arn:c', 'hash', 'arn:r'])).not.toBe(token);
  // Parts cannot run into each other.
  expect(clientTokenOf('distribute', ['ab', 'c'])).not.toBe(clientTokenOf('distribute', ['a', 'bc']));
});

test('property: whatever the app and the deployed configuration hold, the comparison answers and never throws; a configuration deployed as written has no difference', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  fc.assert(fc.property(json, json, (a, d) => {
    const result = compareConfigurations(app(a), (typeof d === 'object' && d !== null ? d : { distributions: d }) as Record<string, any>, where);
    expect(Array.isArray(result.differences)).toBe(true);
  }), { numRuns: PROPERTY_RUNS });

  const ids = fc.uniqueArray(fc.stringMatching(/^[0-9]{12}$/), { maxLength: 3 });
  fc.assert(fc.property(ids, ids, fc.dictionary(fc.stringMatching(/^[A-Za-z]{1,8}$/), fc.string({ maxLength: 8 }), { maxKeys: 3 }), (targets, users, tags) => {
    const mine = app([{ Region: 'us-east-1', AmiDistributionConfiguration: { TargetAccountIds: targets, LaunchPermissionConfiguration: { UserIds: users }, AmiTags: tags } }]);
    const deployed = { distributions: [{ region: 'us-east-1', amiDistributionConfiguration: { targetAccountIds: [...targets].reverse(), launchPermission: { userIds: users }, amiTags: tags } }] };
    expect(compareConfigurations(mine, deployed, where).differences).toEqual([]);
  }), { numRuns: PROPERTY_RUNS });
});
