// bench:train's webgpu variant: left out on a software adapter (scripts/test.sh points Dawn at SwiftShader)
// with the backend put back as it was, measured when forced, and its queued peak is a real number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../ml/tf.ts';
import { initBackend } from '../ml/backend.ts';
import { measurePeakGflops } from '../ml/peak.ts';
import { startWebgpu, webgpuMode } from './webgpu-variant.ts';

test('BENCH_WEBGPU takes auto, force or off', () => {
  assert.equal(webgpuMode(undefined), 'auto');
  assert.equal(webgpuMode('force'), 'force');
  assert.throws(() => webgpuMode('yes'), /auto, force or off/);
});

test('a software adapter is skipped under auto and measured when forced', async () => {
  await initBackend('wasm');
  assert.deepEqual(await startWebgpu('off'), { skipped: 'BENCH_WEBGPU=off' });
  const auto = await startWebgpu('auto');
  assert.ok('skipped' in auto && /software adapter/.test(auto.skipped), JSON.stringify(auto));
  assert.equal(tf.getBackend(), 'wasm', 'the wasm backend is put back for whatever runs next');
  const forced = await startWebgpu('force');
  assert.ok('device' in forced && /software adapter/.test(forced.device), JSON.stringify(forced));
  assert.equal(tf.getBackend(), 'webgpu');
  const peak = await measurePeakGflops({ n: 64, trials: 1, msPerTrial: 20 });
  assert.ok(peak > 0 && Number.isFinite(peak), `peak ${peak}`);
  await tf.setBackend('wasm');
});
