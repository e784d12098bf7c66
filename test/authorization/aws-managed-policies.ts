/*
 * The AWS managed policies that take part in a distribution's requests, as AWS publishes them
 * (EC2 Image Builder user guide, "Using managed policies for EC2 Image Builder", security-iam-awsmanpol.md
 * of awsdocs/ec2-image-builder-user-guide; the AWS managed policy reference has the current versions:
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html and
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/Ec2ImageBuilderCrossAccountDistributionAccess.html).
 * Test data: the evaluator applies them as the identity policies of the callers.
 */

/** The policy of a target account's `EC2ImageBuilderDistributionCrossAccountRole`: EC2 actions only, no KMS. */
export const EC2_IMAGE_BUILDER_CROSS_ACCOUNT_DISTRIBUTION_ACCESS = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: 'arn:aws:ec2:*::image/*' },
    { Effect: 'Allow', Action: ['ec2:DescribeImages', 'ec2:CopyImage', 'ec2:ModifyImageAttribute'], Resource: '*' },
  ],
};

/**
 * The statements of `AWSServiceRoleForImageBuilder` (the policy of Image Builder's service-linked role in
 * the distribution account) about KMS and STS: the requests Image Builder makes with a key of another
 * account, and the role it assumes in target accounts. Its other statements are about EC2, SSM, SNS,
 * CloudWatch Logs and License Manager and cannot allow these requests.
 */
export const AWS_SERVICE_ROLE_FOR_IMAGE_BUILDER_KMS_AND_STS = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      Resource: '*',
      Condition: {
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['aws:ebs:id'] },
        'StringLike': { 'kms:ViaService': ['ec2.*.amazonaws.com'] },
      },
    },
    { Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: '*', Condition: { StringLike: { 'kms:ViaService': ['ec2.*.amazonaws.com'] } } },
    {
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true }, StringLike: { 'kms:ViaService': ['ec2.*.amazonaws.com'] } },
    },
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/EC2ImageBuilderDistributionCrossAccountRole' },
  ],
};

/** The ARNs the synthesized templates name, and the documents above. */
export const MANAGED_POLICIES: Record<string, unknown> = {
  'arn:aws:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess': EC2_IMAGE_BUILDER_CROSS_ACCOUNT_DISTRIBUTION_ACCESS,
};
