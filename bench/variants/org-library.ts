import * as path from 'path';
import { Stack, aws_kms as kms } from 'aws-cdk-lib';
import { ORGANIZATION_ARN, ORG_REGIONS, OrganizationWriter } from '../organization';

/** The library, from the compiled package (lib/), with organization-scoped key access for the target accounts. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DistributionConfiguration, TargetAccountKeyAccess }: typeof import('../../src') = require(path.resolve(__dirname, '..', '..', 'lib'));

export const writer: OrganizationWriter = {
  addDistribution: (stack: Stack, accounts: string[], keys: kms.Key[], sourceKey: kms.Key) => {
    const dist = new DistributionConfiguration(stack, 'Dist', {
      amiName: 'golden-{{ imagebuilder:buildDate }}',
      sourceKey,
      targetAccounts: accounts,
      targetAccountKeyAccess: TargetAccountKeyAccess.organization(ORGANIZATION_ARN),
    });
    ORG_REGIONS.forEach((region, r) => dist.addRegion(region, { kmsKey: keys[r] }));
  },
};
