import { App, CfnParameter, CfnResource, Fn, Lazy, Stack, aws_ecr as ecr, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { propertyRuns } from './property-runs';
import { withoutCdkValidation } from './without-cdk-validation';
import { CrossAccountDistributionRole, DistributionConfiguration } from '../src';
import { DistributionError } from '../src/private/errors';

/*
 * Deploy-time values in lists and key policies. List tokens (`valueAsList`, `Fn.split`, `Lazy.list`), alone or
 * spread among literal values, in every list property of both constructs and in key statements merged across
 * Regions that share a key, render as CloudFormation takes them; a value of the distribution's stack that would
 * have to appear in another stack's key policy is the library's error, never aws-cdk-lib's cyclic reference.
 */

withoutCdkValidation();

const OWNER = '111111111111';
const ORG = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij';
const LICENSE = 'arn:aws:license-manager:us-east-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef';

type TokenKind = 'valueAsList' | 'Fn.split' | 'Lazy.list';
const KINDS: TokenKind[] = ['valueAsList', 'Fn.split', 'Lazy.list'];

/** A list token of `kind` standing for `values`, and what the template holds for it. */
function listToken(stack: Stack, kind: TokenKind, values: string[]): { list: string[]; rendered: unknown } {
  const id = `List${stack.node.children.length}`;
  if (kind === 'Lazy.list') {
    return { list: Lazy.list({ produce: () => values }), rendered: values };
  }
  if (kind === 'valueAsList') {
    new CfnParameter(stack, id, { type: 'CommaDelimitedList', default: values.join(',') });
    return { list: (stack.node.findChild(id) as CfnParameter).valueAsList, rendered: { Ref: id } };
  }
  const text = new CfnParameter(stack, id, { default: values.join(',') }).valueAsString;
  return { list: Fn.split(',', text), rendered: { 'Fn::Split': [',', { Ref: id }] } };
}

/** The list properties of the constructs, the literal values they take, and where the template holds them. */
const PROPERTIES = {
  'targetAccounts': { values: ['222222222222', '333333333333'], path: ['AmiDistributionConfiguration', 'TargetAccountIds'], inKeyPolicy: true },
  'launchPermission.accounts': { values: ['444444444444'], path: ['AmiDistributionConfiguration', 'LaunchPermissionConfiguration', 'UserIds'], inKeyPolicy: true },
  'launchPermission.organizations': { values: [ORG], path: ['AmiDistributionConfiguration', 'LaunchPermissionConfiguration', 'OrganizationArns'], inKeyPolicy: false },
  'launchPermission.organizationalUnits': { values: [OU], path: ['AmiDistributionConfiguration', 'LaunchPermissionConfiguration', 'OrganizationalUnitArns'], inKeyPolicy: false },
  'licenseConfigurationArns': { values: [LICENSE], path: ['LicenseConfigurationArns'], inKeyPolicy: false },
  'tags': { values: ['latest', 'v1'], path: ['ContainerDistributionConfiguration', 'ContainerTags'], inKeyPolicy: false },
} as const;
type Property = keyof typeof PROPERTIES;

function optionsWith(property: Property, list: string[]): Record<string, unknown> {
  if (property.startsWith('launchPermission.')) {
    return { launchPermission: { [property.split('.')[1]]: list } };
  }
  return { [property]: list };
}

const dig = (value: any, path: readonly string[]) => path.reduce((v, p) => v?.[p], value);

test(`a list token, alone or among literal values, renders in every list property (${propertyRuns(0.3)} runs)`, () => {
  fc.assert(fc.property(
    fc.constantFrom(...Object.keys(PROPERTIES) as Property[]), fc.constantFrom(...KINDS), fc.boolean(), fc.boolean(),
    (property, kind, withLiteral, withKey) => {
      const { values, path, inKeyPolicy } = PROPERTIES[property];
      const stack = new Stack(new App(), 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
      const { list, rendered } = listToken(stack, kind, [...values]);
      const full = withLiteral ? [...list, '555555555555'] : list;
      const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' });
      const key = withKey ? new kms.Key(stack, 'Key') : undefined;
      const organizationsWithKey = key && (property === 'launchPermission.organizations' || property === 'launchPermission.organizationalUnits');
      const add = () => (property === 'tags'
        ? dist.addRegion('us-east-1', { kmsKey: key }).addContainerRegion('us-east-1', { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden'), tags: full })
        : dist.addRegion('us-east-1', { kmsKey: key, ...optionsWith(property, full) }));
      if (organizationsWithKey) {
        // aws:PrincipalOrgID takes IDs, which CloudFormation cannot take out of a list of ARNs: the library says so.
        expect(add).toThrow(/\[ListTokenOrganizations\]/);
        return;
      }
      add();
      const template = Template.fromStack(stack).toJSON();
      const [configuration] = Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::ImageBuilder::DistributionConfiguration');
      const value = dig(configuration.Properties.Distributions[0], path);
      if (withLiteral) {
        // Joined and split again at deploy time: the list and the literal value, in order.
        expect(value).toEqual(kind === 'Lazy.list'
          ? { 'Fn::Split': [',', [...values, '555555555555'].join(',')] }
          : { 'Fn::Split': [',', { 'Fn::Join': [',', [{ 'Fn::Join': [',', rendered] }, '555555555555']] }] });
      } else {
        expect(value).toEqual(rendered);
      }
      if (key && inKeyPolicy) {
        const policy = JSON.stringify(Object.values<any>(template.Resources).find(r => r.Type === 'AWS::KMS::Key').Properties.KeyPolicy);
        for (const expected of kind === 'Lazy.list' ? values : [JSON.stringify(rendered)]) {
          expect(policy).toContain(expected);
        }
      }
    }), { numRuns: propertyRuns(0.3) });
});

test(`key statements merged across Regions on the source key: list tokens in some Regions, literal lists in others (${propertyRuns(0.3)} runs)`, () => {
  const region = fc.record({
    targets: fc.oneof(fc.constant<'literal'>('literal'), fc.constantFrom(...KINDS)),
    launch: fc.oneof(fc.constant<'literal'>('literal'), fc.constantFrom(...KINDS)),
    spread: fc.boolean(),
  });
  fc.assert(fc.property(fc.array(region, { minLength: 2, maxLength: 4 }), (regions) => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
    // The source key: every Region's target accounts copy from the AMI it encrypts, and it is the build Region's key too.
    const key = new kms.Key(stack, 'Key');
    const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', sourceKey: key });
    const expected: string[] = [];
    const names = ['us-east-1', 'us-east-2', 'us-west-2', 'us-west-1'];
    regions.forEach((r, i) => {
      const lists = (['targets', 'launch'] as const).map((which, j) => {
        const literal = [`${i}${j}`.padStart(12, '2')];
        // The source key serves every Region's target accounts, and the launch accounts of the build Region.
        const reachesKey = which === 'targets' || i === 0;
        if (r[which] === 'literal') {
          if (reachesKey) {
            expected.push(literal[0]);
          }
          return literal;
        }
        const token = listToken(stack, r[which] as TokenKind, literal);
        if (reachesKey) {
          expected.push(r[which] === 'Lazy.list' ? literal[0] : JSON.stringify(token.rendered));
        }
        return r.spread ? [...token.list, '666666666666'] : token.list;
      });
      const kmsKey = i === 0 ? key : kms.Key.fromKeyArn(stack, `Imported${i}`, `arn:aws:kms:${names[i]}:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
      dist.addRegion(names[i], { kmsKey, targetAccounts: lists[0], launchPermission: { accounts: lists[1] } });
    });
    const template = Template.fromStack(stack).toJSON();
    const policy = Object.values<any>(template.Resources).find(res => res.Type === 'AWS::KMS::Key').Properties.KeyPolicy;
    const text = JSON.stringify(policy);
    for (const e of expected) {
      expect(text).toContain(e);
    }
    // Every principal is an account ARN, a bare account of a deploy-time list, or a deploy-time value: never a list inside a list.
    for (const statement of policy.Statement) {
      for (const principal of [statement.Principal?.AWS].flat().filter(p => p !== undefined)) {
        expect(typeof principal === 'string' ? /^(\*|[0-9]{12}|arn:aws:iam::[0-9]{12}:root)$/.test(principal) : !Array.isArray(principal)).toBe(true);
      }
    }
  }), { numRuns: propertyRuns(0.3) });
});

test('CrossAccountDistributionRole: list tokens in sourceAccounts and ssmParameterNames, alone or among literal values', () => {
  for (const kind of KINDS) {
    for (const withLiteral of [false, true]) {
      const stack = new Stack(new App(), 'Target', { env: { account: '222222222222', region: 'us-east-1' } });
      const accounts = listToken(stack, kind, [OWNER]);
      const names = listToken(stack, kind, ['/golden/ami', 'golden']);
      new CrossAccountDistributionRole(stack, 'Role', {
        sourceAccounts: withLiteral ? [...accounts.list, '333333333333'] : accounts.list,
        ssmParameterNames: withLiteral ? [...names.list, '/golden/other'] : names.list,
      });
      const template = Template.fromStack(stack).toJSON();
      const role = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::IAM::Role');
      const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
      expect(trust).toContain(kind === 'Lazy.list' ? OWNER : JSON.stringify(accounts.rendered));
      const policy = JSON.stringify(Object.values<any>(template.Resources).find(r => r.Type === 'AWS::IAM::Policy').Properties.PolicyDocument);
      expect(policy).toContain('ssm:PutParameter');
      if (withLiteral) {
        expect(policy).toContain(':parameter/golden/other');
      }
      expect(policy).toContain(kind === 'Lazy.list' ? 'golden' : JSON.stringify(names.rendered));
    }
  }
});

/*
 * A value of the distribution's stack in the policy of a key another stack owns: the library's error naming the
 * value, both stacks and the fix, however the value is wrapped and wherever it is written.
 */

type Wrap = (v: string) => string;
const WRAPS: Array<[string, Wrap]> = [
  ['as it is', v => v],
  ['in a string', v => `${v}`],
  ['in Fn.join', v => Fn.join('', [v])],
  ['in Fn.select of Fn.split', v => Fn.select(0, Fn.split(',', v))],
  ['in Fn.sub', v => Fn.sub('${V}', { V: v })],
  ['in a Lazy.string', v => Lazy.string({ produce: () => v })],
];
const ORIGINS: Array<[string, (stack: Stack) => string]> = [
  ['a parameter', stack => new CfnParameter(stack, 'Account').valueAsString],
  ['a resource attribute', stack => new CfnResource(stack, 'Thing', { type: 'Custom::Thing' }).getAtt('AccountId').toString()],
];
const PLACES: Array<[string, (v: string) => Record<string, unknown>]> = [
  ['targetAccounts', v => ({ targetAccounts: [v] })],
  ['launchPermission.accounts', v => ({ launchPermission: { accounts: ['222222222222', v] } })],
  ['launchPermission.organizations', v => ({ launchPermission: { organizations: [`arn:aws:organizations::${v}:organization/o-abcdefghij`] } })],
  ['launchPermission.organizationalUnits', v => ({ launchPermission: { organizationalUnits: [`arn:aws:organizations::${v}:ou/o-abcdefghij/ou-ab12-cdefghij`] } })],
];

test(`a value of the distribution's stack in another stack's key policy is the library's error, never a cyclic reference (${propertyRuns(0.3)} runs)`, () => {
  fc.assert(fc.property(
    fc.constantFrom(...WRAPS), fc.constantFrom(...ORIGINS), fc.constantFrom(...PLACES),
    fc.constantFrom('region key', 'source key', 'alias of the key', 'construct default'), fc.boolean(),
    ([, wrap], [, origin], [place, settings], keyUse, otherRegion) => {
      const app = new App();
      const stack = new Stack(app, 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
      const keyStack = new Stack(app, 'Keys', { env: { account: OWNER, region: keyUse === 'source key' || !otherRegion ? 'us-east-1' : 'eu-west-1' } });
      const key = new kms.Key(keyStack, 'Key');
      const kmsKey = keyUse === 'alias of the key' ? key.addAlias('alias/golden') : key;
      const region = keyStack.region;
      const values = settings(wrap(origin(stack)));
      let thrown: unknown;
      try {
        if (keyUse === 'construct default') {
          new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', ...values }).addRegion(region, { kmsKey });
        } else if (keyUse === 'source key') {
          new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', sourceKey: key }).addRegion('us-east-1', values);
        } else {
          new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion(region, { kmsKey, ...values });
        }
        app.synth();
      } catch (e) {
        thrown = e;
      }
      expect((thrown as Error)?.message).not.toMatch(/cyclic reference/i);
      expect(thrown).toBeInstanceOf(DistributionError);
      expect((thrown as DistributionError).rule).toBe('DeployTimeValueInKeyPolicy');
      const message = (thrown as Error).message;
      expect(message).toContain(place.split('.').pop());
      expect(message).toMatch(/a deploy-time value of stack Stack \(.*(Ref|Fn::GetAtt).*\)/);
      expect(message).toContain('stack Keys');
      expect(message).toMatch(/Fix: pass a plain value/);
    }), { numRuns: propertyRuns(0.3) });
});

test('the same values with a key of the distribution\'s own stack synthesize', () => {
  for (const [, wrap] of WRAPS) {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
    const kmsKey = new kms.Key(stack, 'Key');
    new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' })
      .addRegion('us-east-1', { kmsKey, launchPermission: { accounts: [wrap(new CfnParameter(stack, 'Account').valueAsString)] } });
    expect(() => app.synth()).not.toThrow();
  }
});

/*
 * A list token (`Lazy.list`, `valueAsList`, `Fn.split`) for accounts that go into the policy of a key of another
 * stack of the app: the check of deploy-time values looks into it as a list. It used to resolve each item as a
 * string, and synth failed with aws-cdk-lib's "Found an encoded list token string in a scalar string context".
 */
const LIST_SOURCES: Array<[string, (dist: Stack, keys: Stack) => { list: string[]; inPolicy?: string }]> = [
  ['Lazy.list of literal values', () => ({ list: Lazy.list({ produce: () => ['222222222222'] }), inPolicy: '222222222222' })],
  ['a CommaDelimitedList parameter of the key\'s stack', (_, keys) => ({
    list: new CfnParameter(keys, 'Accounts', { type: 'CommaDelimitedList' }).valueAsList, inPolicy: '{"Ref":"Accounts"}',
  })],
  ['Fn.split of a parameter of the key\'s stack', (_, keys) => ({
    list: Fn.split(',', new CfnParameter(keys, 'Accounts').valueAsString), inPolicy: '{"Ref":"Accounts"}',
  })],
  ['Lazy.list of a CommaDelimitedList parameter of the distribution\'s stack', dist => {
    const parameter = new CfnParameter(dist, 'Accounts', { type: 'CommaDelimitedList' });
    return { list: Lazy.list({ produce: () => parameter.valueAsList }) };
  }],
];

describe.each(LIST_SOURCES)('%s in the policy of a key of another stack', (_name, source) => {
  test.each(['targetAccounts', 'launchPermission.accounts'])('as %s of the Region key and of the source key: synth, or the library\'s error', (property) => {
    for (const use of ['region key', 'source key']) {
      const app = new App();
      const stack = new Stack(app, 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
      const keys = new Stack(app, 'Keys', { env: { account: OWNER, region: 'us-east-1' } });
      const key = new kms.Key(keys, 'Key');
      const { list, inPolicy } = source(stack, keys);
      const options = optionsWith(property as Property, list);
      let thrown: unknown;
      try {
        if (use === 'source key') {
          new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', sourceKey: key }).addRegion('us-east-1', options);
        } else {
          new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion('us-east-1', { kmsKey: key, ...options });
        }
        app.synth();
      } catch (e) {
        thrown = e;
      }
      if (inPolicy === undefined) {
        // A value of the distribution's stack cannot reach the key's stack: the library says so.
        expect({ use, rule: (thrown as DistributionError)?.rule, message: (thrown as Error)?.message }).toEqual({
          use, rule: 'DeployTimeValueInKeyPolicy', message: expect.stringMatching(/a deploy-time value of stack Stack \(\{"Ref":"Accounts"\}\).*Fix: pass a plain value/),
        });
        continue;
      }
      expect({ use, thrown: (thrown as Error)?.message }).toEqual({ use, thrown: undefined });
      const policy = JSON.stringify(Object.values<any>(Template.fromStack(keys).toJSON().Resources).find(r => r.Type === 'AWS::KMS::Key').Properties.KeyPolicy);
      expect(policy).toContain(inPolicy);
    }
  });
});
