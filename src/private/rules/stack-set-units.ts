import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RuleId } from './catalog';
import { spell } from './messages';

/*
 * The OUs of the app's role StackSets (`CrossAccountDistributionRoleStackSet`). Each StackSet creates the role
 * `EC2ImageBuilderDistributionCrossAccountRole` in every account of its OUs; IAM role names are unique in an
 * account, so two StackSets that reach the same account make the second stack instance fail there. An OU ID holds
 * the ID of its root ("ou-" and the root's ID, then "-" and 8 to 32 characters), so the app knows that the root
 * `r-ab12` holds `ou-ab12-cdefghij`; which OU is inside which other OU only Organizations knows (preflight reads it).
 * CloudFormation takes each ID once in a StackSet's `OrganizationalUnitIds` (the resource schema's `uniqueItems`).
 *
 * @see https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-deploymenttargets.html
 */

interface Targets {
  readonly scope: IConstruct;
  /** The literal IDs, as the user listed them (tokens left out, with their positions kept). */
  readonly ids: ReadonlyArray<string | undefined>;
}

const byApp = new WeakMap<IConstruct, Targets[]>();

/** Records the OUs of a StackSet of the app, for the checks at synth. */
export function registerStackSetTargets(scope: IConstruct, ids: ReadonlyArray<string>): void {
  const root = scope.node.root;
  const list = byApp.get(root) ?? [];
  byApp.set(root, list);
  list.push({ scope, ids: ids.map(id => (typeof id === 'string' && !Token.isUnresolved(id) ? id : undefined)) });
}

/** The root an ID names or lies in: `r-ab12` for `r-ab12` and `ou-ab12-cdefghij`. */
function rootOf(id: string): string | undefined {
  const root = /^r-([a-z0-9]{4,32})$/.exec(id)?.[1] ?? /^ou-([a-z0-9]{4,32})-[a-z0-9]{8,32}$/.exec(id)?.[1];
  return root === undefined ? undefined : `r-${root}`;
}

/** Whether the accounts of `a` and `b` overlap, by their IDs alone: the same ID, or a root and an OU of it. */
function overlap(a: string, b: string): boolean {
  if (a === b) {
    return true;
  }
  const isRoot = (id: string) => id.startsWith('r-');
  return (isRoot(a) || isRoot(b)) && rootOf(a) !== undefined && rootOf(a) === rootOf(b);
}

/** Two stacks of different concrete accounts deploy from different management accounts: other organizations. */
function sameAdministrator(a: IConstruct, b: IConstruct): boolean {
  const [x, y] = [Stack.of(a).account, Stack.of(b).account];
  return Token.isUnresolved(x) || Token.isUnresolved(y) || x === y;
}

/**
 * The findings of one StackSet: an ID it lists twice, and its IDs that overlap those of a StackSet made before
 * it in the app (the pair is reported once, by the later one).
 */
export function stackSetOverlapMessages(scope: IConstruct, region?: string): Array<{ rule: RuleId; level: 'error'; text: string }> {
  const all = byApp.get(scope.node.root) ?? [];
  const index = all.findIndex(t => t.scope === scope);
  if (index < 0) {
    return [];
  }
  const own = all[index];
  const field = (i: number) => `${spell('organizationalUnitIds')}[${i}]`;
  const role = 'EC2ImageBuilderDistributionCrossAccountRole';
  const messages: Array<{ rule: RuleId; level: 'error'; text: string }> = [];
  // IAM is global: the Region is where the stack instances go, named so that the StackSet is found.
  const where = region !== undefined && !Token.isUnresolved(region) ? ` (stack instances in Region ${region})` : '';
  const say = (text: string) => messages.push({ rule: 'StackSetOverlappingUnits', level: 'error', text: `[StackSetOverlappingUnits] CrossAccountDistributionRoleStackSet${where}: ${text}` });
  own.ids.forEach((id, i) => {
    const first = id === undefined ? -1 : own.ids.indexOf(id);
    if (id !== undefined && first < i) {
      say(`${field(i)} is ${JSON.stringify(id)}, already ${field(first)}; CloudFormation takes each ID once in a StackSet's OrganizationalUnitIds (allowed: each OU or root ID once). Fix: remove ${field(i)}.`);
    }
  });
  for (const other of all.slice(0, index)) {
    if (!sameAdministrator(scope, other.scope)) {
      continue;
    }
    own.ids.forEach((id, i) => {
      const j = id === undefined ? -1 : other.ids.findIndex(o => o !== undefined && overlap(id, o));
      if (id === undefined || j < 0) {
        return;
      }
      const theirs = other.ids[j]!;
      const relation = id === theirs ? 'is also' : id.startsWith('r-') ? 'is the root that holds' : 'lies in the root';
      say(`${field(i)} is ${JSON.stringify(id)}, which ${relation} ${JSON.stringify(theirs)}, a target of ${other.scope.node.path} (its ${field(j)}): both StackSets create the role ${role} in the same accounts, and IAM role names are unique in an account, so the second stack instance fails in each of them. Fix: deploy the role to these accounts from one StackSet (list every source account and key in it), e.g. target only the root ${rootOf(id)} in one StackSet, or only OUs that do not overlap.`);
    });
  }
  return messages;
}
