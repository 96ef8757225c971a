// The ?where= filter language: JSON in, a checked Filter tree out (packages/db/src/search.ts turns it into SQL).
// Every problem is reported with its JSON pointer inside the filter (/where/or/1/testNll/lt), all at once.
//   filter  := { key: condition, ... }            several keys are ANDed
//   key     := "and" | "or"  → [filter, ...]      or a field: a column, "sweep", "params", or "spec.<path>"
//   condition := scalar (= eq) | { op: value, ... } (several ops ANDed); op: eq ne lt lte gt gte in prefix
import { ExperimentSpec, type Issue } from '@slmlab/core';
import { SEARCH_COLUMNS, type ColumnType, type FieldRef, type Filter, type FilterValue, type Op, type SearchColumn } from '@slmlab/db';
import { InvalidRequestError } from '../edge/http-errors.ts';
import { STATUSES } from '../edge/schemas.ts';
import { isUuid } from '../edge/ids.ts';
import { MAX_JSON_DEPTH, inputIssues, jsonDepthExceeds } from '../edge/input-rules.ts';

const OPS: readonly Op[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'prefix'];
const RANGES: readonly Op[] = ['lt', 'lte', 'gt', 'gte'];
/** Bounds that keep one request's SQL small. */
const MAX_DEPTH = 8;
const MAX_CONDITIONS = 200;
const MAX_IN = 100;

const ALIASES: Record<string, SearchColumn> = { params: 'paramCount' };
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type JsonType = 'number' | 'string' | 'boolean';

/** What a field accepts: its column type, or for a spec path the JSON types its schema allows. */
type FieldKind = { ref: FieldRef; type: ColumnType } | { ref: FieldRef; json: Set<JsonType> };

/** Parses ?where= (already URL-decoded by the query parser). Throws InvalidRequestError with every issue. */
export function parseWhere(text: string): Filter {
  if (jsonDepthExceeds(text)) throw new InvalidRequestError('querystring', [{ path: '/where', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }]);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError('querystring', [{ path: '/where', message: `not JSON: ${(err as Error).message}` }]);
  }
  const broken = inputIssues(raw, '/where');
  if (broken.length) throw new InvalidRequestError('querystring', broken);
  const ctx = { issues: [] as Issue[], conditions: 0 };
  const filter = parseNode(raw, '/where', 0, ctx);
  if (ctx.issues.length || !filter) throw new InvalidRequestError('querystring', ctx.issues);
  return filter;
}

interface Ctx {
  issues: Issue[];
  conditions: number;
}

function parseNode(raw: unknown, path: string, depth: number, ctx: Ctx): Filter | undefined {
  if (!isObject(raw)) return issue(ctx, path, 'must be an object of conditions');
  if (depth > MAX_DEPTH) return issue(ctx, path, `nested deeper than ${MAX_DEPTH} levels`);
  const parts: Filter[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const at = `${path}/${pointerKey(key)}`;
    const part = key === 'and' || key === 'or' ? parseLogical(key, value, at, depth, ctx) : parseField(key, value, at, ctx);
    if (part) parts.push(part);
  }
  return parts.length === 1 ? parts[0] : { and: parts };
}

function parseLogical(key: 'and' | 'or', value: unknown, path: string, depth: number, ctx: Ctx): Filter | undefined {
  if (!Array.isArray(value) || value.length === 0) return issue(ctx, path, 'must be a non-empty array of filters');
  const parts = value.map((v, i) => parseNode(v, `${path}/${i}`, depth + 1, ctx)).filter((p): p is Filter => p !== undefined);
  return key === 'and' ? { and: parts } : { or: parts };
}

function parseField(key: string, value: unknown, path: string, ctx: Ctx): Filter | undefined {
  const field = resolveField(key);
  if (typeof field === 'string') return issue(ctx, path, field);
  if (Array.isArray(value)) return issue(ctx, path, 'an array is not a value: use {"in": [...]}');
  const ops: [string, unknown][] = isObject(value) ? Object.entries(value) : [['eq', value]];
  if (ops.length === 0) return issue(ctx, path, 'must name at least one operator');
  const parts: Filter[] = [];
  for (const [op, v] of ops) {
    const at = isObject(value) ? `${path}/${pointerKey(op)}` : path;
    if (!OPS.includes(op as Op)) {
      issue(ctx, at, `unknown operator; use one of ${OPS.join(', ')}`);
      continue;
    }
    if (++ctx.conditions > MAX_CONDITIONS) return issue(ctx, at, `more than ${MAX_CONDITIONS} conditions`);
    const checked = checkValue(field, op as Op, v, at, ctx);
    if (checked !== undefined) parts.push({ field: field.ref, op: op as Op, value: checked });
  }
  return parts.length === 1 ? parts[0] : { and: parts };
}

/** The field a key names, or why it names none. */
function resolveField(key: string): FieldKind | string {
  if (key === 'sweep') return { ref: { kind: 'sweep' }, type: 'uuid' };
  const column = Object.hasOwn(ALIASES, key) ? ALIASES[key]! : key;
  if (Object.hasOwn(SEARCH_COLUMNS, column)) {
    const name = column as SearchColumn;
    return { ref: { kind: 'column', name }, type: SEARCH_COLUMNS[name].type };
  }
  if (key.startsWith('spec.')) {
    const path = key.slice(5).split('.');
    if (!path.every((k) => KEY.test(k))) return 'a spec path is dot-separated names (letters, digits, _)';
    const json = specLeafTypes(path);
    if (!json) return `unknown spec path: the experiment spec has no scalar field ${path.join('.')}`;
    return { ref: { kind: 'spec', path }, json };
  }
  return `unknown field; use a spec path (spec.model.layers) or one of: sweep, params, ${Object.keys(SEARCH_COLUMNS).join(', ')}`;
}

/** Checks one operator's value against the field; returns it ready for SQL (dates parsed), or undefined. */
function checkValue(field: FieldKind, op: Op, v: unknown, path: string, ctx: Ctx): FilterValue | FilterValue[] | undefined {
  if (op === 'in') {
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_IN) return issue(ctx, path, `must be an array of 1 to ${MAX_IN} values`);
    const values = v.map((x, i) => checkScalar(field, 'in', x, `${path}/${i}`, ctx));
    return values.every((x) => x !== undefined) ? (values as FilterValue[]) : undefined;
  }
  return checkScalar(field, op, v, path, ctx);
}

function checkScalar(field: FieldKind, op: Op, v: unknown, path: string, ctx: Ctx): FilterValue | undefined {
  if (v === null) return op === 'eq' || op === 'ne' ? null : issue(ctx, path, `null is allowed with eq and ne only`);
  if ('json' in field) return checkSpecValue(field.json, op, v, path, ctx);
  const { type } = field;
  const ranged = type === 'number' || type === 'date';
  if (RANGES.includes(op) && !ranged) return issue(ctx, path, `${op} needs a number or date field`);
  if (op === 'prefix' && type !== 'string') return issue(ctx, path, 'prefix needs a text field');
  switch (type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? v : issue(ctx, path, 'must be a number');
    case 'string':
      return typeof v === 'string' ? v : issue(ctx, path, 'must be a string');
    case 'status':
      return STATUSES.includes(v as never) ? (v as string) : issue(ctx, path, `must be one of ${STATUSES.join(', ')}`);
    case 'uuid':
      return typeof v === 'string' && isUuid(v) ? v : issue(ctx, path, 'must be a uuid');
    case 'date': {
      const d = typeof v === 'string' && ISO_DATE.test(v) ? new Date(v) : undefined;
      return d && !Number.isNaN(d.getTime()) ? d : issue(ctx, path, 'must be an ISO 8601 date-time');
    }
  }
}

function checkSpecValue(json: Set<JsonType>, op: Op, v: unknown, path: string, ctx: Ctx): FilterValue | undefined {
  if (RANGES.includes(op)) {
    if (!json.has('number')) return issue(ctx, path, `${op} needs a numeric spec field`);
    return typeof v === 'number' && Number.isFinite(v) ? v : issue(ctx, path, 'must be a number');
  }
  if (op === 'prefix') {
    if (!json.has('string')) return issue(ctx, path, 'prefix needs a text spec field');
    return typeof v === 'string' ? v : issue(ctx, path, 'must be a string');
  }
  const t = typeof v;
  if ((t === 'number' && Number.isFinite(v)) || t === 'string' || t === 'boolean') {
    if (json.has(t as JsonType)) return v as FilterValue;
  }
  return issue(ctx, path, `must be a ${[...json].join(' or ')}`);
}

/**
 * The JSON types the spec schema allows at `path` (any model kind), or undefined when no branch of the schema has
 * a scalar there. Walks objects' properties and unions' branches.
 */
export function specLeafTypes(path: string[]): Set<JsonType> | undefined {
  const found = new Set<JsonType>();
  const walk = (schema: Record<string, unknown>, rest: string[]) => {
    for (const branch of (schema.anyOf as Record<string, unknown>[] | undefined) ?? []) walk(branch, rest);
    if (rest.length === 0) {
      for (const t of scalarTypes(schema)) found.add(t);
      return;
    }
    const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
    const next = props && Object.hasOwn(props, rest[0]!) ? props[rest[0]!] : undefined;
    if (next) walk(next, rest.slice(1));
  };
  walk(ExperimentSpec as unknown as Record<string, unknown>, path);
  return found.size ? found : undefined;
}

function scalarTypes(schema: Record<string, unknown>): JsonType[] {
  const { type } = schema;
  if (type === 'integer' || type === 'number') return ['number'];
  if (type === 'string' || type === 'boolean') return [type];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map((v) => typeof v as JsonType))];
  return [];
}

function issue(ctx: Ctx, path: string, message: string): undefined {
  ctx.issues.push({ path, message });
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 6901: "~" and "/" inside a key are escaped so the pointer stays unambiguous. */
function pointerKey(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
