import { Token, aws_kms as kms } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { describeKey, resolveKey } from './key-reference';

/*
 * The keys a `CrossAccountDistributionRoleStackSet` must give its role, from the distributions of the same app that
 * copy into the accounts of its OUs: each `DistributionConfiguration` registers what its Regions need (the rule
 * `StackSetKeyRegion`, reported by the StackSet at synth). The accounts of an OU are known only in the organization;
 * at synth, a Region's target accounts are known to be in OUs when its keys let only those OUs' accounts copy
 * (`TargetAccountKeyAccess.organization(org, [ou...])`). The rest is preflight's (src/cli/preflight).
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */

/** A key the target-account role of some OUs must be able to use for one distribution's copies. */
export interface RoleKeyNeed {
  /** The Region whose copies use the key (the build Region for the source key). */
  readonly region: string;
  readonly key: kms.IKey;
  /** `the key of Region <region>` or `the source key`. */
  readonly use: string;
  /** The distribution's account, when concrete. */
  readonly sourceAccount?: string;
  /** The OU IDs the Region's target accounts are in; empty for every account of the organization. */
  readonly organizationalUnitIds: string[];
}

interface Registered {
  readonly path: string;
  readonly needs: () => RoleKeyNeed[];
}

const registry = new WeakMap<IConstruct, Registered[]>();

/** Registers what a distribution's Regions need of the role of the target accounts (computed when validated). */
export function registerRoleKeyNeeds(scope: IConstruct, needs: () => RoleKeyNeed[]) {
  const root = scope.node.root;
  registry.set(root, [...(registry.get(root) ?? []), { path: scope.node.path, needs }]);
}

/** The OU ID of an OU ARN (`arn:<partition>:organizations::<account>:ou/o-.../ou-...`), when literal. */
export function organizationalUnitIdOfArn(arn: unknown): string | undefined {
  return typeof arn === 'string' && !Token.isUnresolved(arn) ? /:ou\/o-[a-z0-9]+\/(ou-[a-z0-9]+-[a-z0-9]+)$/.exec(arn)?.[1] : undefined;
}

/** Whether two key references name the same key: the same construct (through aliases), or the same literal name. */
function sameKey(a: kms.IKey, b: kms.IKey): boolean {
  return Construct.isConstruct(a) && (resolveKey(a) === resolveKey(b) || describeKey(a) === describeKey(b));
}

/** A need of a distribution that a StackSet's role lacks, for an OU of that StackSet. */
export interface MissingRoleKey extends RoleKeyNeed {
  readonly distribution: string;
  readonly unit: string;
}

/**
 * The keys the distributions of the app copy with into accounts of the StackSet's OUs (`units`, literal OU or root
 * IDs) that its role (`keys`, trusting `sourceAccounts`) cannot use. A root ID covers every account of the
 * organization; a distribution whose role the StackSet does not trust is left to the trust's own check.
 */
export function missingRoleKeys(scope: IConstruct, units: string[], sourceAccounts: string[], keys: kms.IKey[]): MissingRoleKey[] {
  const root = units.find(u => u.startsWith('r-'));
  const missing: MissingRoleKey[] = [];
  for (const registered of registry.get(scope.node.root) ?? []) {
    for (const need of registered.needs()) {
      if (!Construct.isConstruct(need.key)) {
        continue; // input of another type: the construct's own error
      }
      const unit = root ?? need.organizationalUnitIds.find(u => units.includes(u));
      const trusted = need.sourceAccount === undefined || sourceAccounts.includes(need.sourceAccount);
      if (unit && trusted && !keys.some(k => sameKey(k, need.key))) {
        missing.push({ ...need, distribution: registered.path, unit });
      }
    }
  }
  return missing;
}
