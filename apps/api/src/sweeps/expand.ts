// A sweep request → its cells: every combination of the axes' values (seeds last, as a training.seed axis), each
// set on a copy of the base and parsed like a submitted spec. Pure: nothing is stored until every cell is valid,
// within the limits and distinct.
import { createHash } from 'node:crypto';
import { canonicalJson, InvalidSpecError, LimitExceededError, parseSpec, specHash, type ExperimentSpec, type Issue } from '@slmlab/core';
import { InvalidRequestError } from '../edge/http-errors.ts';
import { InvalidSweepError, LISTED_CELLS, type CellFailure } from './errors.ts';
import { checkLimits, type SubmissionLimits } from '../experiments/limits.ts';

/** The spec path that `seeds` sets; a cell's axes record it under this key, and the table groups without it. */
export const SEED_AXIS = 'training.seed';

export interface SweepRequest {
  name?: string;
  base: Record<string, unknown>;
  axes: Record<string, unknown[]>;
  /** Explicit seeds, or a count n meaning seeds 1..n. */
  seeds?: number[] | number;
}

export interface CellSpec {
  /** Axis values of this cell, seed included as training.seed. */
  axes: Record<string, unknown>;
  spec: ExperimentSpec;
}

interface Combination {
  values: Record<string, unknown>;
  /** Index of each axis's value, in axis order (locates a bad value in the request body). */
  picks: number[];
}

export function seedList(seeds: SweepRequest['seeds']): number[] {
  if (seeds === undefined) return [];
  return typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i + 1) : seeds;
}

/** Identity of a sweep for reposts: base (without its name), axes and seeds, as canonical JSON. */
export function sweepHash(req: SweepRequest): string {
  const { name: _name, ...base } = req.base;
  return createHash('sha256').update(canonicalJson({ base, axes: req.axes, seeds: seedList(req.seeds) })).digest('hex');
}

export function cellCount(req: SweepRequest): number {
  return axesOf(req).reduce((n, [, values]) => n * values.length, 1);
}

/** Checks the request's shape beyond its schema (400), its size (422), then every cell (422); returns the cells. */
export function expandSweep(req: SweepRequest, limits: SubmissionLimits, maxCells: number): CellSpec[] {
  checkAxisPaths(req);
  const total = cellCount(req);
  if (total > maxCells) {
    const message = `the sweep has ${total} cells; the limit is ${maxCells}`;
    throw new LimitExceededError([{ path: '/axes', message }], { cells: { estimate: total, limit: maxCells } });
  }
  const axes = axesOf(req);
  const combos = combinations(axes);
  const cells: CellSpec[] = [];
  const failures: CellFailure[] = [];
  const flat: Issue[] = [];
  const seen = new Map<string, number>();
  combos.forEach((combo, index) => {
    const { spec, issues } = buildCell(req, combo.values, limits);
    const hash = spec && specHash(spec);
    const twin = hash === undefined ? undefined : seen.get(hash);
    if (twin !== undefined) {
      issues.push({ path: '', message: `resolves to the same spec as cell ${twin} (${label(combos[twin]!.values)})`, code: 'duplicate_cell' });
    }
    if (spec && hash && issues.length === 0) {
      seen.set(hash, index);
      cells.push({ axes: combo.values, spec });
      return;
    }
    failures.push({ index, axes: combo.values, issues });
    if (failures.length <= LISTED_CELLS) flat.push(...bodyIssues(req, axes, combo, index, issues));
  });
  if (failures.length > 0) throw new InvalidSweepError(failures, total, flat);
  return cells;
}

/** Field names only: no array indices, nothing that could reach an object's prototype. */
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function checkAxisPaths(req: SweepRequest): void {
  const issues: Issue[] = [];
  for (const key of Object.keys(req.axes)) {
    const ok = key.split('.').every((s) => SEGMENT.test(s) && !FORBIDDEN.has(s));
    if (!ok) issues.push({ path: `/axes/${key}`, message: 'must be a dotted path of spec field names, e.g. model.layers' });
    if (key === SEED_AXIS && req.seeds !== undefined) {
      issues.push({ path: `/axes/${key}`, message: 'set seeds or a training.seed axis, not both' });
    }
  }
  if (issues.length > 0) throw new InvalidRequestError('body', issues);
}

function axesOf(req: SweepRequest): [string, unknown[]][] {
  const seeds = seedList(req.seeds);
  const axes = Object.entries(req.axes);
  return seeds.length > 0 ? [...axes, [SEED_AXIS, seeds]] : axes;
}

/** The cartesian product in order: the last axis (the seed, when there are seeds) varies fastest. */
function combinations(axes: [string, unknown[]][]): Combination[] {
  let out: Combination[] = [{ values: {}, picks: [] }];
  for (const [key, values] of axes) {
    out = out.flatMap((c) => values.map((v, i) => ({ values: { ...c.values, [key]: v }, picks: [...c.picks, i] })));
  }
  return out;
}

type CellIssue = CellFailure['issues'][number];

function buildCell(req: SweepRequest, values: Record<string, unknown>, limits: SubmissionLimits): { spec?: ExperimentSpec; issues: CellIssue[] } {
  const draft = structuredClone(req.base);
  const prefix = typeof req.base['name'] === 'string' ? req.base['name'] : (req.name ?? 'sweep');
  if (Object.keys(values).length > 0) draft['name'] = `${prefix} · ${label(values)}`.slice(0, 200);
  else draft['name'] = prefix;
  const issues: CellIssue[] = [];
  for (const [path, value] of Object.entries(values)) {
    const problem = setPath(draft, path, value);
    if (problem) issues.push({ ...problem, code: 'invalid_spec' });
  }
  if (issues.length > 0) return { issues };
  try {
    const spec = parseSpec(draft);
    checkLimits(spec, limits);
    return { spec, issues };
  } catch (err) {
    if (err instanceof InvalidSpecError) return { issues: err.issues.map((i) => ({ ...i, code: 'invalid_spec' as const })) };
    if (err instanceof LimitExceededError) return { issues: err.issues.map((i) => ({ ...i, code: 'limit_exceeded' as const })) };
    throw err;
  }
}

/** Sets a dotted path on `target`, creating missing objects; an issue when the way is blocked by a non-object. */
export function setPath(target: Record<string, unknown>, dotted: string, value: unknown): Issue | undefined {
  const keys = dotted.split('.');
  let node = target;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!;
    const next = Object.hasOwn(node, key) ? node[key] : (node[key] = {});
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      return { path: pointer(keys.slice(0, i + 1)), message: `is not an object, so ${dotted} cannot be set` };
    }
    node = next as Record<string, unknown>;
  }
  node[keys.at(-1)!] = structuredClone(value);
  return undefined;
}

/** "model.layers=2, training.seed=1": how messages and experiment names show a cell. */
export function label(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function pointer(keys: string[]): string {
  return keys.map((k) => `/${k}`).join('');
}

/**
 * Where in the request body a cell's problem comes from: the axis value whose path holds the failing field (the
 * longest such axis), else the base. Messages name the cell.
 */
function bodyIssues(req: SweepRequest, axes: [string, unknown[]][], combo: Combination, index: number, issues: CellIssue[]): Issue[] {
  const name = `cell ${index} (${label(combo.values) || 'no axes'})`;
  return issues.map((issue) => {
    if (issue.code === 'duplicate_cell') return { path: '/axes', message: `${name}: ${issue.message}` };
    let best: { at: number; ptr: string } | undefined;
    axes.forEach(([key], at) => {
      const ptr = pointer(key.split('.'));
      const holds = issue.path === ptr || issue.path.startsWith(`${ptr}/`);
      if (holds && (!best || ptr.length > best.ptr.length)) best = { at, ptr };
    });
    if (!best) return { path: `/base${issue.path}`, message: `${name}: ${issue.message}` };
    const [key] = axes[best.at]!;
    const rest = issue.path.slice(best.ptr.length);
    const from = key === SEED_AXIS && req.seeds !== undefined ? seedsPointer(req, combo.picks[best.at]!) : `/axes/${key}/${combo.picks[best.at]}`;
    return { path: `${from}${rest}`, message: `${name}: ${issue.message}` };
  });
}

function seedsPointer(req: SweepRequest, pick: number): string {
  return Array.isArray(req.seeds) ? `/seeds/${pick}` : '/seeds';
}
