import * as http from 'http';
import { AddressInfo } from 'net';
import { BENCH_REGIONS, OWNER, amiOf } from './retire-endpoint';
import { imageArn, imageOf } from '../test/endpoints/imagebuilder';

/*
 * The local endpoint of the verify benchmark (bench/verify-scale.ts): one HTTP server on 127.0.0.1 answering every
 * call verify makes for a synthetic image distributed to `targets` target accounts x `regions` Regions with a
 * customer managed key per Region, a correct distribution: Image Builder's GetImage (restJson), STS's
 * GetCallerIdentity and AssumeRole (awsQuery), EC2's DescribeImages, DescribeSnapshots and DescribeImageAttribute
 * (the EC2 query protocol) and KMS's DescribeKey (awsJson 1.1), each in its wire format and after a fixed delay
 * (the latency of a call); it counts the requests in flight (now and at most). The credentials each assumed role
 * gets name the account (ASIA + its ID), and every EC2 read of an account's AMI must be signed with that account's
 * credentials (the caller's own, `testing`, in the owner's): a read signed for another account is counted as
 * wrong, and the benchmark fails. test/endpoints/ is not reused: its EC2 endpoint passes calls to moto and
 * validates every answer against the EC2 model, whose cost would be measured with verify.
 */

export interface VerifyBenchEndpoint {
  readonly endpoint: string;
  readonly imageArn: string;
  readonly configurationArn: string;
  /** Requests by operation. */
  readonly seen: Map<string, number>;
  readonly inFlight: { now: number; peak: number };
  /** Requests it could not answer, or signed for another account than the AMI's: the benchmark fails when any. */
  readonly unknown: string[];
  reset(): void;
  close(): Promise<void>;
}

/** The accounts with a copy: the image's owner first, then `targets` target accounts. */
export function verifyAccountsOf(targets: number): string[] {
  return [OWNER, ...Array.from({ length: targets }, (_, i) => String(300000000000 + i))];
}

/** The customer managed key of a Region (the owner's), with which every copy in that Region is encrypted. */
export const keyOf = (region: string) => `arn:aws:kms:${region}:${OWNER}:key/0000beef-0000-4000-8000-${BENCH_REGIONS.indexOf(region).toString().padStart(12, '0')}`;

/** The tag the configuration puts on the owner's AMIs (verify compares it). */
export const BENCH_TAGS = { team: 'platform' };

/** The access key ID of the assumed role's credentials in `account`: the endpoint reads the account from it. */
export const accessKeyOf = (account: string) => `ASIA${account}`;

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ec2 = (operation: string, body: string) => `<${operation}Response xmlns="${EC2_NS}"><requestId>bench</requestId>${body}</${operation}Response>`;
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const sts = (operation: string, body: string) =>
  `<${operation}Response xmlns="${STS_NS}"><${operation}Result>${body}</${operation}Result><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></${operation}Response>`;

export async function startVerifyBenchEndpoint(targets: number, regions: number, delayMs: number): Promise<VerifyBenchEndpoint> {
  const ids = verifyAccountsOf(targets);
  const regionNames = BENCH_REGIONS.slice(0, regions);
  const arn = imageArn('us-east-1', OWNER, 'golden', '1.0.0', 1);
  const configurationArn = `arn:aws:imagebuilder:us-east-1:${OWNER}:distribution-configuration/golden`;
  const image = imageOf({
    arn,
    distributionConfiguration: {
      arn: configurationArn,
      name: 'golden',
      distributions: regionNames.map(region => ({
        region,
        amiDistributionConfiguration: { name: 'golden-{{ imagebuilder:buildDate }}', targetAccountIds: ids.slice(1), kmsKeyId: keyOf(region), amiTags: BENCH_TAGS },
      })),
      timeoutMinutes: 720,
    },
    amis: ids.flatMap((accountId, a) => regionNames.map((region, r) => ({ region, accountId, image: amiOf(a, r) }))),
  });
  const getImage = JSON.stringify({ requestId: 'bench', image });
  const expiration = () => new Date(Date.now() + 3600_000).toISOString();
  /** The account and Region of an AMI or snapshot ID (amiOf's numbering). */
  const owning = (id: string) => {
    const n = parseInt(id.replace(/^(ami|snap)-/, ''), 16);
    return { account: ids[Math.floor(n / 100)], region: regionNames[n % 100] };
  };
  const tags = Object.entries(BENCH_TAGS).map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`).join('');

  const seen = new Map<string, number>();
  const inFlight = { now: 0, peak: 0 };
  const unknown: string[] = [];

  const answer = (req: http.IncomingMessage, body: string): { type: string; text: string; operation: string } | undefined => {
    const url = req.url ?? '';
    if (url.startsWith('/GetImage')) {
      return { type: 'application/json', text: getImage, operation: 'GetImage' };
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target === 'TrentService.DescribeKey') {
      const keyId = String(JSON.parse(body).KeyId ?? '');
      const region = keyId.split(':')[3];
      return {
        type: 'application/x-amz-json-1.1',
        operation: 'DescribeKey',
        text: JSON.stringify({
          KeyMetadata: {
            AWSAccountId: OWNER,
            KeyId: keyId.split('/').pop(),
            Arn: keyOf(region),
            Enabled: true,
            KeyState: 'Enabled',
            KeyManager: 'CUSTOMER',
            KeyUsage: 'ENCRYPT_DECRYPT',
            KeySpec: 'SYMMETRIC_DEFAULT',
            Origin: 'AWS_KMS',
            CreationDate: 1700000000,
            MultiRegion: false,
          },
        }),
      };
    }
    const params = new URLSearchParams(body);
    const operation = params.get('Action') ?? '';
    const xml = (text: string) => ({ type: 'text/xml', text, operation });
    // The access key ID the request is signed with (SigV4's Credential=<key>/<date>/<region>/<service>/aws4_request).
    const key = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    /** Whether a read of `account`'s resource was signed with that account's credentials. */
    const signedFor = (account: string | undefined) => account !== undefined && key === (account === OWNER ? 'testing' : accessKeyOf(account));
    switch (operation) {
      case 'GetCallerIdentity':
        return xml(sts(operation, `<Arn>arn:aws:iam::${OWNER}:user/bench</Arn><UserId>AIDABENCH</UserId><Account>${OWNER}</Account>`));
      case 'AssumeRole': {
        const role = params.get('RoleArn') ?? '';
        const account = role.split(':')[4];
        return xml(sts(operation, `<Credentials><AccessKeyId>${accessKeyOf(account)}</AccessKeyId><SecretAccessKey>bench</SecretAccessKey><SessionToken>bench</SessionToken><Expiration>${expiration()}</Expiration></Credentials>`
          + `<AssumedRoleUser><Arn>${role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/bench</Arn><AssumedRoleId>AROABENCH:bench</AssumedRoleId></AssumedRoleUser>`));
      }
      case 'DescribeImages': {
        const id = params.get('ImageId.1') ?? '';
        const { account } = owning(id);
        if (!signedFor(account)) {
          return undefined;
        }
        return xml(ec2(operation, `<imagesSet><item><imageId>${id}</imageId><imageOwnerId>${account}</imageOwnerId><imageState>available</imageState><name>golden</name>`
          + `<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>${id.replace(/^ami-/, 'snap-')}</snapshotId><encrypted>true</encrypted></ebs></item></blockDeviceMapping>`
          + `${account === OWNER ? `<tagSet>${tags}</tagSet>` : ''}</item></imagesSet>`));
      }
      case 'DescribeSnapshots': {
        const id = params.get('SnapshotId.1') ?? '';
        const { account, region } = owning(id);
        if (!signedFor(account)) {
          return undefined;
        }
        return xml(ec2(operation, `<snapshotSet><item><snapshotId>${id}</snapshotId><volumeId>vol-ffffffff</volumeId><status>completed</status><ownerId>${account}</ownerId>`
          + `<volumeSize>8</volumeSize><encrypted>true</encrypted><kmsKeyId>${keyOf(region)}</kmsKeyId></item></snapshotSet>`));
      }
      case 'DescribeImageAttribute': {
        const id = params.get('ImageId') ?? '';
        if (!signedFor(owning(id).account)) {
          return undefined;
        }
        return xml(ec2(operation, `<imageId>${id}</imageId><launchPermission/>`));
      }
      default:
        return undefined;
    }
  };

  const server = http.createServer((req, res) => {
    inFlight.now++;
    inFlight.peak = Math.max(inFlight.peak, inFlight.now);
    res.on('close', () => inFlight.now--);
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const found = answer(req, Buffer.concat(chunks).toString('utf-8'));
      setTimeout(() => {
        if (!found) {
          // What it was: an operation it does not know, or a read signed for another account.
          const action = new URLSearchParams(Buffer.concat(chunks).toString('utf-8')).get('Action') ?? req.headers['x-amz-target'] ?? '';
          unknown.push(`${req.method} ${req.url} ${action} (${/Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'unsigned'})`);
          res.writeHead(500).end();
          return;
        }
        seen.set(found.operation, (seen.get(found.operation) ?? 0) + 1);
        res.writeHead(200, { 'content-type': found.type }).end(found.text);
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    imageArn: arn,
    configurationArn,
    seen,
    inFlight,
    unknown,
    reset() {
      seen.clear();
      inFlight.peak = inFlight.now;
      unknown.length = 0;
    },
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
