// GET /metrics end to end: a real API and a real worker process on a queue prefix of their own. The scrape is
// parsed as Prometheus's text format (every family once, with HELP and TYPE; counters end in _total) and holds
// the API's request latencies, the queue, the experiments and the workers as they are, and the worker's own
// series (written to Redis by the worker, exposed by the API) while it trains and after its run was cancelled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { EXPERIMENT_QUEUE, redisOptions } from '@slmlab/core';
import { startStack, stop, waitFor, type Stack } from './helpers/stack.ts';

const prefix = `metrics-e2e-${process.pid}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Minutes of training on this machine: only ever cancelled. */
const LONG = { name: 'metrics e2e: long', dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 50, windowsPerEpoch: 20_000, evalWindows: 500 } };

let stack: Stack;

before(async () => {
  stack = await startStack(prefix, { WORKER_ID: 'e2e-metrics', WORKER_REGISTRY_REFRESH_S: '0.5', SLMLAB_PROGRESS_EVERY_MS: '200' });
});

after(async () => {
  await Promise.all([stop(stack.api), stop(stack.worker)]);
  const queue = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(redisUrl), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
});

interface Sample { name: string; labels: Record<string, string>; value: number }
interface Scrape { samples: Sample[]; types: Map<string, string> }

/** Prometheus text format 0.0.4, strictly: a family's HELP and TYPE once and before its samples. */
function parse(text: string): Scrape {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (kind === 'HELP') {
        assert.ok(!helps.has(name!), `HELP of ${name} twice`);
        helps.add(name!);
      } else {
        assert.ok(!types.has(name!), `TYPE of ${name} twice`);
        assert.match(rest!, /^(counter|gauge|histogram|summary|untyped)$/);
        types.set(name!, rest!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[k!] = v!;
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]!) || types.has(family), `${m[1]} has no TYPE before it`);
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  for (const [name, type] of types) if (type === 'counter') assert.match(name, /_total$/, `counter ${name}`);
  return { samples, types };
}

async function scrape(): Promise<Scrape> {
  const res = await fetch(`${stack.base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

/** The one sample of `name` whose labels include `labels`; undefined when there is none. */
function value(s: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = s.samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  assert.ok(found.length <= 1, `${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

test('a scrape during a run and after its cancel: API, queue, experiments, workers and the worker\'s own series', async () => {
  const res = await fetch(`${stack.base}/v1/experiments?force=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(LONG) });
  assert.equal(res.status, 201);
  const id = ((await res.json()) as { id: string }).id;
  const worker = { worker: 'e2e-metrics' };
  const during = await waitFor('the worker to report tokens/s', async () => {
    const s = await scrape();
    return (value(s, 'slmlab_worker_training_tokens_per_second', worker) ?? 0) > 0 ? s : undefined;
  }, 90_000, [stack.api, stack.worker]);

  // The API's own: the submission's latency under its route pattern, the scrape-time gauges, process metrics.
  assert.equal(value(during, 'slmlab_http_request_duration_seconds_count', { method: 'POST', route: '/v1/experiments', status_code: '201' }), 1);
  assert.equal(during.types.get('slmlab_http_request_duration_seconds'), 'histogram');
  assert.equal(value(during, 'slmlab_queue_jobs', { state: 'active' }), 1);
  assert.equal(value(during, 'slmlab_queue_jobs', { state: 'waiting' }), 0);
  assert.equal(value(during, 'slmlab_workers', { state: 'busy' }), 1);
  assert.equal(value(during, 'slmlab_workers', { state: 'idle' }), 0);
  assert.ok((value(during, 'slmlab_experiments', { status: 'running' }) ?? 0) >= 1);
  assert.equal(value(during, 'slmlab_dependency_up', { dependency: 'postgresql' }), 1);
  assert.equal(value(during, 'slmlab_dependency_up', { dependency: 'redis' }), 1);
  assert.ok((value(during, 'process_cpu_seconds_total') ?? 0) > 0);
  // The worker's, labelled with its id and backend.
  const backend = during.samples.find((x) => x.name === 'slmlab_worker_jobs_started_total')?.labels.backend;
  assert.ok(backend === 'wasm' || backend === 'cpu', String(backend));
  assert.equal(value(during, 'slmlab_worker_jobs_started_total', { ...worker, backend }), 1);
  assert.equal(value(during, 'slmlab_worker_jobs_running', worker), 1);
  assert.ok((value(during, 'slmlab_worker_training_gflops', worker) ?? 0) > 0);
  assert.ok((value(during, 'slmlab_worker_process_cpu_seconds_total', worker) ?? 0) > 0);

  assert.equal((await fetch(`${stack.base}/v1/experiments/${id}/cancel`, { method: 'POST' })).status, 202);
  const settled = await waitFor('the cancel to reach the worker\'s metrics', async () => {
    const s = await scrape();
    return value(s, 'slmlab_worker_jobs_finished_total', { ...worker, outcome: 'cancelled' }) === 1 ? s : undefined;
  }, 60_000, [stack.api, stack.worker]);
  assert.equal(value(settled, 'slmlab_worker_jobs_running', worker), 0);
  assert.equal(value(settled, 'slmlab_worker_training_tokens_per_second', worker), 0);
  assert.equal(value(settled, 'slmlab_worker_experiment_duration_seconds_count', { ...worker, outcome: 'cancelled' }), 1);
  assert.equal(value(settled, 'slmlab_worker_jobs_finished_total', { ...worker, outcome: 'succeeded' }), undefined);
  assert.ok((value(settled, 'slmlab_http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status_code: '200' }) ?? 0) >= 2);
  assert.equal(value(settled, 'slmlab_queue_jobs', { state: 'failed' }), 1, 'a cancelled job fails for good in BullMQ');

  // A clean stop removes the worker's series with its entry.
  assert.equal(await stop(stack.worker), 0, stack.worker.output());
  const gone = await scrape();
  assert.equal(gone.samples.filter((x) => x.name.startsWith('slmlab_worker_')).length, 0);
  assert.equal(value(gone, 'slmlab_workers', { state: 'busy' }), 0);
});
