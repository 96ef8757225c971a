// The Pareto frontier of succeeded experiments (GET /v1/frontier): those that no other dominates (x ≤ and y ≤, one
// strictly smaller; lower is better for both). Two ways to the same answer, in one statement:
//   - few candidates (at most `smallSet` match): read them all, keep the smallest y per distinct x when it is below
//     the running minimum of every smaller x;
//   - many: walk the frontier through two partial indexes, (x, y) and (y, x) of succeeded rows with both values.
//     Sorted by x the frontier is a staircase, y falling. From a frontier point (lx, ly) the next one is the first row
//     in (x, y) order with x > lx and y < ly (every row in between has y ≥ ly); from (rx, ry) the previous one is
//     the first in (y, x) order with y > ry and x < rx. One walk starts at the smallest x, the other at the smallest
//     y; they step towards each other and stop where they meet. Each step is one index probe that reads only the
//     dominated rows between two frontier points: over the 80,000 candidates of 100,000 experiments the walk reads
//     ~50 index pages (under 1 ms), where reading every candidate took 100–200 ms.
import type { Db } from './client.ts';
import { Prisma, type Experiment } from './generated/client.ts';
import { col, filterSql, type Filter, type SearchColumn } from './search.ts';

/**
 * The (x, y) pairs that have the walk's two indexes (migration 20261201150000_read_path_indexes): every pair that
 * GET /v1/frontier offers. Any other pair is computed by reading every candidate, whatever their number. A test
 * checks that the indexes exist.
 */
export const FRONTIER_WALK_PAIRS: readonly (readonly [SearchColumn, SearchColumn])[] = (['flopsTrain', 'paramCount', 'flopsStudy'] as const).flatMap(
  (x) => (['testNll', 'bestValNll', 'testNllAllTokens'] as const).map((y) => [x, y] as const),
);

/**
 * Up to this many candidates are read whole rather than walked: a filter that few rows match (a sweep, a name
 * prefix) finds its rows through its own index, where a walk would probe row after row that it rejects.
 */
export const FRONTIER_SMALL_SET = 1000;

export interface FrontierPoint {
  x: number;
  y: number;
  experiment: Experiment;
}

/**
 * The Pareto-optimal succeeded experiments under `filter`, sorted by x, then id. Experiments tied on both x and y are
 * all kept (neither dominates the other). `smallSet` (tests) moves the line between reading and walking.
 */
export async function frontier(db: Db, x: SearchColumn, y: SearchColumn, filter: Filter, o: { smallSet?: number } = {}): Promise<FrontierPoint[]> {
  const walkable = FRONTIER_WALK_PAIRS.some(([a, b]) => a === x && b === y);
  const smallSet = walkable ? (o.smallSet ?? FRONTIER_SMALL_SET) : undefined;
  const rows = await db.$queryRaw<(Experiment & { frontierX: number; frontierY: number })[]>(frontierSql(x, y, filter, smallSet));
  return rows.map(({ frontierX, frontierY, ...experiment }) => ({ x: frontierX, y: frontierY, experiment }));
}

/**
 * `smallSet` undefined: every candidate is read, never walked (a pair without the walk's indexes). Values keep their
 * column's type through the walk (an integer paramCount compared with a double would not use the index); only the
 * answer is cast.
 */
function frontierSql(x: SearchColumn, y: SearchColumn, filter: Filter, smallSet: number | undefined): Prisma.Sql {
  const [X, Y] = [col(x), col(y)];
  // The literal status and NOT NULLs imply the partial indexes' predicate.
  const candidates = Prisma.sql`e.status = 'succeeded' AND ${X} IS NOT NULL AND ${Y} IS NOT NULL AND ${filterSql(filter)}`;
  const walked = smallSet !== undefined;
  // At most smallSet + 1 candidates: more than smallSet means "walk".
  const small = Prisma.sql`SELECT ${X} AS x, ${Y} AS y FROM "Experiment" e WHERE ${candidates} ${walked ? Prisma.sql`LIMIT ${smallSet + 1}` : Prisma.empty}`;
  const few = walked ? Prisma.sql`(SELECT count(*) <= CAST(${smallSet} AS bigint) FROM small)` : Prisma.sql`TRUE`;
  return Prisma.sql`
    WITH
    small AS MATERIALIZED (${small}),
    g AS (SELECT x, min(y) AS y FROM small GROUP BY x),
    f AS (SELECT x, y, min(y) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev FROM g),
    front AS (
      SELECT x, y FROM f WHERE (prev IS NULL OR y < prev) AND ${few}
      ${walked ? Prisma.sql`UNION ${walkSql(X, Y, candidates, few)}` : Prisma.empty}
    )
    SELECT e.*, CAST(front.x AS double precision) AS "frontierX", CAST(front.y AS double precision) AS "frontierY"
    FROM front CROSS JOIN LATERAL (SELECT e.* FROM "Experiment" e WHERE ${candidates} AND ${X} = front.x AND ${Y} = front.y) e
    ORDER BY front.x, e.id`;
}

/**
 * The frontier's (x, y) values by the two walks, when there are not `few` candidates. Each row of `walk` holds the
 * left walk's point (lx, ly) and the right walk's (rx, ry); it stops once they meet (lx = rx) or have passed each
 * other (no point was left between them: each probe found the other walk's point).
 */
function walkSql(X: Prisma.Sql, Y: Prisma.Sql, candidates: Prisma.Sql, few: Prisma.Sql): Prisma.Sql {
  const probe = (where: Prisma.Sql, order: Prisma.Sql) =>
    Prisma.sql`SELECT ${X} AS x, ${Y} AS y FROM "Experiment" e WHERE ${candidates} AND ${where} ORDER BY ${order} LIMIT 1`;
  const [byX, byY] = [Prisma.sql`${X}, ${Y}`, Prisma.sql`${Y}, ${X}`];
  return Prisma.sql`
    SELECT x, y FROM (
      WITH RECURSIVE walk(lx, ly, rx, ry) AS (
        SELECT l.x, l.y, r.x, r.y FROM (${probe(Prisma.sql`TRUE`, byX)}) l, (${probe(Prisma.sql`TRUE`, byY)}) r
        WHERE NOT ${few}
        UNION ALL
        SELECT l.x, l.y, r.x, r.y FROM walk w
        CROSS JOIN LATERAL (${probe(Prisma.sql`${X} > w.lx AND ${Y} < w.ly`, byX)}) l
        CROSS JOIN LATERAL (${probe(Prisma.sql`${Y} > w.ry AND ${X} < w.rx`, byY)}) r
        WHERE w.lx < w.rx
      )
      SELECT lx AS x, ly AS y FROM walk UNION SELECT rx, ry FROM walk
    ) walked`;
}
