import { schemaErrors } from './schema';

// The checker itself: it must reject what CloudFormation rejects, and accept intrinsic functions.
describe('schema checker', () => {
  const resource = (distributions: unknown[]) => ({
    Resources: { Dist: { Type: 'AWS::ImageBuilder::DistributionConfiguration', Properties: { Name: 'golden', Distributions: distributions } } },
  });

  test('rejects a camelCase key inside AmiDistributionConfiguration', () => {
    const errors = schemaErrors(resource([{ Region: 'us-east-1', AmiDistributionConfiguration: { name: 'x' } }]));
    expect(errors).toEqual([expect.stringContaining('/Distributions/0/AmiDistributionConfiguration must NOT have additional properties')]);
  });

  test('rejects an empty TargetAccountIds and a bad account ID', () => {
    expect(schemaErrors(resource([{ Region: 'us-east-1', AmiDistributionConfiguration: { TargetAccountIds: [] } }]))).toHaveLength(1);
    expect(schemaErrors(resource([{ Region: 'us-east-1', AmiDistributionConfiguration: { TargetAccountIds: ['123'] } }]))).toHaveLength(1);
  });

  test('accepts intrinsic functions anywhere a value goes', () => {
    expect(schemaErrors(resource([{
      Region: { Ref: 'AWS::Region' },
      AmiDistributionConfiguration: { TargetAccountIds: [{ Ref: 'Account' }], KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
    }]))).toEqual([]);
  });

  test('reports a missing resource type that had to be checked', () => {
    expect(schemaErrors({ Resources: {} }, ['AWS::ImageBuilder::DistributionConfiguration'])).toEqual(['no AWS::ImageBuilder::DistributionConfiguration in the template']);
  });
});
