import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DescribeRegionsResult, GetAllowedImagesSettingsResult, GetImageBlockPublicAccessStateResult } from '@aws-sdk/client-ec2';
import { EC2Client, EnableEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { App, Stack, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { DEFAULT_ACCOUNT, Moto, resetMoto, startMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { PROPERTY_RUNS } from './property-runs';
import { FoundDistribution } from '../src/cli/common/assembly';
import { main } from '../src/cli/main';
import { allowedImagesVerdict, blockPublicAccessVerdict, ebsDefaultVerdict, regionOptInVerdict } from '../src/cli/preflight/account-settings';
import { planChecks } from '../src/cli/preflight/plan';

/*
 * Account settings that break distributions (src/cli/preflight/account-settings.ts): the decision of each check on
 * answers typed with the SDK's own response types (the shapes EC2 returns), what the plan asks of which account,
 * and the command against moto, where a call moto does not implement (it answers HTTP 500) is unchecked, never a pass.
 */

jest.setTimeout(180_000);

const DIST = DEFAULT_ACCOUNT;
const OWNER = '123456789012';
const CONSUMER = '444444444444';

describe('decisions, on the answers EC2 gives', () => {
  test('AMI block public access: unblocked passes; block-new-sharing fails with the fix (the declarative policy when it manages it)', () => {
    const answer = (a: GetImageBlockPublicAccessStateResult) => blockPublicAccessVerdict(a, DIST, 'eu-west-1');
    expect(answer({ ImageBlockPublicAccessState: 'unblocked', ManagedBy: 'account' }).status).toBe('pass');
    expect(answer({ ImageBlockPublicAccessState: 'block-new-sharing', ManagedBy: 'account' })).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/block public access for AMIs is on in account 123456789012, Region eu-west-1 \(block-new-sharing\): making the AMI public .* fails/),
      fix: expect.stringMatching(/ec2:DisableImageBlockPublicAccess/),
    });
    expect(answer({ ImageBlockPublicAccessState: 'block-new-sharing', ManagedBy: 'declarative-policy' }).fix).toMatch(/declarative policy/);
    expect(answer({}).status).toBe('unchecked');
  });

  test('EBS encryption by default: off passes; on with aws/ebs (alias or an AWS managed key) fails; on with a customer key is unchecked', () => {
    expect(ebsDefaultVerdict(false, undefined, undefined, DIST, 'us-east-1').status).toBe('pass');
    expect(ebsDefaultVerdict(true, 'alias/aws/ebs', undefined, DIST, 'us-east-1')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/with the AWS managed key aws\/ebs: the source AMI is encrypted with a key that cannot be shared/),
      fix: expect.stringMatching(/ec2:ModifyEbsDefaultKmsKeyId/),
    });
    expect(ebsDefaultVerdict(true, 'arn:aws:kms:us-east-1:123456789012:alias/aws/ebs', undefined, DIST, 'us-east-1').status).toBe('fail');
    expect(ebsDefaultVerdict(true, 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'AWS', DIST, 'us-east-1').status).toBe('fail');
    expect(ebsDefaultVerdict(true, 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'CUSTOMER', DIST, 'us-east-1')).toMatchObject({
      status: 'unchecked', fix: expect.stringMatching(/sourceKey/),
    });
    // An alias of a customer key is not aws/ebs.
    expect(ebsDefaultVerdict(true, 'alias/aws/ebs-golden', 'CUSTOMER', DIST, 'us-east-1').status).toBe('unchecked');
    expect(ebsDefaultVerdict(true, undefined, undefined, DIST, 'us-east-1').status).toBe('unchecked');
  });

  test('opt-in Regions: not-opted-in fails naming the Regions; opted-in and opt-in-not-required pass; anything else is unchecked', () => {
    const answer: DescribeRegionsResult = {
      Regions: [
        { RegionName: 'eu-west-1', OptInStatus: 'opt-in-not-required', Endpoint: 'ec2.eu-west-1.amazonaws.com' },
        { RegionName: 'af-south-1', OptInStatus: 'opted-in', Endpoint: 'ec2.af-south-1.amazonaws.com' },
        { RegionName: 'ap-east-1', OptInStatus: 'not-opted-in', Endpoint: 'ec2.ap-east-1.amazonaws.com' },
      ],
    };
    expect(regionOptInVerdict(answer, CONSUMER, ['eu-west-1', 'af-south-1']).status).toBe('pass');
    expect(regionOptInVerdict(answer, CONSUMER, ['eu-west-1', 'ap-east-1'])).toMatchObject({
      status: 'fail',
      message: `ap-east-1 is an opt-in Region not enabled in account ${CONSUMER}: the distribution to it fails.`,
      fix: expect.stringMatching(/account:EnableRegion/),
    });
    expect(regionOptInVerdict(answer, CONSUMER, ['me-south-1']).status).toBe('unchecked');
  });

  test('Allowed AMIs: disabled and audit mode pass; enabled passes only when a criterion allows the owner, unchecked when it depends on what is unknown', () => {
    const verdict = (a: GetAllowedImagesSettingsResult, name?: string) => allowedImagesVerdict(a as any, CONSUMER, 'eu-west-1', OWNER, name);
    expect(verdict({ State: 'disabled' }).status).toBe('pass');
    expect(verdict({ State: 'audit-mode', ImageCriteria: [{ ImageProviders: ['amazon'] }] })).toMatchObject({ status: 'pass', message: expect.stringMatching(/would not be, once it is enabled/) });
    // One criterion that names the owner is enough (criteria are alternatives).
    expect(verdict({ State: 'enabled', ImageCriteria: [{ ImageProviders: ['amazon'] }, { ImageProviders: [OWNER, '555555555555'] }], ManagedBy: 'account' }).status).toBe('pass');
    // `none`, `amazon`, other accounts: not the owner's AMIs.
    expect(verdict({ State: 'enabled', ImageCriteria: [{ ImageProviders: ['none'] }, { ImageProviders: ['amazon', 'aws-marketplace', '555555555555'] }], ManagedBy: 'account' })).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(`Allowed AMIs is enabled in account ${CONSUMER}, Region eu-west-1, and no criterion allows the AMIs of ${OWNER}`),
      fix: expect.stringMatching(`add ${OWNER} to the image providers of a criterion \\(ec2:ReplaceImageCriteriaInAllowedImagesSettings\\)`),
    });
    expect(verdict({ State: 'enabled', ImageCriteria: [], ManagedBy: 'declarative-policy' }).fix).toMatch(/declarative policy/);
    // Every field of a criterion must hold: a name pattern against the AMI's name, when it is known.
    const named = { State: 'enabled', ImageCriteria: [{ ImageProviders: [OWNER], ImageNames: ['golden-*'] }] };
    expect(verdict(named, 'golden-2026').status).toBe('pass');
    expect(verdict(named, 'silver-2026').status).toBe('fail');
    expect(verdict(named, undefined)).toMatchObject({ status: 'unchecked', message: expect.stringMatching(/known only at build time/) });
    // A new AMI is within any maximum age; product codes (inherited from the parent image) are not known here.
    expect(verdict({ State: 'enabled', ImageCriteria: [{ ImageProviders: [OWNER], CreationDateCondition: { MaximumDaysSinceCreated: 30 }, DeprecationTimeCondition: { MaximumDaysSinceDeprecated: 0 } }] }).status).toBe('pass');
    expect(verdict({ State: 'enabled', ImageCriteria: [{ ImageProviders: [OWNER], MarketplaceProductCodes: ['abcdefghijklmnopqrstuvwxy'] }] })).toMatchObject({ status: 'unchecked', message: expect.stringMatching(/MarketplaceProductCodes/) });
    // But a criterion that cannot match anyway is no reason for doubt.
    expect(verdict({ State: 'enabled', ImageCriteria: [{ ImageProviders: ['amazon'], MarketplaceProductCodes: ['abcdefghijklmnopqrstuvwxy'] }] }).status).toBe('fail');
    expect(verdict({}).status).toBe('unchecked');
  });
});

describe('the plan', () => {
  const distribution = (distributions: unknown[], library?: FoundDistribution['library']): FoundDistribution => ({
    stack: 'Golden', logicalId: 'Dist', account: DIST, region: 'us-east-1', properties: { Distributions: distributions }, ...(library ? { library } : {}),
  } as FoundDistribution);
  const kinds = (d: FoundDistribution) => planChecks([d], { account: DIST, partition: 'aws', region: 'us-east-1' }).map(p => p.check)
    .filter(c => ['ami-block-public-access', 'ebs-encryption-default', 'region-opt-in', 'allowed-images', 'fast-launch-template'].includes(c.kind));

  test('each setting is asked of the account and Region it lives in', () => {
    const checks = kinds(distribution([
      {
        Region: 'eu-west-1',
        AmiDistributionConfiguration: { Name: 'golden-1', TargetAccountIds: ['111111111111'], LaunchPermissionConfiguration: { UserGroups: ['all'], UserIds: [CONSUMER, DIST] } },
        FastLaunchConfigurations: [{ Enabled: true, AccountId: '111111111111', LaunchTemplate: { LaunchTemplateName: 'fast', LaunchTemplateVersion: '3' } }, { Enabled: false, LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0' } }],
      },
      { Region: 'ap-east-1', AmiDistributionConfiguration: { TargetAccountIds: ['111111111111', '222222222222'] } },
    ]));
    expect(checks).toEqual(expect.arrayContaining([
      { kind: 'ami-block-public-access', account: DIST, region: 'eu-west-1' },
      { kind: 'allowed-images', account: CONSUMER, region: 'eu-west-1', owner: DIST, amiName: 'golden-1' },
      { kind: 'fast-launch-template', account: '111111111111', region: 'eu-west-1', launchTemplateName: 'fast', version: '3' },
      { kind: 'region-opt-in', account: DIST, regions: ['eu-west-1', 'ap-east-1'] },
      { kind: 'region-opt-in', account: '111111111111', regions: ['eu-west-1', 'ap-east-1'] },
      { kind: 'region-opt-in', account: '222222222222', regions: ['ap-east-1'] },
      { kind: 'ebs-encryption-default', account: DIST, region: 'us-east-1' },
    ]));
    // The account's own launch permission and a disabled fast launch ask nothing.
    expect(checks).toHaveLength(7);
  });

  test('a distribution kept in its account asks no EBS check; a recorded sourceKey (checked as a key) replaces it', () => {
    expect(kinds(distribution([{ Region: 'eu-west-1', AmiDistributionConfiguration: {} }])).map(c => c.kind)).toEqual(['region-opt-in']);
    const shared = [{ Region: 'eu-west-1', AmiDistributionConfiguration: { TargetAccountIds: ['111111111111'] } }];
    expect(kinds(distribution(shared)).map(c => c.kind)).toContain('ebs-encryption-default');
    expect(kinds(distribution(shared, { version: 1, logicalId: 'Dist', keys: [{ regions: [], source: true, managedByApp: true }] })).map(c => c.kind)).not.toContain('ebs-encryption-default');
  });
});

test('the plan never throws, whatever the template holds where the settings are read', () => {
  const value = fc.oneof(fc.anything(), fc.constantFrom('all', '111111111111', 'lt-0123456789abcdef0', '$Latest', { Ref: 'AWS::AccountId' }));
  const entry = fc.record({
    Region: fc.oneof(fc.constantFrom('eu-west-1', 'ap-east-1'), fc.anything()),
    AmiDistributionConfiguration: fc.oneof(value, fc.record({
      Name: value,
      TargetAccountIds: fc.oneof(value, fc.array(value)),
      LaunchPermissionConfiguration: fc.oneof(value, fc.record(
        { UserGroups: fc.oneof(value, fc.array(value)), UserIds: fc.oneof(value, fc.array(value)) }, { requiredKeys: [] })),
    }, { requiredKeys: [] })),
    FastLaunchConfigurations: fc.oneof(value, fc.array(fc.oneof(value, fc.record({
      Enabled: value,
      AccountId: value,
      LaunchTemplate: fc.oneof(value, fc.record(
        { LaunchTemplateId: value, LaunchTemplateName: value, LaunchTemplateVersion: value }, { requiredKeys: [] })),
    }, { requiredKeys: [] })))),
  }, { requiredKeys: [] });
  fc.assert(fc.property(fc.array(entry, { maxLength: 4 }), distributions => {
    const found = { stack: 'Golden', logicalId: 'Dist', account: DIST, region: 'us-east-1', properties: { Distributions: distributions } } as FoundDistribution;
    for (const planned of planChecks([found], { account: DIST, partition: 'aws', region: 'us-east-1' })) {
      expect(typeof planned.check.kind).toBe('string');
    }
  }), { numRuns: PROPERTY_RUNS });
});

describe('against moto', () => {
  let moto: Moto;
  const savedEnv = { ...process.env };
  let outdir: string;
  let templateId: string;

  beforeAll(async () => {
    moto = await startMoto();
    for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
      delete process.env[name];
    }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-settings-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
    new imagebuilder.CfnDistributionConfiguration(stack, 'Dist', {
      name: 'golden',
      distributions: [
        {
          region: 'us-east-1',
          amiDistributionConfiguration: { Name: 'golden-{{ imagebuilder:buildDate }}', LaunchPermissionConfiguration: { UserGroups: ['all'], UserIds: [CONSUMER] } },
          fastLaunchConfigurations: [
            { enabled: true, maxParallelLaunches: 6, launchTemplate: { launchTemplateName: 'fast-launch', launchTemplateVersion: '1' } },
            { enabled: true, maxParallelLaunches: 6, launchTemplate: { launchTemplateId: 'lt-0123456789abcdef0' } },
          ],
        },
        // ap-east-1 is an opt-in Region that moto reports as not enabled.
        { region: 'ap-east-1', amiDistributionConfiguration: { Name: 'golden-{{ imagebuilder:buildDate }}', TargetAccountIds: ['111111111111'] } },
      ],
    });
    app.synth();
  });

  afterAll(async () => {
    await moto?.stop();
    process.env = savedEnv;
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await resetMoto(moto);
    templateId = await seed.createLaunchTemplate(DIST, 'us-east-1', 'fast-launch');
    await seed.createCrossAccountRole('111111111111', DIST);
  });

  async function run() {
    const out: string[] = [];
    const code = await main(['preflight', '--app', outdir, '--assume-role-name', 'PreflightAccess', '--max-attempts', '2', '--json'], { out: t => out.push(t), err: () => {} });
    const report = JSON.parse(out.join('\n')) as { checks: Array<{ check: string; status: string; account: string; region?: string; resource: string; message: string; fix?: string }> };
    const of = (check: string, account: string) => {
      const found = report.checks.filter(c => c.check === check && c.account === account);
      expect(found).toHaveLength(found.length === 0 ? 1 : found.length);
      return found;
    };
    return { code, report, of };
  }

  test('what moto answers is decided; what it does not implement (a bare HTTP 500) is a server error, never a pass', async () => {
    expect(templateId).toMatch(/^lt-/);
    const { code, of } = await run();

    expect(of('region-opt-in', DIST)).toEqual([expect.objectContaining({ status: 'fail', message: `ap-east-1 is an opt-in Region not enabled in account ${DIST}: the distribution to it fails.` })]);
    expect(of('region-opt-in', '111111111111')).toEqual([expect.objectContaining({ status: 'fail', resource: 'Regions ap-east-1' })]);
    expect(of('ebs-encryption-default', DIST)).toEqual([expect.objectContaining({ status: 'pass', region: 'us-east-1', message: expect.stringMatching(/encryption by default is off/) })]);
    expect(of('fast-launch-template', DIST)).toEqual(expect.arrayContaining([
      expect.objectContaining({ status: 'pass', resource: 'fast launch template fast-launch', message: 'launch template fast-launch exists with version 1' }),
      expect.objectContaining({ status: 'fail', resource: 'fast launch template lt-0123456789abcdef0', message: expect.stringMatching(/does not exist in account 123456789012, Region us-east-1/) }),
    ]));
    for (const [check, account, call] of [['ami-block-public-access', DIST, 'ec2:GetImageBlockPublicAccessState'], ['allowed-images', CONSUMER, 'ec2:GetAllowedImagesSettings']]) {
      expect(of(check, account)).toEqual([expect.objectContaining({
        status: 'unchecked',
        // moto answers a call it lacks with HTTP 500 and an HTML page, as a failing server would: said as it is.
        message: expect.stringMatching(`: ${moto.endpoint.replace(/[.]/g, '\\.')}/? answered a server error \\(HTTP 500\\) after 2 attempts \\(${call}\\)$`),
        fix: expect.stringMatching(/an emulator behind AWS_ENDPOINT_URL answers 500 to a call it lacks: then run against AWS/),
      })]);
    }
    expect(code).toBe(1);
  });

  test('with EBS encryption by default on, the default key is asked: moto does not implement it (HTTP 500), so unchecked', async () => {
    await new EC2Client({ region: 'us-east-1' }).send(new EnableEbsEncryptionByDefaultCommand({}));
    const { of } = await run();
    expect(of('ebs-encryption-default', DIST)).toEqual([expect.objectContaining({
      status: 'unchecked', message: expect.stringMatching(/answered a server error \(HTTP 500\) after 2 attempts \(ec2:GetEbsDefaultKmsKeyId\)$/),
    })]);
  });
});
