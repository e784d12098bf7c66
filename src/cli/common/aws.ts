import * as http from 'http';
import * as https from 'https';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/*
 * The AWS session layer of the command-line tool, apart from any verb: the caller (default credential chain:
 * environment, profiles, SSO, instance roles), credentials in other accounts through an assumed role, one
 * client per service, account and Region, and for every call a deadline that really aborts it, bounded
 * retries with backoff, and the run's budget. Errors are classified (`classify`) into what the user can fix.
 * The SDK honours `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`, so the tool can run against an emulator.
 *
 * At organization scale (1,000 accounts x 5 Regions) the session stays bounded: at most `maxInFlight` calls are
 * in flight at once, whatever the verb does; assumed-role credentials are cached per account (one sts:AssumeRole
 * per account and hour, renewed before they expire, as AWS advises against throttling:
 * https://repost.aws/knowledge-center/iam-sts-throttling-error); all clients share one pool of connections; and
 * only the most recently used clients are kept (an SDK client holds about 17 KB: 6,000 of them, 100 MB).
 *
 * Throttling: each client retries in the SDK's `standard` mode, whose backoff is "full jitter" (a random delay up
 * to 2^attempt x 100 ms, 500 ms base for throttling errors, at most 20 s) and whose retry quota (a token bucket)
 * belongs to the client. A client is one service in one account and Region, which is the scope AWS throttles in
 * (EC2: per account and Region, a token bucket per API, https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html;
 * KMS: per account and Region, https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html;
 * IAM and STS: token buckets per account, https://aws.amazon.com/blogs/security/how-to-monitor-and-query-iam-resources-at-scale-part-2/),
 * so one throttled account's retries never spend another's quota, and the calls to one account share its quota.
 */

/** How long calls may take, and how often they are tried. */
export interface SessionSettings {
  /** Deadline of one call, all its attempts and their backoff included (milliseconds). */
  readonly callTimeoutMs: number;
  /** Attempts of one call (throttling and transient errors are retried with backoff). */
  readonly maxAttempts: number;
  /** The run's budget (milliseconds): when it is spent, every call still waiting is aborted. */
  readonly budgetMs: number;
  /** The role to assume in accounts other than the caller's. */
  readonly assumeRoleName?: string;
  /** Calls in flight at once, all accounts, Regions and services together; the others wait for a slot (default: no bound). */
  readonly maxInFlight?: number;
  /** Clients kept for reuse; the least recently used are let go beyond it (default 512). */
  readonly maxClients?: number;
}

export const DEFAULT_SETTINGS: SessionSettings = { callTimeoutMs: 30_000, maxAttempts: 5, budgetMs: 300_000 };

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

/** What kept a call from answering, in the words the user needs. */
export type FailureKind = 'timeout' | 'budget' | 'refused' | 'reset' | 'unreachable' | 'throttled' | 'unavailable' | 'server-error'
| 'expired' | 'denied' | 'no-access' | 'unsupported' | 'incomplete' | 'error';

/** A check could not run: why, and how to fix it. Never a finding about the checked resource. */
export class NoAccess extends Error {
  constructor(message: string, public readonly fix: string, public readonly kind: FailureKind = 'no-access') {
    super(message);
  }
}

type Json = Record<string, any>;

/** The error code of an SDK error (`name`), e.g. `NoSuchEntity`, `NotFoundException`. */
export const errorCode = (e: unknown): string => String((e as { name?: unknown } | undefined)?.name ?? '');

const THROTTLING = /^(Throttling|ThrottlingException|ThrottledException|RequestThrottled|RequestThrottledException|TooManyRequestsException|RequestLimitExceeded|SlowDown|ProvisionedThroughputExceededException|TransactionInProgressException|PriorRequestNotComplete|BandwidthLimitExceeded|LimitExceededException|EC2ThrottledException)$/;
const EXPIRED = /^(ExpiredToken|ExpiredTokenException|RequestExpired|TokenRefreshRequired)$/;
const INVALID_CREDENTIALS = /^(InvalidClientTokenId|UnrecognizedClientException|InvalidAccessKeyId|SignatureDoesNotMatch|AuthFailure|IncompleteSignature)$/;
const DENIED = /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized|Forbidden/i;
const NETWORK = /^(ECONNRESET|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNABORTED)$/;

/** The network error code of an SDK error, if any (`ECONNREFUSED`, ...). */
function networkCode(e: unknown): string | undefined {
  for (let cause: any = e, depth = 0; cause && depth < 5; cause = cause.cause, depth++) {
    if (typeof cause.code === 'string' && /^E[A-Z_]+$/.test(cause.code)) {
      return cause.code;
    }
    // An error of another realm (as under jest) reaches us wrapped, with its code only in the message.
    const inMessage = /\b(ECONNREFUSED|ETIMEDOUT|ECONNRESET|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNABORTED)\b/.exec(String(cause.message ?? ''));
    if (inMessage) {
      return inMessage[1];
    }
    // Node's words for a connection the other end closed before answering (its code is ECONNRESET).
    if (/\bsocket hang up\b/.test(String(cause.message ?? ''))) {
      return 'ECONNRESET';
    }
    if (Array.isArray(cause.errors)) {
      const inner = cause.errors.map(networkCode).find((c: string | undefined) => c);
      if (inner) {
        return inner;
      }
    }
  }
  return undefined;
}

/**
 * Whether an error says the endpoint lacks the operation: AWS answers an unknown action with `InvalidAction`
 * (or `UnknownOperationException`, `NotImplemented`), HTTP 501 is "Not Implemented", and moto's query services name
 * it (`NotImplementedError`, "has not been implemented"). Any other HTTP 500 is a server error, whatever its body:
 * moto answers a call it lacks with a bare 500 too, which the fix of a server error says.
 */
function notImplemented(e: unknown): boolean {
  const name = errorCode(e);
  if (/^(InvalidAction|UnknownOperationException|UnknownOperation|NotImplemented|NotImplementedException|NotImplementedError)$/.test(name)) {
    return true;
  }
  return statusOf(e) === 501 || (name !== '' && name !== 'Unknown' && /has not been implemented/i.test(String((e as Error | undefined)?.message ?? '')));
}

/** The HTTP status of an SDK error's answer, if it had one. */
function statusOf(e: unknown): number | undefined {
  const status = (e as Json | undefined)?.$metadata?.httpStatusCode ?? (e as Json | undefined)?.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * An answer that lacks what a check needs (`kms:DescribeKey` without `KeyMetadata`, an empty `ssm:GetParameter`):
 * the check is unchecked with this reason, never passed and never a crash.
 */
export function incomplete(call: string, field: string): NoAccess {
  return new NoAccess(`the answer of ${call} has no ${field}`,
    `run again; if it persists, the endpoint does not answer ${call} as AWS documents it (check AWS_ENDPOINT_URL, a proxy in between)`, 'incomplete');
}

/** The field at `path` (`KeyMetadata.Arn`) of an answer when `ok` says it is what the check needs; else throws `incomplete`. */
export function required<T>(answer: unknown, path: string, call: string, ok: (value: unknown) => boolean = v => v !== undefined && v !== null): T {
  let value: unknown = answer;
  for (const name of path.split('.')) {
    value = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json)[name] : undefined;
  }
  if (!ok(value)) {
    throw incomplete(call, path);
  }
  return value as T;
}

/** Checks for `required`. */
export const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
export const isList = (v: unknown): v is unknown[] => Array.isArray(v);
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/** The call an error came from, as IAM names it (`kms:DescribeKey`), when the session made it. */
export const callOf = (e: unknown): string | undefined => (e as { $call?: string } | undefined)?.$call;

/**
 * What an error of a call means for the user: the reason the call gave no usable answer and the fix. Service
 * answers that a check interprets (NotFound, ...) are the check's business; this is for everything else.
 */
export function classify(e: unknown, settings: Pick<SessionSettings, 'callTimeoutMs' | 'budgetMs'>, endpoint?: string): NoAccess {
  if (e instanceof NoAccess) {
    return e;
  }
  const call = callOf(e) ?? 'the AWS call';
  const name = errorCode(e);
  const message = String((e as Error | undefined)?.message ?? e).split('\n')[0];
  const attempts: number | undefined = (e as Json | undefined)?.$metadata?.attempts;
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  if (name === 'BudgetSpent') {
    return new NoAccess(`the run's budget of ${seconds(settings.budgetMs)} was spent before ${call} answered`,
      'raise --timeout, or check fewer Regions at once (--region-filter)', 'budget');
  }
  const network = networkCode(e);
  const tries = attempts === undefined ? '' : ` after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  const where = endpoint ?? 'the AWS endpoint';
  // The SDK names a reset connection TimeoutError ("socket hang up"): its code says what happened.
  if (network === 'ECONNRESET' || network === 'EPIPE') {
    return new NoAccess(`the connection to ${where} was reset before ${call} answered (${network}${tries})`,
      `run again; if it persists, check what sits between here and ${where} (proxy, firewall, VPC endpoint, AWS_ENDPOINT_URL)`, 'reset');
  }
  if (name === 'CallTimeout' || name === 'TimeoutError' || name === 'AbortError' || network === 'ETIMEDOUT') {
    return new NoAccess(`no answer in ${seconds(settings.callTimeoutMs)} (${call})`,
      `check the network path to ${where} (proxy, VPC endpoint, AWS_ENDPOINT_URL), or raise --call-timeout`, 'timeout');
  }
  if (network === 'ECONNREFUSED') {
    return new NoAccess(`connection refused by ${where} (${call})`,
      'check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, the proxy settings and that the endpoint is reachable', 'refused');
  }
  if (network && NETWORK.test(network)) {
    return new NoAccess(`cannot reach ${where} (${network}, ${call})`,
      'check the network, DNS and proxy settings, and the Region', 'unreachable');
  }
  const status = statusOf(e);
  // An answer without an error code (an empty body, or one the SDK cannot parse) is read by its HTTP status.
  const bare = /^(|Error|Unknown|UnknownError|SyntaxError)$/.test(name);
  if (THROTTLING.test(name) || (bare && status === 429)) {
    return new NoAccess(`throttled (${THROTTLING.test(name) ? name : `HTTP ${status}`}) after ${attempts ?? 'all'} attempt${attempts === 1 ? '' : 's'} of ${call}`,
      'run again later or with a lower --concurrency; other tools may be using the same account\'s API rate', 'throttled');
  }
  if (EXPIRED.test(name)) {
    return new NoAccess(`the credentials have expired (${name}, ${call})`,
      'refresh them (aws sso login, a new session token, or a new assume-role session) and run again', 'expired');
  }
  if (name === 'CredentialsProviderError') {
    return new NoAccess(`no credentials found (${message})`,
      'configure credentials (aws configure, aws sso login, or AWS_PROFILE) and a Region (AWS_REGION)', 'expired');
  }
  if (INVALID_CREDENTIALS.test(name)) {
    return new NoAccess(`the credentials are not valid (${name}: ${message}, ${call})`,
      'configure valid credentials (aws configure, aws sso login, or AWS_PROFILE)', 'expired');
  }
  if (notImplemented(e)) {
    return new NoAccess(`not checkable on this endpoint: ${endpoint ?? 'the endpoint'} does not implement ${call}`,
      `run the command against AWS (without AWS_ENDPOINT_URL), where ${call} exists`, 'unsupported');
  }
  if (DENIED.test(name)) {
    return new NoAccess(`access denied to ${call} (${name})`,
      `give the credentials ${call === 'the AWS call' ? 'read access for this check' : `the read-only permission ${call}`} (see README, "Preflight")`, 'denied');
  }
  if (status === 503 && (bare || /^(ServiceUnavailable|ServiceUnavailableException|Unavailable)$/.test(name))) {
    return new NoAccess(`${where} was unavailable (HTTP 503${bare ? '' : `, ${name}`})${tries} (${call})`,
      'run again later; if it persists, see the AWS Health Dashboard for the service and Region', 'unavailable');
  }
  if (status !== undefined && status >= 500) {
    return new NoAccess(`${where} answered a server error (HTTP ${status}${bare ? '' : `, ${name}`})${tries} (${call})`,
      `run again later; if it persists, see the AWS Health Dashboard for the service and Region (an emulator behind AWS_ENDPOINT_URL answers 500 to a call it lacks: then run against AWS, where ${call} exists)`,
      'server-error');
  }
  if (callOf(e) === undefined && (e as Json | undefined)?.$metadata === undefined) {
    // Not an error of a call: the check met an answer it could not read. Its own result says so; no other is lost.
    return new NoAccess(`an answer could not be read (${name || 'Error'}: ${message})`,
      'run again; if it persists, the endpoint does not answer as AWS documents it (check AWS_ENDPOINT_URL, a proxy in between)', 'error');
  }
  return new NoAccess(`${call} failed: ${name || 'Error'}: ${message}`, 'see the error; run the command again once it is fixed', 'error');
}

type ClientClass<T> = new (config: Record<string, unknown>) => T;
interface Sendable {
  config: { serviceId?: string; endpoint?: () => Promise<{ hostname?: string; port?: number; protocol?: string }> };
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Rejects with `reason()` when `signal` aborts, whatever `promise` does (a pending backoff cannot outlive the deadline). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, reason: () => Error): Promise<T> {
  if (signal.aborted) {
    // The SDK rejects the request it was handed with an aborted signal: handled here, or it is an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.reject(reason());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(v => {
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    }, e => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}

/** At most `limit` holders at once; the others wait in order. */
export class Slots {
  private held = 0;
  private readonly waiting: Array<() => void> = [];
  /** The most held at once. */
  public peak = 0;

  constructor(private readonly limit: number) {}

  /** Resolves with the release function once a slot is free; rejects with `reason()` if `signal` aborts first. */
  public acquire(signal: AbortSignal, reason: () => Error): Promise<() => void> {
    if (signal.aborted) {
      return Promise.reject(reason());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        this.held++;
        this.peak = Math.max(this.peak, this.held);
        let released = false;
        resolve(() => {
          if (!released) {
            released = true;
            this.held--;
            this.waiting.shift()?.();
          }
        });
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) {
          this.waiting.splice(index, 1);
        }
        reject(reason());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (this.held < this.limit) {
        grant();
      } else {
        this.waiting.push(grant);
      }
    });
  }
}

/** What a session did, for the benchmark and the tests. */
export interface SessionStats {
  /** Calls sent (each with its retries). */
  readonly calls: number;
  /** The most calls in flight at once. */
  readonly peakInFlight: number;
  /** Clients made in all (clients let go and made again count again). */
  readonly clientsMade: number;
  /** Accounts whose role was assumed. */
  readonly accountsAssumed: number;
}

/** Credentials are renewed this long before they expire (the SDK's own margin is 5 minutes). */
const RENEW_BEFORE_MS = 10 * 60_000;

export class AwsSession {
  public readonly settings: SessionSettings;
  private identityPromise?: Promise<Identity>;
  private readonly credentials = new Map<string, Promise<Credentials | undefined>>();
  /** Clients by service, account and Region, least recently used first. */
  private readonly clients = new Map<string, unknown>();
  /** One pool of keep-alive connections for every client, bounded like the calls. */
  private readonly agents: { httpAgent: http.Agent; httpsAgent: https.Agent };
  private sts?: STSClient;
  private readonly slots: Slots;
  private calls = 0;
  private clientsMade = 0;
  private readonly run = new AbortController();
  private readonly budgetTimer: NodeJS.Timeout;

  constructor(settings: Partial<SessionSettings> = {}) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    this.budgetTimer = setTimeout(() => this.run.abort(), this.settings.budgetMs);
    this.budgetTimer.unref();
    const maxInFlight = this.settings.maxInFlight ?? Infinity;
    this.slots = new Slots(maxInFlight);
    const pool = { keepAlive: true, maxSockets: Number.isFinite(maxInFlight) ? maxInFlight : Infinity, maxFreeSockets: 16 };
    this.agents = { httpAgent: new http.Agent(pool), httpsAgent: new https.Agent(pool) };
  }

  public get stats(): SessionStats {
    return { calls: this.calls, peakInFlight: this.slots.peak, clientsMade: this.clientsMade, accountsAssumed: this.credentials.size };
  }

  /** Whether the run's budget is spent. */
  public get budgetSpent(): boolean {
    return this.run.signal.aborted;
  }

  /** Stops the budget's timer and closes the connections (of every client: they share them). */
  public close() {
    clearTimeout(this.budgetTimer);
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  /** The caller; throws (a `NoAccess`) when there are no usable credentials or no Region. */
  public identity(): Promise<Identity> {
    this.identityPromise ??= (async () => {
      const sts = this.sts ??= this.newClient(STSClient, {});
      let region: string;
      try {
        region = await sts.config.region();
      } catch (e) {
        throw new NoAccess(`no Region configured (${(e as Error).message.split('\n')[0]})`, 'set AWS_REGION or a region in the profile');
      }
      let caller: Json;
      try {
        caller = await this.send<Json>(sts, new GetCallerIdentityCommand({}), 'sts:GetCallerIdentity');
      } catch (e) {
        throw classify(e, this.settings, await this.endpointOf(sts));
      }
      return { account: caller.Account!, arn: caller.Arn!, partition: caller.Arn!.split(':')[1], region };
    })();
    return this.identityPromise;
  }

  /** A client of `service` in `account` and `region` (the caller's Region for global services). */
  public async client<T>(service: ClientClass<T>, account: string, region?: string): Promise<T> {
    const identity = await this.identity();
    // Fails here (a NoAccess) when the account's role cannot be assumed; the client renews the credentials itself.
    const credentials = await this.credentialsFor(account);
    const key = `${service.name}/${account}/${region ?? identity.region}`;
    let client = this.clients.get(key);
    if (client) {
      // Most recently used last.
      this.clients.delete(key);
    } else {
      client = this.newClient(service, { region: region ?? identity.region, ...(credentials ? { credentials: () => this.renewed(account) } : {}) });
      const max = this.settings.maxClients ?? 512;
      for (const oldest of this.clients.keys()) {
        if (this.clients.size < max) {
          break;
        }
        // Its calls in flight finish; its connections belong to the shared pool.
        this.clients.delete(oldest);
      }
    }
    this.clients.set(key, client);
    return client as T;
  }

  /**
   * Sends `command` with the call's deadline and the run's budget. Errors keep the service's error (its
   * name is the error code) and carry the call's IAM name in `$call`; a deadline or the budget rejects
   * with `CallTimeout` / `BudgetSpent`.
   */
  public async send<O>(client: unknown, command: { constructor: { name: string } }, call?: string): Promise<O> {
    const c = client as Sendable;
    const name = call ?? `${String(c.config.serviceId ?? 'aws').toLowerCase().replace(/\s+/g, '')}:${command.constructor.name.replace(/Command$/, '')}`;
    const reason = () => Object.assign(new Error(this.run.signal.aborted ? 'budget spent' : 'call deadline passed'), {
      name: this.run.signal.aborted ? 'BudgetSpent' : 'CallTimeout',
      $call: name,
    });
    // Waiting for a slot counts against the run's budget, not against the call's deadline.
    const release = await this.slots.acquire(this.run.signal, reason);
    this.calls++;
    const deadline = AbortSignal.timeout(this.settings.callTimeoutMs);
    const signal = AbortSignal.any([this.run.signal, deadline]);
    try {
      return await raceAbort(c.send(command, { abortSignal: signal }) as Promise<O>, signal, reason);
    } catch (e) {
      if (signal.aborted && !(e as Json)?.$call) {
        throw reason();
      }
      if (e && typeof e === 'object' && !(e as Json).$call) {
        Object.defineProperty(e, '$call', { value: name, enumerable: false });
      }
      throw e;
    } finally {
      release();
    }
  }

  /** The endpoint a client talks to, for messages: the configured one, or AWS's for its service and Region. */
  public async endpointOf(client: unknown): Promise<string | undefined> {
    const c = client as Sendable & { config: { region?: () => Promise<string> } };
    const serviceId = String(c.config.serviceId ?? '');
    const configured = process.env[`AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/ /g, '_')}`] ?? process.env.AWS_ENDPOINT_URL;
    if (configured) {
      return configured;
    }
    try {
      const endpoint = await c.config.endpoint?.();
      if (endpoint?.hostname) {
        return `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
      }
      return `the ${serviceId} endpoint of ${await c.config.region?.()}`;
    } catch {
      return undefined;
    }
  }

  private newClient<T>(service: ClientClass<T>, config: Record<string, unknown>): T {
    const client = new service({
      retryMode: 'standard',
      maxAttempts: this.settings.maxAttempts,
      // The SDK only logs a passed requestTimeout unless told to throw; the call's AbortSignal bounds it too.
      requestHandler: {
        connectionTimeout: Math.min(10_000, this.settings.callTimeoutMs),
        requestTimeout: this.settings.callTimeoutMs,
        throwOnRequestTimeout: true,
        ...this.agents,
      },
      ...config,
    });
    this.clientsMade++;
    return client;
  }

  /** The account's assumed-role credentials, assumed again when they are about to expire. */
  private async renewed(account: string): Promise<Credentials> {
    let credentials = await this.credentialsFor(account);
    if (credentials?.expiration && credentials.expiration.getTime() - Date.now() < RENEW_BEFORE_MS) {
      this.credentials.delete(account);
      credentials = await this.credentialsFor(account);
    }
    return credentials!;
  }

  /** The caller's own credentials (undefined) for its account; for another account, the assumed role's. */
  private async credentialsFor(account: string): Promise<Credentials | undefined> {
    const identity = await this.identity();
    if (account === identity.account) {
      return undefined;
    }
    const roleName = this.settings.assumeRoleName;
    if (!roleName) {
      throw new NoAccess(`no credentials for account ${account} (the caller is in ${identity.account})`,
        `pass --assume-role-name with a role the caller may assume in ${account} (e.g. OrganizationAccountAccessRole), or run the command with credentials of ${account}`);
    }
    if (!this.credentials.has(account)) {
      this.credentials.set(account, (async () => {
        const roleArn = `arn:${identity.partition}:iam::${account}:role/${roleName}`;
        // One client for every sts:AssumeRole: they all count against the caller's account.
        const sts = this.sts ??= this.newClient(STSClient, {});
        try {
          const assumed = await this.send<Json>(sts, new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'cdk-imagebuilder-distribution-preflight' }), 'sts:AssumeRole');
          const c = assumed.Credentials;
          return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
        } catch (e) {
          if (DENIED.test(errorCode(e))) {
            // STS answers the same for a role that does not exist and one whose trust policy leaves the caller out.
            throw new NoAccess(`cannot assume ${roleArn}: sts:AssumeRole was denied (${errorCode(e)}): either no role ${roleName} exists in ${account}, or its trust policy does not let ${identity.arn} assume it, or the caller's policies deny sts:AssumeRole`,
              `create ${roleName} in ${account} trusting ${identity.account} (or the caller's role), or allow the caller sts:AssumeRole on ${roleArn}`, 'denied');
          }
          const why = classify(e, this.settings, await this.endpointOf(sts));
          throw new NoAccess(`cannot assume ${roleArn}: ${why.message}`, why.fix, why.kind);
        }
      })());
    }
    return this.credentials.get(account);
  }
}

/**
 * Runs `work` on every item, at most `limit` at a time, started in order of the items; `done` hears of each
 * result as it arrives (to stream it); the results come back in order of the items.
 */
export async function mapLimit<T, R>(
  items: T[], limit: number, work: (item: T) => Promise<R>, done?: (result: R, index: number) => void,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
      done?.(results[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
