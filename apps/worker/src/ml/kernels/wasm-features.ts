// Relaxed SIMD's f32x4.relaxed_madd is a fused multiply-add wherever the CPU has one (V8 emits vfmadd on x64
// with FMA3): the one instruction that doubles a SIMD128 product's arithmetic rate. V8 ships it on by default
// from 11.4 (Node 22+); Node 20's V8 has it behind --experimental-wasm-relaxed-simd, a process-wide flag that
// takes effect at run time for modules compiled afterwards, worker threads included (measured on Node 20.20).
// Kernels ask `fusedMultiplyAdd()` when they generate code; tests and benchmarks switch it off to compare.
import v8 from 'node:v8';
import { encodeModule, op, I32 } from './wasm-asm.ts';

/** v = relaxed_madd(v, v, v) on a zero vector: valid only where relaxed SIMD is enabled. */
const PROBE = encodeModule([{ name: 'probe', params: [I32], locals: [], body: [...op.zeroV128, ...op.zeroV128, ...op.zeroV128, ...op.f32x4RelaxedMadd, ...op.drop] }]);

interface WasmValidate {
  validate(bytes: Uint8Array): boolean;
}
const validate = (bytes: Uint8Array) => (globalThis as unknown as { WebAssembly: WasmValidate }).WebAssembly.validate(bytes);

let available: boolean | undefined;
let wanted = true;

/** Whether wasm relaxed SIMD can be compiled here, turning on Node 20's flag the first time if needed. */
export function relaxedSimdAvailable(): boolean {
  if (available === undefined) {
    available = validate(PROBE);
    if (!available) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      available = validate(PROBE);
    }
  }
  return available;
}

/** On by default; off makes every kernel compiled afterwards use separate multiply and add (as before). */
export function useRelaxedSimd(on: boolean): void {
  wanted = on;
}

/** Whether kernels generated now use the fused multiply-add. */
export function fusedMultiplyAdd(): boolean {
  return wanted && relaxedSimdAvailable();
}
