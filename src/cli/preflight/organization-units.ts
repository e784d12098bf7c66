import { DescribeOrganizationCommand, ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AwsSession, NoAccess, errorCode } from '../common/aws';

/*
 * Where an account is in the caller's organization, for the StackSets of the target-account role: the OUs (and the
 * root) above it, read with organizations:ListParents from the account up to the root, and the management account,
 * which a service-managed StackSet never deploys to. Read-only; each OU's parent is asked once per run, so a
 * thousand accounts of one OU cost a thousand calls plus the OU's path.
 *
 * @see https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html
 */

interface OrganizationCache {
  organization?: Promise<{ Id?: string; Arn?: string; MasterAccountId?: string } | undefined>;
  readonly parents: Map<string, Promise<string | undefined>>;
}

const caches = new WeakMap<AwsSession, OrganizationCache>();

function cacheOf(aws: AwsSession): OrganizationCache {
  let cache = caches.get(aws);
  if (!cache) {
    cache = { parents: new Map() };
    caches.set(aws, cache);
  }
  return cache;
}

/** The caller's reading of Organizations failed in a way that is the caller's to fix. */
function noAccess(e: unknown, call: string): NoAccess | undefined {
  const name = errorCode(e);
  if (/AccessDenied/.test(name)) {
    return new NoAccess(`the caller may not read the organization's structure (${call}: ${name})`,
      'run preflight with credentials of the management account or of a delegated administrator of AWS Organizations');
  }
  if (name === 'AWSOrganizationsNotInUseException') {
    return new NoAccess(`the caller's account is in no organization (${call}: ${name})`,
      'run preflight with credentials of the organization\'s management account or of a delegated administrator');
  }
  return undefined;
}

async function client(aws: AwsSession): Promise<OrganizationsClient> {
  const identity = await aws.identity();
  return aws.client(OrganizationsClient, identity.account);
}

/** The caller's organization (organizations:DescribeOrganization), asked once per run. */
function organizationOf(aws: AwsSession): Promise<{ Id?: string; Arn?: string; MasterAccountId?: string } | undefined> {
  const cache = cacheOf(aws);
  cache.organization ??= (async () => {
    try {
      const answer = await aws.send<any>(await client(aws), new DescribeOrganizationCommand({}));
      return answer.Organization;
    } catch (e) {
      throw noAccess(e, 'organizations:DescribeOrganization') ?? e;
    }
  })();
  // A failed answer is not kept: the next check asks again.
  cache.organization.catch(() => (cache.organization = undefined));
  return cache.organization;
}

/** The organization's management account. */
export async function managementAccount(aws: AwsSession): Promise<string | undefined> {
  return (await organizationOf(aws))?.MasterAccountId;
}

/** The parent (OU or root) of an account or OU; undefined for an account that is not in the caller's organization. */
function parentOf(aws: AwsSession, child: string): Promise<string | undefined> {
  const cache = cacheOf(aws);
  let parent = cache.parents.get(child);
  if (!parent) {
    parent = (async () => {
      try {
        const answer = await aws.send<any>(await client(aws), new ListParentsCommand({ ChildId: child }));
        return answer.Parents?.[0]?.Id;
      } catch (e) {
        if (errorCode(e) === 'ChildNotFoundException' || errorCode(e) === 'AccountNotFoundException') {
          return undefined;
        }
        throw noAccess(e, 'organizations:ListParents') ?? e;
      }
    })();
    // A failed answer is not kept: the next account asks again.
    parent.catch(() => cache.parents.delete(child));
    cache.parents.set(child, parent);
  }
  return parent;
}

/**
 * The OUs and the root above `account`, nearest first; undefined when the account is not in the caller's
 * organization. An organization nests OUs five deep at most: a longer path is an answer that cannot be right.
 */
export async function ancestorsOf(aws: AwsSession, account: string): Promise<string[] | undefined> {
  const ancestors: string[] = [];
  let child = account;
  for (let depth = 0; depth < 8; depth++) {
    const parent = await parentOf(aws, child);
    if (parent === undefined) {
      return depth === 0 ? undefined : ancestors;
    }
    ancestors.push(parent);
    if (parent.startsWith('r-')) {
      return ancestors;
    }
    child = parent;
  }
  throw new NoAccess(`organizations:ListParents gave no root above ${account} within 8 levels`, 'check the organization\'s structure in the Organizations console');
}

/**
 * Which of the StackSets' OUs cover `account`: the first StackSet (index) and OU that does; `management` for the
 * management account, which none covers; undefined when none does (the account is outside them or the organization).
 */
export async function coveringUnit(
  aws: AwsSession, account: string, unitsPerStackSet: string[][],
): Promise<{ index: number; unit: string } | 'management' | undefined> {
  if (await managementAccount(aws) === account) {
    return 'management';
  }
  const ancestors = await ancestorsOf(aws, account);
  if (!ancestors) {
    return undefined;
  }
  for (const [index, units] of unitsPerStackSet.entries()) {
    const unit = units.find(u => ancestors.includes(u));
    if (unit) {
      return { index, unit };
    }
  }
  return undefined;
}

/** What a check of the key access of a target account found (the shape of a check's outcome). */
export interface KeyAccessOutcome {
  readonly status: 'pass' | 'fail' | 'unchecked';
  readonly message: string;
  readonly fix?: string;
}

/**
 * A target account whose copies use keys that only the organization's role may use (`TargetAccountKeyAccess.organization()`:
 * `aws:PrincipalOrgID`, and `aws:PrincipalOrgPaths` of the OUs when given): it must be in the organization, under one
 * of the OUs (or below them) when given; else every copy into it fails with AccessDenied on the key.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths
 */
export async function keyAccessUnitOutcome(
  aws: AwsSession, check: { account?: string; organizationArn: string; organizationalUnitArns: string[]; regions: string[] },
): Promise<KeyAccessOutcome> {
  const account = check.account!;
  const wanted = /organization\/(o-[a-z0-9]+)$/.exec(check.organizationArn)?.[1] ?? check.organizationArn;
  const own = await organizationOf(aws);
  if (own?.Id !== wanted) {
    return {
      status: 'unchecked',
      message: `not checkable: the keys let only accounts of organization ${wanted} copy, and the caller is in ${own?.Id ?? 'no organization'}, whose structure alone Organizations shows`,
      fix: `run preflight with credentials of the management account of ${wanted} or of a delegated administrator`,
    };
  }
  const regions = `the key${check.regions.length === 1 ? '' : 's'} of ${check.regions.join(', ')}`;
  const ancestors = await ancestorsOf(aws, account);
  if (!ancestors) {
    return {
      status: 'fail',
      message: `target account ${account} is not in organization ${wanted}, but ${regions} let only its accounts' Image Builder role copy (TargetAccountKeyAccess.organization()): every copy into ${account} fails with AccessDenied on the key.`,
      fix: `invite ${account} into ${wanted}, or remove it from targetAccounts, or name it in the key policies (TargetAccountKeyAccess.accounts())`,
    };
  }
  const units = check.organizationalUnitArns.map(arn => arn.split('/').pop()!);
  const unit = units.find(u => ancestors.includes(u));
  if (units.length === 0 || unit) {
    return { status: 'pass', message: unit ? `target account ${account} is under ${unit}` : `target account ${account} is in ${wanted}` };
  }
  return {
    status: 'fail',
    message: `target account ${account} is in none of the OUs ${units.join(', ')} of TargetAccountKeyAccess.organization() (it is under ${[...ancestors].reverse().join('/')}), but ${regions} let only those OUs' accounts copy: every copy into ${account} fails with AccessDenied on the key.`,
    fix: `move ${account} into one of those OUs, or add the ARN of its OU (${ancestors[0]}) to organizationalUnitArns, or remove it from targetAccounts`,
  };
}
