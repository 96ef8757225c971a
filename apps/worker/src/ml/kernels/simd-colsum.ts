// Column sums of a row-major [rows, cols] float32 matrix into float64, in WebAssembly SIMD on tfjs-backend-wasm's
// memory: the reduction over leading axes behind every bias and LayerNorm-parameter gradient (fast-sum.ts).
// Each pair of floats is widened to float64 before adding, so sums over 10⁴–10⁶ rows keep float64 precision.
import { encodeModule, forLoop, increment, op, I32, type Code, compileModule, perMemory, type WasmMemory } from './wasm-asm.ts';

const { get, set, i32 } = op;

/** colSums(x, rows, colBytes, acc): acc[c] (float64, zeroed by the caller) += Σ_r x[r, c]; cols even. */
function colSums(): Code {
  const [X, ROWS, COLBYTES, ACC, R, C, ROW] = [0, 1, 2, 3, 4, 5, 6];
  // per pair of columns: acc[c/2 pair] (16 bytes at ACC + 2c) += widen(x[r, c..c+1]) (8 bytes at ROW + c)
  const pair = [
    ...get(ACC), ...get(C), ...i32(1), ...op.shl, ...op.add,
    ...get(ACC), ...get(C), ...i32(1), ...op.shl, ...op.add, ...op.v128Load(),
    ...get(ROW), ...get(C), ...op.add, ...op.v128Load64Zero(), ...op.f64x2PromoteLowF32x4, ...op.f64x2Add, ...op.v128Store(),
    ...increment(C, i32(8)),
  ];
  const row = [...i32(0), ...set(C), ...forLoop(C, COLBYTES, pair), ...increment(ROW, get(COLBYTES)), ...increment(R, i32(1))];
  return [...get(X), ...set(ROW), ...i32(0), ...set(R), ...forLoop(R, ROWS, row)];
}

const colSumsRaw = perMemory<(x: number, rows: number, colBytes: number, acc: number) => void>(
  compileModule(encodeModule([{ name: 'colSums', params: [I32, I32, I32, I32], locals: [{ count: 3, type: I32 }], body: colSums() }])),
  'colSums',
);

/** colSums bound to one wasm memory: byte addresses; `acc` holds cols float64 (16-byte aligned), zeroed. */
export function colSumsOn(memory: WasmMemory): (x: number, rows: number, cols: number, acc: number) => void {
  const fn = colSumsRaw(memory);
  return (x, rows, cols, acc) => fn(x, rows, cols * 4, acc);
}
