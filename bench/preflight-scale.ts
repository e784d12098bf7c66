import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { mapLimit } from '../src/cli/common/aws';
import { main } from '../src/cli/main';
import { startFaultEndpoint } from '../test/preflight/faults';
import { DEFAULT_ACCOUNT, startMoto } from '../test/preflight/moto';
import * as seed from '../test/preflight/seed';

/*
 * Preflight at organization scale, against moto (docs/benchmarks.md, "Preflight at organization scale"):
 * a distribution to ACCOUNTS target accounts (default 1,000) in REGIONS Regions (default 5), each target with
 * its cross-account role, each Region with a key. The preflight runs in a process of its own (as users run the
 * command), which reports its wall time, time to the first result and peak memory; it talks to moto through
 * the counting proxy of the tests (test/preflight/faults.ts, no faults), which counts the requests and the most
 * in flight at once.
 *
 *   npm run bench:preflight                      # 1,000 accounts x 5 Regions
 *   BENCH_ACCOUNTS=50 BENCH_REGIONS=2 npm run bench:preflight
 *   BENCH_CONCURRENCY=32 npm run bench:preflight # another --concurrency (default: the command's)
 */

const ROLE = 'PreflightAccess';
const REGIONS = ['eu-west-1', 'us-west-2', 'eu-central-1', 'ap-southeast-2', 'us-east-2', 'eu-north-1', 'ca-central-1', 'sa-east-1', 'ap-northeast-1', 'eu-west-2'];

interface ChildReport {
  readonly code: number;
  readonly seconds: number;
  readonly firstResultSeconds: number;
  readonly resultLines: number;
  readonly summary: string;
  readonly maxRssMb: number;
  readonly peakHeapMb: number;
  readonly progressLines: number;
}

/** The child: one preflight run, its output counted, not kept. */
async function child(app: string, concurrency: string | undefined): Promise<void> {
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
  const started = Date.now();
  let first = 0;
  let resultLines = 0;
  let progressLines = 0;
  let last = '';
  const code = await main(['preflight', '--app', app, '--assume-role-name', ROLE, '--timeout', '3600', ...(concurrency ? ['--concurrency', concurrency] : [])], {
    out: text => {
      if (/^(PASS|FAIL|UNCHECKED|DEPLOYS) /.test(text)) {
        first ||= Date.now();
        resultLines++;
      }
      last = text;
    },
    err: () => progressLines++,
  });
  clearInterval(sampler);
  const report: ChildReport = {
    code,
    seconds: (Date.now() - started) / 1000,
    firstResultSeconds: (first - started) / 1000,
    resultLines,
    summary: last.split('\n').pop()!,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapMb: peakHeap / 1e6,
    progressLines,
  };
  process.send!(report);
}

async function bench() {
  const accounts = Number(process.env.BENCH_ACCOUNTS ?? 1000);
  const regions = REGIONS.slice(0, Number(process.env.BENCH_REGIONS ?? 5));
  const targets = Array.from({ length: accounts }, (_, i) => String(300000000000 + i));
  const moto = await startMoto({ managedPolicies: false, defaultAmis: false });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-preflight-'));
  const saved = { ...process.env };
  try {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    let seeding = Date.now();
    // Each key lets any principal copy (a policy naming 1,000 accounts is over KMS's 32 KB); each role may use every key.
    const keys = await Promise.all(regions.map(region => seed.createKey(DEFAULT_ACCOUNT, region, [{
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*', 'kms:CreateGrant'],
      Resource: '*',
    }])));
    await mapLimit(targets, 8, target => seed.createCrossAccountRole(target, DEFAULT_ACCOUNT, { keyArns: keys, managedPolicyStandIn: true }));
    const seedSeconds = (Date.now() - seeding) / 1000;
    seeding = Date.now();
    const app = new App({ outdir });
    const stack = new Stack(app, 'Golden', { env: { account: DEFAULT_ACCOUNT, region: 'us-east-1' } });
    const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}', targetAccounts: targets });
    regions.forEach((region, i) => dist.addRegion(region, { kmsKey: kms.Key.fromKeyArn(stack, `Key${i}`, keys[i]) }));
    app.synth();
    const synthSeconds = (Date.now() - seeding) / 1000;

    const proxy = await startFaultEndpoint(moto.endpoint);
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    proxy.setRules([]);
    const report = await new Promise<ChildReport>((resolve, reject) => {
      const proc = fork(__filename, ['child', outdir, process.env.BENCH_CONCURRENCY ?? ''], {
        execArgv: ['--max-old-space-size=4096', '-r', 'ts-node/register/transpile-only'],
        env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.dev.json' },
      });
      proc.once('message', m => resolve(m as ChildReport));
      proc.once('exit', code => reject(new Error(`the preflight process exited (${code}) without a report`)));
    }).finally(() => proxy.close());
    const requests = [...proxy.seen.entries()].sort((a, b) => b[1] - a[1]);
    const lines = [
      `preflight of ${accounts} accounts x ${regions.length} Regions against moto (${os.cpus().length} cores, Node ${process.version})`,
      `  seeding ${seedSeconds.toFixed(1)} s, synth ${synthSeconds.toFixed(1)} s (not part of the preflight)`,
      `  --concurrency ${process.env.BENCH_CONCURRENCY || 'default'}: exit ${report.code}, ${report.seconds.toFixed(1)} s, first result after ${report.firstResultSeconds.toFixed(2)} s`,
      `  ${report.resultLines} result lines; ${report.summary}`,
      `  ${requests.reduce((n, [, c]) => n + c, 0)} requests (${requests.map(([call, c]) => `${call} ${c}`).join(', ')}), at most ${proxy.inFlight.peak} in flight`,
      `  peak RSS ${report.maxRssMb.toFixed(0)} MB, peak heap ${report.peakHeapMb.toFixed(0)} MB; ${report.progressLines} progress lines on stderr`,
    ];
    console.log(lines.join('\n'));
  } finally {
    process.env = saved;
    await moto.stop();
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  child(process.argv[3], process.argv[4] || undefined).catch(e => {
    console.error(e);
    process.exit(1);
  });
} else {
  bench().catch(e => {
    console.error(e);
    process.exitCode = 1;
  });
}
