// Request and response schemas of /v1/sweeps (kept apart from schemas.ts, which covers experiments).
import Type, { type Static, type TSchema } from 'typebox';
import { ErrorResponse, STATUSES } from '../edge/schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
const Seed = Type.Integer({ minimum: 0, maximum: 4_294_967_295 });
/** Any JSON object: a partial spec, axis values (checked cell by cell once set into the base). */
const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const SweepBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'names the sweep; cells are named "<name> · <axis values>"' })),
    base: Type.Record(Type.String(), Type.Unknown(), {
      description: 'an experiment spec (as for POST /v1/experiments) that every cell starts from; checked per cell, after the axes are set',
    }),
    axes: Type.Record(
      Type.String({ description: 'a dotted spec path, e.g. model.layers' }),
      Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }),
      { default: {}, description: 'spec path → values; the sweep is every combination (cartesian product)' },
    ),
    seeds: Type.Optional(
      Type.Union(
        [
          Type.Array(Seed, { minItems: 1, maxItems: 1000, uniqueItems: true }),
          Type.Integer({ minimum: 1, maximum: 1000, description: 'a count n: seeds 1..n' }),
        ],
        { description: 'training.seed values: every axis combination runs once per seed' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SweepIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'sweep id' }) }, { additionalProperties: false });

export const SweepListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const TableQuery = Type.Object(
  { format: Type.Enum(['json', 'csv', 'md'], { default: 'json', description: 'json, csv (text/csv) or a Markdown table (text/markdown)' }) },
  { additionalProperties: false },
);

export const StatusCounts = Type.Object(
  Object.fromEntries(STATUSES.map((s) => [s, Type.Integer()])) as Record<(typeof STATUSES)[number], ReturnType<typeof Type.Integer>>,
  { description: 'cells by the status of their current experiment' },
);

export const SweepCellView = Type.Object({
  index: Type.Integer({ description: 'position in the cartesian product (the last axis, then the seed, varies fastest)' }),
  axes: JsonObject,
  seed: Nullable(Seed),
  experimentId: Uuid,
  status: Type.Enum(STATUSES),
  testNll: Nullable(Type.Number({ description: 'once succeeded' })),
  replacedExperimentIds: Type.Array(Uuid, { description: 'experiments this cell ran before a retry, oldest first' }),
});

const sweepFields = {
  id: Uuid,
  name: Nullable(Type.String()),
  base: JsonObject,
  axes: Type.Record(Type.String(), Type.Array(Type.Unknown())),
  seeds: Type.Array(Seed, { description: 'empty when the sweep sets no seed' }),
  specHash: Type.String({ description: 'sha256 of base (without name), axes and seeds as canonical JSON' }),
  createdAt: Type.String({ format: 'date-time' }),
  cellCount: Type.Integer(),
  counts: StatusCounts,
};

export const SweepSummary = Type.Object(sweepFields, { description: 'a sweep, without its cells' });

export const SweepEstimate = Type.Object(
  {
    cells: Type.Integer({ description: 'cells this sweep created (reused experiments excluded)' }),
    seconds: Type.Number({ description: 'their estimated training and evaluation time, summed over one worker' }),
    trainTokens: Type.Number(),
    basis: Type.String(),
  },
  { description: 'in the answer to POST /v1/sweeps only' },
);

export const SweepDetail = Type.Object(
  { ...sweepFields, cells: Type.Array(SweepCellView), estimate: Type.Optional(SweepEstimate) },
  { description: 'a sweep and its cells' },
);

export const SweepPage = Type.Object({
  items: Type.Array(SweepSummary),
  nextCursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page; null on the last page' })),
});

export const RetryResponse = Type.Object({
  retried: Type.Array(
    Type.Object({ index: Type.Integer(), axes: JsonObject, seed: Nullable(Seed), previousExperimentId: Uuid, experimentId: Uuid }),
    { description: 'cells whose failed or cancelled experiment was replaced' },
  ),
  sweep: SweepDetail,
});

export const CancelSweepResponse = Type.Object({
  cancelled: Type.Integer({ description: 'queued cells now cancelled' }),
  cancelRequested: Type.Integer({ description: 'running cells whose worker was asked to stop (cancelled within seconds)' }),
  untouched: Type.Integer({ description: 'cells that had already ended (or were being cancelled already)' }),
});

export const TableRow = Type.Object({
  axes: JsonObject,
  params: Type.Integer(),
  flopsStudy: Type.Number(),
  flopsTrain: Nullable(Type.Number()),
  cells: Type.Integer({ description: 'cells (seeds) in this group' }),
  n: Type.Integer({ description: 'seeds that succeeded' }),
  testNllMean: Nullable(Type.Number({ description: 'over succeeded seeds; null when none' })),
  testNllStd: Nullable(Type.Number({ description: 'sample standard deviation (n − 1); null when n < 2' })),
  bestEpochMean: Nullable(Type.Number()),
  bestEpochs: Type.Array(Type.Integer(), { description: 'best-validation epoch of each succeeded seed, by seed order' }),
  counts: StatusCounts,
});

export const SweepTable = Type.Object(
  {
    sweepId: Uuid,
    axes: Type.Array(Type.String(), { description: 'the axis columns, in sweep order (seed excluded)' }),
    rows: Type.Array(TableRow),
  },
  { description: 'one row per axis combination, seeds aggregated' },
);

export const InvalidSweepResponse = Type.Object(
  {
    error: Type.Object({
      ...ErrorResponse.properties.error.properties,
      cells: Type.Optional(
        Type.Array(
          Type.Object({
            index: Type.Integer(),
            axes: JsonObject,
            issues: Type.Array(
              Type.Object({
                path: Type.String({ description: "JSON pointer into the cell's spec" }),
                message: Type.String(),
                code: Type.Enum(['invalid_spec', 'limit_exceeded', 'duplicate_cell']),
              }),
            ),
          }),
          { description: 'invalid_sweep: each failing cell (the first 50) with its axis values and problems' },
        ),
      ),
    }),
  },
  { description: 'as every error; invalid_sweep adds cells' },
);

export type SweepBody = Static<typeof SweepBody>;
export type SweepDetail = Static<typeof SweepDetail>;
export type SweepSummary = Static<typeof SweepSummary>;
export type SweepPage = Static<typeof SweepPage>;
export type SweepCellView = Static<typeof SweepCellView>;
export type StatusCounts = Static<typeof StatusCounts>;
export type TableRow = Static<typeof TableRow>;
export type SweepTable = Static<typeof SweepTable>;
export type RetryResponse = Static<typeof RetryResponse>;
export type CancelSweepResponse = Static<typeof CancelSweepResponse>;
