import { Stack, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { ACCOUNT } from '../app';
import { ORGANIZATION_ID, ORG_HOME, ORG_REGIONS, OrganizationWriter } from '../organization';

/**
 * The floor: hand-written CfnDistributionConfiguration with the output the library writes: the target accounts
 * of every Region, an alias per key of another Region named by its alias ARN, a dependency on each key stack, and
 * the same organization-scoped statements (copy and CreateGrant on each Region's key, read and CreateGrant on
 * the source key).
 */
const COPY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];
const READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];
const SCOPE = {
  StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION_ID },
  ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/EC2ImageBuilderDistributionCrossAccountRole' },
};

function grantOrganizationRoles(key: kms.Key, sid: string, actions: string[]) {
  key.addToResourcePolicy(new iam.PolicyStatement({ sid, actions, resources: ['*'], principals: [new iam.AnyPrincipal()], conditions: SCOPE }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'ImageBuilderCreateGrantForTargetAccountRoles',
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    principals: [new iam.AnyPrincipal()],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': true }, ...SCOPE },
  }));
}

export const writer: OrganizationWriter = {
  addDistribution: (stack: Stack, accounts: string[], keys: kms.Key[], sourceKey: kms.Key) => {
    grantOrganizationRoles(sourceKey, 'ImageBuilderReadByTargetAccountRoles', READ_ACTIONS);
    new imagebuilder.CfnDistributionConfiguration(stack, 'Dist', {
      name: 'dist',
      distributions: ORG_REGIONS.map((region, r) => {
        const key = keys[r];
        grantOrganizationRoles(key, 'ImageBuilderCopyByTargetAccountRoles', COPY_ACTIONS);
        let kmsKeyId = key.keyArn;
        if (region !== ORG_HOME) {
          stack.addStackDependency(Stack.of(key));
          const aliasName = `alias/imagebuilder-distribution/key-${region}`;
          new kms.Alias(key, 'Alias', { aliasName, targetKey: key });
          kmsKeyId = `arn:aws:kms:${region}:${ACCOUNT}:${aliasName}`;
        }
        return { region, amiDistributionConfiguration: { Name: 'golden-{{ imagebuilder:buildDate }}', KmsKeyId: kmsKeyId, TargetAccountIds: accounts } };
      }),
    });
  },
};
