import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/*
 * AWS service models, to keep the local endpoints of the tests honest: every answer they send is checked against
 * the model of its operation, so that an endpoint cannot drift from the real API.
 *
 * The models are botocore's (`botocore/data/<service>/<version>/service-2.json.gz`), from the test environment
 * `.venv-test` that moto needs anyway (botocore pinned through moto and boto3 in python-tests/venv.sh). They are
 * the same AWS models the SDK for JavaScript is generated from, as plain JSON in a documented format, and they
 * carry what a validator needs: required members, enums, patterns, lengths and list sizes, and each member's
 * wire name (EC2's `locationName`). The SDK for JavaScript v3 ships its model only as compiled schemas (the
 * `schemas_0.js` arrays of @smithy/core, an internal format) that keep the serialization traits and drop
 * `required`, enums, patterns and lengths: an answer missing a required member or with a state the service
 * never sends would pass them.
 */

const DATA = path.join(__dirname, '..', '..', '.venv-test', 'lib');

export interface Shape {
  readonly type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'blob' | 'double' | 'float';
  readonly members?: Record<string, Member>;
  readonly required?: string[];
  readonly member?: Member;
  readonly key?: Member;
  readonly value?: Member;
  readonly enum?: string[];
  readonly pattern?: string;
  readonly min?: number;
  readonly max?: number;
  readonly flattened?: boolean;
  readonly locationName?: string;
  readonly timestampFormat?: string;
  readonly error?: { readonly httpStatusCode?: number; readonly code?: string };
  readonly exception?: boolean;
}

export interface Member {
  readonly shape: string;
  readonly location?: 'header' | 'headers' | 'querystring' | 'uri' | 'statusCode';
  readonly locationName?: string;
  readonly queryName?: string;
  readonly flattened?: boolean;
  readonly timestampFormat?: string;
}

export interface Operation {
  readonly name: string;
  readonly http: { readonly method: string; readonly requestUri: string; readonly responseCode?: number };
  readonly input?: { readonly shape: string };
  readonly output?: { readonly shape: string; readonly resultWrapper?: string };
  readonly errors?: Array<{ readonly shape: string }>;
}

export interface ServiceModel {
  readonly metadata: {
    readonly protocol: string;
    readonly apiVersion: string;
    readonly endpointPrefix: string;
    readonly serviceId: string;
    readonly xmlNamespace?: string;
  };
  readonly operations: Record<string, Operation>;
  readonly shapes: Record<string, Shape>;
}

const cache = new Map<string, ServiceModel>();

/** botocore's model of `service` (its newest API version), from `.venv-test`. */
export function loadModel(service: string): ServiceModel {
  const cached = cache.get(service);
  if (cached) {
    return cached;
  }
  const pythons = fs.existsSync(DATA) ? fs.readdirSync(DATA).filter(d => d.startsWith('python')) : [];
  const dir = pythons.map(p => path.join(DATA, p, 'site-packages', 'botocore', 'data', service)).find(d => fs.existsSync(d));
  if (!dir) {
    throw new Error(`botocore's model of ${service} is not in ${DATA}: run 'bash python-tests/venv.sh' (npm test does it first)`);
  }
  const version = fs.readdirSync(dir).filter(v => /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v)).sort().pop()!;
  const file = path.join(dir, version, 'service-2.json.gz');
  const model = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf-8')) as ServiceModel;
  cache.set(service, model);
  return model;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * What is wrong with `value` as a `shapeName` of `model` (member names as the model writes them), one line per
 * problem with its path; empty when it conforms. Members bound to the HTTP layer (headers, status code, URI,
 * query string) are checked like the others.
 */
export function validate(model: ServiceModel, shapeName: string, value: unknown, at = shapeName): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) {
    return [`${at}: the model has no shape ${shapeName}`];
  }
  const problems: string[] = [];
  const bad = (what: string) => problems.push(`${at}: ${what} (shape ${shapeName})`);
  const size = (n: number, unit: string) => {
    if (shape.min !== undefined && n < shape.min) {
      bad(`${n} ${unit}, fewer than the minimum ${shape.min}`);
    }
    if (shape.max !== undefined && n > shape.max) {
      bad(`${n} ${unit}, more than the maximum ${shape.max}`);
    }
  };
  switch (shape.type) {
    case 'structure': {
      if (!isObj(value)) {
        bad(`expected a structure, got ${JSON.stringify(value)}`);
        break;
      }
      for (const name of shape.required ?? []) {
        if (value[name] === undefined) {
          bad(`required member ${name} is missing`);
        }
      }
      for (const [name, v] of Object.entries(value)) {
        const member = shape.members?.[name];
        if (!member) {
          bad(`member ${name} is not in the model (members: ${Object.keys(shape.members ?? {}).join(', ')})`);
        } else if (v !== undefined) {
          problems.push(...validate(model, member.shape, v, `${at}.${name}`));
        }
      }
      break;
    }
    case 'list':
      if (!Array.isArray(value)) {
        bad(`expected a list, got ${JSON.stringify(value)}`);
        break;
      }
      size(value.length, 'items');
      value.forEach((item, i) => problems.push(...validate(model, shape.member!.shape, item, `${at}[${i}]`)));
      break;
    case 'map':
      if (!isObj(value)) {
        bad(`expected a map, got ${JSON.stringify(value)}`);
        break;
      }
      size(Object.keys(value).length, 'entries');
      for (const [k, v] of Object.entries(value)) {
        problems.push(...validate(model, shape.key!.shape, k, `${at} key ${JSON.stringify(k)}`));
        problems.push(...validate(model, shape.value!.shape, v, `${at}[${JSON.stringify(k)}]`));
      }
      break;
    case 'string':
      if (typeof value !== 'string') {
        bad(`expected a string, got ${JSON.stringify(value)}`);
        break;
      }
      size([...value].length, 'characters');
      if (shape.enum && !shape.enum.includes(value)) {
        bad(`${JSON.stringify(value)} is not one of ${shape.enum.join(', ')}`);
      }
      if (shape.pattern !== undefined && !patternOf(shape.pattern).test(value)) {
        bad(`${JSON.stringify(value)} does not match the pattern ${shape.pattern}`);
      }
      break;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        bad(`expected an integer, got ${JSON.stringify(value)}`);
        break;
      }
      if ((shape.min !== undefined && value < shape.min) || (shape.max !== undefined && value > shape.max)) {
        bad(`${value} is outside ${shape.min ?? '-'}..${shape.max ?? '-'}`);
      }
      break;
    case 'double':
    case 'float':
      if (typeof value !== 'number') {
        bad(`expected a number, got ${JSON.stringify(value)}`);
      }
      break;
    case 'boolean':
      if (typeof value !== 'boolean') {
        bad(`expected a boolean, got ${JSON.stringify(value)}`);
      }
      break;
    case 'timestamp':
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
        bad(`expected a timestamp (a Date), got ${JSON.stringify(value)}`);
      }
      break;
    case 'blob':
      if (!(value instanceof Uint8Array) && typeof value !== 'string') {
        bad(`expected a blob, got ${JSON.stringify(value)}`);
      }
      break;
    default:
      bad(`unknown shape type ${(shape as Shape).type}`);
  }
  return problems;
}

const patterns = new Map<string, RegExp>();

/** A model pattern as a regular expression (ECMAScript syntax, matched anywhere unless anchored, as Smithy says). */
function patternOf(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    patterns.set(pattern, re);
  }
  return re;
}
