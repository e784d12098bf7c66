/*
 * What a valid account ID, organization and OU look like (the Image Builder API model's patterns), and the
 * forms key policies take them in. Pure: the rules report values that fail them, and the key-policy statements
 * (key-statements.ts, also used by the preflight command) take only values that pass them, so that a value a
 * rule rejected never reaches a policy, whether its error is acknowledged or not.
 */

/** API model `AccountId`. */
export const ACCOUNT_ID = /^[0-9]{12}$/;
/** API model `OrganizationArn`. */
export const ORGANIZATION_ARN = /^arn:aws[^:]*:organizations::[0-9]{12}:organization\/o-[a-z0-9]{10,32}$/;
/** API model `OrganizationalUnitArn` (the model does not anchor its end). */
export const OU_ARN = /^arn:aws[^:]*:organizations::[0-9]{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}/;
/** An organization ID as `aws:PrincipalOrgID` takes it. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** An `aws:PrincipalOrgPaths` pattern of one OU and the OUs below it, as organizationalUnitPathFromArn writes it. */
export const OU_PATH = /^o-[a-z0-9]{10,32}\/\*\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}\/\*$/;

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/**
 * The organization ID (`o-...`) of a valid organization ARN; undefined for anything else, which no policy
 * takes (the `OrganizationArn` rule reports it).
 */
export function organizationIdFromArn(organizationArn: unknown): string | undefined {
  return isString(organizationArn) && ORGANIZATION_ARN.test(organizationArn) ? organizationArn.split('/')[1] : undefined;
}

/**
 * An `aws:PrincipalOrgPaths` pattern for a valid OU ARN: `o-xxx/*\/ou-xxx/*`; undefined for anything else,
 * which no policy takes (the `OrganizationalUnitArn` rule reports it).
 *
 * The ARN names the organization and the OU but not the root and parent OUs on the path, so the
 * pattern matches the OU wherever it sits, and every OU below it (use it with `StringLike`).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths
 */
export function organizationalUnitPathFromArn(ouArn: unknown): string | undefined {
  if (!isString(ouArn) || !OU_ARN.test(ouArn)) {
    return undefined;
  }
  const match = /:ou\/(o-[a-z0-9]{10,32})\/(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})/.exec(ouArn)!;
  return `${match[1]}/*/${match[2]}/*`;
}
