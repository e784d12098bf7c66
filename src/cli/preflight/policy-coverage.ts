/*
 * Whether a live key policy grants what a distribution needs: each (principal, action) of the required
 * statements must be allowed by a statement of the live policy that asks for no more than the required
 * statement guarantees, and not denied outright. The answer is the required statements cut down to what is
 * missing, ready to paste into the key policy.
 */

type Json = Record<string, unknown>;

/** A policy statement as IAM documents write it (scalars or lists). */
interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const strings = (v: unknown): string[] => list(v).map(x => String(x));

/** The AWS principals of a statement: `*` for `"Principal": "*"` or `{"AWS": "*"}`. */
function principals(statement: Statement): string[] {
  if (statement.Principal === '*') {
    return ['*'];
  }
  const principal = statement.Principal as Json | undefined;
  return principal && typeof principal === 'object' ? strings(principal.AWS) : [];
}

/** An account ID, its root ARN and `*` are the same principal to KMS: the account (or anyone). */
function samePrincipal(granted: string, wanted: string): boolean {
  if (granted === '*' || granted === wanted) {
    return true;
  }
  const account = /^arn:[^:]+:iam::([0-9]{12}):root$/.exec(wanted)?.[1];
  return account !== undefined && granted === account;
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('').map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i');
  return regex.test(action);
}

function conditionValues(v: unknown): string[] {
  return strings(v).map(s => s.toLowerCase() === 'true' || s.toLowerCase() === 'false' ? s.toLowerCase() : s);
}

/**
 * True when every condition of `granted` is guaranteed by `wanted`: the same operator and key, and each value
 * `wanted` allows is one `granted` allows. A granted statement with a condition the required one does not have
 * may not apply to the request, so it does not count.
 */
function conditionsImplied(granted: Statement['Condition'], wanted: Statement['Condition']): boolean {
  for (const [operator, keys] of Object.entries(granted ?? {})) {
    for (const [key, values] of Object.entries(keys ?? {})) {
      const wantedOperator = Object.entries(wanted ?? {}).find(([op]) => op.toLowerCase() === operator.toLowerCase())?.[1];
      const wantedValues = Object.entries(wantedOperator ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      if (wantedValues === undefined) {
        return false;
      }
      const allowed = new Set(conditionValues(values));
      if (!conditionValues(wantedValues).every(v => allowed.has(v))) {
        return false;
      }
    }
  }
  return true;
}

/** A key policy's statements apply to the key itself: `"Resource": "*"` (or the key's ARN). */
function coversKey(statement: Statement, keyArn: string | undefined): boolean {
  return strings(statement.Resource).some(r => r === '*' || (keyArn !== undefined && r === keyArn));
}

function allows(statement: Statement, principal: string, action: string, wanted: Statement, keyArn: string | undefined): boolean {
  return statement.Effect === 'Allow'
    && statement.NotPrincipal === undefined && statement.NotAction === undefined
    && principals(statement).some(p => samePrincipal(p, principal))
    && strings(statement.Action).some(a => actionMatches(a, action))
    && coversKey(statement, keyArn)
    && conditionsImplied(statement.Condition, wanted.Condition);
}

/** A deny without conditions that names the principal (or everyone) and the action. */
function denies(statement: Statement, principal: string, action: string): boolean {
  return statement.Effect === 'Deny' && statement.Condition === undefined
    && (statement.NotPrincipal === undefined && principals(statement).some(p => p === '*' || samePrincipal(p, principal)))
    && strings(statement.Action).some(a => actionMatches(a, action));
}

/** The result of comparing a live policy with the required statements. */
export interface Coverage {
  /** The required statements, each cut down to the principals that lack some of its actions; empty when all is granted. */
  readonly missing: Json[];
  /** Required statements denied by a statement of the live policy (by Sid, or by index when it has none). */
  readonly deniedBy: string[];
}

/**
 * Compares the live `policy` (the JSON document `kms:GetKeyPolicy` returns) with the `required` statements
 * (as `requiredKeyPolicy()` writes them).
 */
export function keyPolicyCoverage(policy: unknown, required: unknown[], keyArn?: string): Coverage {
  const live = list((policy as Json | undefined)?.Statement) as Statement[];
  const missing: Json[] = [];
  const deniedBy = new Set<string>();
  for (const wanted of required as Statement[]) {
    const lacking = principals(wanted).filter(principal => strings(wanted.Action).some(action => {
      const denial = live.findIndex(s => denies(s, principal, action));
      if (denial >= 0) {
        deniedBy.add(live[denial].Sid ?? `statement ${denial + 1}`);
        return true;
      }
      return !live.some(s => allows(s, principal, action, wanted, keyArn));
    }));
    if (lacking.length > 0) {
      const principal = wanted.Principal === '*' || lacking.includes('*') ? wanted.Principal : { AWS: lacking.length === 1 ? lacking[0] : lacking };
      // In the order people write statements in: Sid first.
      const { Sid, Effect, Action, Resource, Condition } = wanted;
      missing.push(JSON.parse(JSON.stringify({ Sid, Effect, Principal: principal, Action, Resource, Condition })));
    }
  }
  return { missing, deniedBy: [...deniedBy] };
}

/*
 * Evaluating a request against a policy the way IAM does, as far as the command knows the request: an explicit
 * Deny wins, then an Allow; a condition on a key the command does not know (or an operator it does not
 * implement) makes a statement "unknown", and an unknown statement that could decide the answer makes the
 * verdict "cannot confirm", never allowed.
 */

/** A request: the principal's ARNs as policies may name it, the action, the resource and the known context keys. */
export interface Request {
  /** For principal matching: account ID, `arn:...:root`, role ARN. Empty for identity policies (no Principal). */
  readonly principals: string[];
  readonly action: string;
  /** The resource ARN; `undefined` when the policy's Resource does not matter (trust policies). */
  readonly resource?: string;
  /** Context keys with their values, lower-case key names. Keys not listed are unknown to the command. */
  readonly context: Record<string, string[]>;
}

export type Verdict = 'allowed' | 'denied' | 'unknown';

export interface Evaluation {
  readonly verdict: Verdict;
  /** The statements that decided it (Sid or "statement N"), or the conditions that could not be evaluated. */
  readonly because: string[];
}

/** ARN / string matching with IAM's `*` and `?` wildcards, case-sensitive. */
function like(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('').map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  return regex.test(value);
}

const SINGLE_OPERATORS: Record<string, (policyValue: string, value: string) => boolean> = {
  stringequals: (p, v) => p === v,
  stringequalsignorecase: (p, v) => p.toLowerCase() === v.toLowerCase(),
  stringlike: like,
  arnequals: like,
  arnlike: like,
  bool: (p, v) => p.toLowerCase() === v.toLowerCase(),
};
const NEGATED: Record<string, string> = {
  stringnotequals: 'stringequals',
  stringnotequalsignorecase: 'stringequalsignorecase',
  stringnotlike: 'stringlike',
  arnnotequals: 'arnequals',
  arnnotlike: 'arnlike',
};

/** One condition block entry: true, false, or undefined when the command cannot evaluate it. */
function conditionHolds(operator: string, key: string, policyValues: unknown, context: Request['context']): boolean | undefined {
  let op = operator.toLowerCase();
  let set: 'any' | 'all' | undefined;
  if (op.startsWith('foranyvalue:')) {
    set = 'any';
    op = op.slice('foranyvalue:'.length);
  } else if (op.startsWith('forallvalues:')) {
    set = 'all';
    op = op.slice('forallvalues:'.length);
  }
  const ifExists = op.endsWith('ifexists');
  op = ifExists ? op.slice(0, -'ifexists'.length) : op;
  const values = context[key.toLowerCase()];
  const wanted = strings(policyValues);
  if (op === 'null') {
    return values === undefined || wanted.some(w => !/^(true|false)$/i.test(w)) ? undefined : wanted.every(w => (w.toLowerCase() === 'true') === (values.length === 0));
  }
  if (values === undefined) {
    return undefined;
  }
  if (values.length === 0) {
    // The key is absent from the request.
    return ifExists || set === 'all' ? true : (NEGATED[op] !== undefined && set === undefined);
  }
  const negated = NEGATED[op];
  if ((negated ?? op).startsWith('arn') && [...values, ...wanted].some(v => !v.startsWith('arn:'))) {
    // ARN operators with a value that is not an ARN: IAM's answer is not one the command can be sure of.
    return undefined;
  }
  const test = SINGLE_OPERATORS[negated ?? op];
  if (!test) {
    return undefined;
  }
  const matchesOne = (v: string) => wanted.some(w => test(w, v));
  if (set === 'all') {
    return values.every(v => (negated ? !matchesOne(v) : matchesOne(v)));
  }
  if (negated) {
    // StringNotEquals: no value of the key matches any policy value.
    return set === 'any' ? values.some(v => !matchesOne(v)) : !values.some(matchesOne);
  }
  return values.some(matchesOne);
}

/** Whether all conditions of a statement hold: true, false, or undefined with the keys not evaluated. */
function conditionsHold(condition: Statement['Condition'], context: Request['context']): { holds: boolean | undefined; unknown: string[] } {
  const unknown: string[] = [];
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, values] of Object.entries(keys ?? {})) {
      const holds = conditionHolds(operator, key, values, context);
      if (holds === false) {
        return { holds: false, unknown: [] };
      }
      if (holds === undefined) {
        unknown.push(`${operator} ${key}`);
      }
    }
  }
  return { holds: unknown.length === 0 ? true : undefined, unknown };
}

/** Principal matching for a request: account ID, root ARN and `*` name the account; role ARNs name the role. */
function principalMatches(statement: Statement, request: Request): boolean {
  if (request.principals.length === 0) {
    return true;
  }
  const matchesAny = (granted: string[]) => granted.some(g => g === '*' || request.principals.some(p => like(g, p)
    || (/^[0-9]{12}$/.test(g) && p === g)
    || /^arn:[^:]+:iam::([0-9]{12}):root$/.exec(g)?.[1] === p));
  if (statement.NotPrincipal !== undefined) {
    const not = statement.NotPrincipal === '*' ? ['*'] : strings((statement.NotPrincipal as Json).AWS);
    return !matchesAny(not);
  }
  // Service principals (`{"Service": "imagebuilder.amazonaws.com"}`) match a request made by that service.
  const principal = statement.Principal as Json | undefined;
  const services = principal && typeof principal === 'object' ? strings(principal.Service) : [];
  return matchesAny(principals(statement)) || services.some(s => request.principals.includes(s));
}

function actionApplies(statement: Statement, action: string): boolean {
  if (statement.NotAction !== undefined) {
    return !strings(statement.NotAction).some(a => actionMatches(a, action));
  }
  return strings(statement.Action).some(a => actionMatches(a, action));
}

/** Stands for the ID of a key known by its alias only, in a request's resource ARN. */
export const UNKNOWN_KEY_ID = '\u0000';

function resourceApplies(statement: Statement, resource: string | undefined): boolean | undefined {
  if (resource === undefined) {
    return true;
  }
  const applies = (arn: string) => (statement.NotResource !== undefined
    ? !strings(statement.NotResource).some(r => like(r, arn))
    : strings(statement.Resource).some(r => like(r, arn)));
  if (!resource.includes(UNKNOWN_KEY_ID)) {
    return applies(resource);
  }
  // A key known by its alias: the statement applies for sure only if it does whatever the key's ID.
  const answers = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'mrk-0123456789abcdef0123456789abcdef']
    .map(id => applies(resource.replace(UNKNOWN_KEY_ID, id)));
  if (answers.every(a => a)) {
    return true;
  }
  // A statement on particular keys applies if the alias names one of them: not known.
  const patterns = statement.NotResource !== undefined ? [] : strings(statement.Resource);
  const possible = answers.some(a => a) || patterns.some(r => {
    const id = /:key\/(.+)$/.exec(r)?.[1];
    return id !== undefined && applies(resource.replace(UNKNOWN_KEY_ID, id.replace(/[*?]/g, 'x')));
  });
  return possible ? undefined : false;
}

/** The verdict of `policies` (their statements together) on `request`: explicit Deny, then Allow, else denied. */
export function evaluate(policies: unknown[], request: Request): Evaluation {
  const statements = policies.flatMap(p => list((p as Json | undefined)?.Statement) as Statement[]);
  const name = (s: Statement, i: number) => s.Sid ?? `statement ${i + 1}`;
  const decided = { deny: [] as string[], denyUnknown: [] as string[], allow: [] as string[], allowUnknown: [] as string[] };
  statements.forEach((s, i) => {
    if (!s || typeof s !== 'object' || !actionApplies(s, request.action) || !principalMatches(s, request)) {
      return;
    }
    const onResource = resourceApplies(s, request.resource);
    if (onResource === false) {
      return;
    }
    const { holds, unknown } = conditionsHold(s.Condition, request.context);
    if (holds === false) {
      return;
    }
    const sure = holds === true && onResource === true;
    const why = sure ? name(s, i) : `${name(s, i)} (${[...unknown, ...(onResource === undefined ? ['its Resource, for a key named by alias'] : [])].join(', ')})`;
    if (s.Effect === 'Deny') {
      (sure ? decided.deny : decided.denyUnknown).push(why);
    } else if (s.Effect === 'Allow') {
      (sure ? decided.allow : decided.allowUnknown).push(why);
    }
  });
  if (decided.deny.length > 0) {
    return { verdict: 'denied', because: decided.deny };
  }
  if (decided.denyUnknown.length > 0) {
    return { verdict: 'unknown', because: decided.denyUnknown };
  }
  if (decided.allow.length > 0) {
    return { verdict: 'allowed', because: decided.allow };
  }
  return decided.allowUnknown.length > 0 ? { verdict: 'unknown', because: decided.allowUnknown } : { verdict: 'denied', because: [] };
}

/** Image Builder's service-linked role in `account`: the principal that assumes the target account's role. */
export const imageBuilderServiceRole = (account: string, partition: string) =>
  `arn:${partition}:iam::${account}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`;

/**
 * The request Image Builder makes on the target account's role at distribution: its service-linked role in the
 * source account calls sts:AssumeRole, or, for a pipeline with an execution role, that role (`principalArn`). The
 * command knows the principal's account, ARN and type, nothing else.
 */
export function trustRequest(sourceAccount: string, partition: string, principalArn = imageBuilderServiceRole(sourceAccount, partition)): Request {
  return {
    principals: [sourceAccount, principalArn],
    action: 'sts:AssumeRole',
    context: { 'aws:principalaccount': [sourceAccount], 'aws:principalarn': [principalArn], 'aws:principaltype': ['AssumedRole'] },
  };
}

/**
 * The request Image Builder makes on a target account's lifecycle role when a lifecycle policy of `sourceAccount`
 * acts on an image's copies: the service itself assumes the role, with `aws:SourceAccount` the policy's account and
 * `aws:SourceArn` the image's ARN (a sample image of that account and Region).
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html
 */
export function lifecycleTrustRequest(sourceAccount: string, partition: string, region: string): Request {
  return {
    principals: ['imagebuilder.amazonaws.com'],
    action: 'sts:AssumeRole',
    context: {
      'aws:sourceaccount': [sourceAccount],
      'aws:sourcearn': [`arn:${partition}:imagebuilder:${region}:${sourceAccount}:image/golden/1.0.0/1`],
      'aws:principalservicename': ['imagebuilder.amazonaws.com'],
    },
  };
}
