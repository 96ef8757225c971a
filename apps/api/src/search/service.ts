// The work behind search (GET /v1/experiments), curves, the frontier and compare-at-equal-compute.
// SQL lives in packages/db/src/search.ts; the filter language in search-filter.ts; curve arithmetic in search-curves.ts.
import { NotFoundError } from '@slmlab/core';
import { SEARCH_COLUMNS, curveRows, downsampledCurve, frontier, searchPage, type Db, type Experiment, type ExperimentsRepo, type Filter, type SearchColumn } from '@slmlab/db';
import { InvalidRequestError } from '../edge/http-errors.ts';
import type { ExperimentPage } from '../edge/schemas.ts';
import { decodeCursor, encodeCursor } from '../edge/cursor.ts';
import type { CompareQuery, Comparison, Curve, CurveQuery, Frontier, FrontierQuery, SearchQuery } from './schemas.ts';
import { summaryView } from '../experiments/views.ts';
import { flopsPerToken, interpolate, xOf, type Axis } from './curves.ts';
import { parseWhere } from './filter.ts';
import { isUuid } from '../edge/ids.ts';

const FRONTIER_COLUMNS: Record<FrontierQuery['x'], SearchColumn> = {
  flops: 'flopsTrain',
  flopsTrain: 'flopsTrain',
  flopsStudy: 'flopsStudy',
  params: 'paramCount',
  paramCount: 'paramCount',
};

const MAX_COMPARE_IDS = 50;
const MAX_COMPARE_VALUES = 100;

type FilterParams = Pick<SearchQuery, 'dataset' | 'modelKind' | 'sweep' | 'where'> & { status?: SearchQuery['status'] };

/** The query's shorthand parameters and its ?where=, ANDed. */
export function filterOf(q: FilterParams): Filter {
  const parts: Filter[] = [];
  const eq = (name: 'status' | 'dataset' | 'modelKind', value: string | undefined) => {
    if (value !== undefined) parts.push({ field: { kind: 'column', name }, op: 'eq', value });
  };
  eq('status', q.status);
  eq('dataset', q.dataset);
  eq('modelKind', q.modelKind);
  if (q.sweep !== undefined) parts.push({ field: { kind: 'sweep' }, op: 'eq', value: q.sweep });
  if (q.where !== undefined) parts.push(parseWhere(q.where));
  return { and: parts };
}

/** `db` for packages/db's search queries; everything else through the experiments repository. */
export function searchService(db: Db, experiments: ExperimentsRepo) {
  async function experimentOrThrow(id: string): Promise<Experiment> {
    const row = await experiments.get(id);
    if (!row) throw new NotFoundError('experiment', id);
    return row;
  }

  return {
    /** One page in sort order; one row more than asked tells whether a next page exists. */
    async list(q: SearchQuery): Promise<ExperimentPage> {
      const sort = { sort: q.sort, order: q.order };
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, sort, SEARCH_COLUMNS[q.sort].type === 'date' ? 'date' : 'number');
      const rows = await searchPage(db, { filter: filterOf(q), ...sort, limit: q.limit + 1, after });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      const more = rows.length > q.limit && last;
      return { items: page.map(summaryView), nextCursor: more ? encodeCursor(sort, last[q.sort] as number | Date | null, last.id) : null };
    },

    async curve(id: string, q: CurveQuery): Promise<Curve> {
      const row = await experimentOrThrow(id);
      const perToken = flopsPerToken(row);
      if (q.x === 'flops' && perToken === null) {
        throw new InvalidRequestError('querystring', [{ path: '/x', message: 'this experiment has no training FLOPs count' }]);
      }
      const { total, rows } = await downsampledCurve(db, id, q.kind, q.points);
      const points = rows.map((p) => ({ ...p, x: xOf(p, q.x, perToken)!, flops: perToken === null ? null : p.tokens * perToken }));
      return { id, x: q.x, kind: q.kind, total, points };
    },

    async frontier(q: FrontierQuery): Promise<Frontier> {
      const x = FRONTIER_COLUMNS[q.x];
      const points = await frontier(db, x, q.y, filterOf(q));
      return { x, y: q.y, points: points.map((p) => ({ x: p.x, y: p.y, experiment: summaryView(p.experiment) })) };
    },

    async compare(q: CompareQuery): Promise<Comparison> {
      const ids = splitList(q.ids, '/ids', MAX_COMPARE_IDS, (s) => (isUuid(s) ? s : undefined), 'must be an experiment id (uuid)');
      const values = splitList(q.value, '/value', MAX_COMPARE_VALUES, toNumber, 'must be a number');
      const items = [];
      for (const id of ids) {
        const row = await experimentOrThrow(id);
        const perToken = flopsPerToken(row);
        const curve = (await curveRows(db, id, 'epoch'))
          .map((p) => ({ x: xOf(p, q.at as Axis, perToken), y: p.valNll }))
          .filter((p): p is { x: number; y: number | null } => p.x !== null);
        const xs = curve.map((p) => p.x);
        items.push({
          id,
          name: row.name,
          status: row.status,
          range: xs.length ? { min: xs[0]!, max: xs.at(-1)! } : null,
          valNll: values.map((v) => interpolate(curve, v)),
        });
      }
      return { at: q.at, values, items };
    },
  };
}

function toNumber(s: string): number | undefined {
  const n = s === '' ? NaN : Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** A comma-separated query value, each item checked; issues at /<name>/<index>. */
function splitList<T>(text: string, path: string, max: number, parse: (s: string) => T | undefined, message: string): T[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length > max) throw new InvalidRequestError('querystring', [{ path, message: `at most ${max} items` }]);
  const issues: { path: string; message: string }[] = [];
  const out = parts.map((s, i) => {
    const v = parse(s);
    if (v === undefined) issues.push({ path: `${path}/${i}`, message });
    return v;
  });
  if (issues.length) throw new InvalidRequestError('querystring', issues);
  return out as T[];
}
