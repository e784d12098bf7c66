import { randomUUID } from 'crypto';
import * as http from 'http';
import * as net from 'net';
import { loadModel, validate } from './model';

/*
 * A local EC2 Image Builder endpoint for the tests (moto has no Image Builder): an HTTP server on 127.0.0.1 in the
 * service's own wire format (restJson1: each operation at its `requestUri`, query-string, URI-label and body
 * members as the model binds them; errors with `x-amzn-ErrorType`), which the SDK reaches through
 * AWS_ENDPOINT_URL_IMAGEBUILDER. Its state is seeded by the test; its operations are a handler map a test may
 * extend (`endpoint.handlers.DistributeImage = ...`).
 *
 * Every request it receives and every answer it sends is validated against Image Builder's model (botocore's,
 * see model.ts): an answer that does not match is not sent: the endpoint answers HTTP 500 with the problems, and
 * records them in `problems`, which the tests assert empty. So the fake cannot drift from the real API.
 */

/** Image Builder's objects, with the member names of the model (`Image`, `ImagePipeline`, ...). */
export type Obj = Record<string, any>;

/** An error the service answers with: one of the operation's error shapes (`ResourceNotFoundException`, ...). */
export class ServiceError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Thrown by a handler that did the operation's work but whose answer never reaches the caller, as when the
 * network fails after the service accepted a request: `hang` keeps the connection open without answering,
 * `reset` resets it.
 */
export class NoAnswer extends Error {
  constructor(public readonly how: 'hang' | 'reset') {
    super(`no answer (${how})`);
  }
}

export interface ImageBuilderState {
  /** Images by build version ARN (`arn:aws:imagebuilder:<region>:<account>:image/<name>/<version>/<build>`): the model's `Image`. */
  readonly images: Map<string, Obj>;
  /** Image pipelines by ARN: the model's `ImagePipeline`. Their images are the images whose `sourcePipelineArn` is theirs. */
  readonly pipelines: Map<string, Obj>;
  /**
   * Workflow step executions by step execution ID: the model's `GetWorkflowStepExecutionResponse` without its
   * `requestId` (`workflowStep()` makes one). A step waits for an action (ListWaitingWorkflowSteps) while it is a
   * `WaitForAction` step with status RUNNING; SendWorkflowStepAction ends it: RESUME as COMPLETED, STOP as FAILED.
   */
  readonly workflowSteps: Map<string, Obj>;
}

/** Answers one operation: its input (model member names) to its output, or throws a `ServiceError`. */
export type Handler = (input: Obj, state: ImageBuilderState) => Obj | Promise<Obj>;

export interface ImageBuilderEndpoint {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_IMAGEBUILDER. */
  readonly endpoint: string;
  readonly state: ImageBuilderState;
  /** The operations it serves, by name; add or replace entries to serve more. */
  readonly handlers: Record<string, Handler>;
  /** Every call received, in order: operation and input. */
  readonly calls: Array<{ readonly operation: string; readonly input: Obj }>;
  /** Requests or answers that did not match the model (the endpoint answered 500 for them). */
  readonly problems: string[];
  close(): Promise<void>;
}

const model = () => loadModel('imagebuilder');

const requestId = () => `${Date.now().toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`.slice(0, 36);

/**
 * The error the service answers for a resource that does not exist: `ResourceNotFoundException` where the model
 * declares it for the operation, else `ClientException` (the model's error for "an invalid resource identifier";
 * GetImage declares no ResourceNotFoundException).
 */
export function notFound(operation: string, arn: string): ServiceError {
  const declared = (model().operations[operation]?.errors ?? []).some(e => e.shape === 'ResourceNotFoundException');
  return new ServiceError(declared ? 'ResourceNotFoundException' : 'ClientException', `The resource ${arn} does not exist.`);
}

/** The operations a verify needs (an image, the newest image of a pipeline) and the list of build versions. */
export function defaultHandlers(): Record<string, Handler> {
  return {
    GetImage: (input, state) => {
      const image = state.images.get(input.imageBuildVersionArn);
      if (!image) {
        throw notFound('GetImage', input.imageBuildVersionArn);
      }
      return { requestId: requestId(), image };
    },
    GetImagePipeline: (input, state) => {
      const pipeline = state.pipelines.get(input.imagePipelineArn);
      if (!pipeline) {
        throw notFound('GetImagePipeline', input.imagePipelineArn);
      }
      return { requestId: requestId(), imagePipeline: pipeline };
    },
    ListImageBuildVersions: (input, state) => {
      // Without imageVersionArn, every image build version of the account (as the model documents).
      const all = [...state.images.values()].filter(i => !input.imageVersionArn || String(i.arn).startsWith(`${input.imageVersionArn}/`));
      return page(all, input);
    },
    ListImagePipelineImages: (input, state) => {
      if (!state.pipelines.has(input.imagePipelineArn)) {
        throw notFound('ListImagePipelineImages', input.imagePipelineArn);
      }
      return page([...state.images.values()].filter(i => i.sourcePipelineArn === input.imagePipelineArn), input);
    },
    ...workflowStepHandlers(),
  };
}

/** Whether a step waits for an action (SendWorkflowStepAction). */
const waiting = (step: Obj) => step.action === 'WaitForAction' && step.status === 'RUNNING';

/** Picks the members of `shape` from `value`. */
function membersOf(shape: string, value: Obj): Obj {
  const keys = Object.keys(model().shapes[shape].members!);
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => keys.includes(k) && v !== undefined));
}

/** One page of `all` (`maxResults`, `nextToken`, as the list operations of the model page). */
function pageOf(all: Obj[], input: Obj): { items: Obj[]; nextToken?: string } {
  const pageSize = input.maxResults ?? 25;
  const start = input.nextToken ? Number(input.nextToken) : 0;
  return { items: all.slice(start, start + pageSize), ...(start + pageSize < all.length ? { nextToken: String(start + pageSize) } : {}) };
}

/**
 * The workflow step operations the release gate calls: the waiting steps, a workflow execution's steps, one step,
 * and the action that ends a wait. SendWorkflowStepAction honours client tokens as Image Builder documents them
 * (the same token and request: the original answer, nothing done again; the same token with another request:
 * IdempotentParameterMismatchException), refuses an image ARN that is not the step's, and an action on a step that
 * no longer waits ("The request fails if the step has already timed out or been actioned").
 */
function workflowStepHandlers(): Record<string, Handler> {
  const tokens = new Map<string, { request: string; answer: Obj }>();
  return {
    ListWaitingWorkflowSteps: (input, state) => {
      const { items, nextToken } = pageOf([...state.workflowSteps.values()].filter(waiting), input);
      return { steps: items.map(s => membersOf('WorkflowStepExecution', s)), ...(nextToken ? { nextToken } : {}) };
    },
    ListWorkflowStepExecutions: (input, state) => {
      const all = [...state.workflowSteps.values()].filter(s => s.workflowExecutionId === input.workflowExecutionId);
      if (all.length === 0) {
        throw new ServiceError('InvalidRequestException', `The workflow execution ${input.workflowExecutionId} does not exist.`);
      }
      const { items, nextToken } = pageOf(all, input);
      return {
        requestId: requestId(),
        steps: items.map(s => membersOf('WorkflowStepMetadata', s)),
        workflowBuildVersionArn: all[0].workflowBuildVersionArn,
        workflowExecutionId: input.workflowExecutionId,
        imageBuildVersionArn: all[0].imageBuildVersionArn,
        ...(nextToken ? { nextToken } : {}),
      };
    },
    GetWorkflowStepExecution: (input, state) => {
      const step = state.workflowSteps.get(input.stepExecutionId);
      if (!step) {
        throw notFound('GetWorkflowStepExecution', input.stepExecutionId);
      }
      return { requestId: requestId(), ...step };
    },
    SendWorkflowStepAction: (input, state) => {
      const request = JSON.stringify(input);
      const known = tokens.get(input.clientToken);
      if (known) {
        if (known.request !== request) {
          throw new ServiceError('IdempotentParameterMismatchException', `The client token ${input.clientToken} was used with other parameters.`);
        }
        return known.answer;
      }
      const step = state.workflowSteps.get(input.stepExecutionId);
      if (!step) {
        throw notFound('SendWorkflowStepAction', input.stepExecutionId);
      }
      if (step.imageBuildVersionArn !== input.imageBuildVersionArn) {
        throw new ServiceError('InvalidRequestException', `The step ${input.stepExecutionId} belongs to ${step.imageBuildVersionArn}, not ${input.imageBuildVersionArn}.`);
      }
      if (!waiting(step)) {
        throw new ServiceError('InvalidRequestException', `The step ${input.stepExecutionId} is not waiting for an action (${step.status}).`);
      }
      step.status = input.action === 'RESUME' ? 'COMPLETED' : 'FAILED';
      step.endTime = new Date().toISOString();
      if (input.reason) {
        // A step's message has at most 500 characters (WorkflowStepMessage); a reason, 1,024.
        step.message = [...String(input.reason)].slice(0, 500).join('');
      }
      const answer = { stepExecutionId: input.stepExecutionId, imageBuildVersionArn: input.imageBuildVersionArn, clientToken: input.clientToken };
      tokens.set(input.clientToken, { request, answer });
      return answer;
    },
  };
}

/** One page of image summaries (`maxResults`, `nextToken`): an ImageSummary is a subset of the Image. */
function page(all: Obj[], input: Obj): Obj {
  const pageSize = input.maxResults ?? 25;
  const start = input.nextToken ? Number(input.nextToken) : 0;
  const keys = Object.keys(model().shapes.ImageSummary.members!);
  const summaries = all.slice(start, start + pageSize).map(i => Object.fromEntries(Object.entries(i).filter(([k]) => keys.includes(k))));
  return {
    requestId: requestId(),
    imageSummaryList: summaries,
    ...(start + pageSize < all.length ? { nextToken: String(start + pageSize) } : {}),
  };
}

/** Matches a request to an operation of the model by method and path (`/GetImage`, or with `{label}`s). */
function route(method: string, pathname: string): { operation: string; labels: Record<string, string> } | undefined {
  for (const [name, op] of Object.entries(model().operations)) {
    if (op.http.method !== method) {
      continue;
    }
    const template = op.http.requestUri.split('?')[0];
    const names: string[] = [];
    const re = new RegExp(`^${template.replace(/[.*+^$()|[\]\\]/g, '\\$&').replace(/\{([^}+]+)\+?\}/g, (_, n: string) => {
      names.push(n);
      return '([^/]+)';
    })}$`);
    const match = re.exec(pathname);
    if (match) {
      return { operation: name, labels: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])])) };
    }
  }
  return undefined;
}

/** A query-string or header value as the member's type. */
function scalar(shapeName: string, text: string): unknown {
  const type = model().shapes[shapeName]?.type;
  return type === 'integer' || type === 'long' ? Number(text) : type === 'boolean' ? text === 'true' : text;
}

/** The input of a request: URI labels, query string, headers and JSON body, by the model's member names. */
function inputOf(operation: string, labels: Record<string, string>, url: URL, headers: http.IncomingHttpHeaders, body: string): Obj {
  const shapeName = model().operations[operation].input?.shape;
  const members = shapeName ? model().shapes[shapeName].members ?? {} : {};
  const input: Obj = {};
  const bodyMembers = new Map<string, string>();
  for (const [name, member] of Object.entries(members)) {
    const wire = member.locationName ?? name;
    if (member.location === 'uri' && labels[wire] !== undefined) {
      input[name] = scalar(member.shape, labels[wire]);
    } else if (member.location === 'querystring') {
      const shape = model().shapes[member.shape];
      const values = url.searchParams.getAll(wire);
      if (values.length > 0) {
        input[name] = shape.type === 'list' ? values.map(v => scalar(shape.member!.shape, v)) : scalar(member.shape, values[0]);
      }
    } else if (member.location === 'header' && headers[wire.toLowerCase()] !== undefined) {
      input[name] = scalar(member.shape, String(headers[wire.toLowerCase()]));
    } else if (member.location === undefined) {
      bodyMembers.set(wire, name);
    }
  }
  if (body.trim() !== '') {
    const parsed = JSON.parse(body) as Obj;
    for (const [wire, value] of Object.entries(parsed)) {
      // A body member the model does not have stays under its wire name, so that validation reports it.
      input[bodyMembers.get(wire) ?? wire] = value;
    }
  }
  return input;
}

/** The body of an answer: the output's body members under their wire names (HTTP-bound members go elsewhere). */
function bodyOf(shapeName: string, output: Obj): { body: Obj; headers: Record<string, string> } {
  const members = model().shapes[shapeName].members ?? {};
  const body: Obj = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(output)) {
    const member = members[name];
    if (member?.location === 'header') {
      headers[member.locationName ?? name] = String(value);
    } else if (value !== undefined) {
      body[member?.locationName ?? name] = value;
    }
  }
  return { body, headers };
}

/** Starts the endpoint with empty state and the default handlers (GetImage, GetImagePipeline, ListImagePipelineImages). */
export async function startImageBuilderEndpoint(): Promise<ImageBuilderEndpoint> {
  const state: ImageBuilderState = { images: new Map(), pipelines: new Map(), workflowSteps: new Map() };
  const handlers = defaultHandlers();
  const calls: Array<{ operation: string; input: Obj }> = [];
  const problems: string[] = [];
  const sockets = new Set<net.Socket>();

  const send = (res: http.ServerResponse, status: number, body: Obj, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId(), ...headers });
    res.end(JSON.stringify(body));
  };
  /** Answers 500 with what does not match the model, and records it. */
  const invalid = (res: http.ServerResponse, found: string[]) => {
    problems.push(...found);
    send(res, 500, { message: `the local Image Builder endpoint does not match the model: ${found.join('; ')}` }, { 'x-amzn-errortype': 'InternalServerException' });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const found = route(req.method ?? 'GET', url.pathname);
    if (!found) {
      return invalid(res, [`${req.method} ${url.pathname} is no operation of Image Builder's model`]);
    }
    const { operation, labels } = found;
    const op = model().operations[operation];
    let input: Obj;
    try {
      input = inputOf(operation, labels, url, req.headers, body);
    } catch (e) {
      return invalid(res, [`${operation}: the request body is not JSON: ${(e as Error).message}`]);
    }
    calls.push({ operation, input });
    const requestProblems = op.input ? validate(model(), op.input.shape, input, `${operation} request`) : [];
    if (requestProblems.length > 0) {
      // The SDK sent what the service would reject: a fault of the code under test, said as the service says it.
      problems.push(...requestProblems);
      return send(res, 400, { message: requestProblems.join('; ') }, { 'x-amzn-errortype': 'InvalidRequestException' });
    }
    const handler = handlers[operation];
    if (!handler) {
      return invalid(res, [`${operation} is not served by the local endpoint (add it to handlers)`]);
    }
    let output: Obj;
    try {
      output = await handler(input, state);
    } catch (e) {
      if (e instanceof NoAnswer) {
        if (e.how === 'reset') {
          req.socket.resetAndDestroy();
        }
        return; // 'hang': the connection stays open, unanswered, until the caller gives up or the endpoint closes
      }
      if (!(e instanceof ServiceError)) {
        return invalid(res, [`${operation}: the handler failed: ${(e as Error).message}`]);
      }
      const errorShape = model().shapes[e.code];
      const declared = (op.errors ?? []).some(x => x.shape === e.code);
      const errorProblems = !errorShape?.exception || !declared
        ? [`${operation} cannot answer ${e.code}: its errors are ${(op.errors ?? []).map(x => x.shape).join(', ')}`]
        : validate(model(), e.code, { message: e.message }, `${operation} error ${e.code}`);
      if (errorProblems.length > 0) {
        return invalid(res, errorProblems);
      }
      return send(res, errorShape.error?.httpStatusCode ?? 400, { message: e.message }, { 'x-amzn-errortype': e.code });
    }
    const outputProblems = op.output ? validate(model(), op.output.shape, output, `${operation} response`) : [];
    if (outputProblems.length > 0) {
      return invalid(res, outputProblems);
    }
    const { body: out, headers } = op.output ? bodyOf(op.output.shape, output) : { body: {}, headers: {} };
    send(res, op.http.responseCode ?? 200, out, headers);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf-8')).catch(e => invalid(res, [String(e)]));
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
    handlers,
    calls,
    problems,
    close: () => new Promise(resolve => {
      sockets.forEach(s => s.destroy());
      server.close(() => resolve());
    }),
  };
}

/** The parts of an image build version ARN. */
export function imageArn(region: string, account: string, name: string, version = '1.0.0', build = 1): string {
  return `arn:aws:imagebuilder:${region}:${account}:image/${name}/${version}/${build}`;
}

/** An AMI an image distributed: its Region, account and AMI ID (`outputResources.amis`). */
export interface DistributedAmi {
  readonly region: string;
  readonly accountId: string;
  readonly image: string;
}

export interface ImageOptions {
  /** The image build version ARN (`imageArn()`). */
  readonly arn: string;
  /** The image's distribution configuration, as GetImage returns it (model member names: `distributions`, ...). */
  readonly distributionConfiguration: Obj;
  readonly amis: DistributedAmi[];
  /** The pipeline that built it. */
  readonly pipelineArn?: string;
  /** @default 'AVAILABLE' */
  readonly status?: string;
  /** @default now */
  readonly dateCreated?: string;
}

/** An AMI image as GetImage returns it after a distribution. */
export function imageOf(options: ImageOptions): Obj {
  const [, name, version, build] = /:image\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(options.arn) ?? [];
  const status = options.status ?? 'AVAILABLE';
  return {
    arn: options.arn,
    type: 'AMI',
    name,
    version: `${version}/${build}`,
    platform: 'Linux',
    state: { status },
    distributionConfiguration: options.distributionConfiguration,
    outputResources: {
      amis: options.amis.map(a => ({ region: a.region, accountId: a.accountId, image: a.image, name: `${name} ${a.region}`, state: { status } })),
    },
    ...(options.pipelineArn ? { sourcePipelineArn: options.pipelineArn, sourcePipelineName: options.pipelineArn.split('/').pop() } : {}),
    dateCreated: options.dateCreated ?? new Date().toISOString(),
    buildType: options.pipelineArn ? 'SCHEDULED' : 'USER_INITIATED',
    imageSource: 'CUSTOM',
  };
}

export interface WorkflowStepOptions {
  readonly image: string;
  /** `wf-<uuid>`: the steps of one workflow execution share it. */
  readonly workflowExecutionId: string;
  readonly name: string;
  /** The step action (`DistributeImage`, `WaitForAction`, ...). */
  readonly action: string;
  /** @default RUNNING */
  readonly status?: string;
  /** The step's outputs, a JSON string as the model has it. */
  readonly outputs?: string;
}

/** A workflow step execution (the model's `GetWorkflowStepExecutionResponse` without `requestId`), with a new ID. */
export function workflowStep(options: WorkflowStepOptions): Obj {
  const hex = randomUUID();
  const [, region, account] = /^arn:aws[a-z-]*:imagebuilder:([a-z0-9-]+):([0-9]{12}):/.exec(options.image) ?? [];
  return {
    stepExecutionId: `step-${hex}`,
    workflowBuildVersionArn: `arn:aws:imagebuilder:${region}:${account}:workflow/distribution/release-rings/1.0.0/1`,
    workflowExecutionId: options.workflowExecutionId,
    imageBuildVersionArn: options.image,
    name: options.name,
    action: options.action,
    status: options.status ?? 'RUNNING',
    startTime: new Date().toISOString(),
    ...(options.outputs !== undefined ? { outputs: options.outputs } : {}),
    onFailure: 'Abort',
    timeoutSeconds: 43200,
    attemptNumber: 1,
    maxAttempts: 1,
  };
}
