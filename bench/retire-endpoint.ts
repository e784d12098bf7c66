import * as http from 'http';
import { AddressInfo } from 'net';
import { imageArn, imageOf } from '../test/endpoints/imagebuilder';

/*
 * The local endpoint of the retire benchmark (bench/retire-scale.ts): one HTTP server on 127.0.0.1 answering every
 * call a dry-run retire plan makes for a synthetic image whose GetImage lists a copy in each of `accounts` accounts
 * x `regions` Regions, none used by anything, in the wire format of each call's protocol (restJson for Image
 * Builder's GetImage; the EC2 query protocol for DescribeImages, DescribeImageReferences, DescribeImageAttribute;
 * awsQuery for STS and Auto Scaling). Each answer is sent after a fixed delay (the latency of a call), and the
 * requests in flight are counted (now and at most). test/endpoints/ec2.ts is not reused here: it passes every call
 * it does not emulate to moto, and validates every answer against the EC2 model, whose cost on a shared machine
 * would be measured with the command.
 */

export interface RetireBenchEndpoint {
  readonly endpoint: string;
  readonly imageArn: string;
  /** Requests by `Operation`. */
  readonly seen: Map<string, number>;
  readonly inFlight: { now: number; peak: number };
  /** Requests it could not answer (an operation it does not know): the benchmark fails when any. */
  readonly unknown: string[];
  reset(): void;
  close(): Promise<void>;
}

export const OWNER = '123456789012';
export const BENCH_REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1', 'ap-southeast-2', 'us-east-2', 'eu-north-1', 'ca-central-1', 'sa-east-1', 'ap-northeast-1'];

/** The accounts with a copy: the image's owner first, then the targets. */
export function accountsOf(count: number): string[] {
  return [OWNER, ...Array.from({ length: count - 1 }, (_, i) => String(300000000000 + i))];
}

/** The AMI ID of the copy in `account` (its index) and `region` (its index): unique, 17 hex digits. */
export const amiOf = (account: number, region: number) => `ami-${(account * 100 + region).toString(16).padStart(17, '0')}`;

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ec2 = (operation: string, body: string) => `<${operation}Response xmlns="${EC2_NS}"><requestId>bench</requestId>${body}</${operation}Response>`;
const query = (ns: string, operation: string, body: string) =>
  `<${operation}Response xmlns="${ns}"><${operation}Result>${body}</${operation}Result><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></${operation}Response>`;
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ASG_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

export async function startRetireBenchEndpoint(accounts: number, regions: number, delayMs: number): Promise<RetireBenchEndpoint> {
  const ids = accountsOf(accounts);
  const regionNames = BENCH_REGIONS.slice(0, regions);
  const arn = imageArn('us-east-1', OWNER, 'golden', '1.0.0', 1);
  const image = imageOf({
    arn,
    distributionConfiguration: {
      arn: `arn:aws:imagebuilder:us-east-1:${OWNER}:distribution-configuration/golden`,
      name: 'golden',
      distributions: regionNames.map(region => ({ region, amiDistributionConfiguration: { name: 'golden-{{ imagebuilder:buildDate }}', targetAccountIds: ids.slice(1) } })),
      timeoutMinutes: 720,
    },
    amis: ids.flatMap((accountId, a) => regionNames.map((region, r) => ({ region, accountId, image: amiOf(a, r) }))),
  });
  const getImage = JSON.stringify({ requestId: 'bench', image });
  const expiration = () => new Date(Date.now() + 3600_000).toISOString();

  const seen = new Map<string, number>();
  const inFlight = { now: 0, peak: 0 };
  const unknown: string[] = [];

  const answer = (url: string, body: string): { type: string; text: string; operation: string } | undefined => {
    if (url.startsWith('/GetImage')) {
      return { type: 'application/json', text: getImage, operation: 'GetImage' };
    }
    const params = new URLSearchParams(body);
    const operation = params.get('Action') ?? '';
    const xml = (text: string) => ({ type: 'text/xml', text, operation });
    switch (operation) {
      case 'GetCallerIdentity':
        return xml(query(STS_NS, operation, `<Arn>arn:aws:iam::${OWNER}:user/bench</Arn><UserId>AIDABENCH</UserId><Account>${OWNER}</Account>`));
      case 'AssumeRole': {
        const role = params.get('RoleArn') ?? '';
        return xml(query(STS_NS, operation, `<Credentials><AccessKeyId>ASIABENCH</AccessKeyId><SecretAccessKey>bench</SecretAccessKey><SessionToken>bench</SessionToken><Expiration>${expiration()}</Expiration></Credentials>`
          + `<AssumedRoleUser><Arn>${role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/bench</Arn><AssumedRoleId>AROABENCH:bench</AssumedRoleId></AssumedRoleUser>`));
      }
      case 'DescribeAutoScalingGroups':
        return xml(query(ASG_NS, operation, '<AutoScalingGroups/>'));
      case 'DescribeImages': {
        const id = params.get('ImageId.1') ?? '';
        const snapshot = id.replace(/^ami-/, 'snap-');
        return xml(ec2(operation, `<imagesSet><item><imageId>${id}</imageId><imageState>available</imageState><name>golden</name>`
          + `<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>${snapshot}</snapshotId></ebs></item></blockDeviceMapping></item></imagesSet>`));
      }
      case 'DescribeImageReferences':
        return xml(ec2(operation, '<imageReferenceSet/>'));
      case 'DescribeImageAttribute':
        return xml(ec2(operation, `<imageId>${params.get('ImageId') ?? ''}</imageId><launchPermission/>`));
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
      const found = answer(req.url ?? '', Buffer.concat(chunks).toString('utf-8'));
      setTimeout(() => {
        if (!found) {
          unknown.push(`${req.method} ${req.url}`);
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
