// The "queue and workers" view end to end: a real API and two real worker processes on a queue prefix of their
// own. GET /v1/workers shows each worker as it reported itself at start; the one that trains a job shows it;
// GET /v1/queue counts match; a killed worker leaves the list when its entry expires, a stopped one at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { EXPERIMENT_QUEUE, redisOptions, workerKey } from '@slmlab/core';
import { startProcess, startStack, stop, waitFor, type Proc, type Stack } from './helpers/stack.ts';

const prefix = `workers-e2e-${process.pid}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisOptions(redisUrl));
/** Short, so that a killed worker's entry (three refreshes: 1.5 s) expires within the test. */
const REFRESH = { WORKER_REGISTRY_REFRESH_S: '0.5' };
/** Minutes of training on this machine: only ever cancelled. */
const LONG = { name: 'workers e2e: long', dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 50, windowsPerEpoch: 20_000, evalWindows: 500 } };

let stack: Stack;
let workerA: Proc;
let workerB: Proc;

before(async () => {
  workerB = startProcess('worker-b', 'apps/worker/src/main.ts', { SLMLAB_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', WORKER_ID: 'e2e-worker-b', ...REFRESH });
  stack = await startStack(prefix, { WORKER_ID: 'e2e-worker-a', ...REFRESH });
  workerA = stack.worker;
  await waitFor('worker b to take jobs', async () => (workerB.output().includes('waiting for jobs') ? true : undefined), 120_000, [workerB]);
});

after(async () => {
  await Promise.all([stop(stack.api), stop(workerA), stop(workerB)]);
  const queue = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(redisUrl), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

const get = async (path: string) => (await (await fetch(`${stack.base}${path}`)).json()) as any;

/** The worker's own start-up report (main.ts logs it once its backend is up). */
function backendReport(p: Proc) {
  return JSON.parse(p.output().split('\n').find((l) => l.includes('tfjs backend ready'))!);
}

test('GET /v1/workers lists both workers, by id on one host, with the backend, device and peak they reported', async () => {
  const { items } = await get('/v1/workers');
  const expected = [workerA, workerB].map((p, i) => {
    const r = backendReport(p);
    return {
      id: `e2e-worker-${'ab'[i]}`, host: os.hostname(), pid: p.child.pid, backend: r.backend, device: r.device, threads: r.threads,
      peakGflops: r.peakGflops, state: 'idle', currentJob: null,
    };
  });
  assert.deepEqual(items.map(({ startedAt: _s, seenAt: _t, ...rest }: any) => rest), expected);
  for (const w of items) {
    assert.ok(['wasm', 'cpu'].includes(w.backend), w.backend);
    assert.match(w.device, /^cpu \(/);
    assert.ok(Date.parse(w.startedAt) <= Date.parse(w.seenAt) && Date.now() - Date.parse(w.seenAt) < 5000, JSON.stringify(w));
  }
});

test('the worker that trains a job shows it as its current job, and the queue counts agree', async () => {
  const res = await fetch(`${stack.base}/v1/experiments?force=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(LONG) });
  assert.equal(res.status, 201);
  const id = ((await res.json()) as any).id as string;
  const items = await waitFor('a worker to show the job', async () => {
    const { items } = await get('/v1/workers');
    return items.some((w: any) => w.currentJob?.experimentId === id) ? items : undefined;
  }, 60_000, [workerA, workerB]);
  const busy = items.find((w: any) => w.currentJob)!;
  const idle = items.find((w: any) => !w.currentJob)!;
  assert.deepEqual([busy.state, busy.currentJob.name, idle.state], ['busy', LONG.name, 'idle']);
  assert.ok(Date.parse(busy.currentJob.since) >= Date.parse(busy.startedAt), busy.currentJob.since);
  const row = await get(`/v1/experiments/${id}`);
  assert.deepEqual([row.status, row.worker.workerId], ['running', busy.id], 'the registry id is the id that claimed the row');

  assert.deepEqual(await get('/v1/queue'), {
    jobs: { waiting: 0, active: 1, delayed: 0, prioritized: 0, failed: 0, completed: 0, paused: 0 },
    experiments: { queued: 0, running: 1, succeeded: 0, failed: 0, cancelled: 0 },
    workers: { live: 2, busy: 1 },
  });

  // Cancelled: the job fails for good (not retried), the worker is idle again.
  assert.equal((await fetch(`${stack.base}/v1/experiments/${id}/cancel`, { method: 'POST' })).status, 202);
  const settled = {
    jobs: { waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 1, completed: 0, paused: 0 },
    experiments: { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 1 },
    workers: { live: 2, busy: 0 },
  };
  const overview = await waitFor('the cancel to settle', async () => {
    const o = await get('/v1/queue');
    return isDeepStrictEqual(o, settled) ? o : undefined;
  }, 60_000, [workerA, workerB]);
  assert.deepEqual(overview, settled);
  const idleAgain = (await get('/v1/workers')).items;
  assert.deepEqual(idleAgain.map((w: any) => [w.id, w.state, w.currentJob]), [['e2e-worker-a', 'idle', null], ['e2e-worker-b', 'idle', null]]);
});

test('a killed worker leaves the list when its entry expires; a worker stopped with SIGTERM leaves it at once', async () => {
  const ids = async () => (await get('/v1/workers')).items.map((w: any) => w.id);
  assert.equal(await stop(workerB, 'SIGKILL'), 137);
  const killedAt = Date.now();
  assert.deepEqual(await ids(), ['e2e-worker-a', 'e2e-worker-b'], 'nothing deleted the entry of a killed worker');
  await waitFor('the killed worker to leave the list', async () => ((await ids()).length === 1 ? true : undefined), 10_000);
  assert.ok(Date.now() - killedAt <= 1500 + 1000, `gone ${Date.now() - killedAt} ms after the kill (TTL 1.5 s)`);
  assert.deepEqual(await ids(), ['e2e-worker-a']);

  assert.equal(await stop(workerA), 0, workerA.output());
  assert.equal(await redis.exists(workerKey(prefix, 'e2e-worker-a')), 0, 'deleted on the way out, not left to expire');
  assert.deepEqual(await get('/v1/queue').then((o) => o.workers), { live: 0, busy: 0 });
});
