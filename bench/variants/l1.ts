import { Stack, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { ACCOUNT, HOME, LAUNCH_ACCOUNTS, REGIONS, VariantWriter } from '../app';

/**
 * The floor: hand-written CfnDistributionConfiguration with the output the library writes: an alias per key of
 * another Region named by its alias ARN, a dependency on each key stack, and the same key-policy statements.
 */
const LAUNCH_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];

export const writer: VariantWriter = {
  prepare: (stack: Stack, keyStacks: Stack[]) => keyStacks.forEach(keyStack => stack.addStackDependency(keyStack)),
  addDistribution: (stack: Stack, i: number, keys: kms.Key[]) => {
    new imagebuilder.CfnDistributionConfiguration(stack, `Dist${i}`, {
      name: `dist-${i}`,
      distributions: REGIONS.map((region, r) => {
        const key = keys[r];
        for (const [sid, actions, conditions] of [
          ['ImageBuilderLaunchByAccounts', LAUNCH_ACTIONS, undefined],
          ['ImageBuilderCreateGrantForAccounts', ['kms:CreateGrant'], { Bool: { 'kms:GrantIsForAWSResource': true } }],
        ] as const) {
          key.addToResourcePolicy(new iam.PolicyStatement({
            sid,
            actions: [...actions],
            resources: ['*'],
            conditions,
            principals: LAUNCH_ACCOUNTS.map(a => new iam.ArnPrincipal(`arn:aws:iam::${a}:root`)),
          }));
        }
        let kmsKeyId = key.keyArn;
        if (region !== HOME) {
          const aliasName = `alias/imagebuilder-distribution/key-${region}-${i}`;
          new kms.Alias(key, 'Alias', { aliasName, targetKey: key });
          kmsKeyId = `arn:aws:kms:${region}:${ACCOUNT}:${aliasName}`;
        }
        return {
          region,
          amiDistributionConfiguration: {
            Name: `golden-${i}-{{ imagebuilder:buildDate }}`,
            KmsKeyId: kmsKeyId,
            LaunchPermissionConfiguration: { UserIds: LAUNCH_ACCOUNTS },
          },
        };
      }),
    });
  },
};
