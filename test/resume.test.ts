// Resume with real worker processes: a worker killed with SIGKILL mid-run leaves a checkpoint from which another
// worker finishes the run, ending exactly where an uninterrupted run with the same seed ends; a worker stopped
// with SIGTERM checkpoints at its next step, returns the job to the queue and exits 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { QueueEvents } from 'bullmq';
import { EXPERIMENT_QUEUE, redisOptions } from '@slmlab/core';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';
import { startProcess, stop, waitFor, type Proc, type SpawnOptions } from './helpers/stack.ts';

// About ten seconds of training here (3 epochs × 32 steps), with dropout so that its RNG must be restored too.
const SPEC = {
  dataset: 'tinyshakespeare',
  model: { kind: 'attention', contextLength: 32, dModel: 64, heads: 4, ffnHidden: 128, dropout: 0.1 },
  training: { epochs: 3, windowsPerEpoch: 2048, batchSize: 64, evalWindows: 1000, seed: 7 },
};

let app: FastifyInstance;
const workers: Proc[] = [];
const created: string[] = [];

before(async () => {
  app = await testApp('resume-e2e');
});

after(async () => {
  for (const w of workers) await stop(w, 'SIGKILL');
  await app.db.experiment.deleteMany({ where: { id: { in: created } } });
  await closeTestApp(app);
});

function startWorker(id: string, env: NodeJS.ProcessEnv = {}, opts: SpawnOptions = {}): Proc {
  const w = startProcess(id, 'apps/worker/src/main.ts', {
    SLMLAB_QUEUE_PREFIX: app.queue.opts.prefix!,
    LOG_LEVEL: 'info',
    WORKER_ID: id,
    // A killed worker's job is found stalled and requeued after about this long.
    WORKER_LOCK_MS: '3000',
    // …and claimed once its dead worker's heartbeat is this many seconds old.
    SLMLAB_HEARTBEAT_TIMEOUT_S: '4',
    ...env,
  }, opts);
  workers.push(w);
  return w;
}

async function submit(name: string, spec: typeof SPEC = SPEC): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: { ...spec, name } });
  assert.equal(res.statusCode, 201, res.body);
  created.push(res.json().id);
  return res.json().id;
}

const row = (id: string) => app.db.experiment.findUniqueOrThrow({ where: { id } });
const latestCheckpoint = (id: string) => app.db.checkpoint.findFirst({ where: { experimentId: id, tag: 'latest' }, select: { step: true, epoch: true } });

async function finished(id: string, procs: Proc[]) {
  return waitFor(`experiment ${id} to succeed`, async () => {
    const r = await row(id);
    if (r.status === 'failed' || r.status === 'cancelled') throw new Error(`ended ${r.status}: ${r.error}`);
    return r.status === 'succeeded' ? r : undefined;
  }, 240_000, procs);
}

const curve = (id: string) =>
  app.db.metricPoint.findMany({ where: { experimentId: id }, orderBy: { step: 'asc' }, select: { epoch: true, step: true, tokens: true, trainNll: true, valNll: true } });

/** The step a worker's log says it resumed `id` from, if it did. */
function resumedStep(w: Proc, id: string): number | undefined {
  for (const line of w.output().split('\n')) {
    if (!line.includes('resuming from checkpoint') || !line.includes(id)) continue;
    return (JSON.parse(line) as { step: number }).step;
  }
  return undefined;
}

test('SIGKILL mid-run: another worker resumes from the checkpoint and ends exactly as an uninterrupted run', async () => {
  const first = startWorker('resume-a', { SLMLAB_CHECKPOINT_EVERY_STEPS: '8' });
  const id = await submit('resume e2e: killed');
  const saved = await waitFor('a mid-run checkpoint', async () => {
    const c = await latestCheckpoint(id);
    return c && c.step >= 16 ? c : undefined;
  }, 180_000, [first]);
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 137);
  assert.equal((await row(id)).status, 'running', 'the killed worker left its row running');
  assert.ok(saved.step < 96, 'killed before the end of training');

  const reference = await submit('resume e2e: uninterrupted');
  const second = startWorker('resume-b');
  const [resumed, uninterrupted] = [await finished(id, [second]), await finished(reference, [second])];
  const step = resumedStep(second, id);
  assert.ok(step !== undefined && step > 0, `the second worker resumed from a checkpoint (log:\n${second.output().slice(-3000)})`);
  assert.ok(step >= saved.step, 'from the checkpoint seen before the kill, or a later one');
  assert.equal(resumedStep(second, reference), undefined, 'the reference ran from scratch');
  assert.equal(resumed.attempts, 2);
  assert.equal(resumed.workerId, 'resume-b');
  // Same backend, same seed: exactly equal (the wasm kernels are deterministic).
  assert.equal(resumed.testNll, uninterrupted.testNll);
  assert.equal(resumed.bestValNll, uninterrupted.bestValNll);
  assert.equal(resumed.bestEpoch, uninterrupted.bestEpoch);
  const [a, b] = [await curve(id), await curve(reference)];
  assert.equal(a.length, 3, 'one point per epoch, none duplicated');
  assert.deepEqual(a, b);
  assert.equal(await stop(second), 0);
});

test('SIGTERM mid-run: the worker checkpoints, returns the job to the queue and exits 0; the next worker resumes it', async () => {
  // No step cadence: the only mid-epoch checkpoint is the one the stop writes.
  // Also the one test of training in the process's own thread (SLMLAB_SANDBOX=none).
  const first = startWorker('resume-c', { SLMLAB_CHECKPOINT_EVERY_STEPS: '0', SLMLAB_CHECKPOINT_EVERY_SECONDS: '0', SLMLAB_SANDBOX: 'none' });
  const id = await submit('resume e2e: sigterm');
  await waitFor('training under way', async () => {
    const job = await app.queue.getJob(id);
    const p = job?.progress as { step?: number } | undefined;
    return p?.step && p.step >= 5 ? true : undefined;
  }, 180_000, [first]);
  const t0 = Date.now();
  assert.equal(await stop(first, 'SIGTERM'), 0, first.output().slice(-3000));
  assert.ok(Date.now() - t0 < 20_000, `stopped in ${Date.now() - t0} ms`);
  const r = await row(id);
  assert.equal(r.status, 'queued');
  assert.match(r.error ?? '', /resumes from its latest checkpoint/);
  assert.equal(await (await app.queue.getJob(id))?.getState(), 'waiting');
  const ckpt = await latestCheckpoint(id);
  assert.ok(ckpt && ckpt.step >= 5, `a stop checkpoint exists (${JSON.stringify(ckpt)})`);

  const second = startWorker('resume-d');
  const done = await finished(id, [second]);
  assert.equal(resumedStep(second, id), ckpt.step);
  assert.ok(done.testNll !== null && Number.isFinite(done.testNll));
  assert.equal((await curve(id)).length, 3);
  assert.equal(await stop(second), 0);
});

test('Ctrl-C (SIGINT to the whole process group) with jobs in child processes: the child outlives the signal long enough to checkpoint', async () => {
  // SLMLAB_SANDBOX=process, as for native and GPU backends; the group signal reaches the training child too.
  const env = { SLMLAB_SANDBOX: 'process', SLMLAB_CHECKPOINT_EVERY_STEPS: '0', SLMLAB_CHECKPOINT_EVERY_SECONDS: '0' };
  const first = startWorker('resume-e', env, { ownGroup: true });
  // One long epoch (128 steps): the signal lands inside it, so an epoch-end checkpoint cannot pass for the stop's.
  const id = await submit('resume e2e: ctrl-c, child process', { ...SPEC, training: { ...SPEC.training, epochs: 1, windowsPerEpoch: 8192 } });
  await waitFor('training under way', async () => {
    const p = (await app.queue.getJob(id))?.progress as { step?: number } | undefined;
    return p?.step && p.step >= 5 ? true : undefined;
  }, 180_000, [first]);
  process.kill(-first.child.pid!, 'SIGINT');
  assert.equal(await first.exited, 0, first.output().slice(-3000));
  const r = await row(id);
  assert.equal(r.status, 'queued', `${r.status}: ${r.error}`);
  const ckpt = await latestCheckpoint(id);
  assert.ok(ckpt && ckpt.step >= 5 && ckpt.epoch === 0, `the stop checkpoint, mid-epoch (${JSON.stringify(ckpt)})`);

  const second = startWorker('resume-f', { SLMLAB_SANDBOX: 'process' });
  const done = await finished(id, [second]);
  assert.equal(resumedStep(second, id), ckpt.step);
  assert.equal((await curve(id)).length, 1);
  assert.equal(await stop(second), 0);
});

test('a training step longer than the queue lock does not let the lock lapse (training runs in a thread)', async () => {
  // Lock 1 s, renewed every 0.5 s by the worker's event loop; each step here takes seconds of CPU.
  const w = startWorker('resume-lock', { WORKER_LOCK_MS: '1000', SLMLAB_SANDBOX: 'thread' });
  const res = await app.inject({
    method: 'POST',
    url: '/v1/experiments?force=true',
    payload: {
      name: 'resume e2e: long steps',
      dataset: 'tinyshakespeare',
      model: { kind: 'transformer', layers: 3, heads: 4, dModel: 128, contextLength: 128 },
      training: { epochs: 1, windowsPerEpoch: 256, batchSize: 128, evalWindows: 128 },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  const id = res.json().id as string;
  created.push(id);
  const stalled: string[] = [];
  const events = new QueueEvents(EXPERIMENT_QUEUE, { connection: redisOptions(process.env.REDIS_URL!), prefix: app.queue.opts.prefix! });
  events.on('stalled', ({ jobId }) => void stalled.push(jobId));
  await events.waitUntilReady();
  try {
    const done = await finished(id, [w]);
    assert.equal(done.attempts, 1);
    const job = await waitFor('the job to complete in the queue', async () => {
      const j = await app.queue.getJob(id);
      return (await j?.getState()) === 'completed' ? j : undefined;
    }, 30_000, [w]);
    assert.deepEqual(stalled, [], 'no stalled event');
    assert.equal(job.stalledCounter, 0, `the lock never lapsed:\n${w.output().slice(-3000)}`);
  } finally {
    await events.close();
  }
  assert.equal(await stop(w), 0);
});
