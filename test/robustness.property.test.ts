import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { DistributionChecks } from '../src';
import { propertyRuns } from './property-runs';
import { SCHEMA_DIR } from './schema';
import { withoutCdkValidation } from './without-cdk-validation';
import { DistributionError } from '../src/private/errors';
import { CATALOG } from '../src/private/rules';

/*
 * The checks never crash: whatever JSON a hand-written CfnDistributionConfiguration holds, at whatever depth
 * (through escape-hatch overrides, or the L1's own props), `cdk synth` ends with the library's findings or
 * succeeds; never a TypeError or another error from inside the checks.
 */

withoutCdkValidation();

const SCHEMA = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, 'aws-imagebuilder-distributionconfiguration.json'), 'utf-8'));

type Segment = string | number;

/** Every property path of the resource schema (arrays as their first item), the read-only ones left out. */
function schemaPaths(): Segment[][] {
  const paths: Segment[][] = [];
  const walk = (node: any, at: Segment[], depth: number) => {
    if (depth > 8) {
      return;
    }
    if (node.$ref) {
      walk(SCHEMA.definitions[node.$ref.split('/').pop()], at, depth + 1);
      return;
    }
    paths.push(at);
    if (node.type === 'array' && node.items) {
      walk(node.items, [...at, 0], depth + 1);
    }
    for (const [name, child] of Object.entries<any>(node.properties ?? {})) {
      walk(child, [...at, name], depth + 1);
    }
    for (const child of Object.values<any>(node.patternProperties ?? {})) {
      walk(child, [...at, 'Team'], depth + 1);
    }
  };
  for (const [name, node] of Object.entries<any>(SCHEMA.properties)) {
    if (!SCHEMA.readOnlyProperties.includes(`/properties/${name}`)) {
      walk(node, [name], 0);
    }
  }
  return paths;
}

const PATHS = schemaPaths();

/** A configuration with every member of the schema set, so that each path lands inside a real structure. */
function fullProperties(): any {
  const account = '222222222222';
  const ami = {
    Name: 'golden-{{ imagebuilder:buildDate }}',
    Description: 'golden',
    TargetAccountIds: [account],
    AmiTags: { Team: 'platform' },
    KmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    LaunchPermissionConfiguration: {
      UserIds: [account],
      UserGroups: ['all'],
      OrganizationArns: ['arn:aws:organizations::999999999999:organization/o-abcdefghij'],
      OrganizationalUnitArns: ['arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij'],
    },
  };
  return {
    Name: 'golden',
    Description: 'golden images',
    Tags: { Team: 'platform' },
    Distributions: [{
      Region: 'eu-west-1',
      AmiDistributionConfiguration: ami,
      ContainerDistributionConfiguration: { Description: 'images', ContainerTags: ['latest'], TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } },
      LicenseConfigurationArns: ['arn:aws:license-manager:eu-west-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef'],
      LaunchTemplateConfigurations: [{ LaunchTemplateId: 'lt-0123456789abcdef0', AccountId: account, SetDefaultVersion: true }],
      SsmParameterConfigurations: [{ ParameterName: '/golden/ami', AmiAccountId: account, DataType: 'text' }],
      FastLaunchConfigurations: [{
        Enabled: true,
        MaxParallelLaunches: 6,
        SnapshotConfiguration: { TargetResourceCount: 5 },
        LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', LaunchTemplateVersion: '1' },
        AccountId: account,
      }],
    }],
  };
}

/** Deploy-time values, well and badly formed: the checks read their literal parts. */
const intrinsic = fc.oneof(
  fc.record({ Ref: fc.jsonValue() }),
  fc.record({ 'Fn::Join': fc.oneof(fc.jsonValue(), fc.tuple(fc.string(), fc.array(fc.jsonValue(), { maxLength: 3 }))) }),
  fc.record({ 'Fn::Sub': fc.oneof(fc.jsonValue(), fc.tuple(fc.string(), fc.dictionary(fc.string(), fc.jsonValue()))) }),
  fc.record({ 'Fn::If': fc.jsonValue() }),
  fc.record({ 'Fn::GetAtt': fc.jsonValue() }),
);

/** Any value JSON (or a JavaScript caller) can put where the schema wants something else. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, NaN, Infinity, -Infinity, '', ' ', [], {}, [null], [[]], [{}], { '': null }),
  fc.array(fc.oneof(fc.jsonValue(), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue(), { maxKeys: 4 }),
  fc.double(),
  intrinsic,
  fc.array(intrinsic, { maxLength: 2 }),
);

/** The outcome of a synthesis: the library's findings, its own error, or success; anything else is a crash. */
function outcome(app: App): 'ok' | 'findings' | 'error' {
  try {
    app.synth();
    return 'ok';
  } catch (e) {
    if (e instanceof DistributionError) {
      return 'error';
    }
    const message = (e as Error).message ?? String(e);
    if (!message.startsWith('Validation failed with the following errors')) {
      throw e;
    }
    // Each error line is a finding of the catalog.
    const lines = message.split('\n').slice(1).filter(line => line.trim() !== '');
    for (const line of lines) {
      const rule = /^\s*\[[^\]]+\] \[([A-Za-z]+)\] /.exec(line)?.[1];
      if (!rule || !(rule in CATALOG)) {
        throw new Error(`not a finding of the catalog: ${line}`);
      }
    }
    return 'findings';
  }
}

/** A hand-written resource of the full configuration in a stack, with the aspect. */
function resource(env: boolean, name: unknown = 'golden') {
  const app = new App();
  const stack = new Stack(app, 'Stack', env ? { env: { account: '111111111111', region: 'us-east-1' } } : {});
  Aspects.of(app).add(new DistributionChecks());
  const cfn = new imagebuilder.CfnDistributionConfiguration(stack, 'Cfn', { name: name as string, distributions: [] });
  cfn.addPropertyOverride('Distributions', fullProperties().Distributions);
  return { app, stack, cfn };
}

const overrides = fc.array(fc.tuple(fc.constantFrom(...PATHS), hostile), { minLength: 1, maxLength: 3 });

test('the schema gives the property test every member of the configuration', () => {
  const texts = PATHS.map(p => p.join('.'));
  expect(texts).toEqual(expect.arrayContaining([
    'Name', 'Tags', 'Distributions.0.AmiDistributionConfiguration.LaunchPermissionConfiguration.OrganizationalUnitArns.0',
    'Distributions.0.FastLaunchConfigurations.0.SnapshotConfiguration.TargetResourceCount',
    'Distributions.0.ContainerDistributionConfiguration.TargetRepository.Service',
  ]));
  expect(texts.length).toBeGreaterThan(40);
});

test(`any JSON at any path of the resource (escape-hatch overrides) gives findings, never a crash (${propertyRuns(0.5)} runs)`, () => {
  fc.assert(fc.property(overrides, fc.boolean(), (changes, env) => {
    const { app, cfn } = resource(env);
    for (const [at, value] of changes) {
      cfn.addPropertyOverride(at.join('.'), value);
    }
    expect(['ok', 'findings', 'error']).toContain(outcome(app));
  }), { numRuns: propertyRuns(0.5) });
});

test(`any JSON as a whole property of the L1, its name included, gives findings, never a crash (${propertyRuns(0.3)} runs)`, () => {
  const top = ['Name', 'Description', 'Tags', 'Distributions'];
  fc.assert(fc.property(fc.constantFrom(...top), hostile, fc.boolean(), fc.boolean(), (property, value, env, twice) => {
    const props: Record<string, unknown> = { name: 'golden', distributions: [] };
    props[property.charAt(0).toLowerCase() + property.slice(1)] = value;
    const app = new App();
    const stack = new Stack(app, 'Stack', env ? { env: { account: '111111111111', region: 'us-east-1' } } : {});
    Aspects.of(app).add(new DistributionChecks());
    try {
      for (const id of twice ? ['Cfn', 'Other'] : ['Cfn']) {
        // Twice: the name registry compares every pair of names in an account and Region.
        const cfn = new imagebuilder.CfnDistributionConfiguration(stack, id, props as any);
        if (property !== 'Distributions') {
          cfn.addPropertyOverride('Distributions', fullProperties().Distributions);
        }
      }
    } catch {
      // The L1's own constructor refused the value (a missing name, tags it cannot parse): no check has run yet.
      return;
    }
    expect(['ok', 'findings', 'error']).toContain(outcome(app));
  }), { numRuns: propertyRuns(0.3) });
});

test('a name that is not a string is a finding, not a TypeError of the name registry', () => {
  for (const name of [42, ['golden'], { Ref: 'Name' }, { toLowerCase: 1 }, true]) {
    expect(outcome(resource(true, name).app)).toBe('findings');
  }
  expect(() => resource(true, 42).app.synth()).toThrow(/\[Stack\/Cfn\] \[ResourceProperties\] .*name: 42 should be a string/);
});

test('a number aws-cdk-lib would take for a token it does not know is the library\'s error, not aws-cdk-lib\'s crash', () => {
  // The bits of this double match aws-cdk-lib's encoding of number tokens (fc.double() found it at 1,000 runs).
  const encodedLike = -1.8881545897087498e+289;
  for (const place of ['override', 'property'] as const) {
    const { app, cfn } = resource(false);
    if (place === 'override') {
      cfn.addPropertyOverride('Description', { 'Fn::Sub': ['', { x: { y: encodedLike } }] });
    } else {
      cfn.distributions = [{ region: 'us-east-1', amiDistributionConfiguration: { Name: encodedLike } }];
    }
    expect(() => app.synth()).toThrow(DistributionError);
    expect(() => app.synth()).toThrow(/\[ResourceProperties\] .*is the number -1\.8881545897087498e\+289, which aws-cdk-lib takes for a number token/);
  }
});
