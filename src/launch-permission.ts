/**
 * Who may launch instances from the AMI distributed to a Region.
 *
 * Launch permission shares the AMI; it does not copy it. For an encrypted AMI, every account,
 * organization and OU named here also needs access to the KMS keys that encrypt it: the library
 * writes those key-policy statements for keys the app owns (see `DistributionConfiguration.requiredKeyPolicy`).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html
 */
export interface LaunchPermission {
  /**
   * AWS account IDs (12 digits) that may launch the AMI. A list parameter (`CfnParameter.valueAsList`)
   * works too: key policies then name the accounts it holds at deploy time.
   *
   * @default - no account
   */
  readonly accounts?: string[];

  /**
   * ARNs of AWS Organizations whose accounts may launch the AMI,
   * e.g. `arn:aws:organizations::111122223333:organization/o-exampleorgid`.
   *
   * Give each ARN as its own value (a plain string, or a token such as `Fn.importValue`): key policies need
   * each organization's ID, which CloudFormation cannot take out of a list parameter.
   *
   * @default - no organization
   */
  readonly organizations?: string[];

  /**
   * ARNs of organizational units whose accounts may launch the AMI,
   * e.g. `arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-exam-exampleouid`.
   *
   * Give each ARN as its own value, as for `organizations`.
   *
   * @default - no organizational unit
   */
  readonly organizationalUnits?: string[];

  /**
   * Make the AMI public (launch permission for the group `all`).
   *
   * An AMI with encrypted snapshots cannot be made public: combining this with a KMS key is an error.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-intro.html
   * @default false
   */
  readonly publicAccess?: boolean;
}
