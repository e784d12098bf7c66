import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage, aws_kms as kms } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { readAssembly } from '../src/cli/common/assembly';
import { literal, planChecks } from '../src/cli/preflight/plan';

/*
 * The preflight's reading of an assembly and its plan, without AWS: what is checked where, and what is not
 * checkable because it is known only at deploy time.
 */

const CALLER = { account: '123456789012', partition: 'aws', region: 'us-east-1' };

function assemblyOf(build: (app: App) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-plan-'));
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}

test('literal: strings, and pseudo parameters of the stack environment inside Ref, Fn::Join and Fn::Sub', () => {
  const env = { account: '111111111111', region: 'eu-west-1', partition: 'aws-cn' };
  expect(literal('lt-0123456789abcdef0', env)).toBe('lt-0123456789abcdef0');
  expect(literal({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alias/golden']] }, env))
    .toBe('arn:aws-cn:kms:eu-west-1:111111111111:alias/golden');
  expect(literal({ 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/golden' }, env)).toBe('arn:aws-cn:kms:eu-west-1:111111111111:alias/golden');
  expect(literal({ 'Fn::Sub': 'arn:aws:kms:eu-west-1:${KeyAccount}:alias/golden' }, env)).toBeUndefined();
  expect(literal({ 'Fn::ImportValue': 'KeyArn' }, env)).toBeUndefined();
  expect(literal({ Ref: 'KeyArnParameter' }, env)).toBeUndefined();
  expect(literal({ Ref: 'AWS::AccountId' }, { partition: 'aws' })).toBeUndefined();
});

test('distributions of stages (nested assemblies) are found, with their stack environment and the library record', () => {
  const dir = assemblyOf(app => {
    const stage = new Stage(app, 'Prod');
    const stack = new Stack(stage, 'Golden', { env: { account: '222222222222', region: 'eu-west-1' } });
    new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' })
      .addRegion('eu-west-1', { kmsKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab'), targetAccounts: ['444444444444'] });
  });

  const [found, ...others] = readAssembly(dir);

  expect(others).toEqual([]);
  expect(found).toMatchObject({ stack: 'Prod/Golden', account: '222222222222', region: 'eu-west-1', constructPath: 'Prod/Golden/Dist/Resource' });
  expect(found.library?.keys).toEqual([{
    regions: ['eu-west-1'],
    source: false,
    managedByApp: false,
    keyArn: 'arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    // The key's account is not the distribution's: the distribution account copies with it, the target account too.
    requiredStatements: [
      expect.objectContaining({ Sid: 'ImageBuilderCopy', Principal: { AWS: ['arn:aws:iam::444444444444:root', 'arn:aws:iam::222222222222:root'] } }),
      expect.objectContaining({ Sid: 'ImageBuilderCreateGrantForAccounts' }),
    ],
  }]);
});

test('the plan: one check per account, key and resource, however many distributions need it', () => {
  const dir = assemblyOf(app => {
    const stack = new Stack(app, 'Golden', { env: { account: '123456789012', region: 'us-east-1' } });
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    for (const id of ['A', 'B']) {
      new DistributionConfiguration(stack, id, { amiName: 'golden-{{ imagebuilder:buildDate }}', targetAccounts: ['111111111111'] }).addRegion('us-east-1', { kmsKey: key });
    }
  });

  const plan = planChecks(readAssembly(dir), CALLER);

  expect(plan.map(p => [p.check.kind, p.check.account, p.distributions])).toEqual([
    ['cross-account-role', '111111111111', ['Golden/A/Resource', 'Golden/B/Resource']],
    // Account settings (account-settings.ts): each account's Regions, the build Region's EBS default key.
    ['region-opt-in', '123456789012', ['Golden/A/Resource', 'Golden/B/Resource']],
    ['region-opt-in', '111111111111', ['Golden/A/Resource', 'Golden/B/Resource']],
    ['ebs-encryption-default', '123456789012', ['Golden/A/Resource', 'Golden/B/Resource']],
    ['key', '123456789012', ['Golden/A/Resource', 'Golden/B/Resource']],
  ]);
});

test('a stack without an explicit environment is checked in the caller\'s account and Region', () => {
  const dir = assemblyOf(app => {
    const stack = new Stack(app, 'Anywhere');
    new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' })
      .addRegion('us-east-1', { ssmParameters: [{ parameterName: '/golden/ami' }] });
  });

  const [found] = readAssembly(dir);
  const [planned] = planChecks([found], CALLER);

  expect([found.account, found.region]).toEqual([undefined, undefined]);
  expect(planned.check).toEqual({ kind: 'ssm-parameter', account: '123456789012', region: 'us-east-1', parameterName: '/golden/ami', dataType: 'text' });
});
