import * as http from 'http';
import * as net from 'net';

/*
 * A fault-injecting local endpoint for the preflight tests: an HTTP proxy on 127.0.0.1 in front of moto that
 * passes every request through, except the calls a rule names, which it answers with a fault in the AWS wire
 * format of the call's protocol (awsJson for X-Amz-Target calls, the EC2 query format for EC2, awsQuery for
 * the other query services), or leaves unanswered (a stalled endpoint). The SDK's own parsers read these
 * answers in the tests, so a wrong format fails them (the error name would not be the one asserted).
 *
 * Faults below the service's error format: `reset` closes the connection once the request is read; `http-429`
 * and `http-503` answer that status with an empty body, `http-500` with an HTML page (as a load balancer or proxy
 * in between may, and as moto does for a call it lacks); `empty` answers HTTP 200 with the call's answer holding
 * no field at all (well-formed for the protocol).
 */

export type Fault = 'stall' | 'access-denied' | 'throttle' | 'expired' | 'reset' | 'http-429' | 'http-503' | 'http-500' | 'empty';

export interface FaultRule {
  /** The signing name of the service (`kms`, `iam`, `sts`, `ec2`, ...). */
  readonly service: string;
  /** The operation (`DescribeKey`); every operation of the service when absent. */
  readonly operation?: string;
  readonly fault: Fault;
}

export interface FaultEndpoint {
  readonly endpoint: string;
  /** How many requests each `service:Operation` received. */
  readonly seen: Map<string, number>;
  /** Stalled requests whose connection the client closed (the deadline really aborted them). */
  readonly abortedByClient: string[];
  /** Requests received and not answered yet, now and at most (since the last `setRules`). */
  readonly inFlight: { now: number; peak: number };
  /** The faults to inject from now on (replaces the previous rules). */
  setRules(rules: FaultRule[]): void;
  close(): Promise<void>;
}

type Protocol = 'json' | 'ec2' | 'query';

/** The fault's answer: HTTP status, error code and message, per protocol, as AWS services send them. */
const ANSWERS: Record<'access-denied' | 'throttle' | 'expired', Record<Protocol, { status: number; code: string; message: string }>> = {
  'access-denied': {
    json: { status: 400, code: 'AccessDeniedException', message: 'User: arn:aws:iam::123456789012:user/moto is not authorized to perform this action' },
    ec2: { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' },
    query: { status: 403, code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:user/moto is not authorized to perform this action' },
  },
  'throttle': {
    json: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    ec2: { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' },
    query: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  },
  'expired': {
    json: { status: 400, code: 'ExpiredTokenException', message: 'The security token included in the request is expired' },
    ec2: { status: 400, code: 'RequestExpired', message: 'Request has expired.' },
    query: { status: 403, code: 'ExpiredToken', message: 'The security token included in the request is expired' },
  },
};

/** A successful answer of `operation` without any field, in the protocol's format. */
function emptyAnswer(res: http.ServerResponse, protocol: Protocol, operation: string) {
  const requestId = '11111111-2222-3333-4444-555555555555';
  if (protocol === 'json') {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
    res.end('{}');
  } else if (protocol === 'ec2') {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId></${operation}Response>`);
  } else {
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(`<${operation}Response><${operation}Result></${operation}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`);
  }
}

function answer(res: http.ServerResponse, protocol: Protocol, fault: keyof typeof ANSWERS) {
  const { status, code, message } = ANSWERS[fault][protocol];
  const requestId = '11111111-2222-3333-4444-555555555555';
  if (protocol === 'json') {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
    res.end(JSON.stringify({ __type: code, message }));
  } else if (protocol === 'ec2') {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
  } else {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
  }
}

/** A port with nothing listening on it: connections are refused. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startFaultEndpoint(upstream: string): Promise<FaultEndpoint> {
  let rules: FaultRule[] = [];
  const seen = new Map<string, number>();
  const abortedByClient: string[] = [];
  const inFlight = { now: 0, peak: 0 };
  const sockets = new Set<net.Socket>();
  const target = new URL(upstream);

  const server = http.createServer((req, res) => {
    inFlight.now++;
    inFlight.peak = Math.max(inFlight.peak, inFlight.now);
    res.on('close', () => inFlight.now--);
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
      const amzTarget = req.headers['x-amz-target'];
      const operation = typeof amzTarget === 'string'
        ? amzTarget.split('.').pop()!
        : new URLSearchParams(body.toString('utf-8')).get('Action') ?? '';
      const protocol: Protocol = typeof amzTarget === 'string' ? 'json' : service === 'ec2' ? 'ec2' : 'query';
      const call = `${service}:${operation}`;
      seen.set(call, (seen.get(call) ?? 0) + 1);
      const rule = rules.find(r => r.service === service && (r.operation === undefined || r.operation === operation));
      if (rule?.fault === 'stall') {
        // Never answer; note when the client gives up and closes the connection.
        res.on('close', () => abortedByClient.push(call));
        return;
      }
      if (rule?.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      const bare = rule && /^http-([0-9]{3})$/.exec(rule.fault);
      if (bare) {
        const page = bare[1] === '500' ? '<!doctype html>\n<html><title>500 Internal Server Error</title></html>\n' : '';
        res.writeHead(Number(bare[1]), { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(page)) });
        res.end(page);
        return;
      }
      if (rule?.fault === 'empty') {
        emptyAnswer(res, protocol, operation);
        return;
      }
      if (rule) {
        answer(res, protocol, rule.fault as keyof typeof ANSWERS);
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
    setRules: r => {
      rules = r;
      seen.clear();
      abortedByClient.length = 0;
      inFlight.peak = inFlight.now;
    },
    seen,
    abortedByClient,
    inFlight,
    close: () => new Promise(resolve => {
      sockets.forEach(s => s.destroy());
      server.close(() => resolve());
    }),
  };
}
