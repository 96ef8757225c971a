// The bundle's JSON header (format.ts holds the container around it). Checked whole by decode.ts; the spec is
// then checked by parseSpec, as a submitted one is. Integers stay within PostgreSQL's `integer`, strings within
// what a person could mean, so that whatever passes can be stored.
import Type, { type Static, type TSchema } from 'typebox';
import { MAX_CHECKPOINT_BYTES } from './format.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
/** PostgreSQL's `integer`: larger values would fail the insert. */
const Int = () => Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
const Label = (maxLength: number) => Type.String({ minLength: 1, maxLength });

/** The experiment statuses of prisma/schema.prisma (core has no database types). */
export const BUNDLE_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type BundleStatus = (typeof BUNDLE_STATUSES)[number];

export const BundleSource = Type.Object(
  {
    deploymentId: Type.String({ minLength: 1, maxLength: 200, description: 'SLMLAB_DEPLOYMENT_ID of the API that exported it' }),
    exportedAt: Timestamp,
    slmlabVersion: Label(50),
  },
  { additionalProperties: false },
);

export const BundleResult = Type.Object(
  {
    bestValNll: Nullable(Type.Number()),
    bestEpoch: Nullable(Int()),
    testNll: Nullable(Type.Number()),
    testNllAllTokens: Nullable(Type.Number()),
    backend: Nullable(Label(200)),
    device: Nullable(Label(500)),
    workerId: Nullable(Label(200)),
    wallSeconds: Nullable(Type.Number()),
    tokensPerSec: Nullable(Type.Number()),
    gflops: Nullable(Type.Number()),
    mfu: Nullable(Type.Number()),
  },
  { additionalProperties: false },
);

export const BundleExperiment = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    specVersion: Int(),
    /** The resolved spec as stored; checked by parseSpec. */
    spec: Type.Unknown(),
    status: Type.Enum(BUNDLE_STATUSES),
    attempts: Int(),
    createdAt: Timestamp,
    startedAt: Nullable(Timestamp),
    finishedAt: Nullable(Timestamp),
    cancelRequestedAt: Nullable(Timestamp),
    error: Nullable(Type.String({ maxLength: 100_000 })),
    result: BundleResult,
  },
  { additionalProperties: false },
);

export const BundleCurvePoint = Type.Object(
  {
    kind: Label(64),
    epoch: Int(),
    step: Int(),
    tokens: Type.Number(),
    seconds: Type.Number(),
    trainNll: Nullable(Type.Number()),
    valNll: Nullable(Type.Number()),
    valNllAllTokens: Nullable(Type.Number()),
  },
  { additionalProperties: false },
);

export const BundleCheckpointEntry = Type.Object(
  {
    tag: Label(64),
    epoch: Int(),
    step: Int(),
    format: Label(64),
    createdAt: Timestamp,
    /** The checkpoint's length in the data section. */
    bytes: Type.Integer({ minimum: 0, maximum: MAX_CHECKPOINT_BYTES }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);

export const BundleHeader = Type.Object(
  {
    source: BundleSource,
    experiment: BundleExperiment,
    curve: Type.Array(BundleCurvePoint, { maxItems: 1_000_000 }),
    checkpoints: Type.Array(BundleCheckpointEntry, { maxItems: 64 }),
  },
  { additionalProperties: false },
);

export type BundleSource = Static<typeof BundleSource>;
export type BundleExperiment = Static<typeof BundleExperiment>;
export type BundleCurvePoint = Static<typeof BundleCurvePoint>;
export type BundleCheckpointEntry = Static<typeof BundleCheckpointEntry>;
export type BundleHeader = Static<typeof BundleHeader>;
