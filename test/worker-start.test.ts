// What a worker says and does at start, before it takes any job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProcess, stop, waitFor } from './helpers/stack.ts';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';

test('a worker that must have a GPU refuses to start without one, saying why', async () => {
  const worker = startProcess('worker', 'apps/worker/src/main.ts', { SLMLAB_REQUIRE_GPU: 'true', LOG_LEVEL: 'info' });
  const code = await worker.exited;
  assert.equal(code, 1);
  assert.match(worker.output(), /SLMLAB_REQUIRE_GPU=true but the backend runs on cpu/);
});

test('a worker reports its backend, device, threads and measured matmul peak', async () => {
  const worker = startProcess('worker', 'apps/worker/src/main.ts', { LOG_LEVEL: 'info', SLMLAB_QUEUE_PREFIX: `start-${process.pid}` });
  try {
    const line = await waitFor('the backend report', async () => worker.output().split('\n').find((l) => l.includes('tfjs backend ready')), 60_000, [worker]);
    const report = JSON.parse(line);
    assert.ok(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'].includes(report.backend));
    assert.ok(report.threads >= 1);
    assert.ok(report.peakGflops > 0);
  } finally {
    assert.equal(await stop(worker), 0);
  }
});

test('with only a software WebGPU adapter (SwiftShader), auto passes webgpu over, says why, and ends on wasm', async () => {
  assert.ok(process.env.VK_ICD_FILENAMES, 'scripts/test.sh points Dawn at SwiftShader');
  const worker = startProcess('worker', 'apps/worker/src/main.ts', { LOG_LEVEL: 'info', SLMLAB_BACKEND: 'auto', SLMLAB_QUEUE_PREFIX: `start-sw-${process.pid}` });
  try {
    const line = await waitFor('the backend report', async () => worker.output().split('\n').find((l) => l.includes('tfjs backend ready')), 60_000, [worker]);
    const report = JSON.parse(line);
    assert.equal(report.backend, 'wasm');
    assert.equal(report.sandbox, 'thread');
    assert.match(report.skipped.join('\n'), /^webgpu: the only WebGPU adapter is a software one \(cpu \(webgpu on a software adapter: google swiftshader/m);
    assert.match(report.skipped.join('\n'), /^tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/m);
  } finally {
    assert.equal(await stop(worker), 0);
  }
});

test('SLMLAB_REQUIRE_GPU refuses a forced webgpu backend on a software adapter', async () => {
  const worker = startProcess('worker', 'apps/worker/src/main.ts', { SLMLAB_BACKEND: 'webgpu', SLMLAB_REQUIRE_GPU: 'true', LOG_LEVEL: 'info' });
  assert.equal(await worker.exited, 1);
  assert.match(worker.output(), /SLMLAB_REQUIRE_GPU=true but the backend runs on cpu \(webgpu on a software adapter: google swiftshader/);
});

test('a worker with an invalid setting exits at once, naming the variable', async () => {
  const worker = startProcess('worker', 'apps/worker/src/main.ts', { WORKER_CONCURRENCY: 'lots' });
  assert.equal(await worker.exited, 1);
  assert.match(worker.output(), /WORKER_CONCURRENCY: must be integer \(got "lots"\)/);
});

test('SIGTERM during start-up (backend set-up, peak measurement) stops the worker cleanly, and it takes no job', async () => {
  const app = await testApp('start-early');
  try {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/experiments?force=true',
      payload: { name: 'start-up sigterm test', dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const id: string = res.json().id;
    const worker = startProcess('worker', 'apps/worker/src/main.ts', { LOG_LEVEL: 'info', SLMLAB_QUEUE_PREFIX: app.queue.opts.prefix! });
    await waitFor('the worker to start', async () => (worker.output().includes('worker starting') ? true : undefined), 60_000, [worker]);
    assert.ok(!worker.output().includes('waiting for jobs'), 'still starting when the signal comes');
    assert.equal(await stop(worker), 0, worker.output());
    assert.equal(await (await app.queue.getJob(id))?.getState(), 'waiting', 'the queued job was not taken');
    const row = await app.db.experiment.findUniqueOrThrow({ where: { id } });
    assert.deepEqual([row.status, row.attempts], ['queued', 0]);
  } finally {
    await app.db.experiment.deleteMany({ where: { name: 'start-up sigterm test' } });
    await closeTestApp(app);
  }
});
