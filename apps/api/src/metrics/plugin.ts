// Prometheus metrics (prom-client) at GET /metrics, in the text exposition format: this API process's own
// (request latency by route, 503s by dependency, process and Node metrics), the queue and the experiments as they
// are at the scrape (read from Redis and PostgreSQL then), and every live worker's series, which the workers write
// to Redis beside their registry entries (apps/worker/src/services/metrics.ts). One scrape target for the whole
// deployment: docs/operations.md. Registered right after the error handler so that its hooks see every route.
import fp from 'fastify-plugin';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { WORKER_STATES, isUnreachableError } from '@slmlab/core';
import type { QueueStatsRepo } from '@slmlab/db';
import { errorResponse } from '../edge/errors.ts';
import { UnavailableError } from '../edge/http-errors.ts';
import { readRegistry, readWorkerMetrics } from '../workers/registry.ts';
import { JOB_STATES } from '../workers/schemas.ts';
import { jobCounts, redisReady } from '../workers/service.ts';

/** Seconds: from a cached read (a few ms) to a checkpoint download or a 2-minute import. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

export const metricsPlugin = fp<{ prefix: string }>(async (app, { prefix }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const latency = new Histogram({
    name: 'slmlab_http_request_duration_seconds',
    help: 'HTTP requests by method, route (the route pattern; "unmatched" for no route) and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const dependencyErrors = new Counter({
    name: 'slmlab_dependency_errors_total',
    help: 'Requests answered 503 because PostgreSQL or Redis failed them, by dependency.',
    labelNames: ['dependency'],
    registers,
  });
  const scrape = scrapeGauges(registry);

  app.addHook('onResponse', async (request, reply) => {
    latency.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.addHook('onError', async (_request, _reply, err) => {
    if (errorResponse(err)[0] === 503) {
      const dependency = dependencyOf(err);
      if (dependency) dependencyErrors.inc({ dependency });
    }
  });

  app.decorate('metrics', {
    contentType: registry.contentType,
    /** The exposition text: this process's series, the scrape-time gauges, then every live worker's series. */
    async text(): Promise<string> {
      await scrape.update(app.services.repos.queueStats, app.queue, prefix, app.log);
      const workers = await workerSeries(app.queue, prefix, app.log);
      return (await registry.metrics()) + (workers ? `\n${await workers.metrics()}` : '');
    },
  });
}, { name: 'metrics', dependencies: ['errors'] });

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { contentType: string; text(): Promise<string> };
  }
}

/** GET /metrics, a route like the others: auth/plugin.ts's hook asks a read token of it when SLMLAB_AUTH=on. */
export const metricsRoutes = fp(async (app) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics of the API, the queue and every live worker (text exposition format)',
        description: 'See docs/operations.md for the series and what to alert on. Needs the read scope when auth is on.',
        response: { 200: { description: 'the metrics, Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => reply.type(app.metrics.contentType).send(await app.metrics.text()),
  );
}, { name: 'metrics-routes', dependencies: ['metrics'] });

type Queue = Parameters<typeof readRegistry>[0];
type Log = Parameters<typeof readRegistry>[2];
type Snapshot = Parameters<typeof AggregatorRegistry.aggregate>[0][number];

/** The gauges read at each scrape; a source that fails has no series in that scrape and its `up` at 0. */
function scrapeGauges(registry: Registry) {
  const registers = [registry];
  const up = new Gauge({ name: 'slmlab_dependency_up', help: 'Whether the last scrape could read the dependency (1) or not (0).', labelNames: ['dependency'], registers });
  const jobs = new Gauge({ name: 'slmlab_queue_jobs', help: 'BullMQ jobs of the experiment queue by state (paused: waiting and prioritized jobs held back).', labelNames: ['state'], registers });
  const experiments = new Gauge({ name: 'slmlab_experiments', help: 'Experiments in PostgreSQL by status.', labelNames: ['status'], registers });
  const workers = new Gauge({ name: 'slmlab_workers', help: 'Live workers (registry entries in Redis) by state.', labelNames: ['state'], registers });
  return {
    async update(stats: QueueStatsRepo, queue: Queue, prefix: string, log: Log): Promise<void> {
      const [pg, redis] = await Promise.allSettled([
        stats.statusCounts(),
        redisReady(queue).then(() => Promise.all([jobCounts(queue), readRegistry(queue, prefix, log)])),
      ]);
      up.set({ dependency: 'postgresql' }, pg.status === 'fulfilled' ? 1 : 0);
      up.set({ dependency: 'redis' }, redis.status === 'fulfilled' ? 1 : 0);
      // A source that failed has its series dropped (reset), not left at the last scrape's values.
      experiments.reset();
      jobs.reset();
      workers.reset();
      if (pg.status === 'fulfilled') for (const [status, n] of Object.entries(pg.value)) experiments.set({ status }, n);
      else log.warn({ err: pg.reason }, 'metrics: could not read experiment counts');
      if (redis.status === 'rejected') return void log.warn({ err: redis.reason }, 'metrics: could not read the queue');
      const [counts, entries] = redis.value;
      for (const state of [...JOB_STATES, 'paused'] as const) jobs.set({ state }, counts[state]);
      for (const state of WORKER_STATES) workers.set({ state }, entries.filter((e) => e.state === state).length);
    },
  };
}

/** Every live worker's series as one registry; a snapshot that does not parse is skipped, and said so. */
async function workerSeries(queue: Queue, prefix: string, log: Log): Promise<Registry | null> {
  const raw = await readWorkerMetrics(queue, prefix).catch((err: unknown) => {
    log.warn({ err }, 'metrics: could not read the workers\' metrics');
    return [];
  });
  const snapshots = raw.flatMap((json) => {
    try {
      return [JSON.parse(json) as Snapshot];
    } catch {
      log.warn('metrics: a worker metrics snapshot that is not JSON; skipped');
      return [];
    }
  });
  // Each worker's series carry its `worker` label, so aggregating (summing equal label sets) only concatenates.
  return snapshots.length ? AggregatorRegistry.aggregate(snapshots) : null;
}

/** Which backing service a 503 came from, by the error's own words along its cause chain. */
function dependencyOf(err: unknown): 'postgresql' | 'redis' | null {
  if (!(err instanceof UnavailableError) && !isUnreachableError(err)) return null;
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, message, code } = e as { name?: unknown; message?: unknown; code?: unknown };
    if (typeof name === 'string' && name.startsWith('PrismaClient')) return 'postgresql';
    if (typeof code === 'string' && /^P\d{4}$/.test(code)) return 'postgresql';
    if (typeof message === 'string' && /redis|queue/i.test(message)) return 'redis';
    if (typeof message === 'string' && /database|postgres/i.test(message)) return 'postgresql';
  }
  return null;
}
