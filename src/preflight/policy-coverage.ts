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

/** Whether a role's trust policy lets `account` (its root, or `servicePrincipalArn`) assume the role. */
export function trustsAccount(trustPolicy: unknown, account: string, servicePrincipalArn: string): { trusted: boolean; conditional: boolean } {
  const statements = list((trustPolicy as Json | undefined)?.Statement) as Statement[];
  const matching = statements.filter(s => s.Effect === 'Allow'
    && strings(s.Action).some(a => actionMatches(a, 'sts:AssumeRole'))
    && principals(s).some(p => p === account || p === servicePrincipalArn || /^arn:[^:]+:iam::([0-9]{12}):root$/.exec(p)?.[1] === account));
  return { trusted: matching.length > 0, conditional: matching.length > 0 && matching.every(s => s.Condition !== undefined) };
}
