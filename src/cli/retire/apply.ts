import {
  DeleteSnapshotCommand, DeregisterImageCommand, DisableImageCommand, EC2Client, EnableImageDeprecationCommand,
} from '@aws-sdk/client-ec2';
import { CopyPlan } from './plan';
import { AwsSession, classify, errorCode } from '../common/aws';

/*
 * The changes of retire, one copy at a time, each only for a copy the plan found unused: EnableImageDeprecation
 * (at the next whole minute: EC2 takes no time in the past and rounds to the minute), DisableImage, or
 * DeregisterImage and then DeleteSnapshot of each of its snapshots. An answer that says it was already done
 * (the AMI or snapshot no longer exists) is done; a call without an answer (deadline, budget, network) is
 * "unknown": it may have happened, and a rerun reads the state again and picks up from there.
 */

type Json = Record<string, any>;

/** One call that changes AWS, and its outcome. */
export interface Change {
  readonly call: string;
  readonly target: string;
  readonly outcome: 'done' | 'already' | 'failed' | 'unknown';
  readonly message: string;
}

const GONE_AMI = /^InvalidAMIID\.(NotFound|Unavailable)$/;
const GONE_SNAPSHOT = /^InvalidSnapshot\.NotFound$/;
/** The kinds of failure after which the call may have been carried out. */
const NO_ANSWER = new Set(['timeout', 'budget', 'unreachable', 'error']);

/** Makes the change the plan holds for one copy; `changed` hears of each call as it ends (to print it at once). */
export async function applyPlan(aws: AwsSession, plan: CopyPlan, now: Date, changed: (c: Change) => void): Promise<Change[]> {
  const { account, region, imageId } = plan.copy;
  const changes: Change[] = [];
  const record = (c: Change) => {
    changes.push(c);
    changed(c);
  };
  const attempt = async (call: string, target: string, send: (ec2: EC2Client) => Promise<unknown>, gone: RegExp, did: string): Promise<boolean> => {
    try {
      const ec2 = await aws.client(EC2Client, account, region);
      await send(ec2);
      record({ call, target, outcome: 'done', message: did });
      return true;
    } catch (e) {
      if (gone.test(errorCode(e))) {
        record({ call, target, outcome: 'already', message: `${target} no longer exists (${errorCode(e)}): nothing to do` });
        return true;
      }
      const why = classify(e, aws.settings);
      const unknown = NO_ANSWER.has(why.kind);
      record({
        call,
        target,
        outcome: unknown ? 'unknown' : 'failed',
        message: unknown ? `no answer (${why.message}): it may or may not have happened. Fix: ${why.fix}; then run again (a rerun reads the state first)`
          : `${why.message}. Fix: ${why.fix}`,
      });
      return false;
    }
  };
  if (!imageId || plan.verdict !== 'retire') {
    return changes;
  }
  switch (plan.change) {
    case 'EnableImageDeprecation': {
      const at = new Date(Math.ceil((now.getTime() + 1) / 60_000) * 60_000);
      await attempt('ec2:EnableImageDeprecation', imageId,
        ec2 => aws.send(ec2, new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: at }), 'ec2:EnableImageDeprecation'),
        GONE_AMI, `deprecated at ${at.toISOString()}`);
      break;
    }
    case 'DisableImage':
      await attempt('ec2:DisableImage', imageId,
        ec2 => aws.send(ec2, new DisableImageCommand({ ImageId: imageId }), 'ec2:DisableImage'), GONE_AMI, 'disabled');
      break;
    case 'DeregisterImage': {
      const deregistered = await attempt('ec2:DeregisterImage', imageId,
        ec2 => aws.send<Json>(ec2, new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }), 'ec2:DeregisterImage'),
        GONE_AMI, 'deregistered');
      if (!deregistered) {
        break;
      }
      // DeleteAssociatedSnapshots is recent and not on every endpoint: each snapshot is deleted (or found gone) here.
      for (const snapshotId of plan.copy.snapshotIds) {
        await attempt('ec2:DeleteSnapshot', snapshotId,
          ec2 => aws.send(ec2, new DeleteSnapshotCommand({ SnapshotId: snapshotId }), 'ec2:DeleteSnapshot'), GONE_SNAPSHOT, 'deleted');
      }
      break;
    }
  }
  return changes;
}
