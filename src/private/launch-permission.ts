import { Fn, Stack, Token } from 'aws-cdk-lib';
import { organizationIdFromArn, organizationalUnitPathFromArn } from './identifiers';
import { isListToken } from './key-policy';
import { LaunchPermission } from '../launch-permission';

/** The launch group that makes an AMI public. */
export const PUBLIC_USER_GROUP = 'all';

/**
 * Renders a launch permission in the CloudFormation shape (`LaunchPermissionConfiguration`),
 * leaving out empty lists; undefined when nothing is shared.
 */
export function renderLaunchPermission(permission: LaunchPermission | undefined): Record<string, string[]> | undefined {
  if (!permission) {
    return undefined;
  }
  const rendered: Record<string, string[]> = {};
  setIfNotEmpty(rendered, 'UserIds', permission.accounts);
  setIfNotEmpty(rendered, 'UserGroups', permission.publicAccess ? [PUBLIC_USER_GROUP] : undefined);
  setIfNotEmpty(rendered, 'OrganizationArns', permission.organizations);
  setIfNotEmpty(rendered, 'OrganizationalUnitArns', permission.organizationalUnits);
  return Object.keys(rendered).length > 0 ? rendered : undefined;
}

function setIfNotEmpty(target: Record<string, string[]>, key: string, values: string[] | undefined) {
  if (values && values.length > 0) {
    target[key] = renderList(values);
  }
}

/**
 * A list as CloudFormation takes it. A list token alone is kept as it is (copying its one encoded element keeps
 * it a list token). A list token among other values (`[...param.valueAsList, '222222222222']`) cannot stand in
 * a literal list (aws-cdk-lib: "Cannot add elements to list token"): the whole list is joined and split again
 * at deploy time. The values of these lists (IDs, ARNs, tags) hold no commas.
 */
export function renderList(values: string[]): string[] {
  if (values.length < 2 || !values.some(isListToken)) {
    return [...values];
  }
  return Fn.split(',', Fn.join(',', values.map(v => (isListToken(v) ? Fn.join(',', [v]) : v))));
}

/**
 * The organization ID (`o-...`) of an organization ARN, for the `aws:PrincipalOrgID` condition; undefined for
 * an invalid ARN, which no policy takes. A token that `stack` resolves to a string (`Lazy.string`) is that
 * string; other unresolved ARNs yield a CloudFormation expression that selects the ID at deploy time.
 */
export function organizationIdOf(organizationArn: string, stack?: Stack): string | undefined {
  if (Token.isUnresolved(organizationArn)) {
    const literal = literalIn(stack, organizationArn);
    return literal === undefined ? Fn.select(1, Fn.split('/', organizationArn)) : organizationIdFromArn(literal);
  }
  return organizationIdFromArn(organizationArn);
}

/**
 * An `aws:PrincipalOrgPaths` pattern for an OU ARN (see `organizationalUnitPathFromArn`); undefined for an
 * invalid ARN. A token that `stack` resolves to a string is that string; other unresolved ARNs yield a
 * CloudFormation expression that builds the pattern at deploy time.
 */
export function organizationalUnitPathOf(ouArn: string, stack?: Stack): string | undefined {
  if (Token.isUnresolved(ouArn)) {
    const literal = literalIn(stack, ouArn);
    if (literal !== undefined) {
      return organizationalUnitPathFromArn(literal);
    }
    const parts = Fn.split('/', ouArn);
    return Fn.join('', [Fn.select(1, parts), '/*/', Fn.select(2, parts), '/*']);
  }
  return organizationalUnitPathFromArn(ouArn);
}

/** The string a token stands for when it is known at synth (such as `Lazy.string`); undefined when it is not. */
function literalIn(stack: Stack | undefined, value: string): string | undefined {
  if (!stack) {
    return undefined;
  }
  try {
    const resolved: unknown = stack.resolve(value);
    return typeof resolved === 'string' ? resolved : undefined;
  } catch {
    return undefined;
  }
}
