import { Resource, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RuleId } from './catalog';
import { spell } from './messages';

/*
 * The role `grantDistribute()` gives the statements to is the execution role Image Builder uses: the caller passes
 * it to Image Builder (`iam:PassRole`), which assumes it. A role is passed only to a service of its own account
 * ("You can only use the PassRole permission to pass an IAM role to a service that shares the same AWS account"),
 * and Image Builder assumes only a role whose trust policy lets `imagebuilder.amazonaws.com` assume it. For a role
 * the app makes both are known at synth: errors. For an imported role only its account is: a warning, since the
 * import may name the role by an ARN the library cannot confirm.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/pipeline-workflows.html (the execution role trusts imagebuilder.amazonaws.com)
 */

type Message = { rule: RuleId; level: 'error' | 'warning'; text: string };

const concrete = (value: string | undefined) => (value === undefined || Token.isUnresolved(value) ? undefined : value);

/** The findings about the grantee of `grantDistribute()`, computed at synth (the trust policy may grow until then). */
export function distributeGranteeMessages(distribution: IConstruct, grantee: iam.IGrantable): Message[] {
  let principal: iam.IPrincipal;
  try {
    principal = grantee.grantPrincipal;
  } catch {
    return [];
  }
  const role = principal as Partial<iam.IRole>;
  if (typeof role !== 'object' || role === null || typeof role.roleArn !== 'string') {
    return []; // not a role: aws-cdk-lib adds the statements where it can
  }
  const stack = Stack.of(distribution);
  const account = concrete(stack.account);
  const region = concrete(stack.region) ?? '(the stack\'s Region)';
  const owned = Resource.isOwnedResource(role as IConstruct);
  const name = (role as IConstruct).node?.path ?? role.roleArn;
  const call = `${spell('grantDistribute')}()`;
  const messages: Message[] = [];
  const roleAccount = concrete(owned ? Stack.of(role as IConstruct).account : principal.principalAccount);
  if (account !== undefined && roleAccount !== undefined && roleAccount !== account) {
    const rule: RuleId = owned ? 'DistributeGranteeAccount' : 'DistributeGranteeImported';
    messages.push({
      rule,
      level: owned ? 'error' : 'warning',
      text: `[${rule}] Region ${region}: ${call} grantee ${name} is a role of account ${roleAccount}, but the distribution ${distribution.node.path} is of account ${account}; a role is passed to a service only in its own account (iam:PassRole), so Image Builder cannot use it here (allowed: a role of account ${account}). Fix: grant a role of account ${account}, e.g. the pipeline's execution role created in this distribution's stack${owned ? '' : `; or acknowledge ${rule} if the ARN is not the role's`}.`,
    });
  }
  if (owned) {
    const problem = trustProblem(role as iam.IRole);
    if (problem) {
      messages.push({
        rule: 'DistributeGranteeTrust',
        level: 'error',
        text: `[DistributeGranteeTrust] Region ${region}: ${call} grantee ${name} ${problem}, so Image Builder cannot assume it (allowed: a trust policy that lets the service principal imagebuilder.amazonaws.com call sts:AssumeRole). Fix: create the role with assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') (or add it with a CompositePrincipal).`,
      });
    }
  }
  return messages;
}

/** Why the trust policy of a role of the app does not let Image Builder assume it; undefined when it does or is unknown. */
function trustProblem(role: iam.IRole): string | undefined {
  const document = (role as { assumeRolePolicy?: iam.PolicyDocument }).assumeRolePolicy;
  if (!document) {
    return undefined;
  }
  let json: { Statement?: unknown };
  try {
    json = Stack.of(role).resolve(document.toJSON());
  } catch {
    return undefined;
  }
  const statements = Array.isArray(json?.Statement) ? json.Statement as Array<Record<string, unknown>> : [];
  const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const services: string[] = [];
  for (const s of statements) {
    const actions = list(s.Action);
    const assumes = actions.some(a => typeof a !== 'string' || a === '*' || a === 'sts:*' || a.toLowerCase() === 'sts:assumerole');
    if (s.Effect !== 'Allow' || !assumes) {
      continue;
    }
    const principal = s.Principal;
    if (principal === '*' || (typeof principal === 'object' && principal !== null && !Array.isArray(principal) && list((principal as Record<string, unknown>).AWS).includes('*'))) {
      return undefined;
    }
    const service = typeof principal === 'object' && principal !== null ? list((principal as Record<string, unknown>).Service) : [];
    for (const v of service) {
      if (typeof v !== 'string') {
        return undefined; // a deploy-time value: unknown
      }
      if (/^imagebuilder\.amazonaws\.com(\.cn)?$/.test(v) || v.startsWith('imagebuilder.')) {
        return undefined;
      }
      services.push(v);
    }
  }
  return services.length > 0
    ? `has a trust policy that names the service ${[...new Set(services)].join(', ')}, not imagebuilder.amazonaws.com`
    : 'has a trust policy that names no service';
}
