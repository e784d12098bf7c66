// No imports: the command (src/cli) reads these names too, and its bundle must not take in aws-cdk-lib.

/**
 * The role Image Builder's lifecycle policies assume in a target account to deprecate, disable or delete the
 * copies distributed into it. The name, the managed policy and the trust are the ones AWS documents: Image
 * Builder (`imagebuilder.amazonaws.com`) for images (`aws:SourceArn` an image ARN) of the distributing accounts
 * (`aws:SourceAccount`).
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html
 * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderLifecycleExecutionPolicy.html
 */
export const LIFECYCLE_ROLE_NAME = 'Ec2ImageBuilderCrossAccountLifecycleAccess';
export const LIFECYCLE_MANAGED_POLICY = 'service-role/EC2ImageBuilderLifecycleExecutionPolicy';
