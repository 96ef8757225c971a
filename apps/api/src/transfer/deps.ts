// What the transfer service (service.ts) and its halves (export.ts, import.ts) are built from.
import type { FastifyBaseLogger } from 'fastify';
import type { ExperimentsRepo, TransferRepo } from '@slmlab/db';
import type { ExperimentQueue } from '../plugins/queue.ts';
import type { SubmissionLimits } from '../experiments/limits.ts';

export interface TransferDeps {
  transfer: TransferRepo;
  experiments: ExperimentsRepo;
  queue: ExperimentQueue;
  /** An imported experiment that will train here is held to this deployment's submission limits. */
  limits: SubmissionLimits;
  /** Written into every export as `source.deploymentId` (deployment.ts). */
  deploymentId: string;
  log: FastifyBaseLogger;
}
