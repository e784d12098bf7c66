import { amiName, amiNameBuildDate, amiTags, awsManagedKeys, keyRegions, kmsKeyArns, sourceKeyDefaultEncryption, usableKeys } from './ami';
import { configurationTags, descriptions, distributionName, knownKeys, regionNames, regionOutputs, regions } from './configuration';
import { containerTagCharacters, kmsKeyArnForm, ssmParameterArnLength } from './consumers';
import { Rule, RuleContext } from './context';
import { Finding } from './finding';
import { containers, fastLaunch, launchTemplateAccounts, launchTemplateIds, licenseConfigurations, ssmParameters } from './outputs';
import { arnPartitions } from './partitions';
import { Obj } from './shape';
import { accountIds, launchPermissionGroups, listSizes, organizationArns, publicEncryptedAmi } from './sharing';

export { CATALOG, ACK_PREFIX, ackId } from './catalog';
export type { RuleId, RuleDefinition } from './catalog';
export type { RuleContext } from './context';
export type { Finding } from './finding';

/** Every rule, in the order its findings are reported. */
const RULES: Rule[] = [
  distributionName, descriptions, configurationTags, regions, regionNames, regionOutputs, accountIds, listSizes, organizationArns,
  launchPermissionGroups, amiName, amiNameBuildDate, amiTags, kmsKeyArns, keyRegions, usableKeys, awsManagedKeys, publicEncryptedAmi,
  sourceKeyDefaultEncryption,
  launchTemplateIds, launchTemplateAccounts, ssmParameters, fastLaunch, licenseConfigurations, containers, knownKeys,
  arnPartitions, ssmParameterArnLength, containerTagCharacters, kmsKeyArnForm,
];

/** Runs every rule over a distribution configuration's `Properties` as CloudFormation receives them. */
export function checkDistributionConfiguration(properties: Obj, context: RuleContext = {}): Finding[] {
  return RULES.flatMap(rule => rule(properties, context));
}
