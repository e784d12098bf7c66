import * as fs from 'fs';
import * as path from 'path';
import { README, readmeTable, ruleTable } from './rule-table';
import { SCHEMA_DIR } from './schema';
import { CATALOG } from '../src/private/rules';
import { KNOWN_KEYS } from '../src/private/rules/configuration';

/*
 * The catalog is the one list of rules: the README's table, the coverage table in docs/ and the lists of
 * keys CloudFormation accepts must agree with it and with their sources.
 */

const COVERAGE = path.join(__dirname, '..', 'docs', 'rule-coverage.md');
const SHAPES = JSON.parse(fs.readFileSync(path.join(__dirname, 'api-model', 'distribution-shapes.json'), 'utf-8'));

/** The rows of the coverage tables: the constraint and the rule column. */
function coverageRows(): Array<{ constraint: string; rule: string }> {
  return fs.readFileSync(COVERAGE, 'utf-8').split('\n')
    .filter(line => line.startsWith('| ') && !line.startsWith('| constraint') && !line.startsWith('| ---'))
    .map(line => {
      const cells = line.split(' | ');
      return { constraint: cells[0].slice(2), rule: cells.slice(1).join(' | ').replace(/ \|$/, '') };
    });
}

test('the README\'s rule table is the catalog\'s', () => {
  expect(readmeTable()).toBe(ruleTable());
  expect(fs.readFileSync(README, 'utf-8')).toContain('cdk-imagebuilder-distribution:<rule>');
});

test('the API model extract is the pinned botocore\'s, with every distribution shape', () => {
  expect(SHAPES.source).toMatchObject({ package: 'botocore', version: '1.43.107' });
  expect(Object.keys(SHAPES.shapes)).toEqual(expect.arrayContaining(['Distribution', 'AmiDistributionConfiguration', 'ContainerDistributionConfiguration', 'FastLaunchConfiguration']));
});

/** The API model fields a coverage row names: `Shape.member`, and bare `member`s after it in the same row. */
function fieldsOf(constraint: string): string[] {
  let shape = '';
  return [...constraint.matchAll(/`([A-Za-z0-9.]+)`/g)].map(m => m[1]).flatMap(token => {
    if (token.includes('.')) {
      shape = token.split('.')[0];
      return [token];
    }
    return shape && /^[a-z]/.test(token) ? [`${shape}.${token}`] : [];
  });
}

/** Code names in the rule column that are not rules (calls, APIs, shapes). */
const NOT_RULES = ['CrossAccountDistributionRole', 'DescribeKey', 'S3ExportConfiguration'];

test('every member of the API model\'s distribution shapes has a row in the coverage table', () => {
  const covered = new Set(coverageRows().flatMap(r => fieldsOf(r.constraint)));
  const missing = Object.entries<any>(SHAPES.shapes)
    .flatMap(([shape, { members }]) => Object.keys(members).map(member => `${shape}.${member}`))
    .filter(field => !covered.has(field));
  expect(missing).toEqual([]);
});

test('every row of the coverage table names rules of the catalog, or says why synth cannot check it', () => {
  const rows = coverageRows();
  expect(rows.length).toBeGreaterThan(60);
  for (const { constraint, rule } of rows) {
    const names = [...rule.matchAll(/`([A-Z][A-Za-z0-9]+)`/g)].map(m => m[1]).filter(name => !NOT_RULES.includes(name));
    const reason = /^(not checkable at synth: .+|written by the library .+)/.test(rule);
    expect({ constraint, namesRulesOrGivesReason: names.length > 0 || reason }).toEqual({ constraint, namesRulesOrGivesReason: true });
    expect({ constraint, unknown: names.filter(name => !(name in CATALOG)) }).toEqual({ constraint, unknown: [] });
  }
});

test('every rule of the catalog appears in the coverage table', () => {
  const text = fs.readFileSync(COVERAGE, 'utf-8');
  expect(Object.keys(CATALOG).filter(id => !text.includes(`\`${id}\``))).toEqual([]);
});

test('the keys the rules accept are the CloudFormation schema\'s, object by object', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, 'aws-imagebuilder-distributionconfiguration.json'), 'utf-8'));
  // Arn is a read-only attribute, never a property to write.
  expect([...KNOWN_KEYS.Properties].sort()).toEqual(Object.keys(schema.properties).filter(k => !schema.readOnlyProperties.includes(`/properties/${k}`)).sort());
  for (const [kind, keys] of Object.entries(KNOWN_KEYS).filter(([k]) => k !== 'Properties')) {
    expect({ kind, keys: [...keys].sort() }).toEqual({ kind, keys: Object.keys(schema.definitions[kind].properties).sort() });
  }
});
