import { Lazy, Stack, Token, Tokenization, aws_iam as iam } from 'aws-cdk-lib';
import { Audience, ConcreteOf, KeyNeed, StatementSpec, keyPolicyStatementsJson as statementsJson, split, statementSpecs } from './key-statements';

export type { KeyNeed } from './key-statements';

/*
 * The key-policy statements of key-statements.ts as aws-cdk-lib statements, with deploy-time lists (list
 * tokens) as principals of their own. Which needs a distribution has is decided in key-wiring.ts.
 */

/** A list token (`CfnParameter.valueAsList`, `Fn.split`): it stands for a whole list of values. */
export function isListToken(value: string): boolean {
  return Tokenization.reverseList([value]) !== undefined;
}

/**
 * The statements as JSON, as a template holds them (tokens left for the template's resolution): what a key's
 * policy renders, without building aws-cdk-lib statement objects for every key of a large app.
 * test/key-policy.property.test.ts checks that both forms agree.
 */
export function keyPolicyStatementsJson(needs: KeyNeed[], ownerAccount: string | undefined, partition: string, stack?: Stack): unknown[] {
  return statementsJson(needs, ownerAccount, partition, isListToken, concreteIn(stack));
}

/**
 * The statements for `needs` on a key owned by `ownerAccount` (which is never listed: its own policy
 * statement already covers it), in the key's `partition`. One statement per purpose and audience, each
 * with a `Sid` that says why; an account that copies is not listed again as a launcher; `kms:CreateGrant`
 * only in statements of its own, with `kms:GrantIsForAWSResource` or (for Auto Scaling) a grantee condition.
 */
export function keyPolicyStatements(needs: KeyNeed[], ownerAccount: string | undefined, partition: string, stack?: Stack): iam.PolicyStatement[] {
  return statementSpecs(needs, ownerAccount, partition, concreteIn(stack)).flatMap(spec => statementsOf(spec, partition));
}

/**
 * What a value is at synth, for the key-policy statements: a token that `stack` resolves to a string (such as
 * `Lazy.string`) or to a list of strings (`Lazy.list`) is checked as that value, like the rules check it; other
 * tokens are known only at deploy time.
 */
export function concreteIn(stack: Stack | undefined): ConcreteOf {
  return value => {
    // The element of a list token (`#{Token[...]}`) is not a string token: ask for the list first.
    const list = Tokenization.reverseList([value]);
    if (!list && !Token.isUnresolved(value)) {
      return value;
    }
    if (!stack) {
      return undefined;
    }
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    try {
      const resolved: unknown = stack.resolve(list ?? value);
      if (list) {
        return Array.isArray(resolved) ? resolved.map(text) : undefined;
      }
      return text(resolved);
    } catch {
      // A token that cannot be resolved here is known only at deploy time.
      return undefined;
    }
  };
}

/**
 * A spec's statements as aws-cdk-lib statements: one for its plain values, and one for each list token among
 * account members (a list parameter of account IDs becomes the principal list itself; KMS reads a bare
 * account ID as that account). Organizations and OUs never hold list tokens: the wiring rejects them.
 */
function statementsOf(spec: StatementSpec, partition: string): iam.PolicyStatement[] {
  return split(spec, isListToken).map(({ sid, members, list }) => {
    const statement = new iam.PolicyStatement({ sid, actions: spec.actions, resources: ['*'], conditions: spec.conditions });
    if (list) {
      // A list token is an array whose one element is the encoded list.
      statement.addPrincipals(new AccountListPrincipal([list]));
    } else {
      addAudience(statement, spec.audience, members, partition);
    }
    return statement;
  });
}

function addAudience(statement: iam.PolicyStatement, audience: Audience, members: string[], partition: string) {
  if (audience === 'accounts') {
    statement.addPrincipals(...members.map(account => accountRootPrincipal(account, partition)));
  } else if (audience === 'targetRoles') {
    // The spec's conditions name the organization, the OUs and the role.
    statement.addAnyPrincipal();
  } else if (audience === 'organizations') {
    statement.addAnyPrincipal();
    statement.addCondition('StringEquals', { 'aws:PrincipalOrgID': members });
  } else {
    statement.addAnyPrincipal();
    statement.addCondition('ForAnyValue:StringLike', { 'aws:PrincipalOrgPaths': members });
  }
}

/** `arn:<partition>:iam::<account>:root`, with a literal partition when it is known. */
export function accountRootPrincipal(account: string, partition: string): iam.IPrincipal {
  return Token.isUnresolved(partition) ? new iam.AccountPrincipal(account) : new iam.ArnPrincipal(`arn:${partition}:iam::${account}:root`);
}

/**
 * The accounts of a list token (a `CommaDelimitedList` parameter, `Fn.split`, an imported list) as one
 * principal: `"AWS": {"Ref": "Accounts"}`. aws-cdk-lib's principals take one account each and cannot hold
 * a list that is only known at deploy time.
 */
export class AccountListPrincipal extends iam.PrincipalBase {
  constructor(private readonly accounts: string[]) {
    super();
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    // An object, not a string: aws-cdk-lib unwraps a one-element principal list into a scalar, where a list token cannot stand.
    return new iam.PrincipalPolicyFragment({ AWS: [Lazy.any({ produce: () => this.accounts }) as unknown as string] });
  }

  public dedupeString(): string | undefined {
    return undefined;
  }

  public toString(): string {
    return 'AccountListPrincipal';
  }
}
