import { GetCallerIdentityCommand, AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/*
 * AWS access for the preflight: the caller (default credential chain: environment, profiles, SSO, instance
 * roles), credentials in other accounts through `--assume-role-name`, and one client per service, account
 * and Region. The SDK retries throttling and transient errors with backoff (adaptive mode, more attempts than
 * its default), and honours `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`, so the command can run
 * against an emulator.
 */

/** Client settings for every call: retries with backoff on throttling, bounded waits. */
export const CLIENT_SETTINGS = {
  retryMode: 'adaptive',
  maxAttempts: 8,
  requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
} as const;

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** The caller, from `sts:GetCallerIdentity`. */
export interface Identity {
  readonly account: string;
  readonly arn: string;
  readonly partition: string;
  /** The caller's default Region (environment or profile). */
  readonly region: string;
}

/** Credentials cannot be had for an account: the checks there are not run. */
export class NoAccess extends Error {
  constructor(message: string, public readonly fix: string) {
    super(message);
  }
}

type ClientClass<T> = new (config: Record<string, unknown>) => T;

export class AwsAccess {
  private identityPromise?: Promise<Identity>;
  private readonly credentials = new Map<string, Promise<Credentials | undefined>>();
  private readonly clients = new Map<string, unknown>();

  constructor(private readonly options: { readonly assumeRoleName?: string } = {}) {}

  /** The caller; throws when there are no usable credentials or no Region. */
  public identity(): Promise<Identity> {
    this.identityPromise ??= (async () => {
      const sts = new STSClient({ ...CLIENT_SETTINGS });
      const region = await sts.config.region();
      const caller = await sts.send(new GetCallerIdentityCommand({}));
      return { account: caller.Account!, arn: caller.Arn!, partition: caller.Arn!.split(':')[1], region };
    })();
    return this.identityPromise;
  }

  /** A client of `service` in `account` and `region` (the caller's Region for global services). */
  public async client<T>(service: ClientClass<T>, account: string, region?: string): Promise<T> {
    const identity = await this.identity();
    const credentials = await this.credentialsFor(account);
    const key = `${service.name}/${account}/${region ?? identity.region}`;
    if (!this.clients.has(key)) {
      this.clients.set(key, new service({ ...CLIENT_SETTINGS, region: region ?? identity.region, ...(credentials ? { credentials } : {}) }));
    }
    return this.clients.get(key) as T;
  }

  /** The caller's own credentials (undefined) for its account; for another account, the assumed role's. */
  private async credentialsFor(account: string): Promise<Credentials | undefined> {
    const identity = await this.identity();
    if (account === identity.account) {
      return undefined;
    }
    const roleName = this.options.assumeRoleName;
    if (!roleName) {
      throw new NoAccess(`no credentials for account ${account} (the caller is in ${identity.account})`,
        `pass --assume-role-name with a role the caller may assume in ${account} (e.g. OrganizationAccountAccessRole), or run the command with credentials of ${account}`);
    }
    if (!this.credentials.has(account)) {
      this.credentials.set(account, (async () => {
        const roleArn = `arn:${identity.partition}:iam::${account}:role/${roleName}`;
        const sts = new STSClient({ ...CLIENT_SETTINGS });
        const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'cdk-imagebuilder-distribution-preflight' }));
        const c = assumed.Credentials!;
        return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken, expiration: c.Expiration };
      })().catch((e: Error) => {
        throw new NoAccess(`cannot assume ${roleName} in account ${account}: ${e.name}: ${e.message}`,
          `check that the role ${roleName} exists in ${account} and trusts ${identity.arn}`);
      }));
    }
    return this.credentials.get(account);
  }
}

/** Runs `work` on every item, at most `limit` at a time, in order of the items. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
