import { Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { isListToken } from './key-policy';
import { LIFECYCLE_MANAGED_POLICY, LIFECYCLE_ROLE_NAME } from './lifecycle-names';

export { LIFECYCLE_MANAGED_POLICY, LIFECYCLE_ROLE_NAME } from './lifecycle-names';

/** Which accounts (or environment-agnostic stacks) of an app have the lifecycle role, by the construct that made it. */
const lifecycleRoles = new WeakMap<IConstruct, Set<string>>();

export function createLifecycleRole(scope: Construct, sourceAccounts: string[]): iam.Role {
  const stack = Stack.of(scope);
  const accounts = sourceAccounts.some(isListToken) || sourceAccounts.length !== 1 ? sourceAccounts : sourceAccounts[0];
  const role = new iam.Role(scope, 'LifecycleRole', {
    roleName: LIFECYCLE_ROLE_NAME,
    description: 'Lets EC2 Image Builder lifecycle policies of the source accounts retire the images they distributed into this account',
    assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': accounts },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:imagebuilder:*:*:image/*/*/*` },
      },
    }),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(LIFECYCLE_MANAGED_POLICY)],
  });
  const root = scope.node.root;
  let accountsWithRole = lifecycleRoles.get(root);
  if (!accountsWithRole) {
    accountsWithRole = new Set();
    lifecycleRoles.set(root, accountsWithRole);
  }
  accountsWithRole.add(Token.isUnresolved(stack.account) ? `stack ${stack.node.path}` : stack.account);
  return role;
}

/** Whether the app deploys the lifecycle role in this account with a `CrossAccountDistributionRole`. */
export function hasLifecycleRole(scope: IConstruct, account: string): boolean {
  return lifecycleRoles.get(scope.node.root)?.has(account) ?? false;
}

/** The apps (by root) with a `CrossAccountDistributionRoleStackSet` that deploys the lifecycle role (the accounts of its OUs). */
const appsWithLifecycleStackSet = new WeakSet<IConstruct>();

export function registerLifecycleStackSet(scope: IConstruct) {
  appsWithLifecycleStackSet.add(scope.node.root);
}

/** Whether a StackSet of the app deploys the lifecycle role: its accounts are those of OUs, unknown at synth. */
export function hasLifecycleStackSet(scope: IConstruct): boolean {
  return appsWithLifecycleStackSet.has(scope.node.root);
}

