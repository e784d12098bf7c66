import { App, Fn, Resource, Stack, Token, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { constructionError, report } from './private/errors';
import { ACCOUNT_ID } from './private/identifiers';
import { checkInput, propsNaming } from './private/input';
import { COPY_ACTIONS, GRANT_ACTIONS, GRANT_FOR_AWS_RESOURCE, IMAGE_BUILDER_TAG, LAUNCH_TEMPLATE_CREATE_ACTIONS, LAUNCH_TEMPLATE_UPDATE_ACTIONS } from './private/key-actions';
import { AccountListPrincipal, isListToken } from './private/key-policy';
import { concrete, isAlias, isAwsManagedKeyId, keyReferenceFrom, kmsArn, resolveKey } from './private/key-reference';
import { LIFECYCLE_ROLE_NAME, createLifecycleRole } from './private/lifecycle-role';
import { minPolicySize } from './private/policy-size';
import { ackId } from './private/rules/catalog';
import { spell } from './private/rules/messages';
import { sourceAccountsPrincipal } from './private/source-accounts';
import { VERIFICATION_ROLE_NAME, createVerificationRole, verificationRoleNameProblem } from './private/verification-role';

/** Properties of a `CrossAccountDistributionRole`. */
export interface CrossAccountDistributionRoleProps {
  /**
   * The accounts whose Image Builder distributes AMIs into this account (12-digit IDs). A list parameter
   * (`CfnParameter.valueAsList`) works too.
   *
   * The accounts share one statement of the role's trust policy: about 55 fit IAM's default quota of 2,048
   * characters for a trust policy (about 20 with `trustEntireSourceAccount`, one statement each); with more, synth
   * reports `CrossAccountRolePolicySize` (acknowledge it once the account's quota "Role trust policy length" is
   * raised).
   */
  readonly sourceAccounts: string[];

  /**
   * Execution roles of the source accounts that may assume this role, besides Image Builder's service-linked role:
   * the role Image Builder runs a distribution with when you give it one (`DistributeImage`, `RetryImage`, a
   * pipeline with custom workflows), the role you pass to `DistributionConfiguration.grantDistribute()`. Each must
   * be a role of one of the `sourceAccounts`. A role of another app:
   * `iam.Role.fromRoleArn(this, 'ExecutionRole', 'arn:aws:iam::111111111111:role/ImageBuilderDistribution')`.
   *
   * The trust policy names them by ARN (`aws:PrincipalArn`): a role deleted and created again under the same name
   * is trusted again.
   *
   * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderExecutionPolicy.html
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/pipeline-workflows.html
   * @default - none: only Image Builder's service-linked role of the source accounts
   */
  readonly executionRoles?: iam.IRole[];

  /**
   * Trust every principal of the source accounts that their own policies allow `sts:AssumeRole` on this role, as
   * AWS's guide sets the role up, instead of Image Builder's service-linked role and `executionRoles` only.
   *
   * By default the role trusts the source accounts only for the principals Image Builder distributes with: its
   * service-linked role `AWSServiceRoleForImageBuilder`, which assumes this role when a pipeline distributes (its
   * policy allows `sts:AssumeRole` on this role in any account), and the `executionRoles` you name
   * (`aws:PrincipalArn`). Set this to keep the trust of the whole account (for example while you find the
   * execution roles in use); any administrator of a source account can then act as this role.
   *
   * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
   * @default false
   */
  readonly trustEntireSourceAccount?: boolean;

  /**
   * The source account's KMS keys that encrypt the AMIs: the key of the build Region and the key of
   * each destination Region. The role gets the copy and re-encryption actions on exactly these keys.
   *
   * A `kms.Key` (or an alias of one) of this app in another account or Region is reached through its
   * alias (the same alias `DistributionConfiguration` writes), so no cross-environment reference is needed.
   * An alias imported with `Alias.fromAliasName` in a stack of the key's account and Region is reached the
   * same way, by `kms:ResourceAliases`.
   *
   * @default - no KMS permissions (unencrypted AMIs)
   */
  readonly keys?: kms.IKey[];

  /**
   * Allow Image Builder to update launch templates of this account with the new AMI
   * (`launchTemplates` with this account's `accountId`), as AWS documents it: new versions of launch
   * templates tagged `CreatedBy: EC2 Image Builder`, made the default when asked. Tag the templates Image
   * Builder may update yourself (for example in the stack that creates them): the role cannot tag them.
   *
   * AWS's sample policy also lets the role tag any launch template `CreatedBy: EC2 Image Builder`, which lets
   * whoever can assume the role tag any template of the account and then add versions to it. This role
   * may put that tag only on templates that carry it already, or on a template as it is created
   * (`ec2:CreateAction`). What remains: whoever can assume the role (Image Builder's service-linked role and the
   * `executionRoles`, or with `trustEntireSourceAccount` any principal of the source accounts allowed
   * `sts:AssumeRole` on it) can add versions to every template tagged
   * `CreatedBy: EC2 Image Builder` in this account, in every Region, and make them the default; keep that
   * tag for the templates Image Builder updates.
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
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

  /**
   * Also create the role Image Builder's lifecycle policies need in this account to deprecate, disable or delete
   * the copies distributed into it: `Ec2ImageBuilderCrossAccountLifecycleAccess`, with the AWS managed policy
   * `EC2ImageBuilderLifecycleExecutionPolicy`, trusting Image Builder (`imagebuilder.amazonaws.com`) only for
   * images (`aws:SourceArn`) of the source accounts (`aws:SourceAccount`), as AWS documents it. Without it, a
   * `DistributionLifecycle` of the source account retires its own AMIs and leaves the copies in this account.
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html
   * @default false
   */
  readonly lifecycle?: boolean;

  /**
   * Also create the read-only role a `DistributionVerification` of the source accounts assumes in this account to
   * verify what a distribution made here (`verificationRoleName`). It trusts exactly the verification function's
   * role of the source accounts (`ImageBuilderDistributionVerifier-<Region>`, by `aws:PrincipalArn`) and allows exactly the
   * reads verify makes: `ec2:DescribeImages`, `ec2:DescribeSnapshots`, `ec2:DescribeLaunchTemplateVersions` and
   * `ec2:DescribeFastLaunchImages` (EC2 takes no resource for them), `ec2:DescribeImageAttribute` on AMIs,
   * `kms:DescribeKey` on this account's keys, and `ssm:GetParameter` on the `ssmParameterNames` only. It can change
   * nothing, and decrypts nothing.
   *
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
   * @default false
   */
  readonly verification?: boolean;

  /**
   * The name of the read-only role `verification: true` creates: the `roleName` of the `DistributionVerification`
   * that reads this account. An IAM role name (1 to 64 letters, digits and `+=,.@_-`), not one of the other roles'.
   *
   * @default 'ImageBuilderDistributionVerification'
   */
  readonly verificationRoleName?: string;
}

/**
 * Image Builder's service-linked role, under `role/`: the principal that assumes this role when a pipeline
 * distributes (its policy allows `sts:AssumeRole` on `EC2ImageBuilderDistributionCrossAccountRole` in any account).
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-service-linked-role.html
 * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html
 */
const IMAGE_BUILDER_SERVICE_ROLE = 'aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder';

/** The ARN of one KMS key (or one alias): no wildcard, a 12-digit account. */
const ONE_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)\/[^*?]+$/;

/**
 * IAM's limits on a role's policies, in characters without white space: the trust policy (a default quota that
 * Service Quotas can raise) and the inline policies together (fixed).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
const TRUST_POLICY_QUOTA = 2048;
const INLINE_POLICIES_LIMIT = 10240;
const MANAGED_POLICY_LIMIT = 6144;
const POLICY_FIX = 'pass fewer keys (each adds its ARN to two statements) or SSM parameter names, or shorter parameter names.';

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

  /** The lifecycle role `Ec2ImageBuilderCrossAccountLifecycleAccess`, with `lifecycle: true`. */
  public readonly lifecycleRole?: iam.Role;

  /** The read-only role of the distribution verification (`ImageBuilderDistributionVerification`), with `verification: true`. */
  public readonly verificationRole?: iam.Role;

  constructor(scope: Construct, id: string, props: CrossAccountDistributionRoleProps) {
    super(scope, id);
    const named = propsNaming('CrossAccountDistributionRole', id);
    checkInput(this, named('props'), props, 'object', true);
    checkInput(this, named('sourceAccounts'), props.sourceAccounts, 'string list', true);
    checkInput(this, named('keys'), props.keys, 'construct list');
    checkInput(this, named('launchTemplateUpdates'), props.launchTemplateUpdates, 'boolean');
    checkInput(this, named('ssmParameterNames'), props.ssmParameterNames, 'string list');
    checkInput(this, named('lifecycle'), props.lifecycle, 'boolean');
    checkInput(this, named('verification'), props.verification, 'boolean');
    checkInput(this, named('verificationRoleName'), props.verificationRoleName, 'string');
    checkInput(this, named('executionRoles'), props.executionRoles, 'construct list');
    checkInput(this, named('trustEntireSourceAccount'), props.trustEntireSourceAccount, 'boolean');
    const stack = Stack.of(this);
    this.claimAccount(stack);
    if (props.sourceAccounts.length === 0) {
      throw constructionError('NoSourceAccounts', `CrossAccountDistributionRole: ${spell('sourceAccounts')} is empty; the role must trust the account that runs the image pipeline. Fix: pass its 12-digit ID.`, this);
    }

    this.role = new iam.Role(this, 'Role', {
      roleName: CrossAccountDistributionRole.ROLE_NAME,
      description: 'Lets EC2 Image Builder in the source accounts copy AMIs into this account',
      assumedBy: this.trustedPrincipals(props),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(CrossAccountDistributionRole.MANAGED_POLICY_NAME)],
    });

    if (props.lifecycle) {
      this.lifecycleRole = createLifecycleRole(this, props.sourceAccounts);
    }
    const verificationRoleName = this.verificationRoleName(props);
    this.grantKeys(props.keys ?? []);
    this.node.addValidation({ validate: () => this.policySizeErrors() });

    if (props.launchTemplateUpdates) {
      const launchTemplates = stack.formatArn({ service: 'ec2', region: '*', resource: 'launch-template', resourceName: '*' });
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ImageBuilderUpdateLaunchTemplates',
        actions: LAUNCH_TEMPLATE_UPDATE_ACTIONS,
        resources: [launchTemplates],
        conditions: { StringEquals: { [`aws:ResourceTag/${IMAGE_BUILDER_TAG.key}`]: IMAGE_BUILDER_TAG.value } },
      }));
      // AWS's sample lets the role put the tag on any template, and so add versions to any template after tagging
      // it. Here the tag goes only on templates that carry it already, or on templates as they are created.
      const requestTag = { [`aws:RequestTag/${IMAGE_BUILDER_TAG.key}`]: IMAGE_BUILDER_TAG.value };
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ImageBuilderTagLaunchTemplates',
        actions: ['ec2:CreateTags'],
        resources: [launchTemplates],
        conditions: { StringEquals: { ...requestTag, [`aws:ResourceTag/${IMAGE_BUILDER_TAG.key}`]: IMAGE_BUILDER_TAG.value } },
      }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ImageBuilderTagLaunchTemplatesOnCreate',
        actions: ['ec2:CreateTags'],
        resources: [launchTemplates],
        conditions: { StringEquals: { ...requestTag, 'ec2:CreateAction': LAUNCH_TEMPLATE_CREATE_ACTIONS } },
      }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ImageBuilderDescribeLaunchTemplates',
        actions: ['ec2:DescribeLaunchTemplates'],
        resources: ['*'], // Describe actions do not support resource-level permissions.
      }));
    }

    const parameters = props.ssmParameterNames ?? [];
    parameters.forEach((name, i) => {
      // A name with `*` or `?` would be a pattern in the policy: the role could overwrite every parameter it matches.
      if (typeof name !== 'string' || (!Token.isUnresolved(name) && !isListToken(name) && !/^[a-zA-Z0-9_.\-/]{1,1011}$/.test(name))) {
        throw constructionError('SsmParameterName', `CrossAccountDistributionRole: ${spell('ssmParameterNames')}[${i}] is ${JSON.stringify(name)}, which is not a parameter name (1 to 1011 letters, digits and '_.-/'); the role's policy names single parameters only. Fix: give the parameter's full name, e.g. '/golden/ami-id'.`, this);
      }
    });
    // The parameters' ARNs, one group per statement: the literal names together, each list token (a list parameter)
    // alone, its ARNs built by CloudFormation (names known only at deploy time).
    const literalNames = parameters.filter(name => !isListToken(name));
    const parameterArns = [
      ...(literalNames.length > 0 ? [literalNames.map(name => stack.formatArn({ service: 'ssm', region: '*', resource: 'parameter', resourceName: Token.isUnresolved(name) ? name : name.replace(/^\//, '') }))] : []),
      ...parameters.filter(isListToken).map(names => parameterArnsOf(stack, names)),
    ];
    parameterArns.forEach((resources, i) => this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: i === 0 && literalNames.length > 0 ? 'ImageBuilderUpdateSsmParameters' : `ImageBuilderUpdateSsmParametersList${literalNames.length > 0 ? i : i + 1}`,
      actions: ['ssm:PutParameter'],
      resources,
    })));

    if (verificationRoleName !== undefined) {
      this.verificationRole = createVerificationRole(this, { sourceAccounts: props.sourceAccounts, roleName: verificationRoleName, parameterArns });
    }
  }

  /**
   * The verification role's name with `verification: true`, checked when it is known (a token at synth); a name
   * without `verification: true` makes no role, so it is refused rather than ignored.
   */
  private verificationRoleName(props: CrossAccountDistributionRoleProps): string | undefined {
    const name = props.verificationRoleName;
    if (!props.verification) {
      if (name !== undefined) {
        throw constructionError('VerificationRoleName', `CrossAccountDistributionRole: ${spell('verificationRoleName')} is ${JSON.stringify(name)}, but ${spell('verification')} is not true, so no verification role is made. Fix: set ${spell('verification')}: true, or leave out ${spell('verificationRoleName')}.`, this);
      }
      return undefined;
    }
    const roleName = name ?? VERIFICATION_ROLE_NAME;
    // The verifier roles' names are refused by verificationRoleNameProblem itself.
    const taken = [CrossAccountDistributionRole.ROLE_NAME, ...(props.lifecycle ? [LIFECYCLE_ROLE_NAME] : [])];
    const problem = (value: string, why: string) => `CrossAccountDistributionRole: ${spell('verificationRoleName')} is ${JSON.stringify(value)}, ${why}. Fix: pass a role name of 1 to 64 letters, digits and '+=,.@_-' that no other role of the account has, the same as the DistributionVerification's ${spell('roleName')}, or leave it out for '${VERIFICATION_ROLE_NAME}'.`;
    const now = verificationRoleNameProblem(roleName, taken);
    if (now) {
      throw constructionError('VerificationRoleName', problem(roleName, now), this);
    }
    if (Token.isUnresolved(roleName)) {
      // A token known at synth (such as Lazy.string) is checked when the app is synthesized; not acknowledgeable.
      this.node.addValidation({
        validate: () => {
          const value: unknown = Stack.of(this).resolve(roleName);
          const why = typeof value === 'string' ? verificationRoleNameProblem(value, taken) : undefined;
          return why ? [`[VerificationRoleName] ${problem(String(value), why)}`] : [];
        },
      });
    }
    return roleName;
  }

  /** The copy and re-encryption actions on exactly the given keys; `kms:CreateGrant` only for AWS resources. */
  private grantKeys(keys: kms.IKey[]) {
    const references = keys.map((key, i) => this.referenceOf(key, i));
    const byArn = [...new Set(references.filter(r => r.aliasName === undefined).map(r => r.resource))];
    const byAlias = references.filter(r => r.aliasName !== undefined);
    if (byArn.length > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ImageBuilderUseSourceKeys', actions: COPY_ACTIONS, resources: byArn }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ImageBuilderUseSourceKeysCreateGrant', actions: GRANT_ACTIONS, resources: byArn, conditions: GRANT_FOR_AWS_RESOURCE }));
    }
    if (byAlias.length > 0) {
      // Keys named by alias: their key IDs are not known where this role is defined.
      const resources = [...new Set(byAlias.map(r => r.resource))];
      const aliasCondition = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [...new Set(byAlias.map(r => r.aliasName!))] } };
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ImageBuilderUseSourceKeysByAlias', actions: COPY_ACTIONS, resources, conditions: aliasCondition }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ImageBuilderUseSourceKeysByAliasCreateGrant', actions: GRANT_ACTIONS, resources, conditions: { ...aliasCondition, ...GRANT_FOR_AWS_RESOURCE },
      }));
    }
  }

  /**
   * How this role's policy names a key: by ARN, or (for keys of this app in other environments, and for
   * imported aliases) as the keys of the key's account and Region that carry the alias.
   */
  private referenceOf(key: kms.IKey, index: number): { resource: string; aliasName?: string } {
    const resolved = resolveKey(key);
    if (Resource.isOwnedResource(resolved) || !isAlias(resolved)) {
      const reference = keyReferenceFrom(this, key);
      // A pattern (`key/*`, an account or Region of `*`) would give the role every key it matches.
      if (reference.aliasName === undefined && !Token.isUnresolved(reference.resource) && !ONE_KEY_ARN.test(reference.resource)) {
        throw constructionError('CrossAccountRoleKey', `CrossAccountDistributionRole: keys[${index}] is ${JSON.stringify(reference.resource)}, which is not the ARN of one KMS key; the role would get the copy actions on every key it matches. Fix: pass each key by its ARN, arn:aws:kms:<region>:<source account>:key/<key id>.`, this);
      }
      return reference;
    }
    // An alias imported by name: the key is in the account and Region of the stack it was imported in.
    const aliasName = resolved.aliasName;
    const aliasStack = Stack.of(resolved);
    const here = Stack.of(this);
    const fix = 'Fix: import the alias in a stack of the key\'s account and Region (kms.Alias.fromAliasName(sourceKeyStack, ...)), or pass the key by ARN (kms.Key.fromKeyArn(this, \'Key\', \'arn:aws:kms:<region>:<source account>:key/<id>\')).';
    if (!Token.isUnresolved(aliasName) && isAwsManagedKeyId(aliasName)) {
      throw constructionError('CrossAccountRoleKey', `CrossAccountDistributionRole: keys[${index}] is the AWS managed key ${aliasName}, which cannot be shared with other accounts. Fix: encrypt the AMI with a customer managed key and pass that key.`, this);
    }
    const account = concrete(aliasStack.account);
    const region = concrete(aliasStack.region);
    if (!account || !region || account === concrete(here.account)) {
      throw constructionError('CrossAccountRoleKey', `CrossAccountDistributionRole: keys[${index}] is the alias ${aliasName} imported in stack ${aliasStack.node.path} (account ${account ?? 'unknown'}, Region ${region ?? 'unknown'}); an imported alias names a key of that stack's account and Region, but the keys a copy into this account uses belong to the source account. ${fix}`, this);
    }
    return { resource: kmsArn(region, account, 'key/*'), aliasName };
  }

  /**
   * Who may assume the role: the source accounts, for Image Builder's service-linked role and the execution roles
   * only (`aws:PrincipalArn`), or for any of their principals with `trustEntireSourceAccount`.
   */
  private trustedPrincipals(props: CrossAccountDistributionRoleProps): iam.IPrincipal {
    const accounts = props.sourceAccounts.map((account, i) => this.trustedAccount(account, i));
    if (props.trustEntireSourceAccount) {
      return new iam.CompositePrincipal(...accounts);
    }
    const partition = Stack.of(this).partition;
    const executionRoles = (props.executionRoles ?? []).map((role, i) => this.executionRoleArn(role, i, props.sourceAccounts));
    // The account is `*`: the statement's principals are the source accounts already.
    const principalArns = [`arn:${partition}:iam::*:role/${IMAGE_BUILDER_SERVICE_ROLE}`, ...executionRoles];
    const conditions = { ArnLike: { 'aws:PrincipalArn': principalArns.length === 1 ? principalArns[0] : principalArns } };
    return sourceAccountsPrincipal(partition, props.sourceAccounts, conditions);
  }

  /** An execution role's ARN, checked when it is known: a role of a source account. */
  private executionRoleArn(role: iam.IRole, index: number, sourceAccounts: string[]): string {
    const arn = role.roleArn;
    const known = concrete(arn);
    const accounts = sourceAccounts.filter(a => !isListToken(a)).map(concrete);
    if (known && accounts.every(a => a !== undefined) && !sourceAccounts.some(isListToken)) {
      const account = /^arn:aws[a-z-]*:iam::([0-9]{12}):role\/[^*?]+$/.exec(known)?.[1];
      if (!account || !accounts.includes(account)) {
        throw constructionError('NoSourceAccounts', `CrossAccountDistributionRole: ${spell('executionRoles')}[${index}] is ${JSON.stringify(known)}, ${account ? `a role of ${account}, which is not one of the ${spell('sourceAccounts')} (${accounts.join(', ')})` : 'which is not the ARN of one IAM role'}: the role's trust policy trusts roles of the source accounts only. Fix: add ${account ?? 'its account'} to ${spell('sourceAccounts')}, or pass the execution role of a source account (iam.Role.fromRoleArn(this, 'ExecutionRole', 'arn:aws:iam::<source account>:role/<name>')).`, this);
      }
    }
    return arn;
  }

  /**
   * A source account as a principal; a list token (a list parameter) becomes the list itself. A value that is
   * not an account ID never goes into the trust policy: the call stops, so there is nothing to acknowledge.
   */
  private trustedAccount(account: string, index: number): iam.IPrincipal {
    if (isListToken(account)) {
      return new AccountListPrincipal([account]);
    }
    const problem = (value: unknown) => `CrossAccountDistributionRole: ${spell('sourceAccounts')}[${index}] is ${JSON.stringify(value)}: an account ID is exactly 12 digits, and the role's trust policy takes nothing else. Fix: pass the 12-digit ID of the account that runs the image pipeline (keep leading zeros; write it as a string).`;
    if (typeof account !== 'string' || (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account))) {
      throw constructionError('AccountId', problem(account), this);
    }
    if (Token.isUnresolved(account)) {
      // A token known at synth (such as Lazy.string) is checked when the app is synthesized; not acknowledgeable.
      this.node.addValidation({
        validate: () => {
          const value: unknown = Stack.of(this).resolve(account);
          return typeof value === 'string' && !ACCOUNT_ID.test(value) ? [`[AccountId] ${problem(value)}`] : [];
        },
      });
    }
    return new iam.AccountPrincipal(account);
  }

  /**
   * The role's policies within IAM's limits, counted as IAM does (without white space; deploy-time values by
   * what is known of them, so never more than they will be): otherwise the stack fails to deploy.
   */
  private policySizeErrors(): string[] {
    const stack = Stack.of(this);
    const errors: Array<{ rule: 'CrossAccountRolePolicySize'; text: string; level: 'error' }> = [];
    // The verification role's policies are never larger: its trust names the same accounts with one shorter ARN, its
    // policy the same parameters with fewer statements. So this role's limits bound both.
    const trust = minPolicySize(stack.resolve(this.role.assumeRolePolicy?.toJSON()));
    if (trust > TRUST_POLICY_QUOTA) {
      errors.push({
        rule: 'CrossAccountRolePolicySize',
        level: 'error',
        text: `[CrossAccountRolePolicySize] CrossAccountDistributionRole: the role's trust policy has at least ${trust} characters (IAM counts them without white space), over IAM's default quota of ${TRUST_POLICY_QUOTA} for a role trust policy, so the role fails to deploy. Fix: trust fewer ${spell('sourceAccounts')} (each adds its ARN; ${spell('trustEntireSourceAccount')} a statement each); or raise the quota "Role trust policy length" in Service Quotas for this account, then acknowledge ${ackId('CrossAccountRolePolicySize')}.`,
      });
    }
    // aws-cdk-lib moves statements over its own inline limit into managed policies (OverflowPolicy1, ...) before
    // validation; a statement too large on its own stays where it is. So the documents are checked as deployed.
    const inline = this.role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
    const inlineSize = inline ? minPolicySize(stack.resolve(inline.document.toJSON())) : 0;
    if (inlineSize > INLINE_POLICIES_LIMIT) {
      errors.push({
        rule: 'CrossAccountRolePolicySize',
        level: 'error',
        text: `[CrossAccountRolePolicySize] CrossAccountDistributionRole: the role's inline policy has at least ${inlineSize} characters (IAM counts them without white space), over IAM's limit of ${INLINE_POLICIES_LIMIT} for the inline policies of a role, so the role fails to deploy. Fix: ${POLICY_FIX}`,
      });
    }
    for (const child of this.role.node.children) {
      if (child instanceof iam.ManagedPolicy) {
        const size = minPolicySize(stack.resolve(child.document.toJSON()));
        if (size > MANAGED_POLICY_LIMIT) {
          errors.push({
            rule: 'CrossAccountRolePolicySize',
            level: 'error',
            text: `[CrossAccountRolePolicySize] CrossAccountDistributionRole: the managed policy ${child.node.path} that aws-cdk-lib split off the role's policy has at least ${size} characters (IAM counts them without white space), over IAM's limit of ${MANAGED_POLICY_LIMIT} for a managed policy, so the role fails to deploy. Fix: ${POLICY_FIX}`,
          });
        }
      }
    }
    return report(this, errors);
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
      throw constructionError('DuplicateCrossAccountRole', `CrossAccountDistributionRole: ${account} already has one at ${existing}; IAM role names are global to an account, so ${CrossAccountDistributionRole.ROLE_NAME} exists once per account. Fix: deploy one CrossAccountDistributionRole per account, in one Region, and list every source account and key in it.`, this);
    }
    claimed.set(account, this.node.path);
  }
}

/**
 * The ARNs of the parameters a list token names, built at deploy time. A hierarchical name starts with '/'
 * (`arn:...:parameter/golden/ami`), a plain one does not (`arn:...:parameter/golden`), and CloudFormation cannot
 * tell them apart: both forms are listed, and the one that does not fit a name matches no parameter.
 *
 * Each name gets its prefix as the delimiter of an `Fn::Join`, which CloudFormation takes only as a literal string
 * ("For the Fn::Join delimiter, you can't use any functions",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-join.html): the stack's
 * account and partition when they are known, else `*` for both. Image Builder and verify name parameters of this
 * account by name; a parameter another account shares is named by its full ARN only, and is not writable here
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).
 */
function parameterArnsOf(stack: Stack, names: string): string[] {
  const account = concrete(stack.account);
  const region = concrete(stack.region);
  const partition = region ? RegionInfo.get(region).partition : undefined;
  const prefix = account && partition ? `arn:${partition}:ssm:*:${account}:parameter` : 'arn:*:ssm:*:*:parameter';
  const list = [names];
  // One list token (aws-cdk-lib cannot put two in one list): both forms joined, then split.
  return Fn.split(',', Fn.join(',', [
    Fn.join('', [prefix, Fn.join(`,${prefix}`, list)]),
    Fn.join('', [`${prefix}/`, Fn.join(`,${prefix}/`, list)]),
  ]));
}
