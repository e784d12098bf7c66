import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
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
