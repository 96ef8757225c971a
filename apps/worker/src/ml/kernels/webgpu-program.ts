// slmlab's own kernels on tfjs-backend-webgpu, through its program interface (what its UnaryOpProgram and
// GatherProgram are): a flat layout, one thread per output element, WGSL in getUserCode, uniforms beside the
// ones tfjs adds (size, shapes). tfjs reshapes the dispatch itself when it exceeds one dimension's limit.
import { tf } from '../tf.ts';

export interface FlatProgram {
  /** Names of the inputs, in order: WGSL reads input `x` with getX(...) / getXByOutputIndex(index). */
  variableNames: string[];
  outputShape: number[];
  /** `main(index : i32)`; guard with `index < uniforms.size`. */
  wgsl: string;
  /** e.g. 'key : u32, scale : f32,' with their values, in order. */
  uniforms?: { declare: string; values: { type: 'int32' | 'uint32' | 'float32'; data: number[] }[] };
  /** Distinct per program: tfjs caches compiled pipelines by it (with the inputs' ranks and types). */
  shaderKey: string;
}

interface WebgpuBackendLike {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: { type: string; data: number[] }[]): tf.TensorInfo;
}

const WORKGROUP = 64;

/** Registers `kernelName` on webgpu (once): `build` turns a call's inputs and attributes into a program and its inputs. */
export function registerWebgpuProgram<A>(kernelName: string, build: (inputs: Record<string, tf.TensorInfo>, attrs: A) => { program: FlatProgram; inputs: tf.TensorInfo[] }): void {
  if (tf.getKernel(kernelName, 'webgpu')) return;
  tf.registerKernel({
    kernelName,
    backendName: 'webgpu',
    kernelFunc: (({ inputs, backend, attrs }: { inputs: Record<string, tf.TensorInfo>; backend: WebgpuBackendLike; attrs: A }) => {
      const { program: p, inputs: ordered } = build(inputs, attrs);
      const size = p.outputShape.reduce((a, b) => a * b, 1);
      const program = {
        variableNames: p.variableNames,
        outputShape: p.outputShape,
        size: true,
        workgroupSize: [WORKGROUP, 1, 1],
        dispatchLayout: { x: p.outputShape.map((_, i) => i) },
        dispatch: [Math.ceil(size / WORKGROUP), 1, 1],
        ...(p.uniforms ? { uniforms: p.uniforms.declare } : {}),
        shaderKey: p.shaderKey,
        getUserCode: () => p.wgsl,
      };
      return backend.runWebGPUProgram(program, ordered, 'float32', p.uniforms?.values);
    }) as unknown as tf.KernelFunc,
  });
}
