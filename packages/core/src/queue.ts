// Queue and job names shared by the API (producer) and the worker (consumer).
import type { ExperimentSpec } from './spec.ts';

export const EXPERIMENT_QUEUE = 'slmlab-experiments';
export const TRAIN_JOB = 'train';

/** What a BullMQ job carries. The job id equals the experiment id. */
export interface TrainJobData {
  experimentId: string;
  spec: ExperimentSpec;
}

/**
 * The Redis pub/sub channel on which the API asks workers to stop a running job (message: the experiment id,
 * which is the job id). Every worker of the deployment subscribes; the one running the job aborts it.
 */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}
