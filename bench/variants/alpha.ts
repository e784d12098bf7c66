import * as alpha from '@aws-cdk/aws-imagebuilder-alpha';
import { Stack, aws_kms as kms } from 'aws-cdk-lib';
import { LAUNCH_ACCOUNTS, REGIONS, VariantWriter } from '../app';

/** @aws-cdk/aws-imagebuilder-alpha: keys of other Regions reach it through aws-cdk-lib's cross-region references. */
export const writer: VariantWriter = {
  crossRegionReferences: true,
  addDistribution: (stack: Stack, i: number, keys: kms.Key[]) => {
    new alpha.DistributionConfiguration(stack, `Dist${i}`).addAmiDistributions(...REGIONS.map((region, r) => ({
      region, amiName: `golden-${i}-{{ imagebuilder:buildDate }}`, amiKmsKey: keys[r], amiLaunchPermission: { accountIds: LAUNCH_ACCOUNTS },
    })));
  },
};
