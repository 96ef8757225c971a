// Request and response shapes of the transfer routes (the bundle itself is bytes: docs/checkpoints.md).
import Type from 'typebox';
import { BundleSource } from '@slmlab/core';
import { ExperimentSummary } from '../edge/schemas.ts';

export const ImportQuery = Type.Object(
  {
    force: Type.Boolean({
      default: false,
      description: 'import even when an experiment here has the same spec and counts as a run of it (queued, running, succeeded)',
    }),
  },
  { additionalProperties: false },
);

export const ImportResult = Type.Object(
  {
    experiment: ExperimentSummary,
    source: Type.Object(BundleSource.properties, { description: 'where the bundle was exported: deployment, time, slmlab version' }),
    resumes: Type.Boolean({ description: 'true: stored queued and enqueued, a worker here goes on with its run; false: stored as it ended' }),
    resumeFrom: Type.Union(
      [Type.Object({ tag: Type.String(), epoch: Type.Integer(), step: Type.Integer() }), Type.Null()],
      { description: 'the training state a worker resumes from; null when it starts from scratch or does not run' },
    ),
    stored: Type.Object({ metricPoints: Type.Integer(), checkpoints: Type.Integer() }),
  },
  { description: 'the imported experiment, and what happens to it here' },
);
