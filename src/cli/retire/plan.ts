/*
 * What retire does with each copy of an image (pure: no AWS calls): from what the reads found (the copy's state,
 * its tags, what uses it, which reads gave no answer) and the step asked for, the copy's verdict and the change
 * it needs, or why it is kept. Unknown is never "unused": a copy with one unanswered read is kept.
 */

/** The steps, in the order a copy goes through them (the guide's order: deprecate, disable, deregister). */
export const STEPS = ['deprecate', 'disable', 'deregister'] as const;
export type Step = typeof STEPS[number];

/**
 * The tag that keeps a copy whatever else is true: any value. On the AMI (the copy), in its own account, so an
 * account's owner can keep its copy without asking the image's.
 */
export const RETAIN_TAG = 'cdk-imagebuilder-distribution:retain';

/** Something that uses a copy, named so the user can find it. */
export interface Reference {
  /** `launch-template`, `auto-scaling-group`, `ssm-parameter`, `instance`, `consumer-account`, `image-recipe`, ... */
  readonly kind: string;
  /** Its ID, name or ARN. */
  readonly id: string;
  /** Where it is, when not the copy's account and Region, and which version or state. */
  readonly detail?: string;
  /** Its account, when not the copy's. */
  readonly account?: string;
}

/** A read that gave no usable answer: the copy cannot be called unused. */
export interface Gap {
  /** What could not be read (`launch templates of 111111111111 in eu-west-1`). */
  readonly what: string;
  readonly reason: string;
  readonly fix: string;
}

/** A copy as the reads found it. */
export interface CopyState {
  readonly account: string;
  readonly region: string;
  /** Undefined when a copy was expected there and none was found (or the lookup failed: see gaps). */
  readonly imageId?: string;
  /** `available`, `disabled`, ...; `deregistered` when EC2 no longer has it. */
  readonly state?: string;
  /** When EC2 deprecates (or deprecated) it, ISO 8601. */
  readonly deprecationTime?: string;
  /** The retain tag's value, when the copy has it. */
  readonly retain?: string;
  readonly snapshotIds: string[];
  readonly references: Reference[];
  readonly gaps: Gap[];
  /** Where the copy came from: the image's output (`image`) or the app's configuration (`configuration`). */
  readonly source: 'image' | 'configuration';
}

/**
 * A copy's verdict: `retire` (unused: the step's change is due), `done` (already at or past the step), `in-use`
 * (kept: named references), `unchecked` (kept: a read gave no answer), `retained` (kept: the retain tag), `absent`
 * (no copy there).
 */
export type Verdict = 'retire' | 'done' | 'in-use' | 'unchecked' | 'retained' | 'absent';

export interface CopyPlan {
  readonly copy: CopyState;
  readonly verdict: Verdict;
  /** The change due (`retire`), as the call that makes it. */
  readonly change?: 'EnableImageDeprecation' | 'DisableImage' | 'DeregisterImage';
  /** One line: what will be done, or why not. */
  readonly why: string;
}

const list = (references: Reference[]) => references.map(describeReference).join('; ');

/** A reference in words: `launch template lt-0abc (version 3, $Default)`. */
export function describeReference(r: Reference): string {
  const words: Record<string, string> = {
    'launch-template': 'launch template',
    'auto-scaling-group': 'Auto Scaling group',
    'ssm-parameter': 'SSM parameter',
    'instance': 'instance',
    'consumer-account': 'consumer account',
    'image-recipe': 'Image Builder image recipe',
    'container-recipe': 'Image Builder container recipe',
  };
  const where = [r.detail, r.account ? `in account ${r.account}` : undefined].filter(Boolean).join(', ');
  return `${words[r.kind] ?? r.kind} ${r.id}${where ? ` (${where})` : ''}`;
}

/** Whether the copy is already at or past `step`. */
function reached(copy: CopyState, step: Step, now: Date): boolean {
  if (copy.state === 'deregistered') {
    return true;
  }
  switch (step) {
    case 'deprecate':
      return copy.deprecationTime !== undefined && Date.parse(copy.deprecationTime) <= now.getTime() + 60_000;
    case 'disable':
      return copy.state === 'disabled';
    case 'deregister':
      return false;
  }
}

const CHANGE = { deprecate: 'EnableImageDeprecation', disable: 'DisableImage', deregister: 'DeregisterImage' } as const;

/** The plan of one copy. `now` is the run's clock (a deprecation at or before the next minute is done). */
export function planCopy(copy: CopyState, step: Step, now: Date): CopyPlan {
  if (copy.imageId === undefined) {
    if (copy.gaps.length > 0) {
      return { copy, verdict: 'unchecked', why: `could not look for a copy: ${copy.gaps.map(g => `${g.what}: ${g.reason}`).join('; ')}` };
    }
    return { copy, verdict: 'absent', why: 'the configuration names this account and Region, and it has no copy of the image' };
  }
  if (copy.state === 'deregistered') {
    return { copy, verdict: 'done', why: `${copy.imageId} is already deregistered` };
  }
  if (copy.retain !== undefined) {
    return { copy, verdict: 'retained', why: `kept: the AMI has the tag ${RETAIN_TAG}${copy.retain ? `=${copy.retain}` : ''}` };
  }
  // References found are named even when some reads failed: both keep the copy, and the user needs both.
  if (copy.gaps.length > 0) {
    const used = copy.references.length > 0 ? `; it is used by ${list(copy.references)}` : '';
    return { copy, verdict: 'unchecked', why: `kept: could not check what uses it: ${copy.gaps.map(g => `${g.what}: ${g.reason}`).join('; ')}${used}` };
  }
  if (copy.references.length > 0) {
    return { copy, verdict: 'in-use', why: `kept: used by ${list(copy.references)}` };
  }
  if (reached(copy, step, now)) {
    const how = step === 'deprecate' ? `deprecated since ${copy.deprecationTime}` : 'disabled';
    return { copy, verdict: 'done', why: `${copy.imageId} is already ${how}` };
  }
  const what = {
    deprecate: `deprecate ${copy.imageId} now`,
    disable: `disable ${copy.imageId} (no account can launch it; it can be enabled again)`,
    deregister: `deregister ${copy.imageId} and delete its snapshot${copy.snapshotIds.length === 1 ? '' : 's'} ${copy.snapshotIds.join(', ') || '(none listed)'}`,
  }[step];
  return { copy, verdict: 'retire', change: CHANGE[step], why: `nothing uses it: ${what}` };
}

/** Exit codes of retire (README, "Retire"). */
export const RETIRE_EXIT = {
  /** Every copy retired (in a dry run: could be), or was already. */
  OK: 0,
  /** Some copies are kept because something uses them (each named). */
  IN_USE: 1,
  USAGE: 2,
  /** Some copies could not be checked or changed, and were kept: the run is incomplete, whatever else. */
  INCOMPLETE: 3,
} as const;

/** The exit code of a run: 3 when anything is unknown (it wins: the run is incomplete), else 1 when in use, else 0. */
export function exitCodeOf(verdicts: Verdict[], changesFailed: number): number {
  if (changesFailed > 0 || verdicts.includes('unchecked')) {
    return RETIRE_EXIT.INCOMPLETE;
  }
  return verdicts.includes('in-use') ? RETIRE_EXIT.IN_USE : RETIRE_EXIT.OK;
}
