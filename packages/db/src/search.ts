// Search over experiments: a filter tree (built and validated by the API) becomes parameterised SQL. Column and
// operator names come only from the constants below; every value the client sent travels as a bind parameter.
import type { Db } from './client.ts';
import { Prisma, type Experiment } from './generated/client.ts';

/** How a column's values are compared and what a filter value must look like. */
export type ColumnType = 'number' | 'string' | 'date' | 'status' | 'uuid';

interface Column {
  type: ColumnType;
  /** Whether the column may be NULL: decides whether a sort over it has a NULL segment to page through. */
  nullable: boolean;
}

const num = (nullable: boolean): Column => ({ type: 'number', nullable });
const str = (nullable: boolean): Column => ({ type: 'string', nullable });
const date = (nullable: boolean): Column => ({ type: 'date', nullable });

/** The Experiment columns a filter or a sort may name (the spec is reached through `spec.` paths instead). */
export const SEARCH_COLUMNS = {
  id: { type: 'uuid', nullable: false },
  name: str(true),
  status: { type: 'status', nullable: false },
  dataset: str(false),
  modelKind: str(false),
  backend: str(true),
  device: str(true),
  workerId: str(true),
  createdAt: date(false),
  startedAt: date(true),
  finishedAt: date(true),
  attempts: num(false),
  paramCount: num(false),
  flopsStudy: num(false),
  flopsTrain: num(true),
  bestValNll: num(true),
  bestEpoch: num(true),
  testNll: num(true),
  testNllAllTokens: num(true),
  wallSeconds: num(true),
  tokensPerSec: num(true),
  gflops: num(true),
  mfu: num(true),
} as const satisfies Record<string, Column>;

export type SearchColumn = keyof typeof SEARCH_COLUMNS;

/** Columns a list can be sorted by: numbers and timestamps (the result fields, the cost and the dates). */
export const SORT_COLUMNS = (Object.keys(SEARCH_COLUMNS) as SearchColumn[]).filter((c) => {
  const t = SEARCH_COLUMNS[c].type;
  return t === 'number' || t === 'date';
});
export type SortColumn = SearchColumn;

export type Op = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'prefix';
export type FilterValue = string | number | boolean | null | Date;

export type FieldRef = { kind: 'column'; name: SearchColumn } | { kind: 'spec'; path: string[] } | { kind: 'sweep' };

export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { field: FieldRef; op: Op; value: FilterValue | FilterValue[] };

const RANGE_SQL = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

export function filterSql(f: Filter): Prisma.Sql {
  if ('and' in f) return f.and.length ? Prisma.sql`(${Prisma.join(f.and.map(filterSql), ' AND ')})` : Prisma.sql`TRUE`;
  if ('or' in f) return f.or.length ? Prisma.sql`(${Prisma.join(f.or.map(filterSql), ' OR ')})` : Prisma.sql`FALSE`;
  switch (f.field.kind) {
    case 'column':
      return columnSql(f.field.name, f.op, f.value);
    case 'spec':
      return specSql(f.field.path, f.op, f.value);
    case 'sweep':
      return sweepSql(f.op, f.value);
  }
}

/** `e."<name>"`: safe because `name` is checked against SEARCH_COLUMNS, never taken from the request as such. */
export function col(name: SearchColumn): Prisma.Sql {
  if (!Object.hasOwn(SEARCH_COLUMNS, name)) throw new Error(`not a search column: ${name}`);
  return Prisma.raw(`e."${name}"`);
}

/** A bind parameter cast to the column's type where PostgreSQL cannot infer it (enum, uuid). */
function param(type: ColumnType, v: FilterValue): Prisma.Sql {
  if (type === 'status') return Prisma.sql`CAST(${v} AS "ExperimentStatus")`;
  if (type === 'uuid') return Prisma.sql`CAST(${v} AS uuid)`;
  if (type === 'date') return Prisma.sql`CAST(${v} AS timestamp(3))`;
  if (type === 'string') return Prisma.sql`CAST(${v} AS text)`;
  return Prisma.sql`CAST(${v} AS double precision)`;
}

function columnSql(name: SearchColumn, op: Op, value: FilterValue | FilterValue[]): Prisma.Sql {
  const c = col(name);
  const { type } = SEARCH_COLUMNS[name];
  const v = value as FilterValue;
  switch (op) {
    case 'eq':
      return v === null ? Prisma.sql`${c} IS NULL` : Prisma.sql`${c} = ${param(type, v)}`;
    case 'ne':
      return v === null ? Prisma.sql`${c} IS NOT NULL` : Prisma.sql`${c} IS DISTINCT FROM ${param(type, v)}`;
    case 'in':
      return Prisma.sql`${c} IN (${Prisma.join((value as FilterValue[]).map((x) => param(type, x)))})`;
    case 'prefix':
      return Prisma.sql`starts_with(${c}, ${param('string', v)})`;
    default:
      return Prisma.sql`${c} ${Prisma.raw(RANGE_SQL[op])} ${param(type, v)}`;
  }
}

/** `e."spec" -> 'model' -> 'layers'`, keys as parameters. */
function specPath(path: string[], lastAsText = false): Prisma.Sql {
  const keys = path.map((k, i) => Prisma.sql`${Prisma.raw(lastAsText && i === path.length - 1 ? '->>' : '->')} CAST(${k} AS text)`);
  return Prisma.sql`(e."spec" ${Prisma.join(keys, ' ', '', '')})`;
}

/** `{"model":{"layers":2}}`: equality as containment, which the GIN index on spec (jsonb_path_ops) answers. */
function containment(path: string[], v: FilterValue): Prisma.Sql {
  const doc = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), v);
  return Prisma.sql`(e."spec" @> CAST(${JSON.stringify(doc)} AS jsonb))`;
}

function specSql(path: string[], op: Op, value: FilterValue | FilterValue[]): Prisma.Sql {
  const at = specPath(path);
  const v = value as FilterValue;
  switch (op) {
    case 'eq':
      return v === null ? Prisma.sql`(${at} IS NULL OR ${at} = 'null'::jsonb)` : containment(path, v);
    case 'ne':
      return v === null ? Prisma.sql`(${at} IS NOT NULL AND ${at} <> 'null'::jsonb)` : Prisma.sql`NOT ${containment(path, v)}`;
    case 'in':
      return Prisma.sql`(${Prisma.join((value as FilterValue[]).map((x) => containment(path, x)), ' OR ')})`;
    case 'prefix':
      return Prisma.sql`(jsonb_typeof(${at}) = 'string' AND starts_with(${specPath(path, true)}, CAST(${v} AS text)))`;
    default:
      // jsonb orders numbers numerically; the type test keeps strings and booleans out of a numeric range.
      return Prisma.sql`(jsonb_typeof(${at}) = 'number' AND ${at} ${Prisma.raw(RANGE_SQL[op])} CAST(${JSON.stringify(v)} AS jsonb))`;
  }
}

/** Membership in a sweep: the experiment is one of its current cells (replaced experiments do not count). */
function sweepSql(op: Op, value: FilterValue | FilterValue[]): Prisma.Sql {
  const ids = op === 'in' ? (value as FilterValue[]) : [value as FilterValue];
  const exists = Prisma.sql`EXISTS (SELECT 1 FROM "SweepCell" sc WHERE sc."experimentId" = e.id AND sc."sweepId" IN (${Prisma.join(
    ids.map((id) => param('uuid', id)),
  )}))`;
  return op === 'ne' ? Prisma.sql`NOT ${exists}` : exists;
}

/** Where a page starts: the sort value and id of the previous page's last row. */
export interface SearchAfter {
  value: number | Date | null;
  id: string;
}

export interface SearchPageOptions {
  filter: Filter;
  sort: SortColumn;
  order: 'asc' | 'desc';
  limit: number;
  after?: SearchAfter;
}

/**
 * One page of experiments in sort order, ties broken by id in the same direction. NULL sorts as larger than any value
 * (PostgreSQL's default: last ascending, first descending), so both directions walk the btree indexes. A nullable
 * column is paged as two segments, its non-NULL values and its NULLs, each a plain keyset range over (column, id).
 */
export async function searchPage(db: Db, o: SearchPageOptions): Promise<Experiment[]> {
  const nullable = SEARCH_COLUMNS[o.sort].nullable;
  const segments: ('values' | 'nulls')[] = !nullable ? ['values'] : o.order === 'asc' ? ['values', 'nulls'] : ['nulls', 'values'];
  const startAt = o.after ? segments.indexOf(o.after.value === null ? 'nulls' : 'values') : 0;
  const rows: Experiment[] = [];
  for (const segment of segments.slice(Math.max(startAt, 0))) {
    const after = o.after && (o.after.value === null) === (segment === 'nulls') ? o.after : undefined;
    rows.push(...(await db.$queryRaw<Experiment[]>(segmentSql(o, segment, after, o.limit - rows.length))));
    if (rows.length >= o.limit) break;
  }
  return rows;
}

function segmentSql(o: SearchPageOptions, segment: 'values' | 'nulls', after: SearchAfter | undefined, limit: number): Prisma.Sql {
  const c = col(o.sort);
  const dir = Prisma.raw(o.order === 'asc' ? 'ASC' : 'DESC');
  const cmp = Prisma.raw(o.order === 'asc' ? '>' : '<');
  const type = SEARCH_COLUMNS[o.sort].type;
  const conditions = [filterSql(o.filter)];
  if (segment === 'nulls') {
    conditions.push(Prisma.sql`${c} IS NULL`);
    if (after) conditions.push(Prisma.sql`e.id ${cmp} CAST(${after.id} AS uuid)`);
  } else {
    if (SEARCH_COLUMNS[o.sort].nullable) conditions.push(Prisma.sql`${c} IS NOT NULL`);
    if (after) conditions.push(Prisma.sql`(${c}, e.id) ${cmp} (${param(type, after.value)}, CAST(${after.id} AS uuid))`);
  }
  // The NULL segment is ordered by (column, id) as well (the column being NULL there, by id alone): so written, the
  // planner sees that (column, id) and (status, column, id) give the order, instead of walking the primary key
  // through every row in search of NULLs that a status filter may exclude.
  const order = Prisma.sql`${c} ${dir}, e.id ${dir}`;
  // e.*: $queryRaw maps each column by its type exactly as findMany would (Date, number, JSON), in one round trip.
  return Prisma.sql`SELECT e.* FROM "Experiment" e WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY ${order} LIMIT ${limit}`;
}

export interface CurveRow {
  epoch: number;
  step: number;
  tokens: number;
  seconds: number;
  trainNll: number | null;
  valNll: number | null;
  valNllAllTokens: number | null;
}

/** Every point of several curves, by experiment and step, in one query (compare reads whole curves). */
export async function curvesRows(db: Db, experimentIds: string[], kind: string): Promise<Map<string, CurveRow[]>> {
  const rows = await db.$queryRaw<(CurveRow & { experimentId: string })[]>`
    SELECT "experimentId", epoch, step, tokens, seconds, "trainNll", "valNll", "valNllAllTokens" FROM "MetricPoint"
    WHERE "experimentId" = ANY(CAST(${experimentIds} AS uuid[])) AND kind = ${kind} ORDER BY "experimentId", step`;
  const curves = new Map<string, CurveRow[]>(experimentIds.map((id) => [id, []]));
  for (const r of rows) curves.get(r.experimentId)?.push(curveRow(r));
  return curves;
}

/**
 * A curve thinned in the database to at most `maxPoints` (≥ 2) points, by step, and how many it has. The first
 * and last points are always kept; the m = n − 2 points between them fall into B = maxPoints − 2 buckets
 * (interior point j goes to bucket ⌊j·B/m⌋: consecutive runs whose sizes differ by at most one, none empty), and
 * each bucket keeps its lowest-loss point (valNll, else trainNll; the earliest on a tie). Only the kept rows travel.
 */
export async function downsampledCurve(db: Db, experimentId: string, kind: string, maxPoints: number): Promise<{ total: number; rows: CurveRow[] }> {
  // Buckets are chosen over narrow rows (step, loss); only the kept steps are read whole, by the unique index.
  const N = Prisma.sql`CAST(${maxPoints} AS bigint)`;
  const own = Prisma.sql`"experimentId" = CAST(${experimentId} AS uuid) AND kind = ${kind}`;
  const rows = await db.$queryRaw<(CurveRow & { total: bigint | number })[]>`
    WITH n AS (SELECT count(*) AS n FROM "MetricPoint" WHERE ${own}),
    p AS (
      SELECT step, COALESCE("valNll", "trainNll", 'Infinity'::double precision) AS loss,
             row_number() OVER (ORDER BY step) - 1 AS i
      FROM "MetricPoint" WHERE ${own}
    ),
    b AS (
      SELECT p.step, p.loss, CASE WHEN n.n <= ${N} OR p.i = 0 OR p.i = n.n - 1 THEN p.i
                                  WHEN ${N} = 2 THEN NULL
                                  ELSE -1 - ((p.i - 1) * (${N} - 2)) / (n.n - 2) END AS bucket
      FROM p, n
    ),
    kept AS (SELECT DISTINCT ON (bucket) step FROM b WHERE bucket IS NOT NULL ORDER BY bucket, loss, step)
    SELECT m.epoch, m.step, m.tokens, m.seconds, m."trainNll", m."valNll", m."valNllAllTokens", n.n AS total
    FROM "MetricPoint" m JOIN kept ON m.step = kept.step CROSS JOIN n
    WHERE m."experimentId" = CAST(${experimentId} AS uuid) AND m.kind = ${kind}
    ORDER BY m.step`;
  const total = rows.length ? Number(rows[0]!.total) : 0;
  return { total, rows: rows.map(curveRow) };
}

/** The curve's fields, written out: a spread or rest copy of each row is ~25× slower, and answers have 500 rows. */
function curveRow(r: CurveRow): CurveRow {
  return { epoch: r.epoch, step: r.step, tokens: r.tokens, seconds: r.seconds, trainNll: r.trainNll, valNll: r.valNll, valNllAllTokens: r.valNllAllTokens };
}
