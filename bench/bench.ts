/* eslint-disable no-console */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as alpha from '@aws-cdk/aws-imagebuilder-alpha';
import { App, Stack, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';

/*
 * Synthesis time of N distribution configurations x 8 Regions, each Region with its own kms.Key (in a key
 * stack of that Region) and two launch-permission accounts, written three ways:
 * - l1: hand-written CfnDistributionConfiguration, aliases and the same key-policy statements (the floor);
 * - alpha: @aws-cdk/aws-imagebuilder-alpha (cross-region key references through crossRegionReferences);
 * - library: this library.
 * Runs alternate between the three in one process; the table shows medians.
 */

const ACCOUNT = '111111111111';
const HOME = 'us-east-1';
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
const LAUNCH_ACCOUNTS = ['222222222222', '333333333333'];
const LAUNCH_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'];
const CONTEXT = { '@aws-cdk/core:stackResourceLimit': 0 };

type Variant = 'l1' | 'alpha' | 'library';

/** The app: a key stack per Region (N keys each) and the distribution stack. */
function build(variant: Variant, n: number): App {
  const app = new App({ context: CONTEXT, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')) });
  const keyStacks = new Map(REGIONS.map(region => [region, region === HOME ? undefined : new Stack(app, `Keys-${region}`, { env: { account: ACCOUNT, region } })]));
  const stack = new Stack(app, 'Distributions', { env: { account: ACCOUNT, region: HOME }, crossRegionReferences: variant === 'alpha' });
  if (variant === 'l1') {
    // Hand-written: the distributions deploy after the key stacks whose aliases they name.
    keyStacks.forEach(keyStack => keyStack && stack.addStackDependency(keyStack));
  }
  for (let i = 0; i < n; i++) {
    const keys = REGIONS.map(region => new kms.Key(keyStacks.get(region) ?? stack, `Key${i}`));
    if (variant === 'library') {
      const dist = new DistributionConfiguration(stack, `Dist${i}`, { amiName: `golden-${i}-{{ imagebuilder:buildDate }}`, launchPermission: { accounts: LAUNCH_ACCOUNTS } });
      REGIONS.forEach((region, r) => dist.addRegion(region, { kmsKey: keys[r] }));
    } else if (variant === 'alpha') {
      const dist = new alpha.DistributionConfiguration(stack, `Dist${i}`);
      dist.addAmiDistributions(...REGIONS.map((region, r) => ({
        region, amiName: `golden-${i}-{{ imagebuilder:buildDate }}`, amiKmsKey: keys[r], amiLaunchPermission: { accountIds: LAUNCH_ACCOUNTS },
      })));
    } else {
      new imagebuilder.CfnDistributionConfiguration(stack, `Dist${i}`, {
        name: `dist-${i}`,
        distributions: REGIONS.map((region, r) => {
          const key = keys[r];
          for (const [sid, actions, conditions] of [['ImageBuilderLaunchByAccounts', LAUNCH_ACTIONS, undefined], ['ImageBuilderLaunchByAccountsCreateGrant', ['kms:CreateGrant'], { Bool: { 'kms:GrantIsForAWSResource': true } }]] as const) {
            key.addToResourcePolicy(new iam.PolicyStatement({
              sid,
              actions: [...actions],
              resources: ['*'],
              conditions,
              principals: LAUNCH_ACCOUNTS.map(a => new iam.ArnPrincipal(`arn:aws:iam::${a}:root`)),
            }));
          }
          let kmsKeyId = key.keyArn;
          if (region !== HOME) {
            const aliasName = `alias/imagebuilder-distribution/key-${region}-${i}`;
            new kms.Alias(key, 'Alias', { aliasName, targetKey: key });
            kmsKeyId = `arn:aws:kms:${region}:${ACCOUNT}:${aliasName}`;
          }
          return {
            region,
            amiDistributionConfiguration: {
              Name: `golden-${i}-{{ imagebuilder:buildDate }}`,
              KmsKeyId: kmsKeyId,
              LaunchPermissionConfiguration: { UserIds: LAUNCH_ACCOUNTS },
            },
          };
        }),
      });
    }
  }
  return app;
}

function measure(variant: Variant, n: number): { ms: number; heapMb: number } {
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const app = build(variant, n);
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const heapMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  return { ms, heapMb };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Resources added beyond the distribution and its keys when the keys live in another Region's stack. */
function footprint(variant: Variant): Record<string, number> {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')) });
  const keyStack = new Stack(app, 'Keys', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const key = new kms.Key(keyStack, 'Key');
  const stack = new Stack(app, 'Dist', { env: { account: ACCOUNT, region: HOME }, crossRegionReferences: variant === 'alpha' });
  if (variant === 'library') {
    new DistributionConfiguration(stack, 'Dist').addRegion('eu-west-1', { kmsKey: key, launchPermission: { accounts: LAUNCH_ACCOUNTS } });
  } else if (variant === 'alpha') {
    new alpha.DistributionConfiguration(stack, 'Dist').addAmiDistributions({ region: 'eu-west-1', amiKmsKey: key, amiLaunchPermission: { accountIds: LAUNCH_ACCOUNTS } });
  } else {
    new kms.Alias(key, 'Alias', { aliasName: 'alias/imagebuilder-distribution/key', targetKey: key });
    new imagebuilder.CfnDistributionConfiguration(stack, 'Dist', {
      name: 'dist', distributions: [{ region: 'eu-west-1', amiDistributionConfiguration: { KmsKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/imagebuilder-distribution/key` } }],
    });
  }
  const counts: Record<string, number> = {};
  for (const s of app.synth().stacks) {
    for (const r of Object.values<any>(s.template.Resources ?? {})) {
      if (!['AWS::ImageBuilder::DistributionConfiguration', 'AWS::KMS::Key', 'AWS::CDK::Metadata'].includes(r.Type)) {
        counts[r.Type] = (counts[r.Type] ?? 0) + 1;
      }
    }
  }
  return counts;
}

/**
 * Milliseconds that requiring the built package adds, median of fresh processes: after a bare
 * `require('aws-cdk-lib')` (whose exports load lazily), and after an app's usual start (aws-cdk-lib with
 * App, Stack and Resource loaded, which every app that creates a construct loads anyway).
 */
function importCost(): { bare: number; app: number } {
  const lib = path.resolve(__dirname, '..', 'lib', 'index.js');
  if (!fs.existsSync(lib)) {
    throw new Error('lib/index.js is missing: run `npx projen compile` first (npm run bench does)');
  }
  const sample = (baseline: string) => {
    const script = `const t0 = process.hrtime.bigint(); ${baseline}; const t1 = process.hrtime.bigint(); require(${JSON.stringify(lib)}); console.log(Number(process.hrtime.bigint() - t1) / 1e6);`;
    return median(Array.from({ length: 9 }, () => Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf-8' }))));
  };
  return {
    bare: sample("require('aws-cdk-lib')"),
    app: sample("const cdk = require('aws-cdk-lib'); cdk.App; cdk.Stack; cdk.Resource"),
  };
}

function main() {
  // N and rounds; BENCH_PLAN="10:7,100:5,400:3" overrides (N=100 and N=400 are needed for the growth line).
  const plan = (process.env.BENCH_PLAN ?? '10:9,100:7,400:5').split(',').map(p => p.split(':').map(Number) as [number, number]);
  const variants: Variant[] = ['l1', 'alpha', 'library'];
  const results: Record<string, Record<Variant, { ms: number[]; heap: number[] }>> = {};
  const started = Date.now();
  for (const [n, rounds] of plan) {
    measure('library', n); // warm-up, not counted
    results[n] = { l1: { ms: [], heap: [] }, alpha: { ms: [], heap: [] }, library: { ms: [], heap: [] } };
    for (let round = 0; round < rounds; round++) {
      // Alternate the order each round, so that no variant always runs first.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        const { ms, heapMb } = measure(variant, n);
        results[n][variant].ms.push(ms);
        results[n][variant].heap.push(heapMb);
      }
    }
  }

  const lines: string[] = [];
  lines.push(`N distributions x ${REGIONS.length} Regions, a kms.Key per Region, ${LAUNCH_ACCOUNTS.length} launch accounts; median of alternating runs (node ${process.version}, ${os.cpus().length} cores, CDK_VALIDATION=${process.env.CDK_VALIDATION ?? 'default'})`);
  lines.push('');
  lines.push('| N | runs | L1 floor ms | alpha ms | library ms | library / L1 | alpha / L1 | L1 heap MB | alpha heap MB | library heap MB |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [n, rounds] of plan) {
    const r = results[n];
    const m = (v: Variant) => median(r[v].ms);
    const h = (v: Variant) => median(r[v].heap);
    lines.push(`| ${n} | ${rounds} | ${m('l1').toFixed(0)} | ${m('alpha').toFixed(0)} | ${m('library').toFixed(0)} | ${(m('library') / m('l1')).toFixed(3)} | ${(m('alpha') / m('l1')).toFixed(3)} | ${h('l1').toFixed(0)} | ${h('alpha').toFixed(0)} | ${h('library').toFixed(0)} |`);
  }
  if (results[100] && results[400]) {
    lines.push('');
    lines.push(`Growth of the library from N=100 to N=400: ${(median(results[400].library.ms) / median(results[100].library.ms)).toFixed(2)}x (4x is linear)`);
  }
  lines.push('');
  lines.push('Deployment footprint: resources beyond the distribution and its key, for one key in another Region\'s stack');
  for (const variant of variants) {
    const counts = footprint(variant);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    lines.push(`- ${variant}: ${total} (${Object.entries(counts).map(([t, c]) => `${c} ${t}`).join(', ') || 'none'})`);
  }
  lines.push('');
  const cost = importCost();
  lines.push(`Importing the package adds ${cost.app.toFixed(1)} ms to an app's aws-cdk-lib start (App, Stack, Resource loaded), ${cost.bare.toFixed(1)} ms to a bare require('aws-cdk-lib') (median of 9 fresh processes each)`);
  lines.push(`Total benchmark time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(lines.join('\n'));
}

main();
