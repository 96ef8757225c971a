// Experiment spec v1: the one schema used by the HTTP route, the job payload, the worker and the CLI.
// Defaults follow the study (../shared/docs/paper.md): T=128, d_model=128, Adam lr 3e-4, batch 64, seed 689.
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { Compile } from 'typebox/compile';
import { DATASET_NAMES } from './datasets.ts';
import { InvalidSpecError, type Issue } from './errors.ts';

export const SPEC_VERSION = 2;

const contextLength = () =>
  Type.Integer({ minimum: 1, maximum: 2048, default: 128, description: 'T: tokens per input window' });
const dModel = () => Type.Integer({ minimum: 1, maximum: 4096, default: 128, description: 'embedding width' });
const rate = (def: number, description: string) => Type.Number({ minimum: 0, maximum: 0.9, default: def, description });

export const LinearModel = Type.Object(
  {
    kind: Type.Literal('linear', { description: "Embedding(V, d) → flatten → Linear(T·d, V): the study's baseline" }),
    contextLength: contextLength(),
    dModel: dModel(),
  },
  { additionalProperties: false },
);

export const MlpModel = Type.Object(
  {
    kind: Type.Literal('mlp', { description: 'Embedding → flatten → (Linear(h) → ReLU → Dropout) × layers → Linear(V)' }),
    contextLength: contextLength(),
    dModel: dModel(),
    hidden: Type.Integer({ minimum: 1, maximum: 65_536, default: 256, description: 'h: width of each hidden layer' }),
    hiddenLayers: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
    dropout: rate(0.1, 'after each hidden layer'),
  },
  { additionalProperties: false },
);

const blockOptions = (ffnHidden: number) => ({
  contextLength: contextLength(),
  dModel: dModel(),
  heads: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'must divide dModel' }),
  ffnHidden: Type.Integer({ minimum: 1, maximum: 65_536, default: ffnHidden, description: 'FFN hidden width' }),
  positions: Type.Enum(['learned', 'rope', 'none'], {
    default: 'learned',
    description: 'learned: + Embedding(T, d); rope: rotary on q and k (needs an even head width); none',
  }),
  block: Type.Enum(['post-ln', 'pre-ln'], {
    default: 'post-ln',
    description: "post-ln: the study's main models (x = LN(x + MHA(x))); pre-ln: its RoPE ablation (x = x + MHA(LN(x)))",
  }),
  dropout: rate(0.1, 'on the FFN output (and, pre-ln, the attention output)'),
  // No schema default: it depends on `block` (resolveDefaults writes it).
  attnDropout: Type.Optional(
    Type.Number({ minimum: 0, maximum: 0.9, description: 'on attention weights; default 0.1 for post-ln (nn.MultiheadAttention), 0 for pre-ln' }),
  ),
  ropeBase: Type.Number({ exclusiveMinimum: 1, maximum: 1e7, default: 10_000 }),
});

export const AttentionModel = Type.Object(
  { kind: Type.Literal('attention', { description: 'one transformer block (the study: FFN 512)' }), ...blockOptions(512) },
  { additionalProperties: false },
);

export const TransformerModel = Type.Object(
  {
    kind: Type.Literal('transformer', { description: 'L transformer blocks (the study: FFN 256)' }),
    layers: Type.Integer({ minimum: 1, maximum: 48, default: 3 }),
    ...blockOptions(256),
  },
  { additionalProperties: false },
);

export const MODEL_SCHEMAS = {
  linear: LinearModel,
  mlp: MlpModel,
  attention: AttentionModel,
  transformer: TransformerModel,
} as const;
export type ModelKind = keyof typeof MODEL_SCHEMAS;
export const MODEL_KINDS = Object.keys(MODEL_SCHEMAS) as ModelKind[];

export const TrainingSettings = Type.Object(
  {
    epochs: Type.Integer({ minimum: 1, maximum: 1000, default: 3 }),
    windowsPerEpoch: Type.Integer({
      minimum: 1,
      maximum: 10_000_000,
      default: 50_000,
      description: 'training windows drawn per epoch, each with a uniformly random start',
    }),
    batchSize: Type.Integer({ minimum: 1, maximum: 4096, default: 64 }),
    learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 3e-4, description: 'Adam, constant' }),
    seed: Type.Integer({ minimum: 0, maximum: 4_294_967_295, default: 689 }),
    evalWindows: Type.Integer({
      minimum: 1,
      maximum: 10_000_000,
      default: 10_000,
      description: 'validation and test use the first N windows of their split at stride 1',
    }),
    objective: Type.Enum(['last-token', 'all-tokens'], {
      default: 'last-token',
      description: "last-token: one target per window (the study); all-tokens: every position predicts its next token",
    }),
    trainTokens: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 1e9, description: 'train on the first N tokens of the train split only (the study, word level: 80,000)' }),
    ),
    evalTokens: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 1e9, description: 'evaluate on the first N tokens of valid and test only (word level: 20,000)' }),
    ),
    maxWallSeconds: Type.Optional(
      Type.Number({ minimum: 1, maximum: 30 * 24 * 3600, description: 'budget: fail the run once training has taken this long' }),
    ),
    maxTrainFlops: Type.Optional(
      Type.Number({ minimum: 1, maximum: 1e24, description: "budget: fail the run once training has spent this many FLOPs (the cost model's faithful count)" }),
    ),
  },
  { additionalProperties: false, default: {} },
);

const specFields = {
  specVersion: Type.Enum([1, 2], { default: SPEC_VERSION, description: 'v1 documents (linear only) are valid v2' }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  dataset: Type.Enum(DATASET_NAMES, { description: `one of: ${DATASET_NAMES.join(', ')}` }),
  training: TrainingSettings,
};

export const ExperimentSpec = Type.Object(
  { ...specFields, model: Type.Union([LinearModel, MlpModel, AttentionModel, TransformerModel]) },
  { additionalProperties: false, $id: 'ExperimentSpec' },
);

export type ExperimentSpec = Static<typeof ExperimentSpec>;
export type ModelSpec = ExperimentSpec['model'];
export type TrainingSpec = ExperimentSpec['training'];

// One compiled schema per model kind: errors then speak of that kind's fields, not of every union member.
const specOfKind = (k: ModelKind) => Type.Object({ ...specFields, model: MODEL_SCHEMAS[k] }, { additionalProperties: false });
const byKind = Object.fromEntries(
  MODEL_KINDS.map((k) => {
    const schema = specOfKind(k);
    return [k, { schema, check: Compile(schema) }];
  }),
) as Record<ModelKind, { schema: ReturnType<typeof specOfKind>; check: ReturnType<typeof Compile> }>;
const WithoutModel = Type.Object({ ...specFields, model: Type.Object({ kind: Type.Enum(MODEL_KINDS) }) });
const withoutModel = Compile(WithoutModel);

/**
 * Fills defaults, validates the schema and the rules between fields, and returns a new, fully resolved spec
 * (the input is not modified). Throws InvalidSpecError listing every problem with its path.
 */
export function parseSpec(input: unknown): ExperimentSpec {
  const value = Value.Clone(input) as Record<string, unknown>;
  const kind = modelKind(value);
  if (!kind) throw new InvalidSpecError(schemaIssues(withoutModel.Errors(Value.Default(WithoutModel, value))));
  const { schema, check } = byKind[kind];
  const filled = Value.Default(schema, value);
  if (!check.Check(filled)) throw new InvalidSpecError(schemaIssues(check.Errors(filled)));
  const spec = resolveDefaults(filled as ExperimentSpec);
  const issues = ruleIssues(spec);
  if (issues.length) throw new InvalidSpecError(issues);
  return spec;
}

function modelKind(value: unknown): ModelKind | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const model = (value as Record<string, unknown>)['model'];
  const kind = typeof model === 'object' && model !== null ? (model as Record<string, unknown>)['kind'] : undefined;
  return MODEL_KINDS.find((k) => k === kind);
}

/** Defaults that depend on other fields, written into the spec so that the stored spec says what ran. */
function resolveDefaults(spec: ExperimentSpec): ExperimentSpec {
  const m = spec.model;
  const model = (m.kind === 'attention' || m.kind === 'transformer') && m.attnDropout === undefined
    ? { ...m, attnDropout: m.block === 'post-ln' ? 0.1 : 0 }
    : m;
  return { ...spec, specVersion: SPEC_VERSION, model };
}

/** Rules a JSON schema cannot state: they involve several fields. */
export function ruleIssues(spec: ExperimentSpec): Issue[] {
  const issues: Issue[] = [];
  const m = spec.model;
  if (m.kind === 'attention' || m.kind === 'transformer') {
    if (m.dModel % m.heads !== 0) {
      issues.push({ path: '/model/heads', message: `must divide dModel (${m.dModel}); ${m.heads} does not` });
    } else if (m.positions === 'rope' && (m.dModel / m.heads) % 2 !== 0) {
      issues.push({ path: '/model/positions', message: `rope needs an even head width; dModel/heads = ${m.dModel / m.heads}` });
    }
  } else if (spec.training.objective === 'all-tokens') {
    issues.push({ path: '/training/objective', message: `all-tokens needs a model that sees positions (attention, transformer), not ${m.kind}` });
  }
  const T = m.contextLength;
  const { trainTokens, evalTokens } = spec.training;
  if (trainTokens !== undefined && trainTokens < T + 2) {
    issues.push({ path: '/training/trainTokens', message: `must be at least contextLength + 2 (${T + 2}) to hold one window` });
  }
  if (evalTokens !== undefined && evalTokens < T + 2) {
    issues.push({ path: '/training/evalTokens', message: `must be at least contextLength + 2 (${T + 2}) to hold one window` });
  }
  return issues;
}

/** The problems of a (defaults-filled) value, readable and without duplicates. */
export function specIssues(value: unknown): Issue[] {
  try {
    parseSpec(value);
    return [];
  } catch (err) {
    if (err instanceof InvalidSpecError) return err.issues;
    throw err;
  }
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message: string;
  params?: unknown;
}

/** Turns TypeBox/ajv-style errors into Issues; unknown fields read as such, not as "schema is false". */
export function schemaIssues(errors: Iterable<SchemaError>): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const e of errors) {
    const issue = toIssue(e);
    if (!issue) continue;
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(e: SchemaError): Issue | undefined {
  const params = (e.params ?? {}) as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    // Reported again, per field, as a "boolean" error; keep only the per-field one.
    return undefined;
  }
  if (e.keyword === 'boolean' && e.message === 'schema is false') {
    return { path: e.instancePath, message: 'unknown field' };
  }
  if (e.keyword === 'required') {
    const missing = params['requiredProperties'] ?? params['missingProperty'];
    const names = Array.isArray(missing) ? missing : [missing];
    return { path: e.instancePath, message: `missing required field(s): ${names.join(', ')}` };
  }
  if (e.keyword === 'const' && params['allowedValue'] !== undefined) {
    return { path: e.instancePath, message: `must be ${JSON.stringify(params['allowedValue'])}` };
  }
  if (e.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    return { path: e.instancePath, message: `must be one of: ${params['allowedValues'].join(', ')}` };
  }
  if (e.keyword === 'anyOf') {
    return { path: e.instancePath, message: 'must match one of the allowed values' };
  }
  return { path: e.instancePath, message: e.message };
}
