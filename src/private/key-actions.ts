/*
 * The KMS actions and conditions of the statements the library writes, as data. Each set says which
 * requests it serves and cites the page that documents them.
 */

/**
 * What launching an instance from a shared encrypted AMI needs on each key involved; a copy reads its
 * source with the same actions. `kms:CreateGrant` is granted separately, only for AWS resources.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html (sharing encrypted AMIs)
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/how-ebs-encryption-works.html
 */
export const LAUNCH_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];

/**
 * What Image Builder needs to copy the AMI and re-encrypt it with a key: the launch actions plus
 * `kms:Encrypt`. Used for the role of a target account and for the distribution account's own Image
 * Builder when another account owns the key.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html
 */
export const COPY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];

/**
 * The name of the role Image Builder assumes in a target account (`CrossAccountDistributionRole.ROLE_NAME`),
 * at the root path: Image Builder looks the role up by this name.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */
export const TARGET_ACCOUNT_ROLE_NAME = 'EC2ImageBuilderDistributionCrossAccountRole';

/** Grants let EC2 and EBS use the key on the consumer's behalf. */
export const GRANT_ACTIONS = ['kms:CreateGrant'];

/**
 * Keeps grants to the ones AWS services create for resources (EBS volumes and snapshots).
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
 */
export const GRANT_FOR_AWS_RESOURCE = { Bool: { 'kms:GrantIsForAWSResource': true } };

/**
 * The name of EC2 Auto Scaling's service-linked role, under `role/`; custom suffixes
 * (`AWSServiceRoleForAutoScaling_<suffix>`) are other service-linked roles of the same service.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html
 */
export const AUTO_SCALING_SERVICE_LINKED_ROLE = 'aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';

/**
 * The operations the grant for EC2 Auto Scaling's service-linked role carries, as the EC2 Auto Scaling
 * user guide's cross-account `create-grant` example lists them.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 */
export const AUTO_SCALING_GRANT_OPERATIONS = [
  'Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'CreateGrant',
];

/**
 * A consumer account may create the grant that lets its own EC2 Auto Scaling service-linked role use the
 * key (the grant EC2 Auto Scaling needs to launch from an AMI encrypted with another account's key),
 * with the documented operations and no other grantee. `${aws:PrincipalAccount}` is an IAM policy
 * variable: the caller's own account.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grantee-principal
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
export function autoScalingGrantConditions(partition: string) {
  return {
    'StringLike': { 'kms:GranteePrincipal': `arn:${partition}:iam::\${aws:PrincipalAccount}:role/${AUTO_SCALING_SERVICE_LINKED_ROLE}*` },
    'ForAllValues:StringEquals': { 'kms:GrantOperations': AUTO_SCALING_GRANT_OPERATIONS },
  };
}

/**
 * What Image Builder does with launch templates in a target account, through the cross-account role:
 * a new version (made the default when asked) of templates tagged `CreatedBy: EC2 Image Builder`, and the
 * tag itself.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html (IAM policies, step 5)
 */
export const LAUNCH_TEMPLATE_UPDATE_ACTIONS = ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'];
export const IMAGE_BUILDER_TAG = { key: 'CreatedBy', value: 'EC2 Image Builder' };

/**
 * The actions that may tag a launch template as they create it (`ec2:CreateAction`): tagging on create is
 * authorized as `ec2:CreateTags` with that condition key, never an existing template.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/permissions-for-launch-templates.html
 */
export const LAUNCH_TEMPLATE_CREATE_ACTIONS = ['CreateLaunchTemplate', 'CreateLaunchTemplateVersion'];

/**
 * KMS limits a key policy to 32 KB.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html#key-policy-limit
 */
export const KEY_POLICY_MAX_BYTES = 32768;
