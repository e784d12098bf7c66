import { runSimulation } from '@cloud-copilot/iam-simulate';

/*
 * Decides a request the way AWS does, with an independent IAM policy evaluator (@cloud-copilot/iam-simulate,
 * AGPL-3.0: a devDependency of the tests only; the published packages never import or bundle it).
 */

export interface Request {
  /** The caller: an IAM role, or a role session (`arn:aws:sts::<account>:assumed-role/<role>/<session>`). */
  readonly principal: string;
  readonly action: string;
  /** The resource ARN and the account that owns it. */
  readonly resource: string;
  readonly resourceAccount: string;
  /** The request context AWS sets for the request. */
  readonly context: Record<string, string | string[]>;
  /** The caller's identity policies. */
  readonly identityPolicies: Array<{ name: string; policy: any }>;
  /** The resource's policy: a key policy, or a role's trust policy. */
  readonly resourcePolicy?: any;
}

export interface Decision {
  readonly allowed: boolean;
  /** Context keys the evaluator dropped because the action does not have them: a sign the request is described wrong. */
  readonly ignoredContextKeys: string[];
  readonly errors?: string;
}

export async function decide(request: Request): Promise<Decision> {
  const result = await runSimulation({
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: request.context,
    },
    identityPolicies: request.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy,
  }, {});
  if (result.resultType === 'error') {
    return { allowed: false, ignoredContextKeys: [], errors: JSON.stringify(result.errors) };
  }
  if (result.resultType !== 'single') {
    return { allowed: false, ignoredContextKeys: [], errors: `unexpected ${result.resultType} result` };
  }
  return { allowed: result.overallResult === 'Allowed', ignoredContextKeys: result.result.ignoredContextKeys ?? [] };
}

/** An identity policy that allows everything: the caller's own account does not stop the request. */
export const ALLOW_ALL = { name: 'AllowAll', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
