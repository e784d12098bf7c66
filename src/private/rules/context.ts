import { Token } from 'aws-cdk-lib';
import { RuleId } from './catalog';
import { Finding, Path, Text } from './finding';
import { Entry, Obj, PseudoParameters } from './shape';
import { partitionOf } from '../key-reference';

/** Facts the CloudFormation shape does not hold, from the construct (or the resource's stack for the aspect). */
export interface RuleContext {
  /** The account that owns the distribution, when concrete. */
  readonly ownerAccount?: string;
  /** The Region the image pipeline builds in (the distribution's own Region), when concrete. */
  readonly buildRegion?: string;
  /** Per entry index: the Region of its KMS key, or `unknown` for a key of this app in a stack without an explicit Region. */
  readonly keyRegions?: Readonly<Record<number, string | 'unknown' | undefined>>;
  /** How messages name the key of an entry (a construct path, an alias name or an ARN); asked only for findings. */
  readonly keyName?: (entry: number) => string | undefined;
  /** Per entry index: why its key (a key of this app) cannot encrypt EBS snapshots, if it cannot. */
  readonly keyProblems?: Readonly<Record<number, string>>;
  /** Why the source key (a key of this app) cannot encrypt EBS snapshots, if it cannot. */
  readonly sourceKeyProblem?: string;
  /** Per entry index: the Region of its ECR repository, when known, and how messages name the repository. */
  readonly repositories?: Readonly<Record<number, { readonly region?: string; readonly name: string }>>;
  /**
   * The key that encrypts the AMI in the build Region, if any, with its Region when known (`unknown` for a key
   * of this app in a stack without an explicit Region).
   */
  readonly sourceKey?: { readonly name: string; readonly awsManaged: boolean; readonly region?: string | 'unknown' };
  /** Other distribution configurations of the app whose name is the same once Image Builder ignores case. */
  readonly nameCollisions?: string[];
}

/** The pseudo parameters of the resource's stack that are concrete: its Region, account and partition. */
export function pseudoOf(context: RuleContext): PseudoParameters {
  const region = context.buildRegion;
  const partition = region === undefined ? undefined : partitionOf(region);
  return {
    'AWS::Region': region,
    'AWS::AccountId': context.ownerAccount,
    'AWS::Partition': partition !== undefined && !Token.isUnresolved(partition) ? partition : undefined,
  };
}

export type Rule = (config: Obj, context: RuleContext) => Finding[];

/** A finding about a field of an entry. */
export function at(rule: RuleId, e: Entry, path: Path, problem: Text, fix: Text): Finding {
  return { rule, entry: e.index, region: e.region, path, problem, fix };
}

/** A finding about a field of the configuration itself. */
export function top(rule: RuleId, path: Path, problem: Text, fix: Text): Finding {
  return { rule, path, problem, fix };
}
