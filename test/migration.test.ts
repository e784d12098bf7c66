import { PAIRS, Pair, guideDiff, migrationDiff, templatesOf } from './guide-diff';

/*
 * docs/guides/migrate.md: its template diffs are the ones the two pairs of apps produce, and each migration it
 * shows is an update in place (same logical ID, same name), never a replacement.
 */

test.each(Object.keys(PAIRS) as Pair[])('the guide shows the template diff of the %s migration (npx projen docs:guides writes it)', pair => {
  expect(guideDiff(pair)).toBe(migrationDiff(pair));
});

/** The distribution configuration of a template: its logical ID and resource. */
function distributionOf(template: any): [string, any] {
  const found = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::ImageBuilder::DistributionConfiguration');
  expect(found).toHaveLength(1);
  return found[0];
}

test.each(Object.keys(PAIRS) as Pair[])('%s: the distribution configuration keeps its logical ID, its name and its properties', pair => {
  const [beforeId, before] = distributionOf(templatesOf(PAIRS[pair].before).GoldenAmi);
  const [afterId, after] = distributionOf(templatesOf(PAIRS[pair].after).GoldenAmi);
  expect(afterId).toBe(beforeId);
  expect(after.Properties.Name).toBe('golden-al2023');
  // The same JSON (key order aside): CloudFormation has nothing to update.
  expect(after.Properties).toEqual(before.Properties);
});

test('the guide\'s diff of the CfnDistributionConfiguration migration leaves the distribution configuration out', () => {
  expect(migrationDiff('cfn')).not.toMatch(/"Distributions"/);
  expect(migrationDiff('cfn')).toMatch(/^\+ +"Sid": "ImageBuilderLaunchByAccounts",$/m);
});
