import { fork } from 'child_process';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeImageAttributeCommand, DescribeImageReferencesCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetImageCommand, ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { BENCH_REGIONS, OWNER, accountsOf, amiOf, startRetireBenchEndpoint } from './retire-endpoint';
import { main } from '../src/cli/main';

/*
 * A retire plan at organization scale (docs/benchmarks.md, "Retire at organization scale"): the dry run (no
 * --apply) of `retire` for an image with a copy in each of ACCOUNTS accounts x REGIONS Regions, against the local
 * endpoint of bench/retire-endpoint.ts, which answers each call after a fixed latency and counts the calls in
 * flight; beside it, a plain AWS SDK loop (the same clients, a promise pool of the same concurrency) making the same
 * calls against the same endpoint. Each runs in a process of its own, which reports its wall time and peak RSS.
 *
 *   npm run bench:retire                                   # 1,000 accounts x 10 Regions, 50 ms a call
 *   BENCH_ACCOUNTS=100 npm run bench:retire                # 100 accounts x 10 Regions
 *   BENCH_CONCURRENCY=32 BENCH_LATENCY_MS=20 npm run bench:retire
 */

const ROLE = 'RetireAccess';

interface ChildReport {
  readonly code: number;
  readonly seconds: number;
  readonly summary: string;
  readonly maxRssMb: number;
}

/** retire's dry run, its output counted, not kept. */
async function runRetire(image: string, concurrency: number): Promise<ChildReport> {
  const started = Date.now();
  let summary = '';
  const code = await main(['retire', '--image', image, '--assume-role-name', ROLE, '--concurrency', String(concurrency), '--timeout', '3600'], {
    out: text => {
      if (/^\d+ copies: /.test(text)) {
        summary = text;
      }
    },
    err: () => undefined,
  });
  return { code, seconds: (Date.now() - started) / 1000, summary, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** The plain SDK loop: the calls retire's plan makes, at most `concurrency` in flight. */
async function runBaseline(image: string, accounts: number, concurrency: number): Promise<ChildReport> {
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
  await sts.send(new GetCallerIdentityCommand({}));
  const got = await new ImagebuilderClient({ ...config, region: 'us-east-1' }).send(new GetImageCommand({ imageBuildVersionArn: image }));
  const ids = accountsOf(accounts);
  const credentials = new Map<string, { accessKeyId: string; secretAccessKey: string; sessionToken?: string }>();
  await pool(ids.slice(1), async account => {
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${ROLE}`, RoleSessionName: 'bench' }))).Credentials!;
    credentials.set(account, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken });
  });
  // The copies GetImage lists; per copy the same four reads retire makes (with the same inputs).
  const copies = (got.image?.outputResources?.amis ?? []).map(a => ({ account: a.accountId!, region: a.region!, imageId: a.image! }));
  const calls = copies.flatMap(copy => [0, 1, 2, 3].map(kind => ({ copy, kind })));
  const clients = new Map<string, EC2Client | AutoScalingClient>();
  const client = <T extends EC2Client | AutoScalingClient>(service: new (c: Record<string, unknown>) => T, account: string, region: string): T => {
    const key = `${service.name}/${account}/${region}`;
    if (!clients.has(key)) {
      clients.set(key, new service({ ...config, region, ...(credentials.has(account) ? { credentials: credentials.get(account) } : {}) }));
    }
    return clients.get(key) as T;
  };
  let answers = 0;
  await pool(calls, async ({ copy, kind }) => {
    const ec2 = client(EC2Client, copy.account, copy.region);
    switch (kind) {
      case 0:
        await ec2.send(new DescribeImagesCommand({ ImageIds: [copy.imageId], IncludeDisabled: true, IncludeDeprecated: true }));
        break;
      case 1:
        await ec2.send(new DescribeImageReferencesCommand({
          ImageIds: [copy.imageId],
          IncludeAllResourceTypes: true,
          ResourceTypes: [{ ResourceType: 'ec2:LaunchTemplate', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['10000'] }] }],
        }));
        break;
      case 2:
        await client(AutoScalingClient, copy.account, copy.region).send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 100 }));
        break;
      default:
        await ec2.send(new DescribeImageAttributeCommand({ ImageId: copy.imageId, Attribute: 'launchPermission' }));
    }
    answers++;
  });
  httpAgent.destroy();
  return {
    code: answers === calls.length ? 0 : 1,
    seconds: (Date.now() - started) / 1000,
    summary: `${copies.length} copies, ${answers} reads answered`,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function inChild(args: string[], endpoint: string): Promise<ChildReport> {
  return new Promise<ChildReport>((resolve, reject) => {
    const proc = fork(__filename, args, {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
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
    proc.once('message', m => resolve(m as ChildReport));
    proc.once('exit', code => reject(new Error(`the ${args[0]} process exited (${code}) without a report`)));
  });
}

async function bench() {
  const accounts = Number(process.env.BENCH_ACCOUNTS ?? 1000);
  const regions = Number(process.env.BENCH_REGIONS ?? 10);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);
  if (regions > BENCH_REGIONS.length) {
    throw new Error(`BENCH_REGIONS is at most ${BENCH_REGIONS.length}`);
  }
  const endpoint = await startRetireBenchEndpoint(accounts, regions, latency);
  const lines = [`retire plan (dry run) of ${accounts} accounts x ${regions} Regions, ${latency} ms a call, --concurrency ${concurrency} (${os.cpus().length} cores, Node ${process.version}); owner ${OWNER}, first AMI ${amiOf(0, 0)}`];
  let failed = false;
  try {
    const runs: Array<[string, ChildReport]> = [];
    for (const which of ['retire', 'baseline']) {
      endpoint.reset();
      const report = await inChild([which, endpoint.imageArn, String(accounts), String(regions), String(concurrency)], endpoint.endpoint);
      const calls = [...endpoint.seen.entries()];
      const total = calls.reduce((n, [, c]) => n + c, 0);
      runs.push([which, report]);
      lines.push(`  ${which.padEnd(8)}: exit ${report.code}, ${report.seconds.toFixed(1)} s, ${total} calls (${calls.map(([op, c]) => `${op} ${c}`).join(', ')}), at most ${endpoint.inFlight.peak} in flight, peak RSS ${report.maxRssMb.toFixed(0)} MB; ${report.summary}`);
      if (endpoint.unknown.length > 0 || endpoint.inFlight.peak > concurrency || report.code !== 0) {
        failed = true;
        lines.push(`  FAILED: ${endpoint.unknown.length} unknown requests (${endpoint.unknown.slice(0, 3).join(', ')}), ${endpoint.inFlight.peak} in flight (limit ${concurrency}), exit ${report.code}`);
      }
    }
    const ideal = (2 + (accounts - 1) / concurrency + (4 * accounts * regions) / concurrency) * latency / 1000;
    lines.push(`  retire / baseline: ${(runs[0][1].seconds / runs[1][1].seconds).toFixed(2)}x (target 1.2x); the latency alone at this concurrency: ${ideal.toFixed(1)} s`);
  } finally {
    await endpoint.close();
  }
  console.log(lines.join('\n'));
  if (failed) {
    process.exitCode = 1;
  }
}

if (process.argv[2] === 'retire' || process.argv[2] === 'baseline') {
  const [which, image, accounts, , concurrency] = process.argv.slice(2);
  (which === 'retire' ? runRetire(image, Number(concurrency)) : runBaseline(image, Number(accounts), Number(concurrency)))
    .then(report => process.send!(report), e => {
      console.error(e);
      process.exit(1);
    });
} else {
  bench().catch(e => {
    console.error(e);
    process.exitCode = 1;
  });
}
