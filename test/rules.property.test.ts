import { App, Aspects, Stack, aws_ec2 as ec2, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { DistributionChecks, DistributionConfiguration, SsmParameterDataType } from '../src';
import { propertyRuns } from './property-runs';
import { schemaErrors } from './schema';
import { withoutCdkValidation } from './without-cdk-validation';

withoutCdkValidation();

const OWNER = '111111111111';
const HOME = 'us-east-1';
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];

/** A distribution as plain data, so that mutations can break one rule at a time. */
interface RegionSpec {
  region: string;
  amiName: string;
  amiDescription?: string;
  amiTags: Record<string, string>;
  key: 'none' | 'owned' | 'imported' | 'awsManaged' | 'otherRegion';
  targets: string[];
  accounts: string[];
  organizations: string[];
  organizationalUnits: string[];
  publicAccess: boolean;
  licenses: string[];
  launchTemplates: Array<{ id: string; accountId?: string }>;
  ssm: Array<{ name: string; account?: string; dataType?: SsmParameterDataType }>;
  fastLaunch: Array<{ maxParallelLaunches?: number; targetSnapshotCount?: number }>;
}
interface Spec {
  name: string;
  description?: string;
  regions: RegionSpec[];
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[a-f0-9]{${n}}$`));
const account = fc.stringMatching(/^[0-9]{12}$/);
const orgId = fc.stringMatching(/^o-[a-z0-9]{10,12}$/);
const orgArn = fc.tuple(account, orgId).map(([a, o]) => `arn:aws:organizations::${a}:organization/${o}`);
const ouArn = fc.tuple(account, orgId, fc.stringMatching(/^ou-[a-z0-9]{4}-[a-z0-9]{8}$/)).map(([a, o, ou]) => `arn:aws:organizations::${a}:ou/${o}/${ou}`);
const tagKey = fc.stringMatching(/^[a-z][a-zA-Z0-9_.:=+\-@]{0,19}$/).filter(k => !k.startsWith('aws:'));

const regionSpec = (region: string): fc.Arbitrary<RegionSpec> => fc.record({
  targets: fc.uniqueArray(account, { maxLength: 3 }),
  accounts: fc.uniqueArray(account, { maxLength: 3 }),
  organizations: fc.uniqueArray(orgArn, { maxLength: 2 }),
  organizationalUnits: fc.uniqueArray(ouArn, { maxLength: 2 }),
  key: fc.constantFrom<RegionSpec['key']>(...(region === HOME ? ['none', 'owned', 'imported'] as const : ['none', 'imported'] as const)),
  amiName: fc.stringMatching(/^[A-Za-z0-9][-_A-Za-z0-9.]{0,40}$/).map(p => `${p}-{{ imagebuilder:buildDate }}`),
  amiDescription: fc.option(fc.string({ minLength: 1, maxLength: 100 }), { nil: undefined }),
  amiTags: fc.dictionary(tagKey, fc.string({ maxLength: 40 }), { maxKeys: 5 }),
  licenses: fc.uniqueArray(hex(32).map(id => `arn:aws:license-manager:${region}:${OWNER}:license-configuration:lic-${id}`), { maxLength: 2 }),
  launchTemplateIds: fc.array(fc.stringMatching(/^lt-[a-z0-9]{17}$/), { maxLength: 2 }),
  ssmNames: fc.array(fc.stringMatching(/^\/[a-zA-Z0-9_.\-/]{1,40}$/), { maxLength: 2 }),
  dataType: fc.constantFrom(undefined, SsmParameterDataType.TEXT, SsmParameterDataType.AWS_EC2_IMAGE),
  fastLaunch: fc.array(fc.record({
    maxParallelLaunches: fc.option(fc.integer({ min: 6, max: 500 }), { nil: undefined }),
    targetSnapshotCount: fc.option(fc.integer({ min: 1, max: 10000 }), { nil: undefined }),
  }), { maxLength: 1 }),
  publicAccess: fc.boolean(),
}).map(r => ({
  region,
  amiName: r.amiName,
  amiDescription: r.amiDescription,
  amiTags: r.amiTags,
  key: r.key,
  targets: r.targets,
  accounts: r.accounts,
  organizations: r.organizations,
  organizationalUnits: r.organizationalUnits,
  // An encrypted AMI cannot be public.
  publicAccess: r.publicAccess && r.key === 'none',
  licenses: r.licenses,
  // A launch template in another account needs an account that receives the AMI.
  launchTemplates: r.launchTemplateIds.map((id, i) => ({ id, accountId: [...r.targets, ...r.accounts][i] })),
  // An SSM parameter's account must be a target account.
  ssm: r.ssmNames.map((name, i) => ({ name, account: r.targets[i], dataType: r.dataType })),
  fastLaunch: r.fastLaunch,
}));

const validSpec: fc.Arbitrary<Spec> = fc.record({
  name: fc.stringMatching(/^[A-Za-z0-9][-_A-Za-z0-9 ]{1,60}[A-Za-z0-9]$/),
  description: fc.option(fc.string({ minLength: 1, maxLength: 200 }), { nil: undefined }),
  regions: fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 4 }).chain(rs => fc.tuple(...rs.map(regionSpec))),
});

function build(spec: Spec): Stack {
  const app = new App({ treeMetadata: false });
  const stack = new Stack(app, 'Stack', { env: { account: OWNER, region: HOME } });
  const dist = new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: spec.name, description: spec.description });
  spec.regions.forEach((r, i) => {
    const keys: Record<RegionSpec['key'], () => kms.IKey | undefined> = {
      none: () => undefined,
      owned: () => new kms.Key(stack, `Key${i}`),
      imported: () => kms.Key.fromKeyArn(stack, `Key${i}`, `arn:aws:kms:${r.region}:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
      otherRegion: () => kms.Key.fromKeyArn(stack, `Key${i}`, `arn:aws:kms:${r.region === 'eu-west-1' ? 'us-west-2' : 'eu-west-1'}:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
      awsManaged: () => kms.Alias.fromAliasName(stack, `Key${i}`, 'alias/aws/ebs'),
    };
    dist.addRegion(r.region, {
      amiName: r.amiName,
      amiDescription: r.amiDescription,
      amiTags: r.amiTags,
      kmsKey: keys[r.key](),
      targetAccounts: r.targets,
      launchPermission: {
        accounts: r.accounts,
        organizations: r.organizations,
        organizationalUnits: r.organizationalUnits,
        publicAccess: r.publicAccess,
      },
      licenseConfigurationArns: r.licenses,
      launchTemplates: r.launchTemplates.map((lt, j) => ({
        launchTemplate: ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, `LT${i}-${j}`, { launchTemplateId: lt.id }),
        accountId: lt.accountId,
      })),
      ssmParameters: r.ssm.map(p => ({ parameterName: p.name, amiAccount: p.account, dataType: p.dataType })),
      fastLaunch: r.fastLaunch,
    });
  });
  return stack;
}

function synthMessage(stack: Stack): string {
  try {
    (stack.node.root as App).synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

test(`${propertyRuns()} random valid configurations synthesize without error and validate against the CloudFormation schema`, () => {
  fc.assert(fc.property(validSpec, spec => {
    const stack = build(spec);
    const assembly = (stack.node.root as App).synth();
    const template = assembly.getStackByName('Stack').template;
    expect(schemaErrors(template, ['AWS::ImageBuilder::DistributionConfiguration'])).toEqual([]);
    expect(assembly.getStackByName('Stack').messages.filter(m => m.level === 'error')).toEqual([]);
  }), { numRuns: propertyRuns() });
});

/** Mutations that each break exactly one rule, with the rule they must trigger. */
const mutations: Array<{ rule: string; apply: (spec: Spec, r: RegionSpec) => void }> = [
  { rule: 'DistributionName', apply: spec => { spec.name = `${spec.name}/x`; } },
  { rule: 'Description', apply: (_, r) => { r.amiDescription = 'd'.repeat(1025); } },
  { rule: 'RegionName', apply: (_, r) => { r.region = r.region.toUpperCase(); } },
  { rule: 'AccountId', apply: (_, r) => { r.accounts.push('12345'); } },
  { rule: 'ListSize', apply: (_, r) => { r.licenses = Array.from({ length: 51 }, (__, i) => `arn:aws:license-manager:us-east-1:${OWNER}:license-configuration:lic-${String(i).padStart(32, 'a')}`); } },
  { rule: 'OrganizationArn', apply: (_, r) => { r.organizations.push('o-abcdefghij'); } },
  { rule: 'OrganizationalUnitArn', apply: (_, r) => { r.organizationalUnits.push('ou-ab12-cdefghij'); } },
  { rule: 'AmiName', apply: (_, r) => { r.amiName = `${r.amiName}/`; } },
  { rule: 'AmiTags', apply: (_, r) => { r.amiTags['aws:reserved'] = 'x'; } },
  { rule: 'LaunchTemplateId', apply: (_, r) => { r.launchTemplates.push({ id: 'lt-short' }); } },
  { rule: 'SsmParameterName', apply: (_, r) => { r.ssm.push({ name: 'has space' }); } },
  { rule: 'FastLaunchParallelLaunches', apply: (_, r) => { r.fastLaunch.push({ maxParallelLaunches: 5 }); } },
  { rule: 'LicenseConfigurationArn', apply: (_, r) => { r.licenses.push('lic-0123'); } },
  { rule: 'PublicEncryptedAmi', apply: (_, r) => { r.key = 'imported'; r.publicAccess = true; } },
  { rule: 'AwsManagedKeyShared', apply: (_, r) => { r.key = 'awsManaged'; r.publicAccess = false; r.targets.push('222222222222'); } },
  { rule: 'KeyRegion', apply: (_, r) => { r.key = 'otherRegion'; r.publicAccess = false; } },
  { rule: 'SsmParameterAccount', apply: (_, r) => { r.ssm.push({ name: '/golden/ami', account: '999999999999' }); r.targets = r.targets.filter(t => t !== '999999999999'); } },
];

test('a random single mutation that breaks one rule produces that rule\'s error', () => {
  fc.assert(fc.property(validSpec, fc.constantFrom(...mutations), fc.nat(), (spec, mutation, pick) => {
    mutation.apply(spec, spec.regions[pick % spec.regions.length]);
    const message = synthMessage(build(spec));
    expect(message).toContain(`[Stack/Dist] [${mutation.rule}]`);
  }), { numRuns: propertyRuns(0.3), endOnFailure: true });
});

test('arbitrary values raise nothing but the library\'s own errors', () => {
  const anything = fc.oneof(fc.string(), fc.constant(''), fc.constant(' '), fc.string({ unit: 'grapheme' }));
  const number = fc.oneof(fc.integer(), fc.double(), fc.constant(Number.NaN));
  fc.assert(fc.property(
    fc.record({
      name: anything,
      region: anything,
      amiName: anything,
      description: anything,
      account: anything,
      org: anything,
      tagKey: anything,
      tagValue: anything,
      ltId: anything,
      ssm: anything,
      parallel: number,
      snapshots: number,
      keyArn: anything,
      license: anything,
    }),
    v => {
      try {
        const stack = new Stack(new App({ treeMetadata: false }), 'Stack', { env: { account: OWNER, region: HOME } });
        new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: v.name, description: v.description })
          .addRegion(v.region, {
            amiName: v.amiName,
            amiTags: { [v.tagKey]: v.tagValue },
            kmsKey: kms.Key.fromKeyArn(stack, 'Key', v.keyArn),
            targetAccounts: [v.account],
            launchPermission: { accounts: [v.account], organizations: [v.org], organizationalUnits: [v.org] },
            licenseConfigurationArns: [v.license],
            launchTemplates: [{ launchTemplate: ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'LT', { launchTemplateId: v.ltId }), accountId: v.account }],
            ssmParameters: [{ parameterName: v.ssm, amiAccount: v.account }],
            fastLaunch: [{ maxParallelLaunches: v.parallel, targetSnapshotCount: v.snapshots }],
          });
        synthMessage(stack);
      } catch (e) {
        // Construction may reject a value outright (aws-cdk-lib's own checks, e.g. of ARNs); never with a TypeError.
        expect(e).not.toBeInstanceOf(TypeError);
      }
      // synthMessage catches synthesis errors: they must be validation messages; and what synthesizes must
      // pass the CloudFormation schema (nothing the construct accepts fails it).
      const app = new App({ treeMetadata: false });
      const stack = new Stack(app, 'S2', { env: { account: OWNER, region: HOME } });
      new DistributionConfiguration(stack, 'Dist', { amiName: v.amiName, description: v.description, tags: { [v.tagKey]: v.tagValue } })
        .addRegion(v.region, { targetAccounts: [v.account], amiTags: { [v.tagKey]: v.tagValue }, ssmParameters: [{ parameterName: v.ssm }] });
      const message = synthMessage(stack);
      expect(message === '' || message.startsWith('Validation failed')).toBe(true);
      if (message === '') {
        expect(schemaErrors(app.synth().getStackByName('S2').template, ['AWS::ImageBuilder::DistributionConfiguration'])).toEqual([]);
      }
    },
  ), { numRuns: propertyRuns(0.3) });
});

/** Every path to a value inside a JSON document, not descending into intrinsic functions. */
function pathsOf(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) {
    return [path, ...value.flatMap((v, i) => pathsOf(v, [...path, i]))];
  }
  const intrinsic = typeof value === 'object' && value !== null && Object.keys(value).some(k => k === 'Ref' || k.startsWith('Fn::'));
  if (typeof value === 'object' && value !== null && !intrinsic) {
    return [path, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...path, k]))];
  }
  return [path];
}

function setAt(root: any, path: Array<string | number>, value: unknown): any {
  if (path.length === 0) {
    return value;
  }
  const copy = Array.isArray(root) ? [...root] : { ...root };
  copy[path[0]] = setAt(root[path[0]], path.slice(1), value);
  return copy;
}

const intrinsics = [
  { Ref: 'Value' },
  { 'Fn::ImportValue': 'Exported' },
  { 'Fn::If': ['IsProd', 'a', 'b'] },
  { 'Fn::Select': [0, { Ref: 'Values' }] },
  { 'Fn::Sub': '${Value}' },
];

test('deploy-time values anywhere in a valid hand-written configuration are never findings', () => {
  const picks = fc.array(fc.nat(), { minLength: 1, maxLength: 4 });
  const replacements = fc.array(fc.constantFrom(...intrinsics), { minLength: 4, maxLength: 4 });
  fc.assert(fc.property(validSpec, picks, replacements, (spec, chosen, values) => {
    // Keys of the app would be named by the construct; here the configuration is plain data.
    const plain = { ...spec, regions: spec.regions.map(r => ({ ...r, key: r.key === 'owned' ? 'imported' as const : r.key })) };
    const template = (build(plain).node.root as App).synth().getStackByName('Stack').template;
    const [resource] = Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::ImageBuilder::DistributionConfiguration');
    let distributions = resource.Properties.Distributions;
    chosen.forEach((pick, i) => {
      const paths = pathsOf(distributions).filter(p => p.length > 0);
      distributions = setAt(distributions, paths[pick % paths.length], values[i]);
    });

    const app = new App({ treeMetadata: false });
    const stack = new Stack(app, 'Hand', { env: { account: OWNER, region: HOME } });
    Aspects.of(app).add(new DistributionChecks());
    const cfn = new imagebuilder.CfnDistributionConfiguration(stack, 'Cfn', { name: 'golden', distributions: [] });
    cfn.addPropertyOverride('Distributions', distributions);
    expect(synthMessage(stack)).toBe('');
    expect(app.synth().getStackByName('Hand').messages.filter(m => m.level === 'warning').map(m => m.entry.data)).toEqual([]);
  }), { numRuns: propertyRuns(0.2) });
});
