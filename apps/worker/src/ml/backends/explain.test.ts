// What the worker says when a backend cannot run, and how it tells a GPU adapter from a software one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../backend.ts';
import { CUDA11_LIBRARIES, explainLoadFailure, explainNoGpu, missingLibraries } from './tensorflow.ts';
import { describeAdapter, isSoftwareAdapter, type AdapterFacts } from './webgpu.ts';

test('a tfjs-node-gpu that is not installed is named as such, with where to look', async () => {
  // On the project's machines the optional package is dropped by npm ci (its libtensorflow download fails).
  await assert.rejects(initBackend('tensorflow-gpu'), (e: Error) => {
    assert.match(e.message, /tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed \(an optional dependency: its install script downloads libtensorflow.*docs\/gpu\.md/);
    return true;
  });
});

test('a missing binding, libtensorflow or system library each get their own explanation', () => {
  const pkg = '@tensorflow/tfjs-node-gpu';
  const binding = Object.assign(new Error(`Cannot find module '/app/node_modules/${pkg}/lib/napi-v8/tfjs_binding.node'`), { code: 'MODULE_NOT_FOUND' });
  assert.match(explainLoadFailure(pkg, binding), /installed without its native binding/);
  const libtf = new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');
  assert.match(explainLoadFailure(pkg, libtf), /cannot open libtensorflow\.so\.2 \(libtensorflow is missing from the package/);
  const system = new Error('libcuda.so.1: cannot open shared object file: No such file or directory');
  assert.match(explainLoadFailure(pkg, system), /cannot open libcuda\.so\.1 \(a system library is missing/);
  assert.match(explainLoadFailure(pkg, new Error('something else\nstack')), /failed to load: something else$/);
});

test('running on the CPU is explained by the CUDA 11 libraries the loader cannot find', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cuda-'));
  writeFileSync(path.join(dir, 'libcudart.so.11.0'), '');
  const missing = missingLibraries(CUDA11_LIBRARIES, { LD_LIBRARY_PATH: `/nonexistent:${dir}` });
  assert.ok(!missing.includes('libcudart.so.11.0'), 'found on LD_LIBRARY_PATH');
  assert.ok(missing.includes('libcudnn.so.8'), 'cuDNN 8 is on no machine of the project');
  assert.deepEqual(missingLibraries(['libc.so.6'], {}), [], 'found through the ldconfig cache');
  assert.match(explainNoGpu(['libcudart.so.11.0', 'libcudnn.so.8']), /runs on the CPU: .* cannot find libcudart\.so\.11\.0, libcudnn\.so\.8 \(a CUDA 12\/13 install/);
  assert.match(explainNoGpu([]), /no visible NVIDIA GPU or driver/);
});

const adapter = (a: Partial<AdapterFacts>): AdapterFacts => ({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false, ...a });

test('software adapters are never taken for a GPU; real ones are described by vendor, architecture and name', () => {
  const swiftshader = adapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true });
  assert.ok(isSoftwareAdapter(swiftshader));
  assert.ok(isSoftwareAdapter({ ...swiftshader, isFallbackAdapter: false }), 'by name even if not flagged');
  assert.ok(isSoftwareAdapter(adapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' })));
  const h200 = adapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 560.35.03' });
  assert.ok(!isSoftwareAdapter(h200));
  assert.equal(describeAdapter(h200), 'gpu (webgpu: nvidia hopper; NVIDIA H200, NVIDIA: 560.35.03)');
  assert.equal(describeAdapter(swiftshader), 'cpu (webgpu on a software adapter: google swiftshader; swiftshader-device-subzero-, SwiftShader driver 5.0.0)');
});
