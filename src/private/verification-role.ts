import { Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { sourceAccountsPrincipal } from './source-accounts';
import { VERIFIER_ROLE_NAME } from './verification-names';

export { VERIFICATION_ROLE_NAME, VERIFIER_ROLE_NAME } from './verification-names';

/**
 * The EC2 reads of verify (src/cli/verify/checks.ts) that take no resource: the service authorization reference
 * lists no resource type for DescribeImages, DescribeSnapshots, DescribeLaunchTemplateVersions and
 * DescribeFastLaunchImages, so `Resource` can only be `*`.
 *
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
 */
export const VERIFY_DESCRIBE_ACTIONS = [
  'ec2:DescribeImages',
  'ec2:DescribeSnapshots',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeFastLaunchImages',
];

/**
 * IAM role names: 1 to 64 of letters, digits and `+=,.@_-` (CreateRole's `RoleName`).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export interface VerificationRoleOptions {
  /** The accounts whose verification function (its role, VERIFIER_ROLE_NAME) may assume the role. */
  readonly sourceAccounts: string[];
  readonly roleName: string;
  /**
   * The ARNs of the SSM parameters verify may read, one group per statement: the parameters the distribution role
   * lets Image Builder write (`ssmParameterNames`), the only ones a distribution sets in this account.
   */
  readonly parameterArns: string[][];
}

/**
 * The read-only role the verification function of the source accounts assumes in a target account
 * (`verification: true`): trusted by exactly that function's role, allowed exactly the reads verify makes, each on
 * the narrowest resource the service lets a policy name.
 */
export function createVerificationRole(scope: Construct, options: VerificationRoleOptions): iam.Role {
  const stack = Stack.of(scope);
  const partition = stack.partition;
  // The account is `*`: the statement's principals are the source accounts already, so only their own verifier role
  // matches; one ARN for all of them keeps the trust policy as small as the distribution role's.
  // The verifier roles are one per Region of a source account (`ImageBuilderDistributionVerifier-<Region>`).
  const conditions = { ArnLike: { 'aws:PrincipalArn': `arn:${partition}:iam::*:role/${VERIFIER_ROLE_NAME}-*` } };
  const role = new iam.Role(scope, 'VerificationRole', {
    roleName: options.roleName,
    description: 'Lets the distribution verification of the source accounts read, and only read, what EC2 Image Builder distributed into this account',
    assumedBy: sourceAccountsPrincipal(partition, options.sourceAccounts, conditions),
  });
  register(scope, Token.isUnresolved(stack.account) ? `stack ${stack.node.path}` : stack.account, options.roleName);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'VerifyDescribe',
    actions: VERIFY_DESCRIBE_ACTIONS,
    resources: ['*'],
  }));
  // The launch permissions of this account's AMIs. The image ARN has no account (`arn:<partition>:ec2:<region>::image/<id>`,
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-resources-for-iam-policies);
  // EC2 answers an image's launch permissions to its owner only, so no other account's are read.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'VerifyLaunchPermissions',
    actions: ['ec2:DescribeImageAttribute'],
    resources: [stack.formatArn({ service: 'ec2', region: '*', account: '', resource: 'image', resourceName: '*' })],
  }));
  // The keys of this account only (`key` resource type; a copy's key here is unknown before it is made:
  // the configured key, or the account's default EBS key):
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'VerifyDescribeKeys',
    actions: ['kms:DescribeKey'],
    resources: [stack.formatArn({ service: 'kms', region: '*', resource: 'key', resourceName: '*' })],
  }));
  // The parameters Image Builder writes here, by name (`parameter` resource type):
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
  options.parameterArns.filter(arns => arns.length > 0).forEach((resources, i) => role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: i === 0 ? 'VerifyReadSsmParameters' : `VerifyReadSsmParameters${i + 1}`,
    actions: ['ssm:GetParameter'],
    resources,
  })));
  return role;
}

/** What is wrong with a concrete verification role name, or undefined. */
export function verificationRoleNameProblem(name: string, taken: string[]): string | undefined {
  if (Token.isUnresolved(name)) {
    return undefined;
  }
  if (!ROLE_NAME.test(name)) {
    return 'which IAM does not accept as a role name (1 to 64 letters, digits and \'+=,.@_-\')';
  }
  // The verification functions' roles are `ImageBuilderDistributionVerifier-<Region>`: the read-only role trusts them.
  const verifier = `${VERIFIER_ROLE_NAME}-`.toLowerCase();
  if (name.toLowerCase() === VERIFIER_ROLE_NAME.toLowerCase() || name.toLowerCase().startsWith(verifier)) {
    return `a name of the verification functions' own roles (${VERIFIER_ROLE_NAME}-<Region>, which the read-only role trusts; IAM role names are unique in an account, whatever their case)`;
  }
  const clash = taken.find(t => t.toLowerCase() === name.toLowerCase());
  if (clash) {
    return `the name of another role this construct makes (${clash}; IAM role names are unique in an account, whatever their case)`;
  }
  return undefined;
}

/**
 * The verification roles of an app, by account (or `stack <path>` for an environment-agnostic stack) and name, and
 * the StackSets that deploy one to their OUs: what a `DistributionVerification` can tell of the accounts it reads.
 */
const verificationRoles = new WeakMap<IConstruct, Map<string, Set<string>>>();
const verificationStackSets = new WeakMap<IConstruct, Array<{ path: string; roleName: string }>>();

function register(scope: IConstruct, account: string, roleName: string) {
  const root = scope.node.root;
  const byAccount = verificationRoles.get(root) ?? new Map<string, Set<string>>();
  verificationRoles.set(root, byAccount);
  byAccount.set(account, new Set([...(byAccount.get(account) ?? []), roleName]));
}

/** The names of the verification roles the app deploys in `account` with a `CrossAccountDistributionRole`. */
export function verificationRolesIn(scope: IConstruct, account: string): string[] {
  return [...(verificationRoles.get(scope.node.root)?.get(account) ?? [])];
}

export function registerVerificationStackSet(scope: IConstruct, roleName: string) {
  const root = scope.node.root;
  verificationStackSets.set(root, [...(verificationStackSets.get(root) ?? []), { path: scope.node.path, roleName }]);
}

/** The `CrossAccountDistributionRoleStackSet`s of the app that deploy a verification role (to the accounts of their OUs). */
export function verificationStackSetsOf(scope: IConstruct): Array<{ path: string; roleName: string }> {
  return verificationStackSets.get(scope.node.root) ?? [];
}
