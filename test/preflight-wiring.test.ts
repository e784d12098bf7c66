import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { CrossAccountDistributionRoleStackSet, DistributionConfiguration, TargetAccountKeyAccess } from '../src';
import { DEFAULT_ACCOUNT, useMoto } from './preflight/moto';
import * as seed from './preflight/seed';
import { main } from '../src/cli/main';

/*
 * Preflight sees what the app wires, against moto in server mode (one server for the file): a key of another stack
 * however aws-cdk-lib writes the reference (`weak`, which today's `cdk init` sets, and `strong`), and the
 * organization a new user's app reaches its target accounts through (TargetAccountKeyAccess.organization() with OUs).
 */

jest.setTimeout(180_000);

const DIST = DEFAULT_ACCOUNT; // the distribution account, and the organization's management account
const AMI_NAME = 'golden-{{ imagebuilder:buildDate }}';

const { tempDir } = useMoto();

interface JsonResult {
  check: string;
  status: string;
  account?: string;
  region?: string;
  resource: string;
  message: string;
  fix?: string;
}

const outdir = () => tempDir('preflight-wiring-');

async function preflight(app: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['preflight', '--app', app, ...args, '--json'], { out: t => out.push(t), err: t => err.push(t) });
  const report = JSON.parse(out.join('\n')) as { checks: JsonResult[] };
  return { code, err: err.join('\n'), checks: report.checks };
}

/** The results of one check kind. */
const of = (checks: JsonResult[], kind: string) => checks.filter(c => c.check === kind);

describe('a key of another stack, however aws-cdk-lib writes the reference, is checked in the stack that owns it', () => {
  /**
   * A new user's app: the key in stack Keys, the distribution (its source key and the key of us-east-1) in stack
   * Golden, synthesized with the feature flag as `cdk init` writes it (`weak`) or set to `strong`.
   */
  function app(strength: 'weak' | 'strong') {
    const dir = outdir();
    const root = new App({ outdir: dir, context: { '@aws-cdk/core:defaultCrossStackReferences': strength } });
    const keys = new Stack(root, 'Keys', { env: { account: DIST, region: 'us-east-1' } });
    const golden = new Stack(root, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
    const key = new kms.Key(keys, 'Key');
    new DistributionConfiguration(golden, 'Dist', { amiName: AMI_NAME, sourceKey: key }).addRegion('us-east-1', { kmsKey: key });
    root.synth();
    const template = JSON.parse(fs.readFileSync(path.join(dir, 'Golden.template.json'), 'utf-8'));
    const written = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::ImageBuilder::DistributionConfiguration')
      .Properties.Distributions[0].AmiDistributionConfiguration.KmsKeyId;
    const keyId = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'Keys.template.json'), 'utf-8')).Resources).find(id => id.startsWith('Key'))!;
    return { dir, written, keyId };
  }

  test.each([
    ['weak', 'Fn::GetStackOutput'],
    ['strong', 'Fn::ImportValue'],
  ] as const)('%s references (%s): DEPLOYS under the key\'s stack before it exists; once deployed, a disabled source key is a FAIL', async (strength, style) => {
    const { dir, written, keyId } = app(strength);
    expect(Object.keys(written)).toEqual([style]);

    const before = await preflight(dir);
    expect(of(before.checks, 'key')).toEqual([expect.objectContaining({
      status: 'deploys',
      resource: `KMS key ${keyId} of stack Keys`,
      message: `created by this app, stack Keys: not deployed yet (CloudFormation has no ${keyId} in stack Keys of ${DIST} in us-east-1); checked live once that stack is deployed`,
    })]);
    expect(before.code).toBe(0);

    // As a JSON string: moto's CloudFormation stores an object KeyPolicy so that kms:DescribeKey then fails.
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DIST}:root` }, Action: 'kms:*', Resource: '*' }] });
    const deployed = await seed.deployStack(DIST, 'us-east-1', 'Keys', { [keyId]: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: policy } } });
    await seed.disableKey(DIST, 'us-east-1', deployed[keyId]);

    const after = await preflight(dir);
    expect(of(after.checks, 'key')).toEqual([expect.objectContaining({
      status: 'fail',
      resource: `KMS key ${keyId} of stack Keys`,
      message: 'is Disabled, so EBS cannot encrypt with it.',
    })]);
    expect(after.code).toBe(1);
  });
});

describe('TargetAccountKeyAccess.organization() with OUs: the OUs exist, and every target account is under one of them', () => {
  test('an OU that does not exist, a target account outside the OUs and one outside the organization are FAILs naming them; an account of an OU passes', async () => {
    const { organizationArn, ouArn } = await seed.createOrganization();
    const organizationId = organizationArn.split('/').pop()!;
    const ou = ouArn.split('/').pop()!;
    const inside = await seed.createMemberAccount('inside', ou);
    const outside = await seed.createMemberAccount('outside');
    const stranger = '444444444444';
    // Well formed, in the caller's organization, but never created.
    const ghost = `arn:aws:organizations::${DIST}:ou/${organizationId}/ou-zzzz-99999999`;
    const dir = outdir();
    const root = new App({ outdir: dir });
    const golden = new Stack(root, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
    new DistributionConfiguration(golden, 'Dist', {
      amiName: AMI_NAME,
      targetAccounts: [inside, outside, stranger],
      targetAccountKeyAccess: TargetAccountKeyAccess.organization(organizationArn, [ouArn, ghost]),
    }).addRegion('us-east-1', { kmsKey: new kms.Key(golden, 'Key') });
    root.synth();

    // Without --assume-role-name: Organizations is read by the caller, the management account.
    const { code, checks } = await preflight(dir);

    expect(of(checks, 'organizational-unit').map(c => [c.resource, c.status]).sort()).toEqual([[ghost, 'fail'], [ouArn, 'pass']].sort());
    expect(of(checks, 'organizational-unit').find(c => c.resource === ghost)!.message).toBe(`does not exist in ${organizationId}.`);
    const access = of(checks, 'key-access-unit');
    expect(access.map(c => [c.account, c.status]).sort()).toEqual([[inside, 'pass'], [outside, 'fail'], [stranger, 'fail']].sort());
    const out = access.find(c => c.account === outside)!;
    expect(out.message).toMatch(new RegExp(`^target account ${outside} is in none of the OUs ${ou}, ou-zzzz-99999999 of TargetAccountKeyAccess.organization\\(\\) \\(it is under r-[a-z0-9]+\\), but the key of us-east-1 let only those OUs' accounts copy`));
    expect(out.fix).toMatch(new RegExp(`^move ${outside} into one of those OUs, or add the ARN of its OU \\(r-[a-z0-9]+\\) to organizationalUnitArns`));
    expect(access.find(c => c.account === inside)!.message).toBe(`target account ${inside} is under ${ou}`);
    expect(access.find(c => c.account === stranger)!.message).toMatch(new RegExp(`^target account ${stranger} is not in organization ${organizationId}`));
    expect(code).toBe(1);
  });
});

test('a StackSet of the role whose keys leave out the key of a Region that copies into its OU\'s accounts is a FAIL naming the Region and the key', async () => {
  const { ouArn } = await seed.createOrganization();
  const ou = ouArn.split('/').pop()!;
  const member = await seed.createMemberAccount('member', ou);
  const usKey = await seed.createKey(DIST, 'us-east-1', []);
  const euKey = await seed.createKey(DIST, 'eu-west-1', []);
  // The key policies name the target account (TargetAccountKeyAccess.accounts()): synth cannot know that the account
  // is in the StackSet's OU; preflight reads it in the organization.
  const dir = outdir();
  const root = new App({ outdir: dir });
  const golden = new Stack(root, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
  new DistributionConfiguration(golden, 'Dist', { amiName: AMI_NAME, targetAccounts: [member] })
    .addRegion('us-east-1', { kmsKey: kms.Key.fromKeyArn(golden, 'UsKey', usKey) })
    .addRegion('eu-west-1', { kmsKey: kms.Key.fromKeyArn(golden, 'EuKey', euKey) });
  const org = new Stack(root, 'Org', { env: { account: DIST, region: 'us-east-1' } });
  new CrossAccountDistributionRoleStackSet(org, 'Roles', {
    organizationalUnitIds: [ou],
    sourceAccounts: [DIST],
    stackSetName: 'golden-roles',
    keys: [kms.Key.fromKeyArn(org, 'UsKey', usKey)],
  });
  root.synth();

  const { code, checks } = await preflight(dir);

  expect(of(checks, 'cross-account-role')).toEqual([expect.objectContaining({
    account: member,
    status: 'fail',
    message: `role from StackSet golden-roles (${ou}, stack Org): the StackSet's keys leave out the key of Region eu-west-1 (${euKey}), so every copy into ${member} in eu-west-1 fails with AccessDenied on the key.`,
    fix: `add ${euKey} to the keys of StackSet golden-roles (CrossAccountDistributionRoleStackSet keys: [...])`,
  })]);
  expect(code).toBe(1);
});

test('findings that share a cause are one line with the accounts counted, streamed once and again at the end; --json lists the accounts', async () => {
  const targets = ['111111111111', '222222222222', '333333333333', '444444444444'];
  const dir = outdir();
  const root = new App({ outdir: dir });
  new DistributionConfiguration(new Stack(root, 'Golden', { env: { account: DIST, region: 'us-east-1' } }), 'Dist', { amiName: AMI_NAME, targetAccounts: targets })
    .addRegion('us-east-1');
  root.synth();

  // Without --assume-role-name, no check in the target accounts can run: one cause per check, for every account.
  const out: string[] = [];
  const code = await main(['preflight', '--app', dir], { out: t => out.push(t), err: () => {} });
  const lines = out.join('\n').split('\n');

  const role = (l: string) => /^UNCHECKED cross-account-role /.test(l);
  const tail = lines.findIndex(l => l.startsWith('Again, '));
  // Streamed: the cause's first result, once.
  const streamed = lines.slice(0, tail).filter(role);
  expect(streamed).toHaveLength(1);
  expect(streamed[0]).toMatch(new RegExp(`^UNCHECKED cross-account-role  (${targets.join('|')})  global  could not check EC2ImageBuilderDistributionCrossAccountRole: no credentials for account \\1 \\(the caller is in ${DIST}\\) Fix: `));
  // Again at the end: one line for the cause, the accounts counted.
  const grouped = lines.slice(tail).filter(role);
  expect(grouped).toHaveLength(1);
  expect(grouped[0]).toMatch(/^UNCHECKED cross-account-role {2}4 accounts {2}global {2}could not check EC2ImageBuilderDistributionCrossAccountRole: no credentials for account <account> \(the caller is in 123456789012\) Fix: .*\. Accounts \(4\): \d{12}, \d{12}, \d{12}, and 1 more \(--json lists them all\)\.$/);
  expect(code).toBe(3);

  const out2: string[] = [];
  await main(['preflight', '--app', dir, '--json'], { out: t => out2.push(t), err: () => {} });
  const report = JSON.parse(out2.join('\n')) as { groups: Array<{ check: string; status: string; count: number; accounts: string[]; message: string }>; checks: JsonResult[] };
  const groups = report.groups.filter(g => g.check === 'cross-account-role');
  expect(groups).toEqual([expect.objectContaining({
    status: 'unchecked',
    count: 4,
    message: `could not check EC2ImageBuilderDistributionCrossAccountRole: no credentials for account <account> (the caller is in ${DIST})`,
  })]);
  expect([...groups[0].accounts].sort()).toEqual(targets);
  // Every result is still listed one by one.
  expect(of(report.checks, 'cross-account-role').map(c => c.account).sort()).toEqual(targets);
});
