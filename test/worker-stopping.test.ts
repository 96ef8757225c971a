// The job adapter with a real BullMQ worker, Redis and PostgreSQL: a worker that has begun to stop takes no job.
// A job handed to it anyway (its fetch was in flight when the signal came) goes back to the queue untouched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, type Job } from 'bullmq';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { EXPERIMENT_QUEUE, type TrainJobData } from '@slmlab/core';
import { checkpointsRepo, experimentsRepo } from '@slmlab/db';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';
import { SHUTDOWN_REASON, trainExperimentProcessor } from '../apps/worker/src/jobs/train-experiment.ts';
import type { Trainer } from '../apps/worker/src/sandbox/trainer.ts';

let app: FastifyInstance;
before(async () => {
  app = await testApp('test-worker-stopping');
});
after(async () => {
  await app.db.experiment.deleteMany({ where: { name: 'stopping worker test' } });
  await closeTestApp(app);
});

test('a job reaching a stopping worker is handed back: waiting, no attempt spent, its row untouched', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/experiments?force=true',
    payload: { name: 'stopping worker test', dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 } },
  });
  assert.equal(res.statusCode, 201, res.body);
  const id: string = res.json().id;

  const stopping = new AbortController();
  stopping.abort(SHUTDOWN_REASON);
  let trained = 0;
  const trainer: Trainer = async () => {
    trained += 1;
    throw new Error('a stopping worker must not train');
  };
  const processor = trainExperimentProcessor({
    experiments: experimentsRepo(app.db),
    checkpoints: checkpointsRepo(app.db),
    backend: { name: 'cpu', device: 'cpu (test)', gpu: false, threads: 1, skipped: [] },
    peakGflops: 1,
    workerId: 'stopping-test-worker',
    data: { dataDir: '/nonexistent', allowDownload: false },
    trainer,
    checkpointEvery: { steps: 0, seconds: 0 },
    heartbeatTimeoutS: 60,
    stopping: stopping.signal,
    log: pino({ level: 'silent' }),
  });
  const handled: string[] = [];
  const worker = new Worker<TrainJobData>(
    EXPERIMENT_QUEUE,
    async (job: Job<TrainJobData>, token?: string, signal?: AbortSignal) => {
      handled.push(job.id!);
      return processor(job, token, signal);
    },
    { connection: app.queue.opts.connection, prefix: app.queue.opts.prefix, autorun: true },
  );
  try {
    const deadline = Date.now() + 20_000;
    while (!handled.includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(handled.includes(id), 'the worker was handed the job');
    await worker.close(); // waits for the processor: the job is back before we look
  } finally {
    await worker.close();
  }
  const job = await app.queue.getJob(id);
  assert.equal(await job?.getState(), 'waiting');
  assert.equal(job?.attemptsMade, 0);
  const row = await app.db.experiment.findUniqueOrThrow({ where: { id } });
  assert.deepEqual([row.status, row.attempts, row.workerId], ['queued', 0, null]);
  assert.equal(trained, 0);
});
