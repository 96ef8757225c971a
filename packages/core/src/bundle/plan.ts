// What importing a bundle does with the experiment, decided from the bundle alone (the API acts on it; the CLI
// says it before uploading). An ended experiment (succeeded, failed) comes in as it was, read-only. One that had
// not ended — queued, running, or stopped by a cancel with a training state to go on from — comes in queued,
// for this deployment's workers to resume from that state; a cancelled one without a state stays cancelled.
import { STATE_CHECKPOINT_FORMAT, STATE_CHECKPOINT_TAG } from './checkpoint-peek.ts';
import type { BundleStatus } from './schema.ts';
import type { Bundle, BundleCheckpoint } from './types.ts';

export interface ImportPlan {
  /** The status the experiment is stored with here. */
  status: BundleStatus;
  /** Stored queued and enqueued: its run goes on here (attempts, heartbeat and worker fields start afresh). */
  resumes: boolean;
  /** The training state a worker resumes from (null: a queued experiment that never checkpointed starts afresh). */
  resumeFrom: BundleCheckpoint | null;
}

export function importPlan(bundle: Bundle): ImportPlan {
  const { status } = bundle.experiment;
  const state = latestState(bundle.checkpoints);
  const unfinished = status === 'queued' || status === 'running' || (status === 'cancelled' && state !== null);
  if (!unfinished) return { status, resumes: false, resumeFrom: null };
  return { status: 'queued', resumes: true, resumeFrom: state };
}

/** The newest training state, as the worker picks it (tag `latest`, newest first). */
export function latestState(checkpoints: BundleCheckpoint[]): BundleCheckpoint | null {
  const states = checkpoints.filter((c) => c.tag === STATE_CHECKPOINT_TAG && c.format === STATE_CHECKPOINT_FORMAT);
  return states.reduce<BundleCheckpoint | null>((newest, c) => (newest === null || Date.parse(c.createdAt) > Date.parse(newest.createdAt) ? c : newest), null);
}
