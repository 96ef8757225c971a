// Request and response schemas of search, curves, the frontier and compare-at-equal-compute (docs/api.md, "Search").
import Type, { type Static, type TSchema } from 'typebox';
import { SORT_COLUMNS } from '@slmlab/db';
import { ExperimentSummary, STATUSES } from '../edge/schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const WHERE_EXAMPLE = '{"or":[{"spec.model.layers":{"in":[2,3]}},{"testNll":{"lt":1.6}}],"dataset":"ptb"}';

/** Filters shared by the list and the frontier; all of them are ANDed. */
const filterFields = {
  dataset: Type.Optional(Type.String({ minLength: 1, description: 'shorthand for where {"dataset": …}' })),
  modelKind: Type.Optional(Type.String({ minLength: 1, description: 'shorthand for where {"modelKind": …}' })),
  sweep: Type.Optional(Type.String({ format: 'uuid', description: 'only the current cells of this sweep' })),
  where: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 8192,
      description:
        'URL-encoded JSON filter: {field: value | {op: value}}, "and"/"or" arrays of filters, several keys ANDed. ' +
        'Fields: the result, cost and date columns, name, status, dataset, modelKind, sweep, or any spec path ' +
        '(spec.model.layers). Operators: eq, ne, lt, lte, gt, gte, in, prefix. See docs/api.md.',
      examples: [WHERE_EXAMPLE],
    }),
  ),
};

export const SearchQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'nextCursor of the previous page (same sort and order)' })),
    status: Type.Optional(Type.Enum(STATUSES)),
    ...filterFields,
    sort: Type.Enum(SORT_COLUMNS, { default: 'createdAt', description: 'a result, cost or date field; ties by id' }),
    order: Type.Enum(['asc', 'desc'], { default: 'desc', description: 'null values sort as the largest' }),
  },
  { additionalProperties: false },
);

export const CURVE_AXES = ['step', 'epoch', 'tokens', 'flops', 'seconds'] as const;
export type CurveAxis = (typeof CURVE_AXES)[number];

export const CurveQuery = Type.Object(
  {
    x: Type.Enum(CURVE_AXES, { default: 'step', description: 'flops: tokens × training FLOPs per token (flopsTrain / training tokens)' }),
    points: Type.Integer({ minimum: 2, maximum: 10_000, default: 500, description: 'at most this many points; first and last kept' }),
    kind: Type.String({ minLength: 1, maxLength: 50, default: 'epoch', description: 'curve kind: epoch (one point per finished epoch)' }),
  },
  { additionalProperties: false },
);

const N = (description: string) => Nullable(Type.Number({ description }));

export const CurvePoint = Type.Object({
  x: Type.Number(),
  epoch: Type.Integer(),
  step: Type.Integer(),
  tokens: Type.Number(),
  seconds: Type.Number(),
  flops: N('training FLOPs spent so far; null when the experiment has no FLOPs count'),
  trainNll: N('training NLL over the epoch'),
  valNll: N('validation NLL at the point'),
  valNllAllTokens: N('all-tokens objective only'),
});

export const Curve = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    x: Type.Enum(CURVE_AXES),
    kind: Type.String(),
    total: Type.Integer({ description: 'points stored before downsampling' }),
    points: Type.Array(CurvePoint),
  },
  { description: 'a learning curve, downsampled: first and last point kept, the lowest loss of each bucket between' },
);

export const FRONTIER_X = ['flops', 'flopsTrain', 'flopsStudy', 'params', 'paramCount'] as const;
export const FRONTIER_Y = ['testNll', 'bestValNll', 'testNllAllTokens'] as const;

export const FrontierQuery = Type.Object(
  {
    x: Type.Enum(FRONTIER_X, { default: 'flops', description: 'flops = flopsTrain; params = paramCount' }),
    y: Type.Enum(FRONTIER_Y, { default: 'testNll' }),
    ...filterFields,
  },
  { additionalProperties: false },
);

export const Frontier = Type.Object(
  {
    x: Type.String({ description: 'the column used for x (flops is reported as flopsTrain)' }),
    y: Type.String(),
    points: Type.Array(Type.Object({ x: Type.Number(), y: Type.Number(), experiment: ExperimentSummary })),
  },
  { description: 'the Pareto-optimal succeeded experiments (lower x and lower y are better), by x' },
);

export const COMPARE_AXES = ['flops', 'tokens', 'step', 'epoch', 'seconds'] as const;

export const CompareQuery = Type.Object(
  {
    ids: Type.String({ minLength: 1, description: 'comma-separated experiment ids (at most 50)', examples: ['<id1>,<id2>'] }),
    at: Type.Enum(COMPARE_AXES, { default: 'flops' }),
    value: Type.String({ minLength: 1, description: 'comma-separated x values (at most 100)', examples: ['1e12,2e12'] }),
  },
  { additionalProperties: false },
);

export const Comparison = Type.Object(
  {
    at: Type.Enum(COMPARE_AXES),
    values: Type.Array(Type.Number()),
    items: Type.Array(
      Type.Object({
        id: Type.String({ format: 'uuid' }),
        name: Nullable(Type.String()),
        status: Type.Enum(STATUSES),
        range: Nullable(Type.Object({ min: Type.Number(), max: Type.Number() }, { description: 'x span of its curve' })),
        valNll: Type.Array(N('validation NLL interpolated at each value; null outside the curve'), {
          description: 'one per value, in order',
        }),
      }),
    ),
  },
  { description: 'validation NLL of each experiment at equal x, linearly interpolated on its epoch curve' },
);

export type SearchQuery = Static<typeof SearchQuery>;
export type CurveQuery = Static<typeof CurveQuery>;
export type Curve = Static<typeof Curve>;
export type CurvePoint = Static<typeof CurvePoint>;
export type FrontierQuery = Static<typeof FrontierQuery>;
export type Frontier = Static<typeof Frontier>;
export type CompareQuery = Static<typeof CompareQuery>;
export type Comparison = Static<typeof Comparison>;
