// Queue and job names shared by the API (producer) and the worker (consumer).
import type { ExperimentSpec } from './spec.ts';

export const EXPERIMENT_QUEUE = 'slmlab-experiments';
export const TRAIN_JOB = 'train';

/** What a BullMQ job carries. The job id equals the experiment id. */
export interface TrainJobData {
  experimentId: string;
  spec: ExperimentSpec;
}
