// Embedding lookups whose gradient is deterministic on webgpu. The gradient of tf.gather is UnsortedSegmentSum,
// which tfjs-backend-webgpu computes with atomic adds: rows of the same token are summed in whatever order the
// GPU's threads arrive, so two runs of one seed differ in the last bits (seen on SwiftShader). Batches of token
// ids are made on the host (train.ts, evaluate.ts), so we keep their ids, group them by token in JS (a counting
// sort) and sum each token's rows in a fixed order on the GPU. Other backends keep tf.gather's own gradient
// (their UnsortedSegmentSum is a sequential loop: deterministic).
import { tf } from '../tf.ts';
import { registerWebgpuProgram } from './webgpu-program.ts';

const hostIds = new WeakMap<tf.Tensor, Int32Array>();

/** A [B, T] batch of token ids as a tensor that remembers its ids on the host. */
export function tokenTensor(ids: Int32Array, B: number, T: number): tf.Tensor2D {
  const t = tf.tensor2d(ids, [B, T], 'int32');
  hostIds.set(t, ids);
  return t;
}

const KERNEL = 'SlmlabEmbeddingGradCsr';

/** table [V, C] looked up at `tokens` [..]: [.., C]. */
export function embed(table: tf.Tensor, tokens: tf.Tensor): tf.Tensor {
  const ids = hostIds.get(tokens);
  if (!ids || !tf.getKernel(KERNEL, tf.getBackend())) return tf.gather(table, tokens);
  const [V, C] = table.shape as [number, number];
  const op = tf.customGrad((...args: unknown[]) => {
    const [t] = args as [tf.Tensor];
    return {
      value: tf.gather(t, tokens),
      gradFunc: (dy: tf.Tensor) => {
        const { positions, offsets } = groupByToken(ids, V);
        const inputs = { dy: tf.reshape(dy, [ids.length, C]), positions: tf.tensor1d(positions, 'int32'), offsets: tf.tensor1d(offsets, 'int32') };
        return [tf.engine().runKernel(KERNEL, inputs, { V } as unknown as tf.NamedAttrMap) as tf.Tensor];
      },
    };
  });
  return op(table);
}

/** Positions of each token's occurrences, ascending, token after token; offsets[v]..offsets[v+1] are token v's. */
export function groupByToken(ids: Int32Array, V: number): { positions: Int32Array; offsets: Int32Array } {
  const offsets = new Int32Array(V + 1);
  for (const id of ids) offsets[id + 1]!++;
  for (let v = 0; v < V; v++) offsets[v + 1]! += offsets[v]!;
  const next = offsets.slice(0, V);
  const positions = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) positions[next[ids[i]!]!++] = i;
  return { positions, offsets };
}

const WGSL = `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let v = index / uniforms.C;
      let c = index - v * uniforms.C;
      var acc = 0.0;
      for (var k = i32(getOffsets(v)); k < i32(getOffsets(v + 1)); k = k + 1) {
        acc = acc + getDy(i32(getPositions(k)), c);
      }
      setOutputAtIndex(index, acc);
    }
  }`;

/** d table [V, C]: one thread per entry sums its token's rows of dy in position order. */
export function registerWebgpuEmbeddingGrad(): void {
  registerWebgpuProgram<{ V: number }>(KERNEL, (inputs, { V }) => {
    const C = inputs.dy!.shape[1]!;
    return {
      program: {
        variableNames: ['dy', 'positions', 'offsets'],
        outputShape: [V, C],
        wgsl: WGSL,
        uniforms: { declare: 'C : i32,', values: [{ type: 'int32', data: [C] }] },
        shaderKey: 'slmlab_embedding_grad_csr',
      },
      inputs: [inputs.dy!, inputs.positions!, inputs.offsets!],
    };
  });
}
