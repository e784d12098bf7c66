import { Lazy, Token, Tokenization, aws_iam as iam } from 'aws-cdk-lib';
import { COPY_ACTIONS, GRANT_ACTIONS, GRANT_FOR_AWS_RESOURCE, LAUNCH_ACTIONS, autoScalingGrantConditions } from './key-actions';

/*
 * The key-policy statements a key needs for the accounts, organizations and OUs that use it. Pure:
 * needs in, statements out. Which needs a distribution has is decided in key-wiring.ts.
 */

/** Who uses a key for one purpose (a Region's copies, or the build Region's AMI as the source key). */
export interface KeyNeed {
  /**
   * Accounts whose Image Builder copies the AMI with the key: target accounts (through their cross-account
   * role), and the distribution account when another account owns the key.
   */
  readonly copyAccounts: string[];
  /** Accounts that launch instances from an AMI the key encrypts. */
  readonly launchAccounts: string[];
  /** Organization IDs (`o-...`) whose accounts launch instances from it. */
  readonly organizationIds: string[];
  /** `aws:PrincipalOrgPaths` patterns of OUs whose accounts launch instances from it. */
  readonly organizationalUnitPaths: string[];
  /** Whether these consumers may create grants for their own EC2 Auto Scaling service-linked role. */
  readonly autoScalingGrants: boolean;
}

type Audience = 'accounts' | 'organizations' | 'organizationalUnits';

interface StatementSpec {
  readonly sid: string;
  readonly actions: string[];
  readonly audience: Audience;
  readonly members: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}

/** A list token (`CfnParameter.valueAsList`, `Fn.split`): it stands for a whole list of values. */
export function isListToken(value: string): boolean {
  return Tokenization.reverseList([value]) !== undefined;
}

/**
 * The statements for `needs` on a key owned by `ownerAccount` (which is never listed: its own policy
 * statement already covers it), in the key's `partition`. One statement per purpose and audience, each
 * with a `Sid` that says why; an account that copies is not listed again as a launcher; `kms:CreateGrant`
 * only in statements of its own, with `kms:GrantIsForAWSResource` or (for Auto Scaling) a grantee condition.
 */
export function keyPolicyStatements(needs: KeyNeed[], ownerAccount: string | undefined, partition: string): iam.PolicyStatement[] {
  const notOwner = (accounts: string[]) => unique(accounts).filter(a => a !== ownerAccount);
  const copy = notOwner(needs.flatMap(n => n.copyAccounts));
  const launch = notOwner(needs.flatMap(n => n.launchAccounts)).filter(a => !copy.includes(a));
  const organizations = unique(needs.flatMap(n => n.organizationIds));
  const units = unique(needs.flatMap(n => n.organizationalUnitPaths));
  const scaling = needs.filter(n => n.autoScalingGrants);
  const scalingConditions = autoScalingGrantConditions(partition);

  const specs: StatementSpec[] = [
    { sid: 'ImageBuilderCopy', actions: COPY_ACTIONS, audience: 'accounts', members: copy },
    { sid: 'ImageBuilderLaunchByAccounts', actions: LAUNCH_ACTIONS, audience: 'accounts', members: launch },
    { sid: 'ImageBuilderLaunchByOrganizations', actions: LAUNCH_ACTIONS, audience: 'organizations', members: organizations },
    { sid: 'ImageBuilderLaunchByOrganizationalUnits', actions: LAUNCH_ACTIONS, audience: 'organizationalUnits', members: units },
    { sid: 'ImageBuilderCreateGrantForAccounts', actions: GRANT_ACTIONS, audience: 'accounts', members: [...copy, ...launch], conditions: GRANT_FOR_AWS_RESOURCE },
    { sid: 'ImageBuilderCreateGrantForOrganizations', actions: GRANT_ACTIONS, audience: 'organizations', members: organizations, conditions: GRANT_FOR_AWS_RESOURCE },
    { sid: 'ImageBuilderCreateGrantForOrganizationalUnits', actions: GRANT_ACTIONS, audience: 'organizationalUnits', members: units, conditions: GRANT_FOR_AWS_RESOURCE },
    {
      sid: 'ImageBuilderAutoScalingGrantsForAccounts',
      actions: GRANT_ACTIONS,
      audience: 'accounts',
      members: notOwner(scaling.flatMap(n => [...n.copyAccounts, ...n.launchAccounts])),
      conditions: scalingConditions,
    },
    {
      sid: 'ImageBuilderAutoScalingGrantsForOrganizations',
      actions: GRANT_ACTIONS,
      audience: 'organizations',
      members: unique(scaling.flatMap(n => n.organizationIds)),
      conditions: scalingConditions,
    },
    {
      sid: 'ImageBuilderAutoScalingGrantsForOrganizationalUnits',
      actions: GRANT_ACTIONS,
      audience: 'organizationalUnits',
      members: unique(scaling.flatMap(n => n.organizationalUnitPaths)),
      conditions: scalingConditions,
    },
  ];
  return specs.flatMap(spec => statementsOf(spec, partition));
}

/**
 * A spec's statements: one for its plain values, and one for each list token among account members (a
 * list parameter of account IDs becomes the principal list itself; KMS reads a bare account ID as that
 * account). Organizations and OUs never hold list tokens: the wiring rejects them.
 */
function statementsOf(spec: StatementSpec, partition: string): iam.PolicyStatement[] {
  const lists = spec.audience === 'accounts' ? spec.members.filter(isListToken) : [];
  const plain = spec.members.filter(m => !lists.includes(m));
  const statements: iam.PolicyStatement[] = [];
  if (plain.length > 0) {
    const statement = new iam.PolicyStatement({ sid: spec.sid, actions: spec.actions, resources: ['*'], conditions: spec.conditions });
    addAudience(statement, spec.audience, plain, partition);
    statements.push(statement);
  }
  lists.forEach((list, i) => {
    statements.push(new iam.PolicyStatement({
      sid: `${spec.sid}List${i + 1}`,
      actions: spec.actions,
      resources: ['*'],
      conditions: spec.conditions,
      // A list token is an array whose one element is the encoded list.
      principals: [new AccountListPrincipal([list])],
    }));
  });
  return statements;
}

function addAudience(statement: iam.PolicyStatement, audience: Audience, members: string[], partition: string) {
  if (audience === 'accounts') {
    statement.addPrincipals(...members.map(account => accountRootPrincipal(account, partition)));
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

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
