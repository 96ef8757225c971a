// Causal scaled dot-product attention as one fused op on tfjs-backend-wasm: per head, scores = Q·Kᵀ (only
// the causal tiles), softmax + dropout in one row pass, then W·V (only the terms below the diagonal); the
// backward pass likewise, one head at a time so its [T, T] matrices stay in cache. Same maths as the tfjs
// formulation in layers.ts (scale, additive −1e9 mask, softmax, inverted dropout, matMul), to float32
// rounding; causal-attention.test.ts checks values and gradients against it.
// The kernels are registered through tfjs's public registry under slmlab's own names and reached through
// tf.engine().runKernel inside a tf.customGrad.
import { tf } from '../tf.ts';
import { Causal, gemmOn, gemmFits } from './simd-gemm.ts';
import { softmaxOn } from './simd-softmax.ts';
import { heapAddress as address, wasmMemory, type WasmBackendLike } from './override.ts';

const FORWARD = 'SlmlabCausalAttention';
const BACKWARD = 'SlmlabCausalAttentionGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };


function shapes(q: tf.TensorInfo) {
  const [T, hd] = q.shape.slice(-2) as [number, number];
  return { T, hd, heads: q.shape.slice(0, -2).reduce((a, b) => a * b, 1), headBytes: T * hd * 4, squareBytes: T * T * 4 };
}

function forwardKernel({ inputs, backend, attrs }: KernelArgs) {
  const be = backend as WasmBackendLike;
  const { q, k, v, mask } = inputs as Record<string, tf.TensorInfo>;
  const scale = (attrs as { scale: number }).scale;
  const { T, hd, heads, headBytes, squareBytes } = shapes(q!);
  const out = be.makeOutput(q!.shape, 'float32');
  const probs = be.makeOutput([...q!.shape.slice(0, -1), T], 'float32');
  const scratch = be.makeOutput([2 * T * T + hd * T], 'float32'); // scores, dropped weights, Kᵀ of one head
  try {
    const memory = wasmMemory(backend);
    const [gemm, simd] = [gemmOn(memory), softmaxOn(memory)];
    const [q0, k0, v0, o0, p0, m0, s] = [q!, k!, v!, out, probs, mask ?? out, scratch].map((t) => address(be, t)) as number[];
    const [w, kT] = [s! + squareBytes, s! + 2 * squareBytes];
    for (let i = 0; i < heads; i++) {
      const [P, W] = [p0! + i * squareBytes, mask ? w : p0! + i * squareBytes];
      simd.transpose(k0! + i * headBytes, T, hd, kT); // Kᵀ row-major, the product's B
      gemm({ ptr: q0! + i * headBytes, rowStride: hd }, { ptr: kT, rowStride: T }, { ptr: s!, rowStride: T }, T, hd, T, Causal.colsUpToRow);
      simd.softmaxRows(s!, P, W, mask ? m0! + i * squareBytes : 0, T, scale);
      gemm({ ptr: W, rowStride: T }, { ptr: v0! + i * headBytes, rowStride: hd }, { ptr: o0! + i * headBytes, rowStride: hd }, T, T, hd, Causal.kUpToRow);
    }
  } finally {
    be.disposeData(scratch.dataId);
  }
  return [out, probs];
}

function backwardKernel({ inputs, backend, attrs }: KernelArgs) {
  const be = backend as WasmBackendLike;
  const { dy, q, k, v, probs, mask } = inputs as Record<string, tf.TensorInfo>;
  const scale = (attrs as { scale: number }).scale;
  const { T, hd, heads, headBytes, squareBytes } = shapes(q!);
  const [dq, dk, dv] = [0, 1, 2].map(() => be.makeOutput(q!.shape, 'float32'));
  const scratch = be.makeOutput([2 * T * T + hd * T], 'float32'); // dropped weights, dW → dScores, Vᵀ of one head
  try {
    const memory = wasmMemory(backend);
    const [gemm, simd] = [gemmOn(memory), softmaxOn(memory)];
    const [dy0, q0, k0, v0, p0, m0, dq0, dk0, dv0, w] = [dy!, q!, k!, v!, probs!, mask ?? probs!, dq!, dk!, dv!, scratch].map((t) => address(be, t)) as number[];
    const [ds, vT] = [w! + squareBytes, w! + 2 * squareBytes];
    for (let i = 0; i < heads; i++) {
      const [P, M, dO] = [p0! + i * squareBytes, mask ? m0! + i * squareBytes : 0, dy0! + i * headBytes];
      if (M) simd.mulInto(P, M, w!, squareBytes);
      const W = M ? w! : P;
      // dV = Wᵀ·dO (Wᵀ upper-triangular)
      gemm({ ptr: W, rowStride: 1, colStride: T }, { ptr: dO, rowStride: hd }, { ptr: dv0! + i * headBytes, rowStride: hd }, T, T, hd, Causal.kFromRow);
      // dW = dO·Vᵀ, then back through dropout, softmax and the scale
      simd.transpose(v0! + i * headBytes, T, hd, vT);
      gemm({ ptr: dO, rowStride: hd }, { ptr: vT, rowStride: T }, { ptr: ds, rowStride: T }, T, hd, T, Causal.colsUpToRow);
      simd.softmaxGradRows(P, ds, M, T, scale);
      // dQ = dS·K (dS lower-triangular); dK = dSᵀ·Q
      gemm({ ptr: ds, rowStride: T }, { ptr: k0! + i * headBytes, rowStride: hd }, { ptr: dq0! + i * headBytes, rowStride: hd }, T, T, hd, Causal.kUpToRow);
      gemm({ ptr: ds, rowStride: 1, colStride: T }, { ptr: q0! + i * headBytes, rowStride: hd }, { ptr: dk0! + i * headBytes, rowStride: hd }, T, T, hd, Causal.kFromRow);
    }
  } finally {
    be.disposeData(scratch.dataId);
  }
  return [dq!, dk!, dv!];
}

for (const [kernelName, kernelFunc] of [[FORWARD, forwardKernel], [BACKWARD, backwardKernel]] as const) {
  if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/** Whether the fused op can run these shapes on the current backend (the SIMD product's tile sizes). */
export function fusedAttentionFits(T: number, hd: number): boolean {
  return tf.getBackend() === 'wasm' && gemmFits(T, T) && gemmFits(T, hd);
}

const run = (name: string, inputs: Record<string, tf.Tensor | undefined>, scale: number) =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, { scale }) as unknown as tf.Tensor[];

/**
 * softmax(scale·Q·Kᵀ + causal mask) (⊙ dropoutMask) · V on [B, H, T, hd] inputs. `dropoutMask` is the
 * inverted-dropout mask of the weights, [B, H, T, T], already scaled by 1 / (1 − rate).
 */
export function fusedCausalAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, scale: number, dropoutMask?: tf.Tensor): tf.Tensor4D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [qq, kk, vv, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
    const maskIn = dropoutMask ? { mask: dropoutMask } : {};
    const [out, probs] = run(FORWARD, { q: qq, k: kk, v: vv, ...maskIn }, scale) as [tf.Tensor, tf.Tensor];
    save(dropoutMask ? [qq, kk, vv, probs, dropoutMask] : [qq, kk, vv, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp, sm] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor?];
        return run(BACKWARD, { dy, q: sq, k: sk, v: sv, probs: sp, ...(sm ? { mask: sm } : {}) }, scale);
      },
    };
  });
  return op(q, k, v) as tf.Tensor4D;
}
