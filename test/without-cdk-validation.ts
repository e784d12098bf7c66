/**
 * Turns off aws-cdk-lib's own template validation for the test file that calls it (restored afterwards):
 * it is not under test in the property tests and costs most of each synthesis.
 */
export function withoutCdkValidation(): void {
  const saved = process.env.CDK_VALIDATION;
  beforeAll(() => {
    process.env.CDK_VALIDATION = 'false';
  });
  afterAll(() => {
    if (saved === undefined) {
      delete process.env.CDK_VALIDATION;
    } else {
      process.env.CDK_VALIDATION = saved;
    }
  });
}
