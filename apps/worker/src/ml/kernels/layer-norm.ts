// LayerNorm as one fused op on tfjs-backend-wasm (simd-layernorm.ts), forward and backward: on the study's
// transformer the tfjs formulation costs ~20 small kernels per LayerNorm and step. Registered through tfjs's
// public registry under slmlab's own names and reached through tf.engine().runKernel inside a tf.customGrad;
// layer-norm.test.ts checks values and gradients against the tfjs formulation.
import { tf } from '../tf.ts';
import { layerNormOn } from './simd-layernorm.ts';
import { heapAddress as address, wasmMemory, type WasmBackendLike } from './override.ts';

const FORWARD = 'SlmlabLayerNorm';
const BACKWARD = 'SlmlabLayerNormGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

function rowsAndCols(x: tf.TensorInfo): [number, number] {
  const C = x.shape[x.shape.length - 1]!;
  return [x.shape.reduce((p, d) => p * d, 1) / C, C];
}

function forwardKernel({ inputs, backend }: KernelArgs) {
  const be = backend as WasmBackendLike;
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const [rows, C] = rowsAndCols(x!);
  const [y, xhat, rstd] = [be.makeOutput(x!.shape, 'float32'), be.makeOutput(x!.shape, 'float32'), be.makeOutput([...x!.shape.slice(0, -1), 1], 'float32')];
  const ptr = (t: tf.TensorInfo) => address(be, t);
  layerNormOn(wasmMemory(backend)).forward(ptr(x!), ptr(gamma!), ptr(beta!), ptr(y), ptr(xhat), ptr(rstd), rows, C * 4, 1 / C);
  return [y, xhat, rstd];
}

function backwardKernel({ inputs, backend }: KernelArgs) {
  const be = backend as WasmBackendLike;
  const { dy, gamma, xhat, rstd } = inputs as Record<string, tf.TensorInfo>;
  const [rows, C] = rowsAndCols(dy!);
  const [dx, dgamma, dbeta] = [be.makeOutput(dy!.shape, 'float32'), be.makeOutput([C], 'float32'), be.makeOutput([C], 'float32')];
  const acc = be.makeOutput([4 * C], 'float32'); // dγ and dβ as C float64 each
  try {
    be.typedArrayFromHeap(acc).fill(0);
    const ptr = (t: tf.TensorInfo) => address(be, t);
    layerNormOn(wasmMemory(backend)).backward(ptr(dy!), ptr(gamma!), ptr(xhat!), ptr(rstd!), ptr(dx), ptr(acc), ptr(acc) + 8 * C, rows, C * 4, 1 / C);
    const sums = new Float64Array(be.typedArrayFromHeap(acc).slice().buffer);
    be.typedArrayFromHeap(dgamma).set(sums.subarray(0, C));
    be.typedArrayFromHeap(dbeta).set(sums.subarray(C));
  } finally {
    be.disposeData(acc.dataId);
  }
  return [dx, dgamma, dbeta];
}

for (const [kernelName, kernelFunc] of [[FORWARD, forwardKernel], [BACKWARD, backwardKernel]] as const) {
  if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/** Whether the fused op runs rows of C floats on the current backend (whole SIMD vectors). */
export function fusedLayerNormFits(C: number): boolean {
  return tf.getBackend() === 'wasm' && C % 4 === 0;
}

/** LayerNorm of x over its last axis (ε = 1e-5) with affine γ, β of that axis' size. */
export const fusedLayerNorm = tf.customGrad((...args: unknown[]) => {
  const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
  const [y, xhat, rstd] = tf.engine().runKernel(FORWARD, { x, gamma, beta }) as unknown as tf.Tensor[];
  save([gamma, xhat!, rstd!]);
  return {
    value: y!,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [g, xh, r] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.engine().runKernel(BACKWARD, { dy, gamma: g, xhat: xh, rstd: r }) as unknown as tf.Tensor[];
    },
  };
}) as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
