// A spec's identity for duplicate detection: sha256 of its resolved form as canonical JSON (keys sorted at every
// level), without `name`, so that two submissions that would train the same thing hash the same however their
// JSON was written and whatever they are called. Hash the output of parseSpec: defaults must be filled in, or
// `{epochs: 3}` and `{}` would differ.
import { createHash } from 'node:crypto';
import type { ExperimentSpec } from './spec.ts';

export function specHash(spec: ExperimentSpec): string {
  const { name: _name, ...rest } = spec;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** JSON with object keys sorted; undefined members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
