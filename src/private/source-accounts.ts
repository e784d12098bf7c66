import { aws_iam as iam } from 'aws-cdk-lib';
import { AccountListPrincipal, isListToken } from './key-policy';

/** Literal accounts (as root ARNs) in one statement, with conditions. */
class SourceAccountsPrincipal extends iam.PrincipalBase {
  constructor(private readonly roots: string[], private readonly conditions: Record<string, unknown>) {
    super();
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return new iam.PrincipalPolicyFragment({ AWS: this.roots }, this.conditions);
  }

  public dedupeString(): string | undefined {
    return undefined;
  }

  public toString(): string {
    return 'SourceAccountsPrincipal';
  }
}

/**
 * The source accounts as the principals of a trust policy, each statement with `conditions`: one statement for the
 * literal accounts (each condition once, so the trust policy stays small), one per list token (a list parameter).
 */
export function sourceAccountsPrincipal(partition: string, accounts: string[], conditions: Record<string, unknown>): iam.IPrincipal {
  const scalar = accounts.filter(a => !isListToken(a));
  const lists = accounts.filter(isListToken);
  return new iam.CompositePrincipal(
    ...(scalar.length > 0 ? [new SourceAccountsPrincipal(scalar.map(a => `arn:${partition}:iam::${a}:root`), conditions)] : []),
    ...lists.map(list => new AccountListPrincipal([list]).withConditions(conditions)),
  );
}
