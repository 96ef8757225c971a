// `npm run bench:api`: requests/s and p99 latency of the read API on a large database, against a bare Fastify
// route measured in the same run. Seeds a database of its own (BENCH_DATABASE_URL, default slmlab_bench: created
// and migrated here) with BENCH_EXPERIMENTS experiments and BENCH_POINTS metric points by INSERT … SELECT
// generate_series, starts the API and a bare Fastify server as child processes (so the load generator does not
// share their event loop), and drives each route with autocannon for BENCH_SECONDS: the requests of the dashboard
// (lists and sorts, searches, curves, frontiers, compare; routes() names them). Prints a table with each route's
// ratio to the bare route and the machine's load average before and after, and writes JSON to bench-results/. A
// seeded database of the same size is reused (BENCH_RESEED=1 seeds again).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';
import { migrate } from '@slmlab/db';
import { freePort, startProcess, stop, waitFor, type Proc } from '../test/helpers/stack.ts';

const env = process.env;
const EXPERIMENTS = Number(env.BENCH_EXPERIMENTS ?? 100_000);
const POINTS = Number(env.BENCH_POINTS ?? 5_000_000);
/** The curve request reads one experiment with this many points (added on top of BENCH_POINTS). */
const CURVE_POINTS = Number(env.BENCH_CURVE_POINTS ?? 10_000);
const SECONDS = Number(env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10);
const DATABASE_URL = env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/slmlab_bench';
/** BENCH_ROUTES=curve,frontier: only the routes whose name contains one of these (the bare route always runs). */
const ONLY = env.BENCH_ROUTES?.split(',').filter(Boolean);
const CURVE_NAME = 'bench-curve';

async function main() {
  console.log(`bench:api — ${EXPERIMENTS} experiments, ${POINTS} metric points, ${SECONDS} s per route, ${CONNECTIONS} connections`);
  await migrate(DATABASE_URL, 'prisma/migrations');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  let ids: BenchIds;
  try {
    await seed(client);
    ids = await benchIds(client);
  } finally {
    await client.end();
  }
  const [apiPort, barePort] = [await freePort(), await freePort()];
  const procs: Proc[] = [
    startProcess('api', 'apps/api/src/server.ts', {
      PORT: String(apiPort), DATABASE_URL, LOG_LEVEL: 'warn', SLMLAB_QUEUE_PREFIX: `bench-api-${process.pid}`, SLMLAB_AUTH: 'off',
    }),
    startProcess('bare', 'scripts/bench-api.ts', { PORT: String(barePort), BENCH_API_BARE: '1' }),
  ];
  try {
    await waitFor('the API', async () => ((await fetch(`http://127.0.0.1:${apiPort}/readyz`).catch(() => undefined))?.ok ? true : undefined), 60_000, procs);
    await waitFor('bare fastify', async () => ((await fetch(`http://127.0.0.1:${barePort}/healthz`).catch(() => undefined))?.ok ? true : undefined), 60_000, procs);
    const load = [os.loadavg()];
    const results = await measureAll(apiPort, barePort, ids);
    load.push(os.loadavg());
    await report(results, load);
  } finally {
    await Promise.all(procs.map((p) => stop(p)));
  }
}

const SEARCH_WHERE = {
  dataset: 'ptb',
  or: [{ 'spec.model.layers': { in: [2, 3] } }, { testNll: { lt: 1.3 } }],
  testNll: { gte: 1.2, lte: 1.8 },
};
const FRONTIER_WHERE = { 'spec.training.objective': 'last-token' };
const where = (w: object) => `where=${encodeURIComponent(JSON.stringify(w))}`;

/** The requests of the dashboard over the read API, each measured on its own. */
function routes(ids: BenchIds): { name: string; port: 'api' | 'bare'; path: string }[] {
  const list = '/v1/experiments?limit=50';
  return [
    { name: 'bare fastify /healthz', port: 'bare', path: '/healthz' },
    { name: 'api /healthz', port: 'api', path: '/healthz' },
    { name: 'list: newest 50', port: 'api', path: list },
    { name: 'list: status=succeeded', port: 'api', path: `${list}&status=succeeded` },
    { name: 'list: sort=testNll asc', port: 'api', path: `${list}&sort=testNll&order=asc` },
    { name: 'list: sort=flopsTrain', port: 'api', path: `${list}&sort=flopsTrain` },
    { name: 'list: sort=tokensPerSec', port: 'api', path: `${list}&sort=tokensPerSec` },
    { name: 'search: OR + range, sort testNll', port: 'api', path: `/v1/experiments?sort=testNll&order=asc&${where(SEARCH_WHERE)}` },
    { name: 'search: ptb transformer succeeded, sort testNll', port: 'api', path: '/v1/experiments?dataset=ptb&modelKind=transformer&status=succeeded&sort=testNll' },
    { name: `curve: ${CURVE_POINTS} → 500 points, x=flops`, port: 'api', path: `/v1/experiments/${ids.curve}/metrics?x=flops&points=500` },
    { name: `curve: ${CURVE_POINTS} → 500 points, x=step`, port: 'api', path: `/v1/experiments/${ids.curve}/metrics?x=step&points=500` },
    { name: `curve: typical (${ids.typicalPoints} points), x=flops`, port: 'api', path: `/v1/experiments/${ids.typical[0]}/metrics?x=flops&points=500` },
    { name: 'frontier: flops × testNll', port: 'api', path: '/v1/frontier?x=flops&y=testNll' },
    { name: 'frontier: flops × testNll, ptb', port: 'api', path: '/v1/frontier?x=flops&y=testNll&dataset=ptb' },
    { name: 'frontier: params × testNll', port: 'api', path: '/v1/frontier?x=params&y=testNll' },
    { name: 'frontier: params × testNll, where objective', port: 'api', path: `/v1/frontier?x=params&y=testNll&${where(FRONTIER_WHERE)}` },
    { name: 'frontier: flops × bestValNll', port: 'api', path: '/v1/frontier?x=flops&y=bestValNll' },
    { name: 'compare: 5 ids at 3 FLOPs values', port: 'api', path: `/v1/compare?ids=${ids.typical.join(',')}&at=flops&value=${ids.compareValues.join(',')}` },
  ];
}

interface Measured {
  route: string;
  path: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function measureAll(apiPort: number, barePort: number, ids: BenchIds): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const r of routes(ids)) {
    if (ONLY && r.port !== 'bare' && !ONLY.some((part) => r.name.includes(part))) continue;
    const url = `http://127.0.0.1:${r.port === 'api' ? apiPort : barePort}${r.path}`;
    const check = await fetch(url);
    if (!check.ok) throw new Error(`${r.name}: ${check.status} ${await check.text()}`);
    await autocannon({ url, connections: CONNECTIONS, duration: 1 }); // warm-up: JIT, connection pools, caches
    const res = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
    out.push({
      route: r.name, path: r.path, requestsPerSec: res.requests.average, p50Ms: res.latency.p50, p99Ms: res.latency.p99,
      non2xx: res.non2xx, errors: res.errors,
    });
    console.log(`  ${r.name}: ${res.requests.average.toFixed(0)} req/s, p99 ${res.latency.p99} ms`);
  }
  return out;
}

async function report(results: Measured[], load: number[][]) {
  const bare = results[0]!;
  const loadText = load.map((l) => l.map((x) => x.toFixed(2)).join(' ')).join(' → ');
  console.log(`\nload average (1, 5, 15 min) at the start → at the end: ${loadText} (${os.cpus().length} CPUs)`);
  console.log('\n| route | req/s | p50 ms | p99 ms | req/s vs bare | p99 vs bare | non-2xx |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const rate = (r.requestsPerSec / bare.requestsPerSec).toFixed(3);
    const p99 = (r.p99Ms / Math.max(bare.p99Ms, 1)).toFixed(1);
    console.log(`| ${r.route} | ${r.requestsPerSec.toFixed(0)} | ${r.p50Ms} | ${r.p99Ms} | ${rate}× | ${p99}× | ${r.non2xx + r.errors} |`);
  }
  await mkdir('bench-results', { recursive: true });
  const file = `bench-results/api-${new Date().toISOString().replaceAll(':', '-')}.json`;
  const meta = { experiments: EXPERIMENTS, points: POINTS, curvePoints: CURVE_POINTS, seconds: SECONDS, connections: CONNECTIONS, cpus: os.cpus().length, loadAverage: load };
  await writeFile(file, JSON.stringify({ meta, results }, null, 2));
  console.log(`\nwritten to ${file}`);
}

/**
 * Fills the bench database unless it already holds this size. All rows are synthetic but shaped like real ones:
 * four model kinds over three data sets, ~80% succeeded with results, specs with the paths search filters on.
 * Vacuumed as well as analysed, as autovacuum would leave a long-lived database (index-only scans need it).
 */
async function seed(c: pg.Client): Promise<void> {
  const counts = await c.query<{ e: string; p: string }>(
    `SELECT (SELECT count(*) FROM "Experiment") AS e, (SELECT count(*) FROM "MetricPoint") AS p`,
  );
  const perExperiment = Math.floor(POINTS / EXPERIMENTS);
  const want = { e: EXPERIMENTS + 1, p: perExperiment * EXPERIMENTS + CURVE_POINTS };
  const have = { e: Number(counts.rows[0]!.e), p: Number(counts.rows[0]!.p) };
  if (env.BENCH_RESEED !== '1' && have.e === want.e && have.p === want.p) {
    console.log('reusing the seeded database');
  } else {
    const t0 = performance.now();
    await c.query('TRUNCATE "Experiment" CASCADE');
    await c.query(SEED_EXPERIMENTS, [EXPERIMENTS]);
    await c.query(SEED_CURVE_EXPERIMENT, [CURVE_NAME]);
    await c.query(SEED_POINTS, [perExperiment, CURVE_NAME]);
    await c.query(SEED_CURVE_POINTS, [CURVE_POINTS, CURVE_NAME]);
    await c.query('VACUUM ANALYZE "Experiment"');
    await c.query('VACUUM ANALYZE "MetricPoint"');
    console.log(`seeded ${want.e} experiments and ${want.p} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

interface BenchIds {
  /** The experiment with the long curve. */
  curve: string;
  /** Five typical succeeded experiments (BENCH_POINTS / BENCH_EXPERIMENTS points each), and their point count. */
  typical: string[];
  typicalPoints: number;
  /** Three FLOPs values inside the first typical curve (at a quarter, half and three quarters of its points). */
  compareValues: number[];
}

async function benchIds(c: pg.Client): Promise<BenchIds> {
  const curve = await c.query<{ id: string }>(`SELECT id FROM "Experiment" WHERE name = $1`, [CURVE_NAME]);
  const typical = await c.query<{ id: string }>(
    `SELECT id FROM "Experiment" WHERE name = ANY($1) AND status = 'succeeded' ORDER BY name`,
    [['bench-1', 'bench-2', 'bench-3', 'bench-4', 'bench-5']],
  );
  // FLOPs at a point = tokens × flopsTrain / (windowsPerEpoch × epochs × contextLength), as the API computes it.
  const values = await c.query<{ x: number }>(
    `SELECT m.tokens * e."flopsTrain" / ((e.spec->'training'->>'windowsPerEpoch')::float8 * (e.spec->'training'->>'epochs')::float8
              * (e.spec->'model'->>'contextLength')::float8) AS x
     FROM "Experiment" e JOIN "MetricPoint" m ON m."experimentId" = e.id
     WHERE e.id = $1 AND m.epoch = ANY($2) ORDER BY m.step`,
    [typical.rows[0]!.id, [1, 2, 3].map((q) => Math.max(1, Math.floor((q * Math.floor(POINTS / EXPERIMENTS)) / 4)))],
  );
  return {
    curve: curve.rows[0]!.id,
    typical: typical.rows.map((r) => r.id),
    typicalPoints: Math.floor(POINTS / EXPERIMENTS),
    compareValues: values.rows.map((r) => r.x),
  };
}

const SPEC_SQL = `jsonb_build_object(
  'specVersion', 2, 'name', 'bench-' || g, 'dataset', ds,
  'model', jsonb_build_object('kind', mk, 'layers', 1 + g % 4, 'contextLength', (ARRAY[16, 32, 64, 128])[1 + g % 4], 'dModel', 128),
  'training', jsonb_build_object('epochs', 3, 'windowsPerEpoch', 50000, 'batchSize', 64, 'learningRate', 0.0003,
    'seed', g % 5, 'evalWindows', 10000, 'objective', 'last-token'))`;

const SEED_EXPERIMENTS = `
INSERT INTO "Experiment" (id, name, "specVersion", spec, dataset, "modelKind", status, attempts, "createdAt", "updatedAt",
  "paramCount", "flopsStudy", "flopsTrain", "testNll", "bestValNll", "bestEpoch", "wallSeconds", "tokensPerSec")
SELECT gen_random_uuid(), 'bench-' || g, 2, ${SPEC_SQL}, ds, mk, st::"ExperimentStatus", 1,
  now() - make_interval(secs => g), now(),
  p, 2.0 * p * 50000 * 64 * 3, 3.0 * p * 50000 * 64 * 3 / (1 + g % 7),
  CASE WHEN st = 'succeeded' THEN 1.2 + random() ELSE NULL END,
  CASE WHEN st = 'succeeded' THEN 1.2 + random() ELSE NULL END,
  CASE WHEN st = 'succeeded' THEN 3 ELSE NULL END,
  CASE WHEN st = 'succeeded' THEN 10 + random() * 100 ELSE NULL END,
  CASE WHEN st = 'succeeded' THEN 1e4 + random() * 1e5 ELSE NULL END
FROM generate_series(1, $1::int) g,
LATERAL (SELECT (ARRAY['tinyshakespeare', 'ptb', 'wikitext2'])[1 + g % 3] AS ds,
                (ARRAY['linear', 'mlp', 'attention', 'transformer'])[1 + (g / 3) % 4] AS mk,
                (ARRAY['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded',
                       'queued', 'failed'])[1 + g % 10] AS st,
                100000 + (g * 7919) % 900000 AS p) x`;

const SEED_CURVE_EXPERIMENT = `
INSERT INTO "Experiment" (id, name, "specVersion", spec, dataset, "modelKind", status, "createdAt", "updatedAt",
  "paramCount", "flopsStudy", "flopsTrain", "testNll")
SELECT gen_random_uuid(), $1, 2, ${SPEC_SQL}, ds, mk, 'succeeded', now() - interval '1 year', now(), 141505, 1e12, 1e12, 1.5
FROM (SELECT 0 AS g, 'ptb' AS ds, 'transformer' AS mk) x`;

/** Every experiment but the long-curve one gets the same number of points, one per "epoch". */
const SEED_POINTS = `
INSERT INTO "MetricPoint" ("experimentId", kind, epoch, step, tokens, seconds, "trainNll", "valNll")
SELECT e.id, 'epoch', s, s * 782, s * 782 * 64 * 128.0, s * 2.5, 5.0 / (1 + s * 0.1), 5.2 / (1 + s * 0.1) + random() * 0.01
FROM "Experiment" e, generate_series(1, $1::int) s
WHERE e.name <> $2`;

const SEED_CURVE_POINTS = `
INSERT INTO "MetricPoint" ("experimentId", kind, epoch, step, tokens, seconds, "trainNll", "valNll")
SELECT e.id, 'epoch', s, s * 10, s * 10 * 64 * 128.0, s * 0.03, 5.0 / (1 + s * 0.001), 5.2 / (1 + s * 0.001) + random() * 0.05
FROM "Experiment" e, generate_series(1, $1::int) s
WHERE e.name = $2`;

// Entry point last: the SQL and route constants above must be initialised before top-level await runs.
/** BENCH_API_BARE=1: this file is also the bare Fastify server the API is compared with (one trivial route). */
if (env.BENCH_API_BARE === '1') {
  const bare = Fastify({ logger: false });
  bare.get('/healthz', async () => ({ status: 'ok' }));
  await bare.listen({ port: Number(env.PORT), host: '127.0.0.1' });
  console.log('bare fastify listening');
} else {
  await main();
}
