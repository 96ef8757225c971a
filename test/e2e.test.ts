// The whole path with real components: HTTP → PostgreSQL + BullMQ (Redis) → worker process (TensorFlow.js)
// → PostgreSQL → HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { EXPERIMENT_QUEUE, parseSpec, redisOptions, trainFlopsPerWindow } from '@slmlab/core';
import { createDb } from '@slmlab/db';
import { decodeCheckpoint } from '../apps/worker/src/ml/checkpoint.ts';
import { startStack, waitFor, type Proc, type Stack } from './helpers/stack.ts';

const prefix = `e2e-${process.pid}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const db = createDb(process.env.DATABASE_URL!);
let stack: Stack;
let worker: Proc;
let base: string;

before(async () => {
  stack = await startStack(prefix, { WORKER_ID: 'e2e-worker' }, { api: 60_000, worker: 60_000 });
  ({ worker, base } = stack);
});

after(async () => {
  const codes = await stack.stop();
  await db.$disconnect();
  const queue = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(redisUrl), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  assert.deepEqual(codes, [0, 0], 'both processes stop cleanly on SIGTERM');
});

async function post(body: unknown) {
  // force: a run of this file before left the same specs succeeded in the test database; each run trains anew.
  const res = await fetch(`${base}/v1/experiments?force=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { res, json: (await res.json()) as any };
}

test('a linear model on Tiny Shakespeare goes from POST to a stored result', async () => {
  const { res, json } = await post({
    name: 'e2e linear T=16',
    dataset: 'tinyshakespeare',
    model: { kind: 'linear', contextLength: 16 },
    training: { epochs: 2, windowsPerEpoch: 8192, evalWindows: 2000, seed: 7 },
  });
  assert.equal(res.status, 201, JSON.stringify(json));
  const id: string = json.id;
  assert.equal(res.headers.get('location'), `/v1/experiments/${id}`);
  assert.equal(json.cost.params, 141_505);

  const done = await waitFor(
    'the experiment to finish',
    async () => {
      const e = (await (await fetch(`${base}/v1/experiments/${id}`)).json()) as any;
      return ['succeeded', 'failed'].includes(e.status) ? e : undefined;
    },
    180_000,
    [stack.api, worker],
  );
  assert.equal(done.status, 'succeeded', `${done.error}\n${worker.output()}`);
  assert.ok(done.result.testNll < Math.log(65) - 0.5, `test NLL ${done.result.testNll} is not well below ln(65)`);
  assert.ok(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'].includes(done.result.backend), done.result.backend);
  assert.equal(done.result.workerId, 'e2e-worker');
  // GFLOP/s is the cost model's training FLOPs per token times tokens/s; MFU is that over the peak the worker logged.
  const spec = parseSpec(done.spec);
  assert.equal(done.result.gflops, ((done.result.tokensPerSec / 16) * trainFlopsPerWindow(spec, 65)) / 1e9);
  const peak = JSON.parse(worker.output().split('\n').find((l) => l.includes('tfjs backend ready'))!).peakGflops as number;
  assert.ok(Math.abs(done.result.mfu * peak - done.result.gflops) <= 0.05 * done.result.mfu + 1e-9, `mfu ${done.result.mfu} × logged peak ${peak} (rounded to 0.1) ≠ ${done.result.gflops}`);
  const valNlls = done.metrics.map((m: any) => m.valNll as number);
  assert.equal(done.result.bestEpoch, valNlls.indexOf(Math.min(...valNlls)) + 1, 'the best epoch is the one of the lowest validation NLL');
  assert.deepEqual(done.metrics.map((m: any) => m.epoch), [1, 2]);
  assert.equal(done.metrics[1].tokens, 2 * 8192 * 16);

  // The same facts, read from PostgreSQL directly rather than through the API.
  const row = await db.experiment.findUniqueOrThrow({ where: { id } });
  assert.equal(row.paramCount, 141_505);
  assert.equal(row.testNll, done.result.testNll);
  assert.equal(row.backend, done.result.backend);
  const points = await db.metricPoint.findMany({ where: { experimentId: id }, orderBy: { step: 'asc' } });
  assert.equal(points.length, 2);
  assert.ok(points.every((p) => Number.isFinite(p.trainNll) && Number.isFinite(p.valNll)));
  assert.equal(Math.min(...points.map((p) => p.valNll!)), row.bestValNll);
  // Retention: the best weights and the latest training state (written at the last epoch's end), nothing else.
  const ckpt = await db.checkpoint.findFirstOrThrow({ where: { experimentId: id, tag: 'best' } });
  assert.equal(ckpt.format, 'slmlab-weights-v1');
  const state = await db.checkpoint.findFirstOrThrow({ where: { experimentId: id, tag: 'latest' } });
  assert.deepEqual([state.format, state.epoch, state.step], ['slmlab-state-v1', 2, points[1]!.step]);
  assert.equal(await db.checkpoint.count({ where: { experimentId: id } }), 2);
  assert.ok(ckpt.sizeBytes > 141_505 * 4, `checkpoint of ${ckpt.sizeBytes} bytes holds every weight`);

  // Listed and downloadable over HTTP, and what comes down is a checkpoint the ML core reads.
  const list = (await (await fetch(`${base}/v1/experiments/${id}/checkpoints`)).json()) as any;
  assert.deepEqual(list.items.map((c: any) => [c.id, c.tag, c.epoch]), [[state.id, 'latest', 2], [ckpt.id, 'best', done.result.bestEpoch]]);
  const dl = await fetch(`${base}/v1/experiments/${id}/checkpoints/${ckpt.id}`);
  assert.equal(dl.status, 200);
  assert.equal(dl.headers.get('content-type'), 'application/octet-stream');
  const decoded = decodeCheckpoint(new Uint8Array(await dl.arrayBuffer()));
  assert.deepEqual(decoded.header.meta['spec'], done.spec);
  assert.deepEqual([...decoded.values.keys()], ['tok_emb', 'head.w', 'head.b']);
  assert.deepEqual(decoded.values.get('head.w')!.shape, [16 * 128, 65]);
  assert.equal((await fetch(`${base}/v1/experiments/${id}/checkpoints/${crypto.randomUUID()}`)).status, 404);
});

test("the study's T=128 linear model is priced at its exact parameter count", async () => {
  const { res, json } = await post({
    dataset: 'tinyshakespeare',
    model: { kind: 'linear', contextLength: 128 },
    training: { epochs: 1, windowsPerEpoch: 64, evalWindows: 64 },
  });
  assert.equal(res.status, 201);
  assert.equal(json.cost.params, 1_073_345);
  await waitFor('the T=128 run to finish', async () => {
    const e = (await (await fetch(`${base}/v1/experiments/${json.id}`)).json()) as any;
    return e.status === 'succeeded' ? e : undefined;
  }, 180_000, [worker]);
});

test('a diverging run (NaN loss) fails at once with the reason and is not retried', async () => {
  const { res, json } = await post({
    name: 'e2e: diverges',
    dataset: 'tinyshakespeare',
    // No dropout: with it the loss can stay finite (in the thousands) instead of reaching NaN; without, every
    // seed tried gave NaN at step 2.
    model: { kind: 'mlp', contextLength: 16, hidden: 512, hiddenLayers: 16, dropout: 0 },
    training: { epochs: 1, windowsPerEpoch: 3000, evalWindows: 200, learningRate: 10 },
  });
  assert.equal(res.status, 201, JSON.stringify(json));
  const done = await waitFor('the run to end', async () => {
    const e = (await (await fetch(`${base}/v1/experiments/${json.id}`)).json()) as any;
    return ['succeeded', 'failed'].includes(e.status) ? e : undefined;
  }, 120_000, [worker]);
  assert.equal(done.status, 'failed');
  assert.match(done.error, /training diverged: loss is (NaN|-?Infinity) at epoch 1, step \d+/);
  assert.equal(done.attempts, 1, 'divergence is not retried' + worker.output().slice(-6000));
});
