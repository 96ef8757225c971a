// Between the filter form's conditions and the API's `where` JSON. Only a flat list of one-operator conditions
// under one AND or OR is a form; anything else stays JSON (the form says so and offers the text).
import { isNumericField } from './fields.ts';

export type Join = 'all' | 'any';
export interface Condition {
  field: string;
  op: string;
  value: string;
}

function parseValue(field: string, op: string, text: string): unknown {
  if (op === 'in') return text.split(',').map((s) => parseValue(field, 'eq', s.trim()));
  const t = text.trim();
  if (t === 'null') return null;
  if (isNumericField(field) && t !== '' && !Number.isNaN(Number(t))) return Number(t);
  if (field.startsWith('spec.') && (t === 'true' || t === 'false')) return t === 'true';
  return t; // a non-number for a number field goes as is: the API names the problem at its path
}

export function conditionsToWhere(conds: Condition[], join: Join): string {
  const items = conds.filter((c) => c.field.trim()).map((c) => ({ [c.field.trim()]: c.op === 'eq' ? parseValue(c.field, 'eq', c.value) : { [c.op]: parseValue(c.field, c.op, c.value) } }));
  if (!items.length) return '';
  if (items.length === 1 && join === 'all') return JSON.stringify(items[0]);
  return JSON.stringify({ [join === 'all' ? 'and' : 'or']: items });
}

const show = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x)).join(', ') : v === null ? 'null' : String(v));

function toCondition(item: unknown): Condition | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const entries = Object.entries(item);
  if (entries.length !== 1) return undefined;
  const [field, v] = entries[0]!;
  if (field === 'and' || field === 'or') return undefined;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const ops = Object.entries(v);
    if (ops.length !== 1) return undefined;
    return { field, op: ops[0]![0], value: show(ops[0]![1]) };
  }
  return { field, op: 'eq', value: show(v) };
}

export function whereToConditions(text: string): { join: Join; conditions: Condition[] } | undefined {
  if (!text.trim()) return { join: 'all', conditions: [] };
  let w: unknown;
  try {
    w = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!w || typeof w !== 'object' || Array.isArray(w)) return undefined;
  const keys = Object.keys(w);
  const list = keys.length === 1 && (keys[0] === 'or' || keys[0] === 'and') ? (w as Record<string, unknown>)[keys[0]!] : undefined;
  const join: Join = keys[0] === 'or' ? 'any' : 'all';
  const items = Array.isArray(list) ? list : [w];
  const conditions = items.map(toCondition);
  return conditions.every((c): c is Condition => !!c) ? { join, conditions } : undefined;
}
