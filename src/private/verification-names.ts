// No imports: the command's bundle (src/cli, which runs in AWS as the verification function) reads these names
// too, and must not take in aws-cdk-lib.

/**
 * The read-only role that `verification: true` adds to a target account (CrossAccountDistributionRole, its StackSet):
 * the verification function of the distributing accounts assumes it to read what the distribution made there.
 */
export const VERIFICATION_ROLE_NAME = 'ImageBuilderDistributionVerification';

/**
 * The prefix of the verification function's own role in the distributing account (DistributionVerification): the
 * role is `ImageBuilderDistributionVerifier-<Region>`, one per Region of an account (IAM role names are global to an
 * account, and a verification watches the images of its own Region). A fixed name, so that the target accounts'
 * read-only role can trust exactly these roles (`aws:PrincipalArn`) without a cross-stack reference.
 */
export const VERIFIER_ROLE_NAME = 'ImageBuilderDistributionVerifier';

/** The verification function's role name in `region` (at most 32 + 1 + the Region's length: within IAM's 64). */
export function verifierRoleName(region: string): string {
  return `${VERIFIER_ROLE_NAME}-${region}`;
}

/** The CloudWatch namespace of the verification's metrics, unless the construct is given another. */
export const METRIC_NAMESPACE = 'ImageBuilderDistribution';

/** The metrics each verification publishes, per configuration, Region and account (a copy: one AMI in one account and Region). */
export const METRICS = {
  expected: 'CopiesExpected',
  present: 'CopiesPresent',
  failing: 'CopiesFailing',
  unchecked: 'CopiesUnchecked',
} as const;

/** The environment the construct gives the function (handler.ts reads it). */
export const VERIFICATION_ENV = {
  /** JSON list of the distribution configuration ARNs whose images are verified. */
  configurations: 'VERIFY_CONFIGURATIONS',
  /** The read-only role's name in the other accounts (VERIFICATION_ROLE_NAME unless given another). */
  roleName: 'VERIFY_ROLE_NAME',
  /** The SNS topic of findings. */
  topicArn: 'VERIFY_TOPIC_ARN',
  /** The metrics' namespace. */
  namespace: 'VERIFY_NAMESPACE',
  /** Checks run at once. */
  concurrency: 'VERIFY_CONCURRENCY',
  /** JSON list of the release rings, in order: [{ name, regions?, accounts? }] (release rings only). */
  rings: 'VERIFY_RINGS',
  /**
   * `true` (the default when unset) or `false`: whether each copy's metrics are also published by account (the EMF
   * dimension set `["Account"]` beside `[]` and `["Region"]`). One custom metric per account and metric.
   */
  metricsByAccount: 'VERIFY_METRICS_BY_ACCOUNT',
} as const;
