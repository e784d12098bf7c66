import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { SCHEMA_DIR, schemaErrors } from './schema';

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

describe('vendored schemas', () => {
  test('a resource type without a vendored schema fails instead of passing unchecked', () => {
    expect(() => schemaErrors({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } } }))
      .toThrow(/No CloudFormation schema is vendored for AWS::SQS::Queue: add it to TYPES in test\/schemas\/refresh.sh/);
  });

  test('every vendored schema is the file SOURCE.json records, from the pinned cfn-lint', () => {
    const source = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, 'SOURCE.json'), 'utf-8'));
    // The cfn-lint pinned by the Python suite, which checks the copies byte for byte against it.
    const pinned = /^cfn_lint_version=([0-9.]+)/m.exec(fs.readFileSync(path.join(__dirname, '..', 'python-tests', 'venv.sh'), 'utf-8'))?.[1];
    expect(source).toMatchObject({ package: 'cfn-lint', version: pinned });
    const files = fs.readdirSync(SCHEMA_DIR).filter(f => f.endsWith('.json') && f !== 'SOURCE.json').sort();
    expect(Object.values<any>(source.schemas).map(s => s.file).sort()).toEqual(files);
    for (const [type, entry] of Object.entries<any>(source.schemas)) {
      const text = fs.readFileSync(path.join(SCHEMA_DIR, entry.file));
      expect(createHash('sha256').update(text).digest('hex')).toBe(entry.sha256);
      expect(JSON.parse(text.toString()).typeName).toBe(type);
    }
  });
});
