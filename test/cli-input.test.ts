import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { DistributionConfiguration } from '../src';
import { AwsSession } from '../src/cli/common/aws';
import { MAX_TIMER_MS, sessionSettings } from '../src/cli/common/options';
import { main } from '../src/cli/main';
import { runWork } from '../src/cli/verify/checks';

/*
 * What the command refuses before any AWS call (issue 25): numeric options out of range (Node's timers fire at once
 * past 2^31 - 1 ms), an option given twice, input longer than its ARN or name can be, an assembly that names files
 * outside itself, and an assembly with nothing to check. Every AWS call goes to a local endpoint that counts them:
 * each refusal is exit 2, one line, and no call. No error repeats a file's contents or pages of input.
 */

jest.setTimeout(120_000);

const DIST = '123456789012';
const IMAGE = `arn:aws:imagebuilder:us-east-1:${DIST}:image/golden/1.0.0/1`;
const savedEnv = { ...process.env };
const tempDirs: string[] = [];
let calls = 0;
let server: http.Server;
let app: string;

beforeAll(async () => {
  // Any call that reaches it is counted and answered with a server error.
  server = http.createServer((req, res) => {
    calls++;
    req.resume();
    req.on('end', () => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  app = tempDir();
  const cdkApp = new App({ outdir: app });
  const stack = new Stack(cdkApp, 'Golden', { env: { account: DIST, region: 'us-east-1' } });
  new DistributionConfiguration(stack, 'Dist', { distributionConfigurationName: 'golden', amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion('us-east-1');
  cdkApp.synth();
});

afterAll(async () => {
  await new Promise(resolve => server.close(resolve));
  process.env = savedEnv;
  tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

beforeEach(() => {
  calls = 0;
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-input-'));
  tempDirs.push(dir);
  return dir;
}

/** A copy of the app's assembly, changed by `change` (given its directory and its template, parsed; false: it wrote the template). */
function assemblyWith(change: (dir: string, template: any) => void | false): string {
  const dir = tempDir();
  fs.cpSync(app, dir, { recursive: true });
  const file = path.join(dir, 'Golden.template.json');
  const template = JSON.parse(fs.readFileSync(file, 'utf-8'));
  if (change(dir, template) !== false && fs.existsSync(file)) {
    fs.writeFileSync(file, JSON.stringify(template));
  }
  return dir;
}

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Refused: exit 2, said in one line (the usage may follow) matching `message`, and no AWS call made. */
async function refused(args: string[], message: RegExp) {
  const { code, out, err } = await run(args);
  expect(err.split('\n')[0]).toMatch(message);
  expect(err).not.toMatch(/^\s+at /m);
  expect(out).toBe('');
  expect(calls).toBe(0);
  expect(code).toBe(2);
  return err;
}

describe('numeric options stay within their range and Node\'s timer limit', () => {
  test.each([
    ['preflight', '--timeout', '2147484'],
    ['preflight', '--call-timeout', '2147484'],
    ['verify', '--timeout', '99999999999'],
    ['verify', '--call-timeout', '0'],
    ['preflight', '--timeout', '0.0001'],
  ])('%s %s %s', async (verb, option, value) => {
    const args = verb === 'verify' ? ['verify', '--image', IMAGE, '--app', app] : ['preflight', '--app', app];
    await refused([...args, option, value], new RegExp(`^${option} takes a number of seconds from 0\\.001 to 2147483 \\(Node's timer limit, about 24 days\\), not ${value}\\.$`));
  });

  test('the limit itself is taken: 2147483 s is within 2^31 - 1 ms', () => {
    const at = sessionSettings({ 'concurrency': '16', 'max-attempts': '5', 'timeout': '2147483', 'call-timeout': '2147483' });
    expect(at).toMatchObject({ settings: { budgetMs: 2_147_483_000, callTimeoutMs: 2_147_483_000 } });
    expect(2_147_483_000).toBeLessThanOrEqual(MAX_TIMER_MS);
  });
});

describe('an option given twice is an error, never the last one silently', () => {
  test.each([
    [['verify', '--image', IMAGE, '--image', `arn:aws:imagebuilder:us-east-1:${DIST}:image/other/1.0.0/1`]],
    [['verify', '--image', IMAGE, '--app', 'cdk.out', '--app', 'other.out']],
    [['preflight', '--json', '--json']],
    [['preflight', '--timeout', '10', '--timeout', '20']],
    [['distribute', '--image', 'ami-0123456789abcdef0', '--image', 'ami-0123456789abcdef1']],
  ])('%j', async args => {
    await refused(args, new RegExp(`^Option '--${args.slice(1).find((a, i, all) => a.startsWith('--') && all.indexOf(a) !== i)!.slice(2)}' is given more than once: give it once\\.$`));
  });
});

describe('input longer than its ARN or name can be is refused before any call, and not repeated whole', () => {
  test('a 100,000-character --image', async () => {
    const long = `arn:aws:imagebuilder:us-east-1:${DIST}:image/${'a'.repeat(100_000)}/1.0.0/1`;
    const err = await refused(['verify', '--image', long, '--app', app], /^verify: --image is 100\d{3} characters long; an image or pipeline ARN has at most \d+: it is an image build version ARN/);
    expect(err.length).toBeLessThan(1_000);
  });

  test('an image name one character longer than Image Builder allows (128)', async () => {
    await refused(['verify', '--image', `arn:aws:imagebuilder:us-east-1:${DIST}:image/${'a'.repeat(129)}/1.0.0/1`, '--app', app], /^verify: --image "arn:aws:imagebuilder:.*\.\.\. \(\d+ characters\) is not an image build version ARN/);
  });

  test('a role name longer than IAM allows (64)', async () => {
    await refused(['preflight', '--app', app, '--assume-role-name', 'r'.repeat(65)], /^--assume-role-name takes an IAM role name \(1 to 64 letters, digits and \+=,\.@_-\), not r{65}\.$/);
    await refused(['preflight', '--app', app, '--assume-role-name', 'r'.repeat(5_000)], /^--assume-role-name takes an IAM role name .*, not "r{60}"\.\.\. \(5000 characters\)\.$/);
  });
});

describe('the assembly\'s files are read only inside its directory, and no error quotes a file', () => {
  const SECRET = 'TOP-SECRET-CONTENTS-0123456789';

  test('a templateFile outside the assembly is refused, without reading it', async () => {
    const outside = path.join(tempDir(), 'outside.json');
    fs.writeFileSync(outside, SECRET);
    const dir = assemblyWith(d => {
      const manifest = JSON.parse(fs.readFileSync(path.join(d, 'manifest.json'), 'utf-8'));
      manifest.artifacts.Golden.properties.templateFile = path.relative(d, outside);
      fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(manifest));
    });
    const err = await refused(['preflight', '--app', dir], /^preflight: the manifest in .* names ".*outside\.json" for the template of stack Golden, which is not inside the cloud assembly: only its own files are read\./);
    expect(err).not.toContain(SECRET.slice(0, 8));
  });

  test('a template that is a link out of the assembly is refused', async () => {
    const outside = path.join(tempDir(), 'outside.json');
    fs.writeFileSync(outside, SECRET);
    const dir = assemblyWith(d => {
      fs.rmSync(path.join(d, 'Golden.template.json'));
      fs.symlinkSync(outside, path.join(d, 'Golden.template.json'));
      return false;
    });
    const err = await refused(['verify', '--image', IMAGE, '--app', dir], /^verify: the manifest in .* names "Golden\.template\.json" for the template of stack Golden, which is not inside the cloud assembly/);
    expect(err).not.toContain(SECRET.slice(0, 8));
  });

  test('a template that is not JSON: the error names the file and the position, never its contents', async () => {
    const dir = assemblyWith(d => {
      fs.writeFileSync(path.join(d, 'Golden.template.json'), `${SECRET} and more`);
      return false;
    });
    const file = path.join(dir, 'Golden.template.json');
    const err = await refused(['preflight', '--app', dir], /^preflight: cannot read the template of stack Golden .*Golden\.template\.json: not JSON( \(at position \d+\))?\. Fix: run 'cdk synth' again$/);
    expect(err).toContain(file);
    expect(err).not.toContain(SECRET.slice(0, 3));
  });
});

describe('an assembly with nothing to check is exit 2 with the reason, never a green for nothing', () => {
  test('no distribution configuration', async () => {
    const dir = assemblyWith((_, template) => {
      for (const [id, resource] of Object.entries<any>(template.Resources)) {
        if (resource.Type === 'AWS::ImageBuilder::DistributionConfiguration') {
          delete template.Resources[id];
        }
      }
    });
    await refused(['preflight', '--app', dir], /^preflight: the cloud assembly in .* has no Image Builder distribution configuration \(AWS::ImageBuilder::DistributionConfiguration\): there is nothing to check\./);
  });

  test.each([
    ['a string', 'not a list'],
    ['an empty list', []],
    ['missing', undefined],
  ])('Distributions %s', async (_, value) => {
    const dir = assemblyWith((__, template) => {
      const resource = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::ImageBuilder::DistributionConfiguration');
      resource.Properties.Distributions = value;
    });
    await refused(['preflight', '--app', dir], /^preflight: the distribution configuration Golden\/Dist\/Resource \(stack Golden\) (has no Distributions|has Distributions .*), not a list of Region entries: CloudFormation would refuse it, and there is nothing to check\./);
  });
});

describe('the per-check guard of verify: whatever one check throws is its own UNCHECKED result', () => {
  test('an unexpected error (an answer a check cannot read) becomes that unit\'s result with the reason, no stack trace', async () => {
    const aws = new AwsSession({});
    try {
      const results = await runWork(aws, {
        check: 'encryption',
        account: DIST,
        region: 'us-east-1',
        resource: 'snapshots of ami-0123456789abcdef0',
        distributions: ['Golden/Dist'],
        run: async () => {
          throw new TypeError('Cannot read properties of undefined (reading \'Arn\')');
        },
      });
      expect(results).toEqual([{
        check: 'encryption',
        status: 'unchecked',
        account: DIST,
        region: 'us-east-1',
        resource: 'snapshots of ami-0123456789abcdef0',
        message: 'could not check snapshots of ami-0123456789abcdef0: an answer could not be read (TypeError: Cannot read properties of undefined (reading \'Arn\'))',
        fix: expect.stringMatching(/^run again; if it persists/),
        distributions: ['Golden/Dist'],
      }]);
      expect(calls).toBe(0);
    } finally {
      aws.close();
    }
  });
});
