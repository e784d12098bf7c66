import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RuleId } from './catalog';
import { spell } from './messages';
import { VERIFIER_ROLE_NAME } from '../verification-names';

/*
 * The rules of `DistributionVerification`. The function runs in one Region of one account: it is started by the
 * EventBridge event `EC2 Image Builder Image State Change`, which Image Builder sends on the default event bus of
 * the image's own account and Region, and it reads the image with GetImage, an operation of the image's Region.
 * So it verifies the images of distribution configurations of its own account and Region (a configuration of
 * another Region or account starts nothing here). Its role has a fixed name (the target accounts' read-only role
 * trusts it by name), and IAM role names are unique in an account: one verification per account.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-eventbridge.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_GetImage.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */

/**
 * The most checks at once the construct takes: EC2 throttles each account and Region per action (a non-mutating
 * action has a bucket of 100 requests refilled at 20 a second), so more in flight only turns checks unchecked.
 *
 * @see https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 */
export const MAX_VERIFICATION_CONCURRENCY = 64;

/** Why `concurrency` is refused (tokens are never refused), or undefined. */
export function concurrencyProblem(concurrency: number | undefined): string | undefined {
  if (concurrency === undefined || Token.isUnresolved(concurrency)) {
    return undefined;
  }
  return Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= MAX_VERIFICATION_CONCURRENCY
    ? undefined
    : `is ${concurrency}, but it must be a whole number from 1 to ${MAX_VERIFICATION_CONCURRENCY} (checks in flight at once; AWS throttles the reads of an account and Region beyond that)`;
}

/** The account and Region of a distribution configuration, as far as they are concrete. */
interface Environment {
  readonly account?: string;
  readonly region?: string;
}

const concrete = (value: string | undefined) => (value === undefined || Token.isUnresolved(value) ? undefined : value);

/**
 * A distribution configuration of another account or Region than the verification's: the message, or undefined
 * when they match or either side is not known at synth.
 */
export function environmentMessage(
  verification: IConstruct, index: number, configuration: string, where: Environment,
): { rule: RuleId; level: 'error'; text: string } | undefined {
  const stack = Stack.of(verification);
  const region = concrete(stack.region);
  const account = concrete(stack.account);
  const [theirRegion, theirAccount] = [concrete(where.region), concrete(where.account)];
  const otherRegion = region !== undefined && theirRegion !== undefined && theirRegion !== region;
  const otherAccount = account !== undefined && theirAccount !== undefined && theirAccount !== account;
  if (!otherRegion && !otherAccount) {
    return undefined;
  }
  const differs = [...(otherRegion ? [`Region ${theirRegion}`] : []), ...(otherAccount ? [`account ${theirAccount}`] : [])].join(' and ');
  const fix = `create a DistributionVerification in a stack of ${otherRegion ? `Region ${theirRegion}` : `Region ${region}`}${otherAccount ? ` of account ${theirAccount}` : account ? ` of account ${account}` : ''} for it, and remove it from ${spell('distributions')} here`;
  return {
    rule: 'VerificationEnvironment',
    level: 'error',
    text: `[VerificationEnvironment] Region ${region ?? '(unknown)'}: DistributionVerification '${verification.node.id}' ${spell('distributions')}[${index}] is ${configuration}, a distribution configuration of ${differs}, but the verification is in Region ${region ?? '(unknown)'} of account ${account ?? '(unknown)'}; Image Builder sends the image's state change to the event bus of the image's own account and Region, and GetImage reads images of its Region, so its images would never be verified (allowed: distribution configurations of the verification's account and Region). Fix: ${fix}.`,
  };
}

const byApp = new WeakMap<IConstruct, IConstruct[]>();

/** Records a verification of the app, for the one-per-account check. */
export function registerVerification(verification: IConstruct): void {
  const root = verification.node.root;
  const list = byApp.get(root) ?? [];
  byApp.set(root, list);
  list.push(verification);
}

/**
 * A verification made earlier in the app that creates the role of the same name in the same account: both in one
 * stack, or in stacks of the same concrete account (two stacks whose account is known only at deploy time may go
 * to different accounts: not a finding). Reported by the later one.
 */
export function duplicateMessages(verification: IConstruct): Array<{ rule: RuleId; level: 'error'; text: string }> {
  const all = byApp.get(verification.node.root) ?? [];
  const index = all.indexOf(verification);
  const stack = Stack.of(verification);
  const account = concrete(stack.account);
  const earlier = all.slice(0, Math.max(index, 0)).find(other => {
    const theirs = Stack.of(other);
    // One verifier role per account and Region (ImageBuilderDistributionVerifier-<Region>).
    return theirs === stack || (account !== undefined && concrete(theirs.account) === account && theirs.region === stack.region);
  });
  if (!earlier) {
    return [];
  }
  const region = concrete(stack.region);
  return [{
    rule: 'DuplicateVerification',
    level: 'error',
    text: `[DuplicateVerification] Region ${region ?? '(unknown)'}: DistributionVerification '${verification.node.id}' is the second in account ${account ?? '(unknown)'} and this Region: ${earlier.node.path} is the first; each creates the role ${VERIFIER_ROLE_NAME}-<Region> (the name the target accounts' read-only role trusts), and IAM role names are unique in an account, so the second stack fails to deploy (allowed: one DistributionVerification per account and Region). Fix: list the distribution configurations of this one in ${spell('distributions')} of ${earlier.node.path}, and remove this one.`,
  }];
}

/**
 * Why a name the function uses is refused (tokens never are), with its field: the read-only role's name (IAM: 1 to
 * 64 of letters, digits and `+=,.@_-`) and the metrics' namespace (CloudWatch: 1 to 255 ASCII characters without
 * control characters, not starting with `:`, and not `AWS/`, which AWS's services use).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
 */
export function nameProblem(roleName: string | undefined, namespace: string | undefined):
{ field: string; value: string; allowed: string } | undefined {
  if (roleName !== undefined && !Token.isUnresolved(roleName) && !/^[\w+=,.@-]{1,64}$/.test(roleName)) {
    return { field: 'roleName', value: roleName, allowed: 'an IAM role name: 1 to 64 letters, digits and + = , . @ _ -' };
  }
  // eslint-disable-next-line no-control-regex
  const ascii = /^[^:\x00-\x1f\x7f-\uffff][^\x00-\x1f\x7f-\uffff]{0,254}$/;
  if (namespace !== undefined && !Token.isUnresolved(namespace) && (!ascii.test(namespace) || namespace.startsWith('AWS/'))) {
    return { field: 'metricNamespace', value: namespace, allowed: 'a CloudWatch namespace: 1 to 255 ASCII characters without control characters, not starting with \':\' or \'AWS/\'' };
  }
  return undefined;
}
