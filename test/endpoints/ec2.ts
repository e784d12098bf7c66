import { randomBytes } from 'crypto';
import * as http from 'http';
import * as net from 'net';
import { Obj } from './imagebuilder';
import { Shape, ServiceModel, loadModel, validate } from './model';

/*
 * A local EC2 endpoint in front of moto (or of the fault endpoint in front of moto) for the verify tests: an HTTP
 * proxy on 127.0.0.1 that answers a few EC2 calls itself, from state the test seeds, in EC2's own wire format (the
 * EC2 query protocol: form-encoded requests, XML answers with the model's `locationName`s), and passes every other
 * request through unchanged.
 *
 * Emulated, and why:
 * - DescribeImages and DescribeSnapshots: moto 5.2.5 does not keep a snapshot's KMS key (a snapshot of a volume
 *   created with KmsKeyId reports Encrypted: true and no KmsKeyId) and CreateImage, CopyImage and RegisterImage drop
 *   the encryption, so moto cannot say which key encrypts an AMI's snapshots: the very thing verify checks.
 * - DescribeFastLaunchImages: moto has no EC2 fast launch.
 * - On request (`emulate`), for retire: DescribeImageReferences, the image usage report (CreateImageUsageReport,
 *   DescribeImageUsageReports, DescribeImageUsageReportEntries) and EnableImageDeprecation, which moto 5.2.5
 *   lacks; their answers come from the state the test seeds (`imageReferences`, `imageUsage`), and deprecations
 *   are recorded (`deprecations`).
 * Everything else (DescribeImageAttribute for launch permissions, launch templates, and the other services: SSM,
 * KMS, STS, IAM) is moto's. The seed registers each AMI in moto too (`RegisterImage`), so that its launch
 * permissions and launch templates live there; this endpoint holds what moto cannot: the image's state, tags and
 * block devices, and its snapshots' encryption.
 *
 * The state is keyed by Region and ID (AMI and snapshot IDs are unique); the image's `OwnerId` says whose it is.
 * Every request it answers is read with the model's names and validated against the operation's input, and
 * every answer is validated against its output before it is written from the model: an answer that does not match
 * is not sent (HTTP 500, recorded in `problems`, which the tests assert empty).
 */

export interface Ec2State {
  /** Images (the model's `Image`: `ImageId`, `OwnerId`, `State`, `Tags`, `BlockDeviceMappings`, ...) by `region/imageId`. */
  readonly images: Map<string, Obj>;
  /** Snapshots (the model's `Snapshot`: `SnapshotId`, `OwnerId`, `Encrypted`, `KmsKeyId`, ...) by `region/snapshotId`. */
  readonly snapshots: Map<string, Obj>;
  /** Fast launch of images (the model's `DescribeFastLaunchImagesSuccessItem`) by `region/imageId`. */
  readonly fastLaunch: Map<string, Obj>;
  /** What DescribeImageReferences answers for an image (the model's `ImageReference`s), by `region/imageId`. */
  readonly imageReferences: Map<string, Obj[]>;
  /**
   * The accounts using an image, by `region/imageId`, as an image usage report lists them (the model's
   * `ImageUsageReportEntry` without the report's ID and time, which the report adds).
   */
  readonly imageUsage: Map<string, Obj[]>;
  /** Image usage reports created (the model's `ImageUsageReport`), by report ID. */
  readonly usageReports: Map<string, Obj>;
  /** Deprecation times set with EnableImageDeprecation, by `region/imageId`. */
  readonly deprecations: Map<string, Date>;
}

export interface Ec2EndpointOptions {
  /**
   * The calls this endpoint answers itself; every other call goes upstream.
   * @default ['DescribeImages', 'DescribeSnapshots', 'DescribeFastLaunchImages']
   */
  readonly emulate?: readonly Emulated[];
}

export interface Ec2Endpoint {
  readonly endpoint: string;
  readonly state: Ec2State;
  /** The calls answered here (`options.emulate`); a test may change them. */
  readonly emulated: Set<string>;
  /** The calls answered here (`DescribeImages`, ...), with their Region and input, in order. */
  readonly calls: Array<{ readonly operation: string; readonly region: string; readonly input: Obj }>;
  readonly problems: string[];
  close(): Promise<void>;
}

const model = (): ServiceModel => loadModel('ec2');

const EMULATED = [
  'DescribeImages', 'DescribeSnapshots', 'DescribeFastLaunchImages',
  // moto 5.2.5 has none of these (retire's reads and its deprecate step).
  'DescribeImageReferences', 'CreateImageUsageReport', 'DescribeImageUsageReports', 'DescribeImageUsageReportEntries', 'EnableImageDeprecation',
] as const;
export type Emulated = typeof EMULATED[number];
const DEFAULT_EMULATED: readonly Emulated[] = ['DescribeImages', 'DescribeSnapshots', 'DescribeFastLaunchImages'];

/** The error EC2 answers (EC2's model lists no error shapes: these are the codes its API reference documents). */
class Ec2Error extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The name of a member in an EC2 query request, as the SDKs write it. */
const queryName = (name: string, member: { queryName?: string; locationName?: string }) =>
  member.queryName ?? (member.locationName ? capitalize(member.locationName) : name);

/** Reads the value of `shape` at `prefix` from an EC2 query request (lists as `Prefix.N`, structures as `Prefix.Member`). */
function readQuery(params: URLSearchParams, shapeName: string, prefix: string): unknown {
  const shape: Shape = model().shapes[shapeName];
  if (shape.type === 'structure') {
    const out: Obj = {};
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      const value = readQuery(params, member.shape, prefix ? `${prefix}.${queryName(name, member)}` : queryName(name, member));
      if (value !== undefined) {
        out[name] = value;
      }
    }
    return Object.keys(out).length > 0 || !prefix ? out : undefined;
  }
  if (shape.type === 'list') {
    const items: unknown[] = [];
    for (let i = 1; ; i++) {
      const item = readQuery(params, shape.member!.shape, `${prefix}.${i}`);
      if (item === undefined) {
        break;
      }
      items.push(item);
    }
    return items.length > 0 ? items : undefined;
  }
  const text = params.get(prefix);
  if (text === null) {
    return undefined;
  }
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return Number(text);
    case 'boolean':
      return text === 'true';
    case 'timestamp':
      return new Date(text);
    default:
      return text;
  }
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Writes `value` (validated as `shapeName`) as EC2 XML: elements named by `locationName`, list items by their member's. */
function toXml(shapeName: string, value: unknown): string {
  const shape: Shape = model().shapes[shapeName];
  switch (shape.type) {
    case 'structure':
      return Object.entries(value as Obj).filter(([, v]) => v !== undefined).map(([name, v]) => {
        const member = shape.members![name];
        const element = member.locationName ?? name;
        return `<${element}>${toXml(member.shape, v)}</${element}>`;
      }).join('');
    case 'list': {
      const element = shape.member!.locationName ?? 'member';
      return (value as unknown[]).map(v => `<${element}>${toXml(shape.member!.shape, v)}</${element}>`).join('');
    }
    case 'timestamp':
      return (value as Date).toISOString();
    default:
      return escape(String(value));
  }
}

function handle(operation: Emulated, region: string, input: Obj, state: Ec2State): Obj {
  switch (operation) {
    case 'DescribeImages': {
      const ids: string[] = input.ImageIds ?? [];
      const missing = ids.filter(id => !state.images.has(`${region}/${id}`));
      if (missing.length > 0) {
        throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
      }
      const owners: string[] | undefined = input.Owners;
      const images = ids.length > 0 ? ids.map(id => state.images.get(`${region}/${id}`)!)
        : [...state.images.entries()].filter(([k]) => k.startsWith(`${region}/`)).map(([, v]) => v);
      return { Images: images.filter(i => !owners || owners.includes(i.OwnerId)) };
    }
    case 'DescribeSnapshots': {
      const ids: string[] = input.SnapshotIds ?? [];
      const missing = ids.filter(id => !state.snapshots.has(`${region}/${id}`));
      if (missing.length > 0) {
        throw new Ec2Error('InvalidSnapshot.NotFound', `The snapshot '${missing[0]}' does not exist.`);
      }
      return { Snapshots: ids.map(id => state.snapshots.get(`${region}/${id}`)!) };
    }
    case 'DescribeFastLaunchImages': {
      const ids: string[] = input.ImageIds ?? [];
      return { FastLaunchImages: ids.flatMap(id => state.fastLaunch.get(`${region}/${id}`) ?? []) };
    }
    case 'DescribeImageReferences': {
      const ids: string[] = input.ImageIds ?? [];
      return { ImageReferences: ids.flatMap(id => state.imageReferences.get(`${region}/${id}`) ?? []) };
    }
    case 'CreateImageUsageReport': {
      const reportId = `amiur-${randomBytes(9).toString('hex').slice(0, 17)}`;
      const now = new Date();
      state.usageReports.set(reportId, {
        ImageId: input.ImageId,
        ReportId: reportId,
        ResourceTypes: (input.ResourceTypes ?? []).map((t: Obj) => ({
          ResourceType: t.ResourceType,
          ...(t.ResourceTypeOptions ? { ResourceTypeOptions: t.ResourceTypeOptions } : {}),
        })),
        ...(input.AccountIds ? { AccountIds: input.AccountIds } : {}),
        // Available at once: a real report takes minutes, the command polls DescribeImageUsageReports for it.
        State: 'available',
        CreationTime: now,
        ExpirationTime: new Date(now.getTime() + 30 * 86_400_000),
        $region: region,
      });
      return { ReportId: reportId };
    }
    case 'DescribeImageUsageReports': {
      const ids: string[] = input.ReportIds ?? [];
      return { ImageUsageReports: ids.flatMap(id => state.usageReports.get(id) ?? []).map(({ $region: _, ...report }) => report) };
    }
    case 'DescribeImageUsageReportEntries': {
      const reports = (input.ReportIds as string[] ?? []).flatMap(id => state.usageReports.get(id) ?? []);
      return {
        ImageUsageReportEntries: reports.flatMap(r => (state.imageUsage.get(`${r.$region}/${r.ImageId}`) ?? [])
          .map(e => ({ ...e, ImageId: r.ImageId, ReportId: r.ReportId, ReportCreationTime: r.CreationTime }))),
      };
    }
    case 'EnableImageDeprecation': {
      state.deprecations.set(`${region}/${input.ImageId}`, input.DeprecateAt);
      return { Return: true };
    }
  }
}

/** Starts the endpoint in front of `upstream` (moto, or the fault endpoint in front of it). */
export async function startEc2Endpoint(upstream: string, options: Ec2EndpointOptions = {}): Promise<Ec2Endpoint> {
  const emulated = new Set<string>(options.emulate ?? DEFAULT_EMULATED);
  const state: Ec2State = {
    images: new Map(),
    snapshots: new Map(),
    fastLaunch: new Map(),
    imageReferences: new Map(),
    imageUsage: new Map(),
    usageReports: new Map(),
    deprecations: new Map(),
  };
  const calls: Array<{ operation: string; region: string; input: Obj }> = [];
  const problems: string[] = [];
  const sockets = new Set<net.Socket>();
  const target = new URL(upstream);
  const requestId = '22222222-3333-4444-5555-666666666666';

  const invalid = (res: http.ServerResponse, found: string[]) => {
    problems.push(...found);
    res.writeHead(500, { 'content-type': 'text/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InternalError</Code><Message>${escape(`the local EC2 endpoint does not match the model: ${found.join('; ')}`)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
  };

  const answer = (res: http.ServerResponse, operation: Emulated, region: string, params: URLSearchParams) => {
    const op = model().operations[operation];
    const input = readQuery(params, op.input!.shape, '') as Obj;
    calls.push({ operation, region, input });
    const inputProblems = validate(model(), op.input!.shape, input, `${operation} request`);
    if (inputProblems.length > 0) {
      return invalid(res, inputProblems);
    }
    let output: Obj;
    try {
      output = handle(operation, region, input, state);
    } catch (e) {
      if (!(e instanceof Ec2Error)) {
        return invalid(res, [`${operation}: ${String(e)}`]);
      }
      res.writeHead(400, { 'content-type': 'text/xml' });
      return res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${e.code}</Code><Message>${escape(e.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
    }
    const outputProblems = validate(model(), op.output!.shape, output, `${operation} response`);
    if (outputProblems.length > 0) {
      return invalid(res, outputProblems);
    }
    res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${model().metadata.xmlNamespace}/"><requestId>${requestId}</requestId>${toXml(op.output!.shape, output)}</${operation}Response>`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const scope = /Credential=[^/]+\/[^/]+\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
      const params = new URLSearchParams(body.toString('utf-8'));
      const action = params.get('Action') ?? '';
      if (scope?.[2] === 'ec2' && emulated.has(action)) {
        try {
          answer(res, action as Emulated, scope[1], params);
        } catch (e) {
          invalid(res, [`${action}: ${String(e)}`]);
        }
        return;
      }
      const forwarded = http.request({
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'content-length': String(body.length) },
      }, upstreamRes => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      });
      forwarded.on('error', e => {
        res.writeHead(502);
        res.end(String(e));
      });
      forwarded.end(body);
    });
  });
  server.on('connection', socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    state,
    emulated,
    calls,
    problems,
    close: () => new Promise(resolve => {
      sockets.forEach(s => s.destroy());
      server.close(() => resolve());
    }),
  };
}
