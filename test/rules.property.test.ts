import { App, Aspects, Stack, aws_ec2 as ec2, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { DistributionChecks, DistributionConfiguration, SsmParameterDataType } from '../src';
import { propertyRuns } from './property-runs';
import { schemaErrors } from './schema';
import { withoutCdkValidation } from './without-cdk-validation';
import { checkDistributionConfiguration } from '../src/private/rules';

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
  // A launch template in another account gets the distribution account's AMI ID: that account needs launch permission.
  launchTemplates: r.launchTemplateIds.map((id, i) => ({ id, accountId: r.accounts[i] })),
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
  { rule: 'AmiName', apply: (_, r) => { r.amiName = `${r.amiName}:x`; } },
  { rule: 'AmiNameWithoutBuildDate', apply: (_, r) => { r.amiName = r.amiName.replace('{{ imagebuilder:buildDate }}', 'latest'); } },
  {
    rule: 'LaunchTemplateAccount',
    apply: (_, r) => {
      r.targets.push('444444444444');
      Object.assign(r, { accounts: r.accounts.filter(a => a !== '444444444444'), organizations: [], organizationalUnits: [], publicAccess: false });
      r.launchTemplates.push({ id: 'lt-0123456789abcdef0', accountId: '444444444444' });
    },
  },
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
    const replaced: Array<Array<string | number>> = [];
    chosen.forEach((pick, i) => {
      const paths = pathsOf(distributions).filter(p => p.length > 0);
      replaced.push(paths[pick % paths.length]);
      distributions = setAt(distributions, paths[pick % paths.length], values[i]);
    });

    const app = new App({ treeMetadata: false });
    const stack = new Stack(app, 'Hand', { env: { account: OWNER, region: HOME } });
    Aspects.of(app).add(new DistributionChecks());
    const cfn = new imagebuilder.CfnDistributionConfiguration(stack, 'Cfn', { name: 'golden', distributions: [] });
    cfn.addPropertyOverride('Distributions', distributions);
    expect(synthMessage(stack)).toBe('');
    // The one warning a deploy-time value may cause: an AMI name known only at deploy time may lack the build date.
    const nameReplaced = replaced.some(p => p.length === 3 && p[1] === 'AmiDistributionConfiguration' && p[2] === 'Name');
    const warnings = app.synth().getStackByName('Hand').messages.filter(m => m.level === 'warning').map(m => String(m.entry.data));
    expect(warnings.filter(w => !(nameReplaced && w.includes('[AmiNameBuildDateUnknown]')))).toEqual([]);
  }), { numRuns: propertyRuns(0.2) });
});

/*
 * AMI names as parts: literal text, Image Builder's variables, deploy-time values (a stack parameter) and
 * characters EC2 refuses. What each name must produce follows from its parts, independently of the rules.
 */
type NamePart = { kind: 'text'; text: string } | { kind: 'date'; text: string } | { kind: 'version' } | { kind: 'token' } | { kind: 'bad'; text: string };

const namePart: fc.Arbitrary<NamePart> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,40}$/).map(text => ({ kind: 'text' as const, text })) },
  { weight: 2, arbitrary: fc.constantFrom('{{ imagebuilder:buildDate }}', '{{imagebuilder:buildDate}}').map(text => ({ kind: 'date' as const, text })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'version' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'token' as const }) },
  { weight: 1, arbitrary: fc.constantFrom(':', '\t', '\n').map(text => ({ kind: 'bad' as const, text })) },
);

/** The part as CloudFormation holds it in an `Fn::Join`. */
const rendered = (p: NamePart): unknown => (p.kind === 'token' ? { Ref: 'Os' } : p.kind === 'version' ? '{{ imagebuilder:buildVersion }}' : p.text);
/** Characters as written, and once Image Builder expands the variables (build date: 27 characters; build version: at least 1). */
const written = (p: NamePart) => String(rendered(p)).length;
const expanded = (p: NamePart) => (p.kind === 'date' ? 27 : p.kind === 'version' ? 1 : p.kind === 'token' ? 0 : p.text.length);

test('AMI names from literal parts, variables, deploy-time values and refused characters get the findings their parts call for', () => {
  fc.assert(fc.property(fc.array(namePart, { minLength: 1, maxLength: 8 }), fc.boolean(), (parts, asJoin) => {
    const tokens = parts.some(p => p.kind === 'token');
    const literal = parts.filter(p => p.kind !== 'token');
    // A name without deploy-time values is a plain string (unless written with Fn::Join).
    const name = tokens || asJoin ? { 'Fn::Join': ['', parts.map(rendered)] } : parts.map(p => String(rendered(p))).join('');
    const findings = checkDistributionConfiguration({ Name: 'golden', Distributions: [{ Region: HOME, AmiDistributionConfiguration: { Name: name } }] },
      { ownerAccount: OWNER, buildRegion: HOME });
    const rules = new Set(findings.map(f => f.rule));

    const hasDate = parts.some(p => p.kind === 'date');
    const known = literal.length > 0;
    expect(rules.has('AmiNameWithoutBuildDate')).toBe(!hasDate && known);
    expect(rules.has('AmiNameBuildDateUnknown')).toBe(!hasDate && !known);

    const raw = literal.reduce((n, p) => n + written(p), 0);
    const full = parts.reduce((n, p) => n + expanded(p), 0);
    const first = String(rendered(parts[0]));
    const last = String(rendered(parts[parts.length - 1]));
    // As a plain string, the API's pattern applies: 3..127 characters, starting and ending with a letter, digit, '-', '_' or a brace.
    const apiRefuses = typeof name === 'string' && (raw < 3 || raw > 127 || !/^[-_A-Za-z0-9{]/.test(first) || !/[-_A-Za-z0-9}]$/.test(last));
    const ec2Refuses = parts.some(p => p.kind === 'bad') || full > 128 || (!tokens && full < 3) || raw > 127;
    expect(rules.has('AmiName')).toBe(apiRefuses || ec2Refuses);
  }), { numRuns: propertyRuns() });
});

test('a key ARN with the stack\'s Region as a pseudo parameter is a key of the stack\'s Region, in every entry', () => {
  const join = (region: unknown) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', region, ':', { Ref: 'AWS::AccountId' }, ':alias/golden']] });
  const sub = () => ({ 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/golden' });
  fc.assert(fc.property(fc.constantFrom(...REGIONS), fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 4 }), fc.boolean(),
    (home, regions, withSub) => {
      const findings = checkDistributionConfiguration({
        Name: 'golden',
        Distributions: regions.map(region => ({ Region: region, AmiDistributionConfiguration: { KmsKeyId: withSub ? sub() : join({ Ref: 'AWS::Region' }) } })),
      }, { ownerAccount: OWNER, buildRegion: home });
      const wrong = findings.filter(f => f.rule === 'KeyRegion').map(f => f.region).sort();
      expect(wrong).toEqual(regions.filter(r => r !== home).sort());
      // Without a concrete Region for the stack, nothing is known of the key's Region: no finding.
      const unknown = checkDistributionConfiguration({
        Name: 'golden',
        Distributions: regions.map(region => ({ Region: region, AmiDistributionConfiguration: { KmsKeyId: withSub ? sub() : join({ Ref: 'AWS::Region' }) } })),
      }, { ownerAccount: OWNER });
      expect(unknown.filter(f => f.rule === 'KeyRegion')).toEqual([]);
    }), { numRuns: propertyRuns(0.5) });
});
