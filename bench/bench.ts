/* eslint-disable no-console */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as alpha from '@aws-cdk/aws-imagebuilder-alpha';
import { App, Stack, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { ACCOUNT, HOME, LAUNCH_ACCOUNTS, REGIONS, VARIANTS, Variant } from './app';
import { ORGANIZATION_VARIANTS, ORG_REGIONS, OrganizationVariant } from './organization';
import { Measurement } from './synth-one';
import { DistributionConfiguration } from '../src';

/*
 * `cdk synth` time and heap of N distribution configurations x 8 Regions (keys in per-Region stacks), written
 * as hand-written L1, with this library and with the alpha module, aws-cdk-lib's template validation on.
 * Each measurement is a fresh process (bench/synth-one.ts), as the CDK CLI runs an app; the variants of a
 * round run one after the other, in an order that alternates every round, after one warm-up round that is not
 * counted. The ratio to L1 is taken per round (paired); the table gives its median over the rounds and its
 * spread (lowest-highest), for the whole process (what `cdk synth` waits for) and for building and
 * synthesizing the app alone (without starting node and loading modules).
 *
 * BENCH_PLAN="100:7,400:7" (N:rounds, the default) and BENCH_VARIANTS="l1,library,alpha" change the plan;
 * BENCH_CONTEXT=bare synthesizes without the recommended feature flags (see bench/app.ts).
 *
 * Then the organization case (bench/organization.ts): one distribution to 10 Regions with owned keys and N target
 * accounts reached by organization-scoped key access, library against hand-written L1 writing the same policies;
 * BENCH_ORG_PLAN="1000:7" (target accounts:rounds, the default) changes it, an empty BENCH_PLAN or BENCH_ORG_PLAN
 * leaves a case out.
 */

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One `cdk synth` in a fresh node process, timed from spawn to exit. */
function measure(variant: Variant | OrganizationVariant, n: number): Measurement {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-one.ts'), variant, String(n)], {
    encoding: 'utf-8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.dev.json') },
    maxBuffer: 64 * 2 ** 20,
  });
  const processMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) {
    throw new Error(`${variant} N=${n} failed (exit ${child.status}):\n${child.stderr}${child.stdout}`);
  }
  return { ...JSON.parse(child.stdout.trim().split('\n').pop()!), processMs };
}

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
  const parsePlan = (text: string) => text.split(',').filter(p => p.trim() !== '').map(p => p.split(':').map(Number) as [number, number]);
  const plan = parsePlan(process.env.BENCH_PLAN ?? '100:7,400:7');
  const organizationPlan = parsePlan(process.env.BENCH_ORG_PLAN ?? '1000:7');
  const variants = (process.env.BENCH_VARIANTS ?? VARIANTS.join(',')).split(',') as Variant[];
  const started = Date.now();
  const print = (line: string) => console.log(line);
  print(`N distributions x ${REGIONS.length} Regions, a kms.Key per Region in a key stack of that Region, ${LAUNCH_ACCOUNTS.length} launch accounts;`
    + ` context: ${process.env.BENCH_CONTEXT === 'bare' ? 'none (BENCH_CONTEXT=bare)' : 'the recommended feature flags, as cdk init writes them'};`
    + ` aws-cdk-lib template validation ${process.env.CDK_VALIDATION === 'false' ? 'OFF' : 'on'}; one fresh process per measurement`
    + ` (node ${process.version}, ${os.cpus().length} cores, aws-cdk-lib ${JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf-8')).version})`);
  print('');
  print('| N | rounds | L1 process ms | library process ms | library / L1, process | spread | library / L1, build + synth | spread | alpha / L1, process | L1 heap MB | library heap MB | alpha heap MB |');
  print('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [n, rounds] of plan) {
    variants.forEach(variant => measure(variant, n)); // warm-up: file-system caches, not counted
    const runs: Record<string, Measurement[]> = Object.fromEntries(variants.map(v => [v, []]));
    for (let round = 0; round < rounds; round++) {
      // Alternate the order each round, so that no variant always runs first.
      for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
        runs[variant].push(measure(variant, n));
      }
    }
    const processMs = (v: Variant) => runs[v]?.map(r => r.processMs!) ?? [];
    const inProcessMs = (v: Variant) => runs[v]?.map(r => r.buildMs + r.synthMs) ?? [];
    const ratios = (of: (v: Variant) => number[], v: Variant) => of(v).map((m, i) => m / of('l1')[i]);
    const summary = (xs: number[]) => (xs.length ? [median(xs).toFixed(3), `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`] : ['-', '-']);
    const heap = (v: Variant) => (runs[v] ? median(runs[v].map(r => r.heapMb)).toFixed(0) : '-');
    const [processRatio, processSpread] = summary(ratios(processMs, 'library'));
    const [synthRatio, synthSpread] = summary(ratios(inProcessMs, 'library'));
    const [alphaRatio] = summary(runs.alpha ? ratios(processMs, 'alpha') : []);
    print(`| ${n} | ${rounds} | ${median(processMs('l1')).toFixed(0)} | ${median(processMs('library')).toFixed(0)} | ${processRatio} | ${processSpread} | ${synthRatio} | ${synthSpread} | ${alphaRatio} | ${heap('l1')} | ${heap('library')} | ${heap('alpha')} |`);
  }
  if (organizationPlan.length > 0) {
    print('');
    print(`Organization case: 1 distribution x ${ORG_REGIONS.length} Regions, a kms.Key per Region in a key stack of that Region and a source key, N target accounts`
      + ' with organization-scoped key access; every key policy under 32 KB and every template under 1 MB (checked in each process)');
    print('');
    print('| target accounts | rounds | L1 process ms | library process ms | library / L1, process | spread | library / L1, build + synth | spread | L1 heap MB | library heap MB |');
    print('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  }
  for (const [n, rounds] of organizationPlan) {
    ORGANIZATION_VARIANTS.forEach(variant => measure(variant, n)); // warm-up
    const runs: Record<string, Measurement[]> = Object.fromEntries(ORGANIZATION_VARIANTS.map(v => [v, []]));
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0 ? ORGANIZATION_VARIANTS : [...ORGANIZATION_VARIANTS].reverse()) {
        runs[variant].push(measure(variant, n));
      }
    }
    const processMs = (v: OrganizationVariant) => runs[v].map(r => r.processMs!);
    const inProcessMs = (v: OrganizationVariant) => runs[v].map(r => r.buildMs + r.synthMs);
    const ratios = (of: (v: OrganizationVariant) => number[]) => of('org-library').map((m, i) => m / of('org-l1')[i]);
    const summary = (xs: number[]) => [median(xs).toFixed(3), `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`];
    const heap = (v: OrganizationVariant) => median(runs[v].map(r => r.heapMb)).toFixed(0);
    const [processRatio, processSpread] = summary(ratios(processMs));
    const [synthRatio, synthSpread] = summary(ratios(inProcessMs));
    print(`| ${n} | ${rounds} | ${median(processMs('org-l1')).toFixed(0)} | ${median(processMs('org-library')).toFixed(0)} | ${processRatio} | ${processSpread} | ${synthRatio} | ${synthSpread} | ${heap('org-l1')} | ${heap('org-library')} |`);
  }
  print('');
  print('Deployment footprint: resources beyond the distribution and its key, for one key in another Region\'s stack');
  for (const variant of VARIANTS) {
    const counts = footprint(variant);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    print(`- ${variant}: ${total} (${Object.entries(counts).map(([t, c]) => `${c} ${t}`).join(', ') || 'none'})`);
  }
  print('');
  const cost = importCost();
  print(`Importing the package adds ${cost.app.toFixed(1)} ms to an app's aws-cdk-lib start (App, Stack, Resource loaded), ${cost.bare.toFixed(1)} ms to a bare require('aws-cdk-lib') (median of 9 fresh processes each)`);
  print(`Total benchmark time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main();
