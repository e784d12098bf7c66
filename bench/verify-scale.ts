import { fork } from 'child_process';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { DescribeImageAttributeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetImageCommand, ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { BENCH_REGIONS, OWNER } from './retire-endpoint';
import { startVerifyBenchEndpoint } from './verify-endpoint';
import { AwsSession } from '../src/cli/common/aws';
import { runVerification } from '../src/cli/verify/run';
import { VERIFICATION_ROLE_NAME } from '../src/private/verification-names';

/*
 * Verification at organization scale (docs/benchmarks.md, "Verification at organization scale", issue 28 §3): what
 * the verification function runs for one image, `runVerification` with the image's own distribution configuration
 * as the intent (source { configurations: [arn] }) through a session that assumes the read-only role in each
 * target account, for an image distributed to TARGETS target accounts x REGIONS Regions with a customer managed key
 * per Region, against the local endpoint of bench/verify-endpoint.ts (every call after a fixed latency, the calls in
 * flight counted); beside it, a plain AWS SDK v3 loop (the same clients, one keep-alive pool, a promise pool of the
 * same concurrency) making the same calls with the same inputs in the same order against the same endpoint. Each
 * runs in a process of its own, which reports its wall time, CPU time, peak RSS and peak heap.
 *
 *   npm run bench:verify                                   # 1,000 target accounts x 10 Regions, 50 ms a call
 *   BENCH_ACCOUNTS=100 npm run bench:verify                # 100 target accounts x 10 Regions
 *   BENCH_CONCURRENCY=32 BENCH_LATENCY_MS=200 npm run bench:verify
 *   BENCH_ROUNDS=3 BENCH_ACCOUNTS=100 npm run bench:verify # 3 rounds, the order alternating; the median ratio
 *   BENCH_RUNS=verify BENCH_PROFILE=1 npm run bench:verify # one side only, with a CPU profile (--cpu-prof) in bench/results/
 */

interface ChildReport {
  readonly code: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly summary: string;
  readonly maxRssMb: number;
  readonly maxHeapMb: number;
  /** The heap in use when the run started (the SDK and ts-node loaded): the run's own growth is the difference. */
  readonly startHeapMb: number;
}

/** The most heap in use, sampled every 100 ms (a forced GC would change what is measured). */
function heapPeak(): { start: number; peak: () => number } {
  const start = v8.getHeapStatistics().used_heap_size;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
  }, 100);
  timer.unref();
  return {
    start: start / 1024 / 1024,
    peak: () => {
      clearInterval(timer);
      return Math.max(peak, v8.getHeapStatistics().used_heap_size) / 1024 / 1024;
    },
  };
}

function finished(started: number, cpu: NodeJS.CpuUsage, heap: ReturnType<typeof heapPeak>, code: number, summary: string): ChildReport {
  const used = process.cpuUsage(cpu);
  return {
    code,
    seconds: (Date.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    summary,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    maxHeapMb: heap.peak(),
    startHeapMb: heap.start,
  };
}

/** What the function does for one image: a session assuming the read-only role, then runVerification. */
async function runLibrary(image: string, configurationArn: string, concurrency: number): Promise<ChildReport> {
  const heap = heapPeak();
  const cpu = process.cpuUsage();
  const started = Date.now();
  const aws = new AwsSession({ assumeRoleName: VERIFICATION_ROLE_NAME, maxInFlight: concurrency, budgetMs: 3600_000 });
  try {
    const identity = await aws.identity();
    const run = await runVerification(aws, identity, { image, source: { configurations: [configurationArn] }, concurrency });
    if (run.kind === 'usage') {
      return finished(started, cpu, heap, 2, run.message);
    }
    const counts = new Map<string, number>();
    for (const r of run.results) {
      counts.set(`${r.check} ${r.status}`, (counts.get(`${r.check} ${r.status}`) ?? 0) + 1);
    }
    const failed = run.results.filter(r => r.status !== 'pass');
    return finished(started, cpu, heap, failed.length === 0 ? 0 : 1,
      `${run.results.length} results (${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')})${failed.length ? `; first not passed: ${failed[0].message}` : ''}`);
  } finally {
    aws.close();
  }
}

/** The plain SDK loop: the calls verify makes, at most `concurrency` in flight, the same checks in a few lines. */
async function runBaseline(image: string, concurrency: number): Promise<ChildReport> {
  const heap = heapPeak();
  const cpu = process.cpuUsage();
  const started = Date.now();
  // One keep-alive pool for every client, as many sockets as calls in flight (what a careful plain loop does).
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const config = { requestHandler: { httpAgent } };
  const pool = async <T>(items: T[], work: (item: T) => Promise<unknown>) => {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        await work(items[next++]);
      }
    }));
  };
  const sts = new STSClient({ ...config, region: 'us-east-1' });
  const caller = (await sts.send(new GetCallerIdentityCommand({}))).Account!;
  const got = (await new ImagebuilderClient({ ...config, region: 'us-east-1' }).send(new GetImageCommand({ imageBuildVersionArn: image }))).image!;
  const owner = image.split(':')[4];
  const amis = new Map((got.outputResources?.amis ?? []).map(a => [`${a.region}/${a.accountId ?? owner}`, a.image!]));
  const entries = (got.distributionConfiguration?.distributions ?? []).map(d => ({ region: d.region!, ...d.amiDistributionConfiguration }));
  // In the order verify takes them: Region by Region, the owner first, then the targets; each account's role
  // assumed at its first use.
  const units = entries.flatMap(e => [owner, ...(e.targetAccountIds ?? [])].map(account => ({ entry: e, account })));
  const credentials = new Map<string, Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined>>();
  const credentialsOf = (account: string) => {
    if (!credentials.has(account)) {
      const assumed = account === caller ? undefined : sts.send(new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/${VERIFICATION_ROLE_NAME}`, RoleSessionName: 'bench',
      }));
      credentials.set(account, assumed ? assumed.then(({ Credentials: c }) => ({
        accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken,
      })) : Promise.resolve(undefined));
    }
    return credentials.get(account)!;
  };
  const clients = new Map<string, EC2Client>();
  const ec2Of = async (account: string, region: string) => {
    const creds = await credentialsOf(account);
    const key = `${account}/${region}`;
    if (!clients.has(key)) {
      clients.set(key, new EC2Client({ ...config, region, ...(creds ? { credentials: creds } : {}) }));
    }
    return clients.get(key)!;
  };
  const keys = new Map<string, Promise<string | undefined>>();
  const keyArnOf = (keyId: string) => {
    if (!keys.has(keyId)) {
      keys.set(keyId, new KMSClient({ ...config, region: keyId.split(':')[3] }).send(new DescribeKeyCommand({ KeyId: keyId })).then(k => k.KeyMetadata?.Arn));
    }
    return keys.get(keyId)!;
  };
  let good = 0;
  await pool(units, async ({ entry, account }) => {
    const imageId = amis.get(`${entry.region}/${account}`)!;
    const ec2 = await ec2Of(account, entry.region);
    const found = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.find(i => i.ImageId === imageId);
    let ok = found?.OwnerId === account && found.State === 'available';
    const snapshotIds = (found?.BlockDeviceMappings ?? []).map(m => m.Ebs?.SnapshotId).filter((s): s is string => s !== undefined);
    const snapshots = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }))).Snapshots ?? [];
    const keyArn = await keyArnOf(entry.kmsKeyId!);
    ok = ok && snapshots.length === snapshotIds.length && snapshots.every(s => s.Encrypted && s.KmsKeyId === keyArn);
    if (account === owner) {
      const permissions = (await ec2.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }))).LaunchPermissions ?? [];
      const tags = new Map((found?.Tags ?? []).map(t => [t.Key, t.Value]));
      ok = ok && permissions.length === 0 && Object.entries(entry.amiTags ?? {}).every(([k, v]) => tags.get(k) === v);
    }
    good += ok ? 1 : 0;
  });
  httpAgent.destroy();
  return finished(started, cpu, heap, good === units.length ? 0 : 1, `${units.length} copies, ${good} as configured`);
}

function inChild(args: string[], endpoint: string, profile: boolean): Promise<ChildReport> {
  return new Promise<ChildReport>((resolve, reject) => {
    const proc = fork(__filename, args, {
      execArgv: ['-r', 'ts-node/register/transpile-only', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(__dirname, 'results')}`] : [])],
      env: {
        ...process.env,
        TS_NODE_PROJECT: 'tsconfig.dev.json',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: endpoint,
        AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    let report: ChildReport | undefined;
    proc.once('message', m => {
      report = m as ChildReport;
    });
    // After exit, so that a CPU profile is written before the next run starts.
    proc.once('exit', code => (report ? resolve(report) : reject(new Error(`the ${args[0]} process exited (${code}) without a report`))));
  });
}

async function bench() {
  const targets = Number(process.env.BENCH_ACCOUNTS ?? 1000);
  const regions = Number(process.env.BENCH_REGIONS ?? 10);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);
  const which = (process.env.BENCH_RUNS ?? 'verify,baseline').split(',');
  const profile = process.env.BENCH_PROFILE === '1';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  if (regions > BENCH_REGIONS.length) {
    throw new Error(`BENCH_REGIONS is at most ${BENCH_REGIONS.length}`);
  }
  const endpoint = await startVerifyBenchEndpoint(targets, regions, latency);
  const copies = (targets + 1) * regions;
  // Each line as it comes: a run at full size takes minutes.
  const say = (line: string) => console.log(line);
  say(`verification of one image, ${targets} target accounts and the owner ${OWNER} x ${regions} Regions (${copies} copies), ${latency} ms a call, concurrency ${concurrency} (${os.cpus().length} cores, load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')}, Node ${process.version})`);
  let failed = false;
  try {
    const ratios: Array<{ wall: number; cpu: number }> = [];
    for (let round = 0; round < rounds; round++) {
      const runs = new Map<string, ChildReport>();
      // Every other round the other order: on shared cores the load changes between two runs.
      for (const run of round % 2 === 0 ? which : [...which].reverse()) {
        endpoint.reset();
        const report = await inChild([run, endpoint.imageArn, endpoint.configurationArn, String(concurrency)], endpoint.endpoint, profile);
        const calls = [...endpoint.seen.entries()];
        const total = calls.reduce((n, [, c]) => n + c, 0);
        runs.set(run, report);
        say(`  ${rounds > 1 ? `round ${round + 1}, ` : ''}${run.padEnd(8)}: exit ${report.code}, ${report.seconds.toFixed(1)} s, CPU ${report.cpuSeconds.toFixed(1)} s, load average ${os.loadavg()[0].toFixed(1)}, `
          + `${total} calls (${calls.map(([op, c]) => `${op} ${c}`).join(', ')}), at most ${endpoint.inFlight.peak} in flight, `
          + `peak RSS ${report.maxRssMb.toFixed(0)} MB, peak heap ${report.maxHeapMb.toFixed(0)} MB (${report.startHeapMb.toFixed(0)} MB at the start); ${report.summary}`);
        if (endpoint.unknown.length > 0 || endpoint.inFlight.peak > concurrency || report.code !== 0) {
          failed = true;
          say(`  FAILED: ${endpoint.unknown.length} requests not answered (${endpoint.unknown.slice(0, 3).join(', ')}), ${endpoint.inFlight.peak} in flight (limit ${concurrency}), exit ${report.code}`);
        }
      }
      const library = runs.get('verify');
      const baseline = runs.get('baseline');
      if (library && baseline) {
        ratios.push({ wall: library.seconds / baseline.seconds, cpu: library.cpuSeconds / baseline.cpuSeconds });
        say(`  ${rounds > 1 ? `round ${round + 1}, ` : ''}verify / baseline: ${ratios[ratios.length - 1].wall.toFixed(2)}x wall time, ${ratios[ratios.length - 1].cpu.toFixed(2)}x CPU time`);
      }
    }
    if (ratios.length > 0) {
      const median = (xs: number[]) => {
        const sorted = [...xs].sort((a, b) => a - b);
        return (sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.ceil((sorted.length - 1) / 2)]) / 2;
      };
      const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
      say(`  verify / baseline over ${ratios.length} round${ratios.length === 1 ? '' : 's'}: median ${median(ratios.map(r => r.wall)).toFixed(2)}x wall time (spread ${spread(ratios.map(r => r.wall))}; target 1.2x), `
        + `median ${median(ratios.map(r => r.cpu)).toFixed(2)}x CPU time (spread ${spread(ratios.map(r => r.cpu))})`);
    }
    // GetCallerIdentity and GetImage one after the other, then the rest `concurrency` at a time.
    const calls = 2 + targets + 2 * copies + 2 * regions;
    const ideal = (2 + (calls - 2) / concurrency) * latency / 1000;
    say(`  the latency alone at this concurrency: ${ideal.toFixed(1)} s for ${calls} calls`);
  } finally {
    await endpoint.close();
  }
  if (failed) {
    process.exitCode = 1;
  }
}

if (process.argv[2] === 'verify' || process.argv[2] === 'baseline') {
  const [which, image, configurationArn, concurrency] = process.argv.slice(2);
  (which === 'verify' ? runLibrary(image, configurationArn, Number(concurrency)) : runBaseline(image, Number(concurrency)))
    // Disconnected once sent, so that the process exits (and writes its CPU profile).
    .then(report => process.send!(report, undefined, {}, () => process.disconnect()), e => {
      console.error(e);
      process.exit(1);
    });
} else {
  bench().catch(e => {
    console.error(e);
    process.exitCode = 1;
  });
}
