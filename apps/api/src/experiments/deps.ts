// What the experiment service (experiments.ts) and its parts (submit.ts, cancel.ts) are built from; a file of its
// own, so that the parts need not import the service that imports them.
import type { FastifyBaseLogger } from 'fastify';
import type { CheckpointsRepo, ExperimentsRepo } from '@slmlab/db';
import type { ExperimentQueue } from '../plugins/queue.ts';
import type { SubmissionLimits } from './limits.ts';

export interface ExperimentServiceDeps {
  experiments: ExperimentsRepo;
  checkpoints: CheckpointsRepo;
  queue: ExperimentQueue;
  /** Tells every worker to stop the job of this experiment if it runs it. */
  publishCancel: (id: string) => Promise<void>;
  limits: SubmissionLimits;
  log: FastifyBaseLogger;
}
