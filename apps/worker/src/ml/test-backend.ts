// Tests share one backend per process; wasm is what every machine without libtensorflow runs.
import { initBackend, type BackendInfo } from './backend.ts';

let ready: Promise<BackendInfo> | undefined;
export function testBackend(): Promise<BackendInfo> {
  ready ??= initBackend('wasm');
  return ready;
}
