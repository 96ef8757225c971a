// The work behind experiments/routes.ts: submit, cancel and read (listing is search.ts). Dependencies come in as arguments, so
// the routes stay thin and the rules live in one place (submit.ts and cancel.ts hold the longer ones).
import { NotFoundError, type ExperimentSpec } from '@slmlab/core';
import type { ExperimentDetail } from '../edge/schemas.ts';
import { detailView, summaryView } from './views.ts';
import { cancel } from './cancel.ts';
import type { ExperimentServiceDeps } from './deps.ts';
import { enqueueOrFail, submit, type SubmitOptions } from './submit.ts';
import { durationEstimator } from './estimate.ts';

export { TRAIN_JOB_OPTIONS } from './submit.ts';
export type { ExperimentServiceDeps } from './deps.ts';

export function experimentService(deps: ExperimentServiceDeps) {
  const { experiments, checkpoints } = deps;
  const estimate = durationEstimator(experiments);
  return {
    /** How long a spec will take once a worker starts it (told in the answer to a submission). */
    estimate,

    submit: (spec: ExperimentSpec, opts: SubmitOptions) => submit(deps, spec, opts),

    /** Enqueues the job of an experiment stored as queued elsewhere (a sweep's new cells); marks it failed if it cannot. */
    enqueueNew: (experimentId: string, spec: ExperimentSpec) => enqueueOrFail(deps, { experimentId, spec }),

    /** The live experiment of a spec hash (not failed, not cancelled), which a new submission of it returns. */
    live: (specHash: string) => experiments.liveBySpecHash(specHash),

    cancel: (id: string) => cancel(deps, id),

    async get(id: string): Promise<ExperimentDetail> {
      const row = await experiments.get(id);
      if (!row) throw new NotFoundError('experiment', id);
      const [metrics, saved] = await Promise.all([experiments.metrics(id), checkpoints.list(id)]);
      return detailView(row, metrics, saved);
    },
  };
}
