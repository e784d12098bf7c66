import { App, Stack, Token, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { COPY_ACTIONS, GRANT_ACTIONS, GRANT_CONDITION, crossAccountKeyReference } from './key-access';
import { validationError } from './validation-error';

/** Properties of a `CrossAccountDistributionRole`. */
export interface CrossAccountDistributionRoleProps {
  /** The accounts whose Image Builder distributes AMIs into this account (12-digit IDs). */
  readonly sourceAccounts: string[];

  /**
   * The source account's KMS keys that encrypt the AMIs: the key of the build Region and the key of
   * each destination Region. The role gets the copy and re-encryption actions on exactly these keys.
   *
   * A `kms.Key` of this app in another account or Region is reached through its alias (the same alias
   * `DistributionConfiguration` gives it), so no cross-environment reference is needed.
   *
   * @default - no KMS permissions (unencrypted AMIs)
   */
  readonly keys?: kms.IKey[];

  /**
   * Allow Image Builder to update launch templates of this account with the new AMI
   * (`launchTemplates` with this account's `accountId`).
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/dist-using-launch-template.html
   * @default false
   */
  readonly launchTemplateUpdates?: boolean;

  /**
   * Names of SSM parameters of this account that Image Builder sets to the new AMI ID
   * (`ssmParameters` with this account as `amiAccount`).
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/dist-ssm-parameters.html
   * @default - no SSM parameter updates
   */
  readonly ssmParameterNames?: string[];
}

/** Which account already has the role in an app: IAM names are global to an account. */
const rolesByAccount = new WeakMap<App | Construct, Map<string, string>>();

/**
 * The role Image Builder assumes in a target account to copy AMIs into it:
 * `EC2ImageBuilderDistributionCrossAccountRole`, trusting the source accounts, with the AWS managed
 * policy `Ec2ImageBuilderCrossAccountDistributionAccess` and the KMS permissions encrypted AMIs need.
 *
 * Deploy it once per target account (IAM is global: the Region does not matter), before the first
 * pipeline run that copies into that account.
 *
 * ```ts
 * new CrossAccountDistributionRole(this, 'DistributionRole', {
 *   sourceAccounts: ['111111111111'],
 *   keys: [kms.Key.fromKeyArn(this, 'SourceKey', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab')],
 * });
 * ```
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */
export class CrossAccountDistributionRole extends Construct {
  /** The name Image Builder looks for in every target account. */
  public static readonly ROLE_NAME = 'EC2ImageBuilderDistributionCrossAccountRole';

  /** The AWS managed policy with the EC2 actions of a cross-account copy. */
  public static readonly MANAGED_POLICY_NAME = 'Ec2ImageBuilderCrossAccountDistributionAccess';

  /** The role. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CrossAccountDistributionRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.claimAccount(stack);
    if (props.sourceAccounts.length === 0) {
      throw validationError('NoSourceAccounts', 'CrossAccountDistributionRole: sourceAccounts is empty; the role must trust the account that runs the image pipeline. Fix: pass its 12-digit ID.', this);
    }

    this.role = new iam.Role(this, 'Role', {
      roleName: CrossAccountDistributionRole.ROLE_NAME,
      description: 'Lets EC2 Image Builder in the source accounts copy AMIs into this account',
      assumedBy: new iam.CompositePrincipal(...props.sourceAccounts.map(a => new iam.AccountPrincipal(a))),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(CrossAccountDistributionRole.MANAGED_POLICY_NAME)],
    });

    this.grantKeys(props.keys ?? []);

    if (props.launchTemplateUpdates) {
      // A new launch template version that points at the AMI, made the default when asked.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ImageBuilderUpdateLaunchTemplates',
        actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
        resources: [stack.formatArn({ service: 'ec2', region: '*', resource: 'launch-template', resourceName: '*' })],
      }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ImageBuilderDescribeLaunchTemplates',
        actions: ['ec2:DescribeLaunchTemplates'],
        resources: ['*'], // Describe actions do not support resource-level permissions.
      }));
    }

    const parameters = props.ssmParameterNames ?? [];
    if (parameters.length > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ImageBuilderUpdateSsmParameters',
        actions: ['ssm:PutParameter'],
        resources: parameters.map(name => stack.formatArn({ service: 'ssm', region: '*', resource: 'parameter', resourceName: name.replace(/^\//, '') })),
      }));
    }
  }

  /** The copy and re-encryption actions on exactly the given keys; `kms:CreateGrant` only for AWS resources. */
  private grantKeys(keys: kms.IKey[]) {
    if (keys.length === 0) {
      return;
    }
    const references = keys.map(key => crossAccountKeyReference(this, key));
    const byArn = references.filter(r => r.aliasName === undefined).map(r => r.resource);
    const byAlias = references.filter(r => r.aliasName !== undefined);
    const statements: iam.PolicyStatement[] = [];
    if (byArn.length > 0) {
      statements.push(new iam.PolicyStatement({ sid: 'ImageBuilderUseSourceKeys', actions: COPY_ACTIONS, resources: byArn }));
      statements.push(new iam.PolicyStatement({ sid: 'ImageBuilderUseSourceKeysCreateGrant', actions: GRANT_ACTIONS, resources: byArn, conditions: GRANT_CONDITION }));
    }
    if (byAlias.length > 0) {
      // Keys this app makes in other environments are named by their alias: their key IDs are not known at synth time.
      const resources = [...new Set(byAlias.map(r => r.resource))];
      const aliasCondition = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': byAlias.map(r => r.aliasName!) } };
      statements.push(new iam.PolicyStatement({ sid: 'ImageBuilderUseSourceKeysByAlias', actions: COPY_ACTIONS, resources, conditions: aliasCondition }));
      statements.push(new iam.PolicyStatement({ sid: 'ImageBuilderUseSourceKeysByAliasCreateGrant', actions: GRANT_ACTIONS, resources, conditions: { ...aliasCondition, ...GRANT_CONDITION } }));
    }
    statements.forEach(s => this.role.addToPrincipalPolicy(s));
  }

  /** One role per account: a second one would fail to deploy with a name conflict. */
  private claimAccount(stack: Stack) {
    const root = this.node.root;
    let claimed = rolesByAccount.get(root);
    if (!claimed) {
      claimed = new Map();
      rolesByAccount.set(root, claimed);
    }
    const account = Token.isUnresolved(stack.account) ? `stack ${stack.node.path}` : `account ${stack.account}`;
    const existing = claimed.get(account);
    if (existing) {
      throw validationError('DuplicateCrossAccountRole', `CrossAccountDistributionRole: ${account} already has one at ${existing}; IAM role names are global to an account, so ${CrossAccountDistributionRole.ROLE_NAME} exists once per account. Fix: deploy one CrossAccountDistributionRole per account, in one Region, and list every source account and key in it.`, this);
    }
    claimed.set(account, this.node.path);
  }
}
