// One whole experiment on the webgpu backend, through the real API and a real worker process: POST → queue →
// a training child process on Dawn (SwiftShader in CI, whatever adapter a GPU box has) → PostgreSQL → HTTP,
// with the backend and its adapter recorded on the result. Tiny, since SwiftShader is a CPU.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { EXPERIMENT_QUEUE, redisOptions } from '@slmlab/core';
import { createDb } from '@slmlab/db';
import { decodeCheckpoint } from '../apps/worker/src/ml/checkpoint.ts';
import { startStack, waitFor, type Proc, type Stack } from './helpers/stack.ts';

const prefix = `webgpu-${process.pid}`;
const db = createDb(process.env.DATABASE_URL!);
let stack: Stack;
let worker: Proc;
let base: string;

before(async () => {
  stack = await startStack(prefix, { WORKER_ID: 'webgpu-worker', SLMLAB_BACKEND: 'webgpu' }, { api: 60_000, worker: 120_000 });
  ({ worker, base } = stack);
});

after(async () => {
  const codes = await stack.stop();
  await db.$disconnect();
  const queue = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  assert.deepEqual(codes, [0, 0], 'both processes stop cleanly on SIGTERM');
});

test('an experiment trains on webgpu in a child process and records the backend and its adapter', async () => {
  const ready = JSON.parse(worker.output().split('\n').find((l) => l.includes('tfjs backend ready'))!);
  assert.equal(ready.backend, 'webgpu');
  assert.equal(ready.sandbox, 'process', 'SLMLAB_SANDBOX=auto trains webgpu jobs in a child process');
  assert.ok(ready.adapter?.vendor, `the adapter is reported: ${JSON.stringify(ready.adapter)}`);

  const res = await fetch(`${base}/v1/experiments?force=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'webgpu e2e',
      dataset: 'tinyshakespeare',
      model: { kind: 'transformer', layers: 1, contextLength: 8, dModel: 16, heads: 2, ffnHidden: 32, positions: 'rope' },
      training: { epochs: 2, windowsPerEpoch: 128, evalWindows: 64, seed: 3 },
    }),
  });
  const created = (await res.json()) as any;
  assert.equal(res.status, 201, JSON.stringify(created));
  const done = await waitFor('the experiment to finish', async () => {
    const e = (await (await fetch(`${base}/v1/experiments/${created.id}`)).json()) as any;
    return ['succeeded', 'failed'].includes(e.status) ? e : undefined;
  }, 300_000, [worker]);
  assert.equal(done.status, 'succeeded', `${done.error}\n${worker.output()}`);
  assert.equal(done.result.backend, 'webgpu');
  const adapter = `${ready.adapter.vendor} ${ready.adapter.architecture}`.trim();
  assert.ok(done.result.device.startsWith(ready.adapter.isFallbackAdapter ? 'cpu (webgpu on a software adapter: ' : 'gpu (webgpu: '), done.result.device);
  assert.ok(done.result.device.includes(adapter), `${done.result.device} names the adapter ${adapter}`);
  assert.deepEqual(done.metrics.map((m: any) => m.epoch), [1, 2]);
  assert.equal(done.metrics[1].step, 4, '2 epochs of 128 windows in batches of 64');
  assert.ok(done.result.testNll > 0 && done.result.testNll < 2 * Math.log(65), `test NLL ${done.result.testNll}`);

  const row = await db.experiment.findUniqueOrThrow({ where: { id: created.id } });
  assert.deepEqual([row.backend, row.device], ['webgpu', done.result.device]);
  const best = await db.checkpoint.findFirstOrThrow({ where: { experimentId: created.id, tag: 'best' } });
  assert.ok(decodeCheckpoint(best.data).values.has('blocks.0.ffn.up.w'), 'the weights trained on webgpu are stored');
});
