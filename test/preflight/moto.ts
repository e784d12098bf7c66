import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/*
 * moto in server mode: a real AWS emulator (PyPI moto[server], pinned in python-tests/venv.sh), on 127.0.0.1
 * and a free port, for the preflight tests. Its AWS managed policies (Ec2ImageBuilderCrossAccountDistributionAccess)
 * are loaded. Accounts other than moto's default (123456789012) are reached through sts:AssumeRole.
 */

const SERVER = path.join(__dirname, '..', '..', '.venv-test', 'bin', 'moto_server');

/** moto's account for credentials it did not issue. */
export const DEFAULT_ACCOUNT = '123456789012';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Moto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts moto. For runs over many accounts: `managedPolicies: false` leaves out the AWS managed policies, which moto
 * copies into every account it sees (about 3.5 s an account on 2 busy cores; seed the roles with
 * `managedPolicyStandIn`), and `defaultAmis: false` the public AMIs it loads into every account's EC2 (0.4 s).
 */
export async function startMoto(options: { managedPolicies?: boolean; defaultAmis?: boolean } = {}): Promise<Moto> {
  if (!fs.existsSync(SERVER)) {
    throw new Error(`${SERVER} is missing: run 'bash python-tests/venv.sh' (npm test does it first)`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    env: {
      ...process.env,
      MOTO_IAM_LOAD_MANAGED_POLICIES: String(options.managedPolicies ?? true),
      MOTO_EC2_LOAD_DEFAULT_AMIS: String(options.defaultAmis ?? true),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', chunk => (stderr += chunk));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not start within 60 s: ${stderr}`);
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  return {
    endpoint,
    stop: () => new Promise(resolve => {
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}

/** Forgets everything moto holds, so that each test seeds its own accounts. */
export async function resetMoto(moto: Moto) {
  const response = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) {
    throw new Error(`moto reset failed: ${response.status}`);
  }
}

/**
 * The test file's moto server, as the preflight suites use it: started before the file's tests with the process's
 * AWS environment pointed at it (test credentials, nothing from the machine's own AWS setup), reset before each test,
 * stopped after the file (the environment restored). `use` receives the server, for tests that call it directly;
 * `tempDir(prefix)` makes a folder (a cloud assembly's) that is removed after the file.
 */
export function useMoto(use: (moto: Moto) => void = () => undefined, options: Parameters<typeof startMoto>[0] = {}):
{ tempDir(prefix: string): string } {
  let moto: Moto | undefined;
  const savedEnv = { ...process.env };
  const tempDirs: string[] = [];
  beforeAll(async () => {
    moto = await startMoto(options);
    use(moto);
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
  });
  afterAll(async () => {
    await moto?.stop();
    process.env = savedEnv;
    tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
  });
  beforeEach(() => resetMoto(moto!));
  return {
    tempDir: prefix => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      tempDirs.push(dir);
      return dir;
    },
  };
}
