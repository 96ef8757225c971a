// The embedding gradient on webgpu sums each token's rows in position order: the same sum, bit for bit, as the
// cpu backend's sequential UnsortedSegmentSum — where tfjs's own webgpu kernel adds atomically, in any order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { initBackend } from '../backend.ts';
import { embed, groupByToken, tokenTensor } from './embedding.ts';

test('tokens are grouped by id, each group in position order', () => {
  const { positions, offsets } = groupByToken(Int32Array.from([2, 0, 2, 1, 2, 0]), 4);
  assert.deepEqual([...offsets], [0, 2, 3, 6, 6]);
  assert.deepEqual([...positions], [1, 5, 3, 0, 2, 4]);
});

/** d table of Σ (embed(table, ids) ⊙ weights): many repeats of few tokens, so rows collide in every column. */
async function tableGradient(backend: 'cpu' | 'webgpu', ids: Int32Array, V: number, C: number): Promise<Float32Array> {
  await initBackend(backend);
  const table = tf.tensor2d(Float32Array.from({ length: V * C }, (_, i) => Math.sin(i)), [V, C]);
  const weights = tf.tensor3d(Float32Array.from({ length: ids.length * C }, (_, i) => Math.cos(i * 0.37) * 1e3), [16, ids.length / 16, C]);
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embed(t, tokenTensor(ids, 16, ids.length / 16)), weights)))(table);
  const values = (await grad.data()) as Float32Array;
  tf.dispose([table, weights, grad]);
  return values;
}

test('on webgpu the embedding gradient equals the cpu backend\'s bit for bit, run after run', async () => {
  const V = 7;
  const C = 24;
  const ids = Int32Array.from({ length: 16 * 256 }, (_, i) => (i * i + 3 * i) % V);
  const cpu = await tableGradient('cpu', ids, V, C);
  for (let run = 0; run < 3; run++) {
    const gpu = await tableGradient('webgpu', ids, V, C);
    assert.equal(tf.getBackend(), 'webgpu');
    const differ = cpu.filter((v, i) => v !== gpu[i]).length;
    assert.equal(differ, 0, `run ${run}: ${differ} of ${cpu.length} entries differ from the cpu backend's`);
  }
});
