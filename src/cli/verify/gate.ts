import { VerificationRun } from './run';
import { AwsSession, Identity } from '../common/aws';

/*
 * The release rings' gate (ReleaseRings): the distribution workflow stops at a WaitForAction step after each ring but
 * the last; its notification starts the verification function, which verifies what the ring received and resumes
 * the workflow (SendWorkflowStepAction RESUME) only when every check passed.
 */

/** A release ring as the construct gives it to the function (VERIFY_RINGS), in order. */
export interface Ring {
  readonly name: string;
  /** @default every Region */
  readonly regions?: string[];
  /** @default every account */
  readonly accounts?: string[];
  /** The last ring may be "the rest": every copy no earlier ring has. */
  readonly rest?: boolean;
}

/** The WaitForAction step after ring N (1-based) is named `VerifyRing<N>`. */
export const GATE_STEP = /^VerifyRing([0-9]+)$/;

export interface GateContext {
  readonly aws: AwsSession;
  readonly identity: Identity;
  readonly rings: Ring[];
  /** The distribution configuration ARNs of the images the function verifies. */
  readonly configurations: string[];
  readonly concurrency: number;
  /** Publishes a run (records, metrics, findings), as for any other verification. */
  readonly publish: (run: VerificationRun, trigger: string, ring?: string) => Promise<void>;
  /** One progress line (the function's log). */
  readonly progress: (line: string) => void;
}

/** Verifies the rings whose gates wait, and resumes or stops each. */
export async function releaseGates(context: GateContext): Promise<void> {
  context.progress(`release gates: not implemented yet (${context.rings.length} rings)`);
}
