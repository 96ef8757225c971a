// A WebAssembly-SIMD matrix product run directly on tfjs-backend-wasm's memory, for attention's per-head
// products ([T, hd]·[hd, T] and [T, T]·[T, hd]). Through the stock kernel each of those is a separate XNNPACK
// call with its own operator set-up, operand copies and weight packing (~half the dense layers' speed), and
// computes the causally masked half too. Here one call is a plain loop over 4×8 output tiles, the left
// operand is read through strides (so Aᵀ costs nothing), and a causal mode skips the tiles or the terms that
// the mask makes zero. simd-gemm.test.ts checks it against a scalar product.
import { encodeModule, forLoop, increment, op, I32, V128, type Code, compileModule, instantiate, type WasmMemory } from './wasm-asm.ts';

/** Which part of C = A·B to compute, for square causal (lower-triangular) attention matrices. */
export const Causal = {
  /** Every entry. */
  none: 0,
  /** Only columns j ≤ i (whole 8-wide tiles; the rest of C is left unwritten): scores Q·Kᵀ, dW = dO·Vᵀ. */
  colsUpToRow: 1,
  /** Only terms k ≤ i, for a lower-triangular A (W·V, dS·K). */
  kUpToRow: 2,
  /** Only terms k ≥ i, for an upper-triangular A, e.g. the transpose of a lower-triangular one (Wᵀ·dO, dSᵀ·Q). */
  kFromRow: 3,
} as const;

// Parameter and local indices of the generated function.
const [A, SAI, SAK, B, LDB, C, LDC, M, K, N, MODE, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const [I0, KSTART, KEND, NEND, J0, KK, PA, PB, PC, TMP] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
const ACC = 22; // 2·rows accumulators (two 4-lane halves per row), then B0, B1, X
const { get, set, tee, i32 } = op;

const min = (x: number, y: number): Code => [...get(x), ...get(y), ...get(x), ...get(y), ...op.ltS, ...op.select];
/** `value` when mode === m, else `otherwise` (both already locals). */
const whenMode = (m: number, value: number, otherwise: number): Code =>
  [...get(value), ...get(otherwise), ...get(MODE), ...i32(m), ...op.eq, ...op.select];

/**
 * The product with `rows`×8 output tiles, specialised for A's row stride (`aRowBytes`): a tile's A values then
 * sit at constant offsets from one pointer, so each k step costs two pointer increments, not one per row.
 */
function gemmBody(rows: number, aRowBytes: number): Code {
  const [B0, B1, X] = [ACC + 2 * rows, ACC + 2 * rows + 1, ACC + 2 * rows + 2];
  const R = [...Array(rows).keys()];
  const bounds = [
    // kStart = mode == kFromRow ? i0 : 0
    ...get(I0), ...i32(0), ...get(MODE), ...i32(Causal.kFromRow), ...op.eq, ...op.select, ...set(KSTART),
    // kEnd = mode == kUpToRow ? min(K, i0 + rows) : K
    ...get(I0), ...i32(rows), ...op.add, ...set(TMP), ...min(TMP, K), ...set(TMP), ...whenMode(Causal.kUpToRow, TMP, K), ...set(KEND),
    // nEnd = mode == colsUpToRow ? min(N, roundUp8(i0 + rows)) : N
    ...get(I0), ...i32(rows + 7), ...op.add, ...i32(-8), ...op.and, ...set(TMP), ...min(TMP, N), ...set(TMP),
    ...whenMode(Causal.colsUpToRow, TMP, N), ...set(NEND),
  ];
  // One k step: two vectors of B's row k; each row's A value broadcast; multiply-accumulate.
  const kStep = [
    ...get(PB), ...op.v128Load(0), ...set(B0), ...get(PB), ...op.v128Load(16), ...set(B1),
    ...R.flatMap((r) => [
      ...get(ACC + 2 * r), ...get(PA), ...op.loadSplat(r * aRowBytes), ...tee(X), ...get(B0), ...op.f32x4Mul, ...op.f32x4Add, ...set(ACC + 2 * r),
      ...get(ACC + 2 * r + 1), ...get(X), ...get(B1), ...op.f32x4Mul, ...op.f32x4Add, ...set(ACC + 2 * r + 1),
    ]),
    ...increment(PA, get(SAK)), ...increment(PB, get(LDB)), ...increment(KK, i32(1)),
  ];
  const cTile = [...get(C), ...get(I0), ...get(LDC), ...op.mul, ...op.add, ...get(J0), ...i32(4), ...op.mul, ...op.add, ...set(PC)];
  const eachCRow = (f: (r: number) => Code) => R.flatMap((r) => [...f(r), ...increment(PC, get(LDC))]);
  // Accumulators start at 0, or at C's tile when accumulating (C += A·B, for products split along k).
  const load = eachCRow((r) => [...get(PC), ...op.v128Load(0), ...set(ACC + 2 * r), ...get(PC), ...op.v128Load(16), ...set(ACC + 2 * r + 1)]);
  const zero = [...Array(2 * rows).keys()].flatMap((i) => [...op.zeroV128, ...set(ACC + i)]);
  const store = eachCRow((r) => [...get(PC), ...get(ACC + 2 * r), ...op.v128Store(0), ...get(PC), ...get(ACC + 2 * r + 1), ...op.v128Store(16)]);
  const tile = [
    ...get(ACCUMULATE), 0x04, 0x40, ...cTile, ...load, 0x05, ...zero, ...op.end,
    // pa = a + i0·sai + kStart·sak; pb = b + kStart·ldb + j0·4
    ...get(A), ...get(I0), ...get(SAI), ...op.mul, ...op.add, ...get(KSTART), ...get(SAK), ...op.mul, ...op.add, ...set(PA),
    ...get(B), ...get(KSTART), ...get(LDB), ...op.mul, ...op.add, ...get(J0), ...i32(4), ...op.mul, ...op.add, ...set(PB),
    ...get(KSTART), ...set(KK), ...forLoop(KK, KEND, kStep), ...cTile, ...store, ...increment(J0, i32(8)),
  ];
  return [
    ...i32(0), ...set(I0),
    ...forLoop(I0, M, [...bounds, ...i32(0), ...set(J0), ...forLoop(J0, NEND, tile), ...increment(I0, i32(rows))]),
  ];
}

type GemmFn = (...args: number[]) => void;
const TILE_ROWS = 4;
const modules = new Map<string, object>();
const instances = new WeakMap<WasmMemory, Map<string, GemmFn>>();

function gemmFunction(memory: WasmMemory, rows: number, aRowBytes: number): GemmFn {
  const key = `${rows}:${aRowBytes}`;
  let byKey = instances.get(memory);
  if (!byKey) instances.set(memory, (byKey = new Map()));
  let fn = byKey.get(key);
  if (!fn) {
    let compiled = modules.get(key);
    if (!compiled) {
      const locals = [{ count: 10, type: I32 }, { count: 2 * rows + 3, type: V128 }];
      compiled = compileModule(encodeModule([{ name: 'gemm', params: new Array(12).fill(I32), locals, body: gemmBody(rows, aRowBytes) }]));
      modules.set(key, compiled);
    }
    fn = instantiate<Record<string, unknown>>(compiled, memory).gemm as GemmFn;
    byKey.set(key, fn);
  }
  return fn;
}

/** A matrix in the memory: byte address of element [0, 0], and element strides between rows and columns. */
export interface Operand {
  ptr: number;
  rowStride: number;
  colStride?: number;
}

export interface Gemm {
  /**
   * C[M, N] = A[M, K]·B[K, N], or C += A·B with `accumulate`. B and C must be row-major (colStride 1); A may
   * have any strides. Needs M % 4 == 0 and N % 8 == 0 (see `gemmFits`).
   */
  (a: Operand, b: Operand, c: Operand, m: number, k: number, n: number, mode?: number, accumulate?: boolean): void;
}

export function gemmFits(m: number, n: number): boolean {
  return m % 4 === 0 && n % 8 === 0;
}

/**
 * The product bound to one wasm memory (tfjs-backend-wasm's `wasm.asm.memory`), in 4×8 tiles (6×8 tiles, all
 * 16 SIMD registers, measured no faster here).
 */
export function gemmOn(memory: WasmMemory): Gemm {
  return (a, b, c, m, k, n, mode = Causal.none, accumulate = false) => {
    if (!gemmFits(m, n)) throw new Error(`simd gemm needs M % 4 == 0 and N % 8 == 0, got M=${m} N=${n}`);
    const [sai, sak] = [a.rowStride * 4, (a.colStride ?? 1) * 4];
    gemmFunction(memory, TILE_ROWS, sai)(a.ptr, sai, sak, b.ptr, b.rowStride * 4, c.ptr, c.rowStride * 4, m, k, n, mode, accumulate ? 1 : 0);
  };
}
