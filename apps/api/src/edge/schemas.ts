// Request and response schemas of the HTTP API. Responses are declared so that the OpenAPI document is
// complete and so that Fastify serializes exactly these fields (nothing from the row leaks out by accident).
import Type, { type Static, type TSchema } from 'typebox';
import type { ExperimentSpec } from '@slmlab/core';
import type { ExperimentStatus } from '@slmlab/db';

/**
 * `schema` with OpenAPI examples. Not `{ ...schema, examples }`: a spread drops TypeBox's non-enumerable kind
 * marker, and without it the validator no longer fills the body's defaults (a sweep's `axes: {}` went missing).
 */
export function withExamples<T extends TSchema>(schema: T, examples: unknown[]): T {
  return Object.assign(Object.defineProperties({}, Object.getOwnPropertyDescriptors(schema)) as T, { examples });
}

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

/** The database's status enum (Prisma's is a type here, and a schema needs the values). */
export const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const satisfies ExperimentStatus[];
type Unlisted = Exclude<ExperimentStatus, (typeof STATUSES)[number]>;
/** Fails to compile when prisma/schema.prisma gains a status that STATUSES lacks. */
const everyStatusListed: [Unlisted] extends [never] ? true : Unlisted = true;

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable machine-readable code, e.g. invalid_spec, not_found, unavailable' }),
      message: Type.String(),
      issues: Type.Optional(
        Type.Array(
          Type.Object({
            path: Type.String({ description: 'JSON pointer into the failing part (body, query or params)' }),
            message: Type.String(),
          }),
        ),
      ),
      status: Type.Optional(Type.Enum(STATUSES, { description: 'conflict: the status that made the request impossible' })),
      experimentId: Type.Optional(
        Type.String({ format: 'uuid', description: 'already_exists, duplicate_spec: the experiment in the way' }),
      ),
      limits: Type.Optional(
        Type.Record(
          Type.String(),
          Type.Object({ estimate: Type.Number(), limit: Type.Number() }),
          { description: 'limit_exceeded: by limit (params, flopsTrain, memoryBytes), the estimate and the limit it exceeds' },
        ),
      ),
    }),
  },
  { description: 'every error has this shape' },
);

export const IdParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'experiment id' }) },
  { additionalProperties: false },
);

export const SubmitQuery = Type.Object(
  {
    force: Type.Boolean({ default: false, description: 'create a new run even when a live experiment has the same spec' }),
  },
  { additionalProperties: false },
);

/** Other headers pass through: only the ones named here are checked. */
export const SubmitHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'a repeat with the same key returns the experiment it created' }),
  ),
});

export const ExperimentSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Nullable(Type.String()),
  status: Type.Enum(STATUSES),
  // The defaults-filled spec as submitted; its schema is the request body of POST /v1/experiments.
  spec: Type.Unsafe<ExperimentSpec>({ type: 'object', additionalProperties: true }),
  attempts: Type.Integer({ description: 'times a worker started it' }),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  cancelRequestedAt: Nullable(
    Type.String({ format: 'date-time', description: 'when a cancel was asked of it while running; null otherwise' }),
  ),
  cost: Type.Object({
    params: Type.Integer({ description: 'trainable parameters, embeddings included' }),
    flopsStudy: Type.Number({ description: "training FLOPs by the study's formula: 2 · params · windows · T · epochs" }),
    flopsTrain: Nullable(
      Type.Number({ description: 'FLOPs training computes (forward + backward, every matrix product); null on older rows' }),
    ),
  }),
  estimate: Type.Optional(
    Type.Object(
      {
        seconds: Type.Number({ description: 'training and evaluation on one worker, once it starts' }),
        secondsRange: Type.Optional(Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: 'without history here: [at the fastest, at the slowest] measured one-CPU-worker rate' })),
        trainTokens: Type.Number({ description: 'windows per epoch × T × epochs' }),
        gflops: Type.Number({ description: 'the throughput assumed' }),
        basis: Type.String({ description: 'where that throughput comes from' }),
      },
      { description: 'in the answer to a submission only: how long it will take (an estimate, experiments/estimate.ts)' },
    ),
  ),
  worker: Nullable(
    Type.Object(
      { workerId: Type.String(), backend: Nullable(Type.String()), device: Nullable(Type.String()) },
      { description: 'the worker that took it last; null until one starts it' },
    ),
  ),
  result: Nullable(
    Type.Object(
      {
        bestValNll: Nullable(Type.Number()),
        bestEpoch: Nullable(Type.Integer()),
        testNll: Type.Number({ description: 'last-token test NLL (nats per token) of the best-validation epoch' }),
        testNllAllTokens: Nullable(Type.Number({ description: 'every-position test NLL (all-tokens objective only)' })),
        backend: Nullable(Type.String()),
        device: Nullable(Type.String()),
        workerId: Nullable(Type.String()),
        wallSeconds: Nullable(Type.Number()),
        tokensPerSec: Nullable(Type.Number({ description: 'training tokens per second (evaluation excluded)' })),
        gflops: Nullable(Type.Number({ description: "achieved training GFLOP/s, by the cost model's faithful FLOPs count" })),
        mfu: Nullable(Type.Number({ description: "gflops as a fraction of the worker's large-matmul peak, measured at its start" })),
      },
      { description: 'null until the run has a test NLL' },
    ),
  ),
  error: Nullable(Type.String({ description: 'why it failed, or why the last attempt failed' })),
}, { description: 'an experiment, without its learning curve' });

export const MetricPointView = Type.Object({
  epoch: Type.Integer(),
  step: Type.Integer(),
  tokens: Type.Number(),
  seconds: Type.Number(),
  trainNll: Nullable(Type.Number()),
  valNll: Nullable(Type.Number()),
  valNllAllTokens: Nullable(Type.Number({ description: 'all-tokens objective only' })),
});

export const CheckpointView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  tag: Type.String(),
  epoch: Type.Integer(),
  step: Type.Integer(),
  format: Type.String(),
  sizeBytes: Type.Integer(),
  createdAt: Timestamp,
});

export const ExperimentDetail = Type.Object({
  ...ExperimentSummary.properties,
  metrics: Type.Array(MetricPointView, { description: 'one point per finished epoch, by step' }),
  checkpoints: Type.Array(CheckpointView, { description: 'metadata only' }),
}, { description: 'an experiment with its learning curve and checkpoints' });

export const ExperimentPage = Type.Object({
  items: Type.Array(ExperimentSummary),
  nextCursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page; null on the last page' })),
}, { description: 'one page of experiments, newest first' });

export type ExperimentSummary = Static<typeof ExperimentSummary>;
export type ExperimentDetail = Static<typeof ExperimentDetail>;
export type ExperimentPage = Static<typeof ExperimentPage>;
export type SubmitQuery = Static<typeof SubmitQuery>;
