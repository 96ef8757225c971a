// The spec's own schema (packages/core/src/spec.ts, the one the API validates with) read as form fields: each
// model kind's fields and the training settings, with their type, range, choices, default and description.
import { MODEL_SCHEMAS, TrainingSettings, type ModelKind } from '@slmlab/core/spec';

export interface FieldSpec {
  /** JSON pointer of the field in the spec, as the API's issues name it ("/model/heads"). */
  path: string;
  name: string;
  type: 'integer' | 'number' | 'string' | 'choice';
  choices?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  description?: string;
  optional: boolean;
}

interface JsonSchema {
  type?: string;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
  '~optional'?: boolean;
}

function fieldsOf(prefix: string, schema: { properties: object; required?: readonly string[] }, skip: string[] = []): FieldSpec[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties as Record<string, JsonSchema>)
    .filter(([name]) => !skip.includes(name))
    .map(([name, s]) => ({
      path: `${prefix}/${name}`,
      name,
      type: s.enum ? 'choice' : s.type === 'integer' ? 'integer' : s.type === 'number' ? 'number' : 'string',
      choices: s.enum,
      default: s.default,
      minimum: s.minimum ?? s.exclusiveMinimum,
      maximum: s.maximum,
      description: s.description,
      optional: !required.has(name) || s['~optional'] === true,
    }));
}

export const modelFields = (kind: ModelKind) => fieldsOf('/model', MODEL_SCHEMAS[kind], ['kind']);
export const trainingFields = () => fieldsOf('/training', TrainingSettings);

/** The value at a JSON pointer ("/model/heads") of a spec-like object. */
export function at(spec: Record<string, unknown>, path: string): unknown {
  return path.split('/').slice(1).reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), spec);
}

/** A copy of `spec` with the field at `path` set, or removed when `value` is undefined (the default applies). */
export function withField(spec: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('/').slice(1);
  const copy = { ...spec };
  if (!rest.length) {
    if (value === undefined) delete copy[head!];
    else copy[head!] = value;
    return copy;
  }
  const child = (copy[head!] && typeof copy[head!] === 'object' ? copy[head!] : {}) as Record<string, unknown>;
  copy[head!] = withField(child, `/${rest.join('/')}`, value);
  return copy;
}
