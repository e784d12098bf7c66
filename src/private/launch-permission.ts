import { Fn, Token } from 'aws-cdk-lib';
import { organizationIdFromArn, organizationalUnitPathFromArn } from './key-statements';
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
    // A list token is kept as it is: copying its one encoded element keeps it a list token.
    target[key] = [...values];
  }
}

/**
 * The organization ID (`o-...`) of an organization ARN, for the `aws:PrincipalOrgID` condition.
 * An unresolved ARN yields a CloudFormation expression that selects it at deploy time.
 */
export function organizationIdOf(organizationArn: string): string {
  if (Token.isUnresolved(organizationArn)) {
    return Fn.select(1, Fn.split('/', organizationArn));
  }
  return organizationIdFromArn(organizationArn);
}

/**
 * An `aws:PrincipalOrgPaths` pattern for an OU ARN (see `organizationalUnitPathFromArn`). An unresolved ARN
 * yields a CloudFormation expression that builds it at deploy time.
 */
export function organizationalUnitPathOf(ouArn: string): string {
  if (Token.isUnresolved(ouArn)) {
    const parts = Fn.split('/', ouArn);
    return Fn.join('', [Fn.select(1, parts), '/*/', Fn.select(2, parts), '/*']);
  }
  return organizationalUnitPathFromArn(ouArn);
}
