import { CopyState, RETAIN_TAG, Reference, describeReference } from '../common/references';

// Shared with the usage verb, so in common/references.ts; re-exported for retire's callers and tests.
export { RETAIN_TAG, describeReference } from '../common/references';
export type { CopyState, Gap, Reference } from '../common/references';

/*
 * What retire does with each copy of an image (pure: no AWS calls): from what the reads found (the copy's state,
 * its tags, what uses it, which reads gave no answer) and the step asked for, the copy's verdict and the change
 * it needs, or why it is kept. Unknown is never "unused": a copy with one unanswered read is kept.
 */

/** The steps, in the order a copy goes through them (the guide's order: deprecate, disable, deregister). */
export const STEPS = ['deprecate', 'disable', 'deregister'] as const;
export type Step = typeof STEPS[number];

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
