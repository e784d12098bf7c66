import { RoleKey } from './plan';
import { RoleStackSetKey, RoleStackSetRecord } from '../../private/preflight-record';

/*
 * The keys of a target account's role from a StackSet of this app (`CrossAccountDistributionRoleStackSet`), as its
 * record lists them, against the keys of the Regions that copy into the account: a Region whose key the role lacks
 * fails every copy into the account with AccessDenied on the key, whether the StackSet is deployed yet or not.
 * Pure: the StackSet's keys are what the app deploys, so nothing is asked of AWS.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */

/** Whether a key of the StackSet's record is the key a Region's copies use (by ARN, alias, or else its Region). */
function covers(recorded: RoleStackSetKey, key: RoleKey): boolean {
  if (recorded.region !== undefined && recorded.region !== key.region) {
    return false;
  }
  const alias = key.arn ? /:(alias\/.+)$/.exec(key.arn)?.[1] : undefined;
  if (key.arn && recorded.arn) {
    return key.arn === recorded.arn;
  }
  if (alias && recorded.aliasName) {
    return alias === recorded.aliasName;
  }
  // A key of the app known once deployed, or a record that names the key another way: its Region decides.
  return recorded.region === key.region;
}

/** The Regions' keys that the StackSet's role cannot use; empty when its record lists no keys (earlier versions). */
export function keysMissingFromStackSet(record: RoleStackSetRecord, keys: RoleKey[]): RoleKey[] {
  const recorded = Array.isArray(record.keys) ? record.keys : undefined;
  if (!recorded) {
    return [];
  }
  return keys.filter(k => !recorded.some(r => covers(r, k)));
}

/** How a Region's key is named in a finding. */
export function roleKeyName(key: RoleKey): string {
  return key.arn ?? (key.app ? `KMS ${key.app.type === 'AWS::KMS::Alias' ? 'alias' : 'key'} ${key.app.logicalId} of stack ${key.app.stack}` : key.unknown ?? 'its key');
}
