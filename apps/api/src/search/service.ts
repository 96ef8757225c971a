// The work behind search (GET /v1/experiments), curves, the frontier and compare-at-equal-compute.
// SQL lives in packages/db (search.ts: pages and curves; frontier.ts: the frontier walk); the filter language in filter.ts;
// curve arithmetic in curves.ts; thinned curves of ended experiments are kept by curve-cache.ts.
import { NotFoundError } from '@slmlab/core';
import { SEARCH_COLUMNS, curvesRows, downsampledCurve, frontier, searchPage, type Db, type Experiment, type ExperimentsRepo, type Filter, type SearchColumn } from '@slmlab/db';
import { InvalidRequestError } from '../edge/http-errors.ts';
import type { ExperimentPage } from '../edge/schemas.ts';
import { decodeCursor, encodeCursor } from '../edge/cursor.ts';
import type { CompareQuery, Comparison, Curve, CurveQuery, Frontier, FrontierQuery, SearchQuery } from './schemas.ts';
import { summaryView } from '../experiments/views.ts';
import { flopsPerToken, interpolate, xOf, type Axis } from './curves.ts';
import { parseWhere } from './filter.ts';
import { curveCache } from './curve-cache.ts';
import { isUuid } from '../edge/ids.ts';

const FRONTIER_COLUMNS: Record<FrontierQuery['x'], SearchColumn> = {
  flops: 'flopsTrain',
  flopsTrain: 'flopsTrain',
  flopsStudy: 'flopsStudy',
  params: 'paramCount',
  paramCount: 'paramCount',
};

const ENDED: ReadonlySet<Experiment['status']> = new Set(['succeeded', 'failed', 'cancelled']);
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
  const curves = curveCache();
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
      // The status is read before the points: an experiment seen ended has all of its points stored.
      const ended = ENDED.has(row.status);
      let thinned = ended ? curves.get(row.id, q.kind, q.points) : undefined;
      if (!thinned) {
        thinned = await downsampledCurve(db, row.id, q.kind, q.points);
        if (ended && thinned.total > q.points) curves.set(row.id, q.kind, q.points, thinned);
      }
      const { total, rows } = thinned;
      // Written out, not spread ({ ...p, x }): on a 500-point answer the spread cost more than the rest of the request.
      const points = rows.map((p) => ({
        x: xOf(p, q.x, perToken)!, epoch: p.epoch, step: p.step, tokens: p.tokens, seconds: p.seconds,
        flops: perToken === null ? null : p.tokens * perToken, trainNll: p.trainNll, valNll: p.valNll, valNllAllTokens: p.valNllAllTokens,
      }));
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
      // Two queries whatever the number of ids: the rows, then every curve. PostgreSQL answers with lower-case ids.
      const found = new Map((await experiments.getMany(ids)).map((row) => [row.id, row]));
      const missing = ids.find((id) => !found.has(id.toLowerCase()));
      if (missing !== undefined) throw new NotFoundError('experiment', missing);
      const curves = await curvesRows(db, [...found.keys()], 'epoch');
      const items = ids.map((id) => {
        const row = found.get(id.toLowerCase())!;
        const perToken = flopsPerToken(row);
        const curve = curves
          .get(row.id)!
          .map((p) => ({ x: xOf(p, q.at as Axis, perToken), y: p.valNll }))
          .filter((p): p is { x: number; y: number | null } => p.x !== null);
        const xs = curve.map((p) => p.x);
        return {
          id,
          name: row.name,
          status: row.status,
          range: xs.length ? { min: xs[0]!, max: xs.at(-1)! } : null,
          valNll: values.map((v) => interpolate(curve, v)),
        };
      });
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
