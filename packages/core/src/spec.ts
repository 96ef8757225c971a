// Experiment spec v1: the one schema used by the HTTP route, the job payload, the worker and the CLI.
// Defaults follow the study (../shared/docs/paper.md): T=128, d_model=128, Adam lr 3e-4, batch 64, seed 689.
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { Compile } from 'typebox/compile';
import { DATASET_NAMES } from './datasets.ts';
import { InvalidSpecError, type Issue } from './errors.ts';

export const SPEC_VERSION = 1;

export const LinearModel = Type.Object(
  {
    kind: Type.Literal('linear', { description: 'Embedding(V, d) → flatten → Linear(T·d, V): the study\'s baseline' }),
    contextLength: Type.Integer({ minimum: 1, maximum: 1024, default: 128, description: 'T: tokens per input window' }),
    dModel: Type.Integer({ minimum: 1, maximum: 2048, default: 128, description: 'embedding width' }),
  },
  { additionalProperties: false },
);

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
      maximum: 1_000_000,
      default: 10_000,
      description: 'validation and test use the first N windows of their split at stride 1',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const ExperimentSpec = Type.Object(
  {
    specVersion: Type.Literal(SPEC_VERSION, { default: SPEC_VERSION }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    dataset: Type.Enum(DATASET_NAMES, { description: `one of: ${DATASET_NAMES.join(', ')}` }),
    model: LinearModel,
    training: TrainingSettings,
  },
  { additionalProperties: false, $id: 'ExperimentSpec' },
);

export type ExperimentSpec = Static<typeof ExperimentSpec>;
export type ModelSpec = ExperimentSpec['model'];
export type TrainingSpec = ExperimentSpec['training'];

const compiled = Compile(ExperimentSpec);

/**
 * Fills defaults and validates, returning a new object (the input is not modified).
 * Throws InvalidSpecError listing every problem with its path.
 */
export function parseSpec(input: unknown): ExperimentSpec {
  const value = Value.Default(ExperimentSpec, Value.Clone(input));
  if (compiled.Check(value)) return value;
  throw new InvalidSpecError(specIssues(value));
}

/** The problems of a (defaults-filled) value, readable and without duplicates. */
export function specIssues(value: unknown): Issue[] {
  return schemaIssues(compiled.Errors(value));
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
