/**
 * How the policies of the keys this app owns let target accounts (`targetAccounts`) copy the AMI with them.
 *
 * - `accounts()` (the default) names each target account in the key policies: the account may use the key for
 *   the copy, and its own principals (with IAM permission) may launch from the copy. Each account adds about 40
 *   bytes to every key it uses, so a few hundred accounts reach KMS's 32 KB limit for a key policy.
 * - `organization(...)` writes statements of constant size whatever the number of target accounts: only the
 *   role Image Builder assumes in a target account (`EC2ImageBuilderDistributionCrossAccountRole`, as
 *   `CrossAccountDistributionRole` creates it) in an account of the organization (and of the OUs, when given)
 *   may copy with the key. Other principals of member accounts get nothing from these statements.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */
export class TargetAccountKeyAccess {
  /**
   * Each target account is named in the key policies (`arn:aws:iam::<account>:root`): the account may use the key
   * to copy the AMI, and its principals may launch instances from the copy. Policies grow with the number of
   * target accounts.
   */
  public static accounts(): TargetAccountKeyAccess {
    return new TargetAccountKeyAccess('accounts', undefined, undefined);
  }

  /**
   * The role Image Builder assumes in target accounts of an organization may copy the AMI with the keys; no
   * account is named, so the key policies stay the same size however many target accounts there are.
   *
   * The statements allow the copy actions and `kms:CreateGrant` (only with `kms:GrantIsForAWSResource`) to
   * any principal whose account is in the organization (`aws:PrincipalOrgID`), in one of the OUs or below it
   * when OUs are given (`aws:PrincipalOrgPaths`), and whose ARN is
   * `arn:<partition>:iam::<any account>:role/EC2ImageBuilderDistributionCrossAccountRole` (`aws:PrincipalArn`,
   * which for a role session is the role's ARN). They rely on that role name being used only for Image
   * Builder's distribution role in the member accounts: whoever can create a role of that name in a member
   * account can use the keys like a target account.
   *
   * Principals of target accounts that launch instances from the copies (encrypted with the Region's key)
   * are not allowed by these statements: share launch permission with the organization or OUs
   * (`launchPermission.organizations`, `launchPermission.organizationalUnits`) for that.
   *
   * @param organizationArn the ARN of the organization of the target accounts, e.g.
   *   `arn:aws:organizations::111122223333:organization/o-exampleorgid`
   * @param organizationalUnitArns ARNs of OUs of that organization, to allow only target accounts in them or in
   *   OUs below them, e.g. `arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-exam-exampleouid`. Give
   *   each ARN as its own value (not a list parameter). Default: every account of the organization.
   *
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
   */
  public static organization(organizationArn: string, organizationalUnitArns?: string[]): TargetAccountKeyAccess {
    return new TargetAccountKeyAccess('organization', organizationArn, organizationalUnitArns);
  }

  /**
   * `accounts` or `organization`.
   *
   * @internal
   */
  public readonly _kind: 'accounts' | 'organization';

  /** @internal */
  public readonly _organizationArn?: string;

  /** @internal */
  public readonly _organizationalUnitArns?: string[];

  private constructor(kind: 'accounts' | 'organization', organizationArn: string | undefined, organizationalUnitArns: string[] | undefined) {
    this._kind = kind;
    this._organizationArn = organizationArn;
    // A copy: a caller changing its list afterwards does not change what was validated.
    this._organizationalUnitArns = Array.isArray(organizationalUnitArns) ? [...organizationalUnitArns] : organizationalUnitArns;
  }
}
