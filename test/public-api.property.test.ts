import { App, CfnParameter, Stack, Stage, aws_ecr as ecr, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { CrossAccountDistributionRole, CrossAccountDistributionRoleStackSet, DistributionConfiguration } from '../src';
import { propertyRuns } from './property-runs';
import { withoutCdkValidation } from './without-cdk-validation';
import { DistributionError } from '../src/private/errors';
import { CATALOG } from '../src/private/rules';

/*
 * The public API called from JavaScript, where nothing checks types: `null` or `undefined` inside lists, `NaN`,
 * `Infinity`, objects where strings go. The outcome is the library's own error (at the call, or as findings
 * of `cdk synth`), or a template whose policies name only accounts, ARNs and deploy-time values: never a
 * TypeError, and never `arn:aws:iam::null:root`.
 */

withoutCdkValidation();

const OWNER = '111111111111';
const ORG = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij';

type Slot = (stack: Stack) => unknown;

/** Values of the wrong type, as a JavaScript caller could pass them. */
const wrongType: fc.Arbitrary<Slot> = fc.constantFrom<unknown>(
  null, undefined, NaN, Infinity, -Infinity, 0, 123456789012, true, {}, { account: OWNER }, [], [OWNER], () => OWNER, new Date(0),
).map(v => () => v);

/** A string slot: a valid value, a deploy-time value, or a value of the wrong type. */
const stringSlot = (valid: string[]): fc.Arbitrary<Slot> => fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(...valid).map(v => () => v) },
  { weight: 3, arbitrary: fc.constant((stack: Stack) => new CfnParameter(stack, `P${stack.node.children.length}`).valueAsString) },
  { weight: 1, arbitrary: wrongType },
);

/** A list slot: a list of slots, a list token, or something that is not a list. */
const listToken = (stack: Stack) => new CfnParameter(stack, `L${stack.node.children.length}`, { type: 'CommaDelimitedList' }).valueAsList;
const listSlot = (valid: string[]): fc.Arbitrary<Slot> => fc.oneof(
  { weight: 20, arbitrary: fc.array(stringSlot(valid), { maxLength: 3 }).map(items => (stack: Stack) => items.map(i => i(stack))) },
  { weight: 2, arbitrary: fc.constant(listToken) },
  // A list token spread among literal values, as `[...param.valueAsList, '222222222222']` writes it.
  { weight: 2, arbitrary: fc.constantFrom(...valid).map(v => (stack: Stack) => [...listToken(stack), v]) },
  { weight: 1, arbitrary: wrongType },
);

const accounts = ['222222222222', '333333333333', OWNER];
const booleanSlot: fc.Arbitrary<Slot> = fc.oneof({ weight: 20, arbitrary: fc.boolean().map(b => () => b) }, { weight: 1, arbitrary: wrongType });
const numberSlot: fc.Arbitrary<Slot> = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 6, max: 50 }).map(n => () => n) },
  { weight: 1, arbitrary: wrongType },
);

/** Settings with a slot each; undefined leaves the setting out. */
const settings = fc.record({
  amiName: stringSlot(['golden-{{ imagebuilder:buildDate }}']),
  targetAccounts: listSlot(accounts),
  amiTags: fc.oneof(
    { weight: 20, arbitrary: fc.constant(() => ({ Team: 'platform' })) },
    { weight: 1, arbitrary: fc.constant(() => ({ Team: null })) },
    { weight: 1, arbitrary: wrongType },
  ),
  autoScalingGrants: booleanSlot,
  launchPermission: fc.oneof(
    {
      weight: 20,
      arbitrary: fc.record({
        accounts: listSlot(accounts),
        organizations: listSlot([ORG]),
        organizationalUnits: listSlot([OU]),
        publicAccess: booleanSlot,
      })
        .map(p => (stack: Stack) => Object.fromEntries(Object.entries(p).map(([k, slot]) => [k, slot(stack)]))),
    },
    { weight: 1, arbitrary: wrongType },
  ),
}, { requiredKeys: [] });

const regionOptions = fc.record({
  settings,
  key: fc.constantFrom('none', 'owned', 'otherStack'),
  licenseConfigurationArns: listSlot(['arn:aws:license-manager:us-east-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef']),
  ssm: fc.option(fc.record({ parameterName: stringSlot(['/golden/ami']), amiAccount: stringSlot(accounts) }), { nil: undefined }),
  fastLaunch: fc.option(fc.record({ maxParallelLaunches: numberSlot, targetSnapshotCount: numberSlot, enabled: booleanSlot }), { nil: undefined }),
  region: fc.oneof({ weight: 30, arbitrary: fc.constantFrom('us-east-1', 'eu-west-1').map(r => () => r) }, { weight: 1, arbitrary: wrongType }),
}, { requiredKeys: ['settings', 'key', 'region'] });

const containerOptions = fc.record({
  tags: listSlot(['latest']),
  description: stringSlot(['images']),
  repository: fc.oneof({ weight: 10, arbitrary: fc.constant((stack: Stack) => ecr.Repository.fromRepositoryName(stack, 'Repo', 'golden')) }, { weight: 1, arbitrary: wrongType }),
});

const roleProps = fc.record({
  sourceAccounts: listSlot([OWNER]),
  ssmParameterNames: listSlot(['/golden/ami', 'golden']),
  launchTemplateUpdates: booleanSlot,
  verification: booleanSlot,
  verificationRoleName: stringSlot(['ImageBuilderDistributionVerification', 'Image Builder/Verification']),
  keys: fc.oneof(fc.constant((stack: Stack) => [kms.Key.fromKeyArn(stack, 'K', `arn:aws:kms:us-east-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`)]), fc.constant(() => [null]), wrongType),
}, { requiredKeys: [] });

function fill(stack: Stack, slots: Record<string, Slot | undefined>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(slots).filter(([, s]) => s !== undefined).map(([k, slot]) => [k, slot!(stack)]));
}

/** Every string of a template that names a principal, an account or an organization in a policy. */
function policyValues(template: any): Array<{ kind: 'principal' | 'org' | 'orgPath'; value: unknown }> {
  const found: Array<{ kind: 'principal' | 'org' | 'orgPath'; value: unknown }> = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) {
      return;
    }
    const obj = node as Record<string, any>;
    if (obj.Principal !== undefined) {
      const principal = typeof obj.Principal === 'object' ? obj.Principal.AWS : obj.Principal;
      for (const p of [principal].flat()) {
        if (p !== undefined) {
          found.push({ kind: 'principal', value: p });
        }
      }
    }
    for (const condition of Object.values<any>(obj.Condition ?? {})) {
      [condition?.['aws:PrincipalOrgID']].flat().filter(v => v !== undefined).forEach(value => found.push({ kind: 'org', value }));
      [condition?.['aws:PrincipalOrgPaths']].flat().filter(v => v !== undefined).forEach(value => found.push({ kind: 'orgPath', value }));
    }
    Object.values(obj).forEach(visit);
  };
  visit(template.Resources);
  return found;
}

const isToken = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
const PRINCIPAL = /^([0-9]{12}|\*|arn:aws[a-z-]*:iam::[0-9]{12}:(root|role\/[\w+=,.@/-]+))$/;

/** No value of a policy that is not an account, an ARN, an organization or a deploy-time value. */
function expectCleanPolicies(template: any) {
  for (const { kind, value } of policyValues(template)) {
    if (isToken(value)) {
      continue;
    }
    const ok = typeof value === 'string' && (kind === 'principal' ? PRINCIPAL.test(value)
      : kind === 'org' ? /^o-[a-z0-9]{10,32}$/.test(value) : /^o-[a-z0-9]{10,32}\/\*\/ou-[0-9a-z]+-[0-9a-z]+\/\*$/.test(value));
    expect({ kind, value, ok }).toEqual({ kind, value, ok: true });
  }
  const text = JSON.stringify(template);
  for (const bad of ['undefined', 'NaN', 'Infinity', '[object Object]', '::null:', 'function']) {
    expect({ bad, found: text.includes(bad) }).toEqual({ bad, found: false });
  }
}

type Outcome = 'construction' | 'findings' | 'template';

/** Runs a build: the library's error at the call, its findings at synth, or a clean template. */
function outcome(build: (app: App) => Stack[]): Outcome {
  const app = new App();
  let stacks: Stack[];
  try {
    stacks = build(app);
  } catch (e) {
    if (e instanceof DistributionError) {
      expect(e.message).toMatch(/Fix: /);
      return 'construction';
    }
    throw e;
  }
  try {
    app.synth();
  } catch (e) {
    const message = (e as Error).message;
    if (!message.startsWith('Validation failed with the following errors')) {
      throw e;
    }
    for (const line of message.split('\n').slice(1).filter(l => l.trim() !== '')) {
      expect(/^\s*\[[^\]]+\] \[([A-Za-z]+)\] /.exec(line)?.[1]).toBeDefined();
      expect(Object.keys(CATALOG)).toContain(/^\s*\[[^\]]+\] \[([A-Za-z]+)\] /.exec(line)![1]);
    }
    return 'findings';
  }
  for (const stack of stacks) {
    expectCleanPolicies(Template.fromStack(stack).toJSON());
  }
  return 'template';
}

test(`DistributionConfiguration with values of any type from JavaScript: the library's error or a clean template (${propertyRuns(0.5)} runs)`, () => {
  const seen = new Set<Outcome>();
  fc.assert(fc.property(settings, fc.array(regionOptions, { minLength: 1, maxLength: 3 }), fc.option(containerOptions, { nil: undefined }),
    (defaults, regions, container) => {
      seen.add(outcome(app => {
        const stack = new Stack(app, 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
        const keyStack = new Stack(app, 'Keys', { env: { account: OWNER, region: 'eu-west-1' } });
        const dist = new DistributionConfiguration(stack, 'Dist', fill(stack, defaults) as any);
        regions.forEach((r, i) => {
          const region = r.region(stack) as string;
          const kmsKey = r.key === 'owned' ? new kms.Key(stack, `Key${i}`) : r.key === 'otherStack' ? new kms.Key(keyStack, `Key${i}`) : undefined;
          dist.addRegion(region, {
            ...fill(stack, r.settings),
            kmsKey,
            licenseConfigurationArns: r.licenseConfigurationArns?.(stack),
            ssmParameters: r.ssm ? [fill(stack, r.ssm)] : undefined,
            fastLaunch: r.fastLaunch ? [fill(stack, r.fastLaunch)] : undefined,
          } as any);
        });
        if (container) {
          dist.addContainerRegion('us-west-2', fill(stack, container) as any);
        }
        return [stack, keyStack];
      }));
    }), {
    // One case of each outcome, however few the runs (fast-check counts them in numRuns): the property is not vacuous.
    numRuns: propertyRuns(0.5) + 3,
    examples: [
      [{}, [{ settings: {}, key: 'none', region: () => 'us-east-1' }], undefined],
      [{ targetAccounts: () => ['12'] }, [{ settings: {}, key: 'none', region: () => 'us-east-1' }], undefined],
      [{ targetAccounts: () => [null] }, [{ settings: {}, key: 'none', region: () => 'us-east-1' }], undefined],
    ],
  });
  expect([...seen].sort()).toEqual(['construction', 'findings', 'template']);
});

test(`CrossAccountDistributionRole with values of any type from JavaScript: the library's error or a clean template (${propertyRuns(0.5)} runs)`, () => {
  const seen = new Set<Outcome>();
  fc.assert(fc.property(roleProps, props => {
    seen.add(outcome(app => {
      const stack = new Stack(app, 'Target', { env: { account: '222222222222', region: 'us-east-1' } });
      new CrossAccountDistributionRole(stack, 'Role', fill(stack, props) as any);
      return [stack];
    }));
  }), { numRuns: propertyRuns(0.5) + 2, examples: [[{ sourceAccounts: () => [OWNER] }], [{ sourceAccounts: () => [OWNER, null] }]] });
  expect(seen).toContain('construction');
  expect(seen).toContain('template');
});

const stackSetProps = fc.record({
  role: roleProps,
  organizationalUnitIds: listSlot(['ou-ab12-cdefghij', 'r-ab12', OU]),
  region: stringSlot(['us-east-1', 'ap-east-1', 'us-east-1,eu-west-1']),
  delegatedAdministrator: booleanSlot,
  stackSetName: stringSlot(['golden-roles', '1-roles']),
  maxConcurrentPercentage: numberSlot,
  failureTolerancePercentage: numberSlot,
}, { requiredKeys: ['role'] });

test(`CrossAccountDistributionRoleStackSet with values of any type from JavaScript: the library's error or a clean template (${propertyRuns(0.2)} runs)`, () => {
  const seen = new Set<Outcome>();
  fc.assert(fc.property(stackSetProps, ({ role, ...rest }) => {
    seen.add(outcome(app => {
      const stack = new Stack(app, 'Org', { env: { account: '999999999999', region: 'us-east-1' } });
      new CrossAccountDistributionRoleStackSet(stack, 'Roles', { ...fill(stack, role), ...fill(stack, rest) } as any);
      return [stack];
    }));
  }), { numRuns: propertyRuns(0.2) + 2, examples: [[{ role: { sourceAccounts: () => [OWNER] }, organizationalUnitIds: () => ['ou-ab12-cdefghij'] }], [{ role: { sourceAccounts: () => [OWNER, null] } }]] });
  expect(seen).toContain('construction');
  expect(seen).toContain('template');
});

test('a value of the wrong type names the argument, the value and the type it must have', () => {
  const stack = new Stack(new App(), 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
  const dist = new DistributionConfiguration(stack, 'Dist');
  expect(() => dist.addRegion('eu-west-1', { targetAccounts: ['222222222222', null as any] })).toThrow(
    /^\[InvalidInput\] addRegion\('eu-west-1', \.\.\.\) targetAccounts\[1\] is null, but it must be a string\. Fix: pass a string, or leave the value out\. \(at Stack\/Dist\)$/);
  expect(() => dist.addRegion('eu-west-1', { fastLaunch: [{ maxParallelLaunches: NaN }] })).toThrow(/fastLaunch\[0\]\.maxParallelLaunches is NaN, but it must be a finite number/);
  expect(() => dist.addRegion('eu-west-1', { launchPermission: { accounts: [{ id: OWNER } as any] } })).toThrow(/launchPermission\.accounts\[0\] is the object \{"id":"111111111111"\}/);
  expect(() => new DistributionConfiguration(stack, 'Other', { amiTags: { Team: 1 as any } })).toThrow(/DistributionConfiguration 'Other' props amiTags\.Team is 1, but it must be a string/);
  expect(() => new CrossAccountDistributionRole(stack, 'Role', { sourceAccounts: undefined as any })).toThrow(/\[InvalidInput\] CrossAccountDistributionRole 'Role' props sourceAccounts is undefined, but it must be a list of strings/);
  expect(() => dist.addRegion(null as any)).toThrow(/\[InvalidInput\] addRegion\(\) region is null, but it must be a string/);
});

/*
 * Every mutator after the app was synthesized is an error: aws-cdk-lib returns the first assembly again, so
 * the change would be silently missing.
 */

const mutators: Array<[string, (dist: DistributionConfiguration, stack: Stack) => unknown]> = [
  ['addRegion', dist => dist.addRegion('eu-central-1')],
  ['addRegion with options', dist => dist.addRegion('ap-southeast-2', { targetAccounts: ['222222222222'] })],
  ['addRegion of a Region it has', dist => dist.addRegion('us-east-1')],
  ['addRegion with a value of the wrong type', dist => dist.addRegion(null as any)],
  ['addContainerRegion', (dist, stack) => dist.addContainerRegion('us-west-2', { repository: ecr.Repository.fromRepositoryName(stack, `R${stack.node.children.length}`, 'golden') })],
  ['grant', (dist, stack) => dist.grant(iam.Role.fromRoleName(stack, `G${stack.node.children.length}`, 'pipeline'), 'imagebuilder:GetDistributionConfiguration')],
  ['grantRead', (dist, stack) => dist.grantRead(iam.Role.fromRoleName(stack, `G${stack.node.children.length}`, 'pipeline'))],
  ['grantDistribute', (dist, stack) => dist.grantDistribute(iam.Role.fromRoleName(stack, `G${stack.node.children.length}`, 'execution'))],
];

test(`every mutator after the app was synthesized is the library's error, however the app was synthesized (${propertyRuns(0.2)} runs)`, () => {
  fc.assert(fc.property(
    fc.constantFrom('app.synth', 'Template.fromStack', 'stage'),
    fc.uniqueArray(fc.constantFrom('us-east-1', 'eu-west-1', 'us-east-2'), { minLength: 1, maxLength: 3 }),
    fc.constantFrom(...mutators),
    (how, regions, [, mutate]) => {
      const app = new App();
      const parent = how === 'stage' ? new Stage(app, 'Prod') : app;
      const stack = new Stack(parent, 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
      const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' });
      regions.forEach(r => dist.addRegion(r));
      if (how === 'Template.fromStack') {
        Template.fromStack(stack);
      } else {
        app.synth();
      }
      let thrown: unknown;
      try {
        mutate(dist, stack);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(DistributionError);
      expect((thrown as DistributionError).rule).toBe('ModifiedAfterSynthesis');
      expect((thrown as Error).message).toMatch(/after the app was synthesized.*Fix: make every addRegion\(\), addContainerRegion\(\) and grant\(\) call before synthesizing/);
    }), { numRuns: propertyRuns(0.2) });
});

test('before the app is synthesized, the same calls work', () => {
  for (const [name, mutate] of mutators.filter(([n]) => !n.includes('wrong type') && !n.includes('it has'))) {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: OWNER, region: 'us-east-1' } });
    const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion('us-east-1');
    expect({ name, result: (() => { mutate(dist, stack); return 'ok'; })() }).toEqual({ name, result: 'ok' });
  }
});
