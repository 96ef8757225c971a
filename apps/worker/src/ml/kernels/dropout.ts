// Inverted dropout from a counter-based hash: element i of a mask drawn with key k is kept iff a 16-bit half of
// mix32(mix32(i >> 1) ^ k) is ≥ ⌈rate · 65536⌉ (two elements per hash). Each element is a pure function of
// (k, i), so every backend draws the same mask: JS fills it on cpu and wasm (the fused attention kernel takes
// it as an input), and a WGSL kernel computes it on the GPU from the key alone — no mask of tens of MB drawn in
// JS and uploaded every step (the study's transformer has ~60 MiB of them a step), and the backward pass
// recomputes it instead of keeping it.
import { tf } from '../tf.ts';
import { registerWebgpuProgram } from './webgpu-program.ts';
import { dropoutOn } from './simd-dropout.ts';
import { heapAddress, wasmMemory, type WasmBackendLike } from './override.ts';

/** A dropout draw: the hash key, P(drop) as a 16-bit threshold, and 1 / (1 − rate). */
export interface DropoutDraw {
  key: number;
  threshold: number;
  scale: number;
}

export function dropoutDraw(key: number, rate: number): DropoutDraw {
  return { key: key >>> 0, threshold: Math.ceil(rate * 65536), scale: 1 / (1 - rate) };
}

/** lowbias32 (Chris Wellons' integer hash): a bijection on u32 with low bias, cheap in JS and WGSL alike. */
function mix32(v: number): number {
  let x = v >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The mask of `draw` for `size` elements: `scale` where kept, 0 where dropped. */
export function dropoutMask(size: number, draw: DropoutDraw): Float32Array {
  const out = new Float32Array(size);
  const { key, threshold, scale } = draw;
  for (let j = 0, i = 0; i < size; j++, i += 2) {
    const h = mix32(mix32(j) ^ key);
    out[i] = (h & 0xffff) >= threshold ? scale : 0;
    if (i + 1 < size) out[i + 1] = h >>> 16 >= threshold ? scale : 0;
  }
  return out;
}

/** Entry i of the mask (dropoutMask(n, draw)[i] for any n > i). */
function maskEntry(i: number, { key, threshold, scale }: DropoutDraw): number {
  const h = mix32(mix32(i >>> 1) ^ key);
  return ((i & 1 ? h >>> 16 : h & 0xffff) >= threshold) ? Math.fround(scale) : 0;
}

const KERNEL = 'SlmlabHashDropout';

const WGSL = `
  fn mix32(v : u32) -> u32 {
    var x = v;
    x = (x ^ (x >> 16u)) * 0x7feb352du;
    x = (x ^ (x >> 15u)) * 0x846ca68bu;
    return x ^ (x >> 16u);
  }
  fn main(index : i32) {
    if (index < uniforms.size) {
      let h = mix32(mix32(u32(index) >> 1u) ^ uniforms.key);
      let half = select(h & 0xffffu, h >> 16u, (index & 1) == 1);
      // x · scale or x · 0, as the JS mask multiplies (so a negative x dropped is −0 here too)
      setOutputAtIndex(index, getAByOutputIndex(index) * select(0.0, uniforms.scale, half >= uniforms.threshold));
    }
  }`;

/** x ⊙ mask(draw) in one pass on the GPU. */
export function registerWebgpuDropout(): void {
  registerWebgpuProgram<DropoutDraw>(KERNEL, (inputs, draw) => ({
    program: {
      variableNames: ['A'],
      outputShape: inputs.x!.shape,
      wgsl: WGSL,
      uniforms: {
        declare: 'key : u32, threshold : u32, scale : f32,',
        values: [{ type: 'uint32', data: [draw.key] }, { type: 'uint32', data: [draw.threshold] }, { type: 'float32', data: [draw.scale] }],
      },
      shaderKey: 'slmlab_hash_dropout',
    },
    inputs: [inputs.x!],
  }));
}

const MASK_KERNEL = 'SlmlabDropoutMask';

/** x ⊙ mask (x given) or the mask itself on wasm: whole groups of 8 in SIMD, the last size % 8 here. */
function wasmDropout(be: WasmBackendLike, out: tf.TensorInfo, x: tf.TensorInfo | undefined, draw: DropoutDraw): tf.TensorInfo {
  const size = out.shape.reduce((a, b) => a * b, 1);
  const groups = Math.floor(size / 8);
  const address = (t: tf.TensorInfo) => heapAddress(be, t);
  dropoutOn(wasmMemory(be))(address(out), x ? address(x) : 0, groups, draw.key, draw.threshold, draw.scale);
  if (size > groups * 8) {
    const [o, xs] = [be.typedArrayFromHeap(out), x && be.typedArrayFromHeap(x)];
    for (let i = groups * 8; i < size; i++) {
      const m = maskEntry(i, draw);
      o[i] = xs ? Math.fround(xs[i]! * m) : m;
    }
  }
  return out;
}

tf.registerKernel({
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }) => {
    const be = backend as WasmBackendLike;
    const x = inputs.x!;
    return wasmDropout(be, be.makeOutput(x.shape, 'float32'), x, attrs as unknown as DropoutDraw);
  }) as unknown as tf.KernelFunc,
});
tf.registerKernel({
  kernelName: MASK_KERNEL,
  backendName: 'wasm',
  kernelFunc: (({ backend, attrs }: { backend: unknown; attrs: tf.NamedAttrMap }) => {
    const be = backend as WasmBackendLike;
    const { shape, ...draw } = attrs as unknown as DropoutDraw & { shape: number[] };
    return wasmDropout(be, be.makeOutput(shape, 'float32'), undefined, draw);
  }) as unknown as tf.KernelFunc,
});

/** The mask of `draw` as a tensor of `shape`: made in the heap on wasm, in JS elsewhere. */
export function dropoutMaskTensor(shape: number[], draw: DropoutDraw): tf.Tensor {
  if (tf.getBackend() === 'wasm') return tf.engine().runKernel(MASK_KERNEL, {}, { ...draw, shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
  return tf.tensor(dropoutMask(shape.reduce((a, b) => a * b, 1), draw), shape, 'float32');
}

const runKernel = (x: tf.Tensor, draw: DropoutDraw) =>
  tf.engine().runKernel(KERNEL, { x }, draw as unknown as tf.NamedAttrMap) as tf.Tensor;

/**
 * x ⊙ mask(draw). On the GPU and on wasm, one kernel each way (the gradient dy ⊙ mask(draw) recomputes the mask
 * from the key); on cpu the JS mask times x, which autodiff differentiates with the mask it keeps.
 */
export function hashDropout(x: tf.Tensor, draw: DropoutDraw): tf.Tensor {
  if (!tf.getKernel(KERNEL, tf.getBackend())) return tf.mul(x, tf.tensor(dropoutMask(x.size, draw), x.shape, 'float32'));
  const op = tf.customGrad((...args: unknown[]) => {
    const [input] = args as [tf.Tensor];
    return { value: runKernel(input, draw), gradFunc: (dy: tf.Tensor) => [runKernel(dy, draw)] };
  });
  return op(x);
}
