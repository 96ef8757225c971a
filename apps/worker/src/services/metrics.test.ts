// The worker's metrics as a run reports to them: outcomes counted once each, failures by error class (never the
// message, which would make a series per run), gauges back to 0 when the last run ends, and the snapshot the API
// reads (prom-client JSON) carrying the worker's labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerMetrics } from './metrics.ts';

class DatasetMissingError extends Error {}

test('outcomes, failure reasons by class, gauges reset when idle, labels in the snapshot', async () => {
  const m = workerMetrics({ worker: 'w-test', backend: 'wasm' });
  m.started();
  m.started();
  m.progress(12_000, 3.5);
  m.ended({ kind: 'succeeded' }, 42);
  let text = await m.registry.metrics();
  assert.match(text, /^slmlab_worker_jobs_running\{worker="w-test",backend="wasm"\} 1$/m);
  assert.match(text, /^slmlab_worker_training_tokens_per_second\{worker="w-test",backend="wasm"\} 12000$/m, 'one run still trains');
  m.ended({ kind: 'failed', error: new DatasetMissingError('no file /data/run-7f3a/input.txt'), retryable: false }, 3);
  m.databaseError();
  text = await m.registry.metrics();
  assert.match(text, /^slmlab_worker_jobs_started_total\{worker="w-test",backend="wasm"\} 2$/m);
  assert.match(text, /^slmlab_worker_jobs_finished_total\{outcome="succeeded",worker="w-test",backend="wasm"\} 1$/m);
  assert.match(text, /^slmlab_worker_jobs_finished_total\{outcome="failed",worker="w-test",backend="wasm"\} 1$/m);
  assert.match(text, /^slmlab_worker_jobs_failed_total\{reason="DatasetMissingError",retried="false",worker="w-test",backend="wasm"\} 1$/m);
  assert.doesNotMatch(text, /run-7f3a/);
  assert.match(text, /^slmlab_worker_experiment_duration_seconds_count\{worker="w-test",backend="wasm",outcome="succeeded"\} 1$/m);
  assert.match(text, /^slmlab_worker_experiment_duration_seconds_bucket\{le="60",worker="w-test",backend="wasm",outcome="succeeded"\} 1$/m);
  assert.match(text, /^slmlab_worker_experiment_duration_seconds_bucket\{le="10",worker="w-test",backend="wasm",outcome="succeeded"\} 0$/m);
  assert.match(text, /^slmlab_worker_jobs_running\{worker="w-test",backend="wasm"\} 0$/m);
  assert.match(text, /^slmlab_worker_training_tokens_per_second\{worker="w-test",backend="wasm"\} 0$/m);
  assert.match(text, /^slmlab_worker_training_gflops\{worker="w-test",backend="wasm"\} 0$/m);
  assert.match(text, /^slmlab_worker_database_errors_total\{worker="w-test",backend="wasm"\} 1$/m);
  const snapshot = JSON.parse(await m.snapshot()) as { name: string; values: { labels: Record<string, string> }[] }[];
  const started = snapshot.find((s) => s.name === 'slmlab_worker_jobs_started_total')!;
  assert.deepEqual(started.values[0]!.labels, { worker: 'w-test', backend: 'wasm' });
});
