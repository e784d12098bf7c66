import * as path from 'path';
import { Stack, aws_kms as kms } from 'aws-cdk-lib';
import { LAUNCH_ACCOUNTS, REGIONS, VariantWriter } from '../app';

/**
 * This library, as users run it: the compiled package (lib/, built by `npm run bench`), not the TypeScript
 * sources, which ts-node would transpile in every process.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DistributionConfiguration }: typeof import('../../src') = require(path.resolve(__dirname, '..', '..', 'lib'));

export const writer: VariantWriter = {
  addDistribution: (stack: Stack, i: number, keys: kms.Key[]) => {
    const dist = new DistributionConfiguration(stack, `Dist${i}`, { amiName: `golden-${i}-{{ imagebuilder:buildDate }}`, launchPermission: { accounts: LAUNCH_ACCOUNTS } });
    REGIONS.forEach((region, r) => dist.addRegion(region, { kmsKey: keys[r] }));
  },
};
