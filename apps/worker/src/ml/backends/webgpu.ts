// The webgpu backend: @tensorflow/tfjs-backend-webgpu over Dawn's Node bindings (npm `webgpu`, a prebuilt
// dawn.node; Vulkan on Linux). Upstream tfjs does not support WebGPU in Node officially, so we wire it up
// ourselves: Dawn's globals (GPUBufferUsage, …) on globalThis, the backend module imported *before*
// navigator.gpu exists (so it does not register its own factory, which would ask Dawn for an adapter of its
// choosing), then a factory of ours on the adapter we inspected and accepted.
import { tf } from '../tf.ts';
import { registerWebgpuDropout } from '../kernels/dropout.ts';
import { registerWebgpuEmbeddingGrad } from '../kernels/embedding.ts';

/** tfjs-backend-webgpu's MatMulProgramType.MatMulPackedProgram (webgpu_util.ts; the enum is not exported). */
const MATMUL_PACKED = 3;

/** What Dawn says about its adapter (GPUAdapterInfo), as recorded with every result. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn marks CPU implementations of Vulkan (SwiftShader) as fallback adapters. */
  isFallbackAdapter: boolean;
}

/** CPU implementations of Vulkan/WebGPU: never taken for a GPU. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

export function isSoftwareAdapter(a: AdapterFacts): boolean {
  return a.isFallbackAdapter || SOFTWARE.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`);
}

/** The adapter in words, for `device` on every result, e.g. `gpu (webgpu: nvidia hopper, NVIDIA H200 …)`. */
export function describeAdapter(a: AdapterFacts): string {
  const kind = isSoftwareAdapter(a) ? 'cpu (webgpu on a software adapter' : 'gpu (webgpu';
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown vendor';
  const detail = [a.device, a.description].filter(Boolean).join(', ');
  return `${kind}: ${name}${detail ? `; ${detail}` : ''})`;
}

export interface WebgpuOptions {
  /** Take a software adapter too (SLMLAB_BACKEND=webgpu forces it; `auto` wants a real GPU). */
  allowSoftware: boolean;
  /** Dawn's `adapter=` flag: the first adapter whose device name contains this (a box with several GPUs). */
  adapterName?: string;
}

export interface WebgpuBackend {
  adapter: AdapterFacts;
  gpu: boolean;
}

// The few parts of the WebGPU API used here (the full types, @webgpu/types, come only with the optional package).
interface GpuAdapter {
  info: Record<string, unknown>;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor: object): Promise<unknown>;
}
interface GpuApi {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapter | null>;
}

let loaded: Promise<WebgpuBackend> | undefined;

/** Makes `webgpu` the tfjs backend; Dawn is loaded and its adapter inspected once per thread. */
export async function loadWebgpu(opts: WebgpuOptions): Promise<WebgpuBackend> {
  loaded ??= load(opts).catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  const backend = await loaded;
  if (isSoftwareAdapter(backend.adapter) && !opts.allowSoftware) throw softwareRefused(backend.adapter);
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to initialise');
  await tf.ready();
  return backend;
}

function softwareRefused(a: AdapterFacts): Error {
  return new Error(`the only WebGPU adapter is a software one (${describeAdapter(a)}); set SLMLAB_BACKEND=webgpu to use it anyway`);
}

async function load(opts: WebgpuOptions): Promise<WebgpuBackend> {
  const gpuApi = await importDawn(opts);
  const adapter = await gpuApi.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (no Vulkan driver: on NVIDIA, libvulkan1 and the driver\'s Vulkan ICD; in containers NVIDIA_DRIVER_CAPABILITIES must include graphics)');
  const facts = adapterFacts(adapter);
  // Refused before a device exists: a worker under `auto` must not hold one on a software adapter.
  if (isSoftwareAdapter(facts) && !opts.allowSoftware) throw softwareRefused(facts);
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  exposeNavigatorGpu(gpuApi);
  const device = await adapter.requestDevice(deviceDescriptor(adapter));
  tf.registerBackend('webgpu', () => new WebGPUBackend(device as never, adapter.info as never), 3);
  registerWebgpuDropout();
  registerWebgpuEmbeddingGrad();
  // tfjs picks a split-K product (atomic adds: the sum's order varies run to run) for small outputs with a long
  // inner dimension, e.g. a narrow layer's weight gradient; the tiled product is deterministic at every shape.
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', MATMUL_PACKED);
  return { adapter: facts, gpu: !isSoftwareAdapter(facts) };
}

async function importDawn(opts: WebgpuOptions): Promise<GpuApi> {
  let dawn: { create(flags: string[]): GpuApi; globals: Record<string, unknown> };
  try {
    dawn = (await import(/* optional */ 'webgpu' as string)) as typeof dawn;
  } catch (err) {
    throw new Error(`Dawn's Node bindings (npm \`webgpu\`) could not load: ${(err as Error).message.split('\n')[0]}`);
  }
  Object.assign(globalThis, dawn.globals);
  return dawn.create(opts.adapterName ? [`adapter=${opts.adapterName}`] : []);
}

function adapterFacts(adapter: GpuAdapter): AdapterFacts {
  const text = (k: string) => String(adapter.info[k] ?? '');
  const fallback = adapter.info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return { vendor: text('vendor'), architecture: text('architecture'), device: text('device'), description: text('description'), isFallbackAdapter: Boolean(fallback) };
}

/** The limits tfjs's own factory asks for: the adapter's maximum, not WebGPU's small defaults. */
function deviceDescriptor(adapter: GpuAdapter) {
  const l = adapter.limits;
  const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
  return {
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  };
}

/** WebGPUBackend's constructor checks navigator.gpu. Node ≥ 21 has a `navigator` of its own: extend it. */
function exposeNavigatorGpu(gpuApi: GpuApi) {
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpuApi, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpuApi }, configurable: true, writable: true });
}
