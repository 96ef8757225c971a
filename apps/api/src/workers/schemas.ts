// Response schemas of /v1/workers and /v1/queue. A worker is its registry entry (packages/core workers.ts) with
// the name of the experiment it trains added.
import Type, { type Static, type TSchema } from 'typebox';
import { WorkerEntry } from '@slmlab/core';
import { STATUSES } from '../edge/schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

export const WorkerView = Type.Object(
  {
    ...WorkerEntry.properties,
    currentJob: Nullable(
      Type.Object({
        experimentId: Type.String({ format: 'uuid' }),
        since: Type.String({ format: 'date-time', description: 'when this worker claimed it' }),
        name: Nullable(Type.String({ description: "the experiment's name; null when it has none" })),
      }, { description: 'the experiment it trains (the longest-running one); null when idle' }),
    ),
  },
  { description: 'a live worker, as it last wrote its registry entry (every few seconds)' },
);

export const WorkerList = Type.Object(
  { items: Type.Array(WorkerView, { description: 'by host, then id' }) },
  { description: 'the workers of this deployment that are alive' },
);

/** BullMQ's job states, as the queue counts them. */
export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

const JobCounts = Type.Object(
  {
    ...Object.fromEntries(JOB_STATES.map((s) => [s, Count])) as Record<(typeof JOB_STATES)[number], typeof Count>,
    paused: Type.Integer({
      minimum: 0,
      description: 'of the waiting and prioritized jobs, those a paused queue holds back (0 while the queue runs)',
    }),
  },
  { description: "the queue's jobs by state (BullMQ); completed and failed as long as BullMQ keeps them" },
);

const ExperimentCounts = Type.Object(
  Object.fromEntries(STATUSES.map((s) => [s, Count])) as Record<(typeof STATUSES)[number], typeof Count>,
  { description: 'every experiment by status (PostgreSQL)' },
);

export const QueueOverview = Type.Object(
  {
    jobs: JobCounts,
    experiments: ExperimentCounts,
    workers: Type.Object(
      { live: Count, busy: Type.Integer({ minimum: 0, description: 'live workers with a current job (busy, or stopping while it checkpoints)' }) },
      { description: 'from the worker registry, as GET /v1/workers' },
    ),
  },
  { description: 'what waits, runs and has ended, and who is there to run it' },
);

export type WorkerView = Static<typeof WorkerView>;
export type WorkerList = Static<typeof WorkerList>;
export type QueueOverview = Static<typeof QueueOverview>;
