// A WebAssembly-SIMD matrix product run directly on tfjs-backend-wasm's memory: the dense layers' products
// (simd-matmul.ts) and attention's per-head ones ([T, hd]·[hd, T] and [T, T]·[T, hd], causal-attention.ts).
// Through the stock kernel each is an XNNPACK call with its own operator set-up, operand copies and weight
// packing, and attention's compute the causally masked half too. Here one call is a plain loop over 4×8 output
// tiles (with the fused multiply-add where relaxed SIMD is on), the left operand is read through strides (so
// Aᵀ costs nothing), and a causal mode skips the tiles or the terms that the mask makes zero.
// simd-gemm.test.ts checks it against a scalar product, with and without the fused multiply-add.
import { encodeModule, forLoop, increment, op, I32, F32, V128, type Code, compileModule, instantiate, type WasmMemory } from './wasm-asm.ts';
import { fusedMultiplyAdd } from './wasm-features.ts';
import { packOn, paddedRow, type Allocator, type Strided } from './simd-pack.ts';

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
const [A, SAI, SAK, B, LDB, C, LDC, M, K, JSTART, JEND, MODE, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const PARAMS = 13;
const [I0, KSTART, KEND, NEND, J0, KK, PA, PB, PC, TMP] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
const ACC = 23; // the tile's accumulators, then B0, B1, X
const { get, set, tee, i32 } = op;

const min = (x: number, y: number): Code => [...get(x), ...get(y), ...get(x), ...get(y), ...op.ltS, ...op.select];
/** `value` when mode === m, else `otherwise` (both already locals). */
const whenMode = (m: number, value: number, otherwise: number): Code =>
  [...get(value), ...get(otherwise), ...get(MODE), ...i32(m), ...op.eq, ...op.select];

/**
 * A tile of the output: `rows` rows by `width` columns, held in registers while k runs. Width 8 (two 4-lane
 * vectors a row) is the fast case; widths 4 and 1 (scalar) only finish the last columns of an N that is not a
 * multiple of 8 (e.g. a 65-token vocabulary).
 */
interface Tile {
  rows: number;
  width: 8 | 4 | 1;
  /** Multiply-accumulate with f32x4.relaxed_madd (one rounding) instead of a multiply and an add. */
  fma: boolean;
}

const vectorsPerRow = (t: Tile) => (t.width === 8 ? 2 : 1);
const accumulators = (t: Tile) => t.rows * vectorsPerRow(t);

/** The accumulators' loads from, and stores to, C at the tile's position (PC), one row after another. */
function cRows(t: Tile, which: 'load' | 'store'): Code {
  const v = vectorsPerRow(t);
  const one = (a: number, offset: number): Code => {
    if (t.width === 1) return which === 'load' ? [...get(PC), ...op.f32Load(0), ...set(a)] : [...get(PC), ...get(a), ...op.f32Store(0)];
    return which === 'load' ? [...get(PC), ...op.v128Load(offset), ...set(a)] : [...get(PC), ...get(a), ...op.v128Store(offset)];
  };
  return [...Array(t.rows).keys()].flatMap((r) => [
    ...[...Array(v).keys()].flatMap((h) => one(ACC + v * r + h, 16 * h)),
    ...increment(PC, get(LDC)),
  ]);
}

/** acc += x·b, fused or not; x and b are locals. */
function multiplyAdd(t: Tile, acc: number, x: Code, b: number): Code {
  if (t.width === 1) return [...get(acc), ...x, ...get(b), ...op.f32Mul, ...op.f32Add, ...set(acc)];
  if (t.fma) return [...x, ...get(b), ...get(acc), ...op.f32x4RelaxedMadd, ...set(acc)];
  return [...get(acc), ...x, ...get(b), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc)];
}

/** One k step: B's row k within the tile's columns, each row's A value (broadcast), multiply-accumulate. */
function kStep(t: Tile, aRowBytes: number): Code {
  const n = accumulators(t);
  const [B0, B1, X] = [ACC + n, ACC + n + 1, ACC + n + 2];
  const loadB = t.width === 1
    ? [...get(PB), ...op.f32Load(0), ...set(B0)]
    : [...get(PB), ...op.v128Load(0), ...set(B0), ...(t.width === 8 ? [...get(PB), ...op.v128Load(16), ...set(B1)] : [])];
  const row = (r: number): Code => {
    if (t.width === 1) return multiplyAdd(t, ACC + r, [...get(PA), ...op.f32Load(r * aRowBytes)], B0);
    const first = multiplyAdd(t, ACC + vectorsPerRow(t) * r, [...get(PA), ...op.loadSplat(r * aRowBytes), ...tee(X)], B0);
    return t.width === 8 ? [...first, ...multiplyAdd(t, ACC + 2 * r + 1, get(X), B1)] : first;
  };
  return [
    ...loadB, ...[...Array(t.rows).keys()].flatMap(row),
    ...increment(PA, get(SAK)), ...increment(PB, get(LDB)), ...increment(KK, i32(1)),
  ];
}

/**
 * C[:, jStart..jEnd) of the product in `t` tiles, specialised for A's row stride (`aRowBytes`): a tile's A values
 * then sit at constant offsets from one pointer, so each k step costs two pointer increments, not one per row.
 */
function gemmBody(t: Tile, aRowBytes: number): Code {
  const { rows } = t;
  const bounds = [
    // kStart = mode == kFromRow ? i0 : 0
    ...get(I0), ...i32(0), ...get(MODE), ...i32(Causal.kFromRow), ...op.eq, ...op.select, ...set(KSTART),
    // kEnd = mode == kUpToRow ? min(K, i0 + rows) : K
    ...get(I0), ...i32(rows), ...op.add, ...set(TMP), ...min(TMP, K), ...set(TMP), ...whenMode(Causal.kUpToRow, TMP, K), ...set(KEND),
    // nEnd = mode == colsUpToRow ? min(jEnd, roundUp8(i0 + rows)) : jEnd
    ...get(I0), ...i32(rows + 7), ...op.add, ...i32(-8), ...op.and, ...set(TMP), ...min(TMP, JEND), ...set(TMP),
    ...whenMode(Causal.colsUpToRow, TMP, JEND), ...set(NEND),
  ];
  const cTile = [...get(C), ...get(I0), ...get(LDC), ...op.mul, ...op.add, ...get(J0), ...i32(4), ...op.mul, ...op.add, ...set(PC)];
  const zero = [...Array(accumulators(t)).keys()].flatMap((i) => [...(t.width === 1 ? op.f32Const(0) : op.zeroV128), ...set(ACC + i)]);
  const tile = [
    // Accumulators start at 0, or at C's tile when accumulating (C += A·B, for products split along k).
    ...get(ACCUMULATE), 0x04, 0x40, ...cTile, ...cRows(t, 'load'), 0x05, ...zero, ...op.end,
    // pa = a + i0·sai + kStart·sak; pb = b + kStart·ldb + j0·4
    ...get(A), ...get(I0), ...get(SAI), ...op.mul, ...op.add, ...get(KSTART), ...get(SAK), ...op.mul, ...op.add, ...set(PA),
    ...get(B), ...get(KSTART), ...get(LDB), ...op.mul, ...op.add, ...get(J0), ...i32(4), ...op.mul, ...op.add, ...set(PB),
    ...get(KSTART), ...set(KK), ...forLoop(KK, KEND, kStep(t, aRowBytes)), ...cTile, ...cRows(t, 'store'), ...increment(J0, i32(t.width)),
  ];
  return [
    ...i32(0), ...set(I0),
    ...forLoop(I0, M, [...bounds, ...get(JSTART), ...set(J0), ...forLoop(J0, NEND, tile), ...increment(I0, i32(rows))]),
  ];
}

type GemmFn = (...args: number[]) => void;
const modules = new Map<string, object>();
const instances = new WeakMap<WasmMemory, Map<string, GemmFn>>();

function gemmFunction(memory: WasmMemory, t: Tile, aRowBytes: number): GemmFn {
  const key = `${t.rows}x${t.width}${t.fma ? 'f' : ''}:${aRowBytes}`;
  let byKey = instances.get(memory);
  if (!byKey) instances.set(memory, (byKey = new Map()));
  let fn = byKey.get(key);
  if (!fn) {
    let compiled = modules.get(key);
    if (!compiled) {
      const type = t.width === 1 ? F32 : V128;
      const locals = [{ count: 10, type: I32 }, { count: accumulators(t) + 3, type }];
      compiled = compileModule(encodeModule([{ name: 'gemm', params: new Array(PARAMS).fill(I32), locals, body: gemmBody(t, aRowBytes) }]));
      modules.set(key, compiled);
    }
    fn = instantiate<Record<string, unknown>>(compiled, memory).gemm as GemmFn;
    byKey.set(key, fn);
  }
  return fn;
}

/** A matrix in the memory: byte address of element [0, 0], and element strides between rows and columns. */
export type Operand = Strided;

export interface Gemm {
  /**
   * C[M, N] = A[M, K]·B[K, N], or C += A·B with `accumulate`. C must be row-major (colStride 1); A and B may have
   * any strides (a B that is not row-major needs the allocator). Any M and N without a causal mode; the causal
   * modes need M % 4 == 0, N % 8 == 0 and a row-major B.
   */
  (a: Operand, b: Operand, c: Operand, m: number, k: number, n: number, mode?: number, accumulate?: boolean): void;
}

/** Whether a causal product has whole tiles (other products take any shape). */
export function gemmFits(m: number, n: number): boolean {
  return m % TILE_ROWS === 0 && n % 8 === 0;
}

const TILE_ROWS = 4;

/** B's part that one pass over A's rows reuses: a quarter of a 1 MiB L2, so it stays there while A streams by. */
const B_BLOCK_BYTES = 256 * 1024;
/** Columns per block when B is wide (a multiple of 8). */
const N_BLOCK = 256;

export type PackPolicy = 'auto' | 'never' | 'always';
/**
 * When to pack a row-major B or a transposed A (a transposed B is always packed): where the strides call for it
 * ('auto'), or never or always, for measuring it (SLMLAB_GEMM_PACK; `setGemmPacking` in benchmarks).
 */
let PACK: PackPolicy = (process.env.SLMLAB_GEMM_PACK as PackPolicy | undefined) ?? 'auto';
export function setGemmPacking(policy: PackPolicy): void {
  PACK = policy;
}

/** A row-major block of B is packed when a column walk down it would pile more lines into one L1 set than it holds. */
const L1_WAYS = 8;
/** A packed panel of a transposed A's rows: a third of a 48 KiB L1. */
const A_CHUNK_BYTES = 16 * 1024;
/** Rows of A that a packed block of B must serve to repay the copy. */
const PACK_MIN_ROWS = 16;

/**
 * The most cache lines that one 64-set cache's set receives when `rows` rows `strideBytes` apart are walked;
 * memoised, as a training step asks about the same few shapes every step.
 */
const setLoads = new Map<string, number>();
function worstSetLoad(strideBytes: number, rows: number): number {
  const key = `${strideBytes}:${rows}`;
  let worst = setLoads.get(key);
  if (worst === undefined) setLoads.set(key, (worst = countSetLoad(strideBytes, rows)));
  return worst;
}

function countSetLoad(strideBytes: number, rows: number): number {
  const load = new Uint16Array(64);
  let worst = 0;
  for (let r = 0; r < Math.min(rows, 4096); r++) worst = Math.max(worst, ++load[Math.floor((r * strideBytes) / 64) % 64]!);
  return worst;
}

function packsB(b: Operand, m: number, kLen: number): boolean {
  if ((b.colStride ?? 1) !== 1) return true;
  if (PACK === 'never' || m < PACK_MIN_ROWS) return false;
  if (PACK === 'always') return true;
  const load = worstSetLoad(b.rowStride * 4, kLen);
  return load > L1_WAYS && load > 2 * Math.ceil(kLen / 64);
}

const packsA = (a: Operand): boolean => (a.colStride ?? 1) !== 1 && PACK !== 'never';

/**
 * The product bound to one wasm memory (tfjs-backend-wasm's `wasm.asm.memory`): 4×8 tiles (6×8 tiles need all
 * 16 SIMD registers and spill: measured half as fast), then 1-row tiles for the last M % 4 rows and 4- and
 * 1-wide tiles for the last N % 8 columns. A B larger than B_BLOCK_BYTES is cut into blocks of k (and of n when
 * wide), accumulating into C, so that each block is read from memory once, not once per 4 rows of A. With an
 * allocator, a block of B with bad strides (transposed, or rows that collide in the cache) and a transposed A
 * are first copied into padded row-major panels (simd-pack.ts). Uses the fused multiply-add where relaxed SIMD
 * is on (wasm-features.ts).
 */
export function gemmOn(memory: WasmMemory, alloc?: Allocator): Gemm {
  const pack = packOn(memory);
  return (a, b, c, m, k, n, mode = Causal.none, accumulate = false) => {
    if (mode !== Causal.none && !gemmFits(m, n)) throw new Error(`a causal simd gemm needs M % 4 == 0 and N % 8 == 0, got M=${m} N=${n}`);
    const fma = fusedMultiplyAdd();
    const ldc = c.rowStride * 4;
    const run = (a: Operand, m: number, pb: number, ldb: number, pc: number, kLen: number, nLen: number, acc: boolean) => {
      const [sai, sak] = [a.rowStride * 4, (a.colStride ?? 1) * 4];
      const mMain = m - (m % TILE_ROWS);
      const [n8, n4] = [nLen - (nLen % 8), nLen - (nLen % 4)];
      for (const [rows, m0, m1] of [[TILE_ROWS, 0, mMain], [1, mMain, m]] as const) {
        if (m1 === m0) continue;
        for (const [width, j0, j1] of [[8, 0, n8], [4, n8, n4], [1, n4, nLen]] as const) {
          if (j1 === j0) continue;
          const fn = gemmFunction(memory, { rows, width, fma }, sai);
          fn(a.ptr + m0 * sai, sai, sak, pb, ldb, pc + m0 * ldc, ldc, m1 - m0, kLen, j0, j1, mode, acc ? 1 : 0);
        }
      }
    };
    const bRowMajor = (b.colStride ?? 1) === 1;
    if (!bRowMajor && !alloc) throw new Error('a simd gemm with a B that is not row-major needs an allocator to pack it');
    // Causal modes compare k with the row index, so they run unblocked (attention's T×T operands fit anyway).
    if (mode !== Causal.none || k === 0) {
      if (!bRowMajor) throw new Error('a causal simd gemm needs a row-major B');
      return run(a, m, b.ptr, b.rowStride * 4, c.ptr, k, n, accumulate);
    }
    const blocked = k * n * 4 > B_BLOCK_BYTES;
    const nBlock = blocked && n > 2 * N_BLOCK ? N_BLOCK : n;
    const kBlock = blocked ? Math.min(k, Math.max(16, Math.floor(B_BLOCK_BYTES / (4 * nBlock)))) : k;
    const [packB, packA] = alloc ? [packsB(b, m, kBlock), packsA(a)] : [false, false];
    const [ldB, ldA] = [paddedRow(nBlock), paddedRow(kBlock)];
    // A transposed A is packed a few rows at a time, into a panel that stays in L1 while the rows' tiles read it
    // (packing all of an Xᵀ first wrote and re-read megabytes); only when B has several column blocks, which
    // would each repack it, is all of A packed once per block of k.
    const aChunk = packA && n <= nBlock ? Math.min(m, Math.max(TILE_ROWS, Math.floor(A_CHUNK_BYTES / (4 * ldA) / TILE_ROWS) * TILE_ROWS)) : m;
    const scratch = packA || packB ? alloc!.malloc(4 * ((packB ? kBlock * ldB : 0) + (packA ? aChunk * ldA : 0)) + 64) : 0;
    const [bPanel, aPanel] = [alignUp(scratch), alignUp(scratch) + (packB ? 4 * kBlock * ldB : 0)];
    const [bs, bcs, acs] = [b.rowStride * 4, (b.colStride ?? 1) * 4, (a.colStride ?? 1) * 4];
    try {
      for (let k0 = 0; k0 < k; k0 += kBlock) {
        const kLen = Math.min(kBlock, k - k0);
        const aBlock = (m0: number): Operand => ({ ptr: a.ptr + m0 * a.rowStride * 4 + k0 * acs, rowStride: a.rowStride, colStride: a.colStride });
        if (packA && aChunk === m) pack(aBlock(0), m, kLen, aPanel, ldA);
        for (let j0 = 0; j0 < n; j0 += nBlock) {
          const nLen = Math.min(nBlock, n - j0);
          const bBlock = b.ptr + k0 * bs + j0 * bcs;
          if (packB) pack({ ptr: bBlock, rowStride: b.rowStride, colStride: b.colStride }, kLen, nLen, bPanel, ldB);
          const [pb, ldb] = packB ? [bPanel, ldB * 4] : [bBlock, bs];
          const acc = accumulate || k0 > 0;
          if (!packA) run(aBlock(0), m, pb, ldb, c.ptr + j0 * 4, kLen, nLen, acc);
          for (let m0 = 0; packA && m0 < m; m0 += aChunk) {
            const mLen = Math.min(aChunk, m - m0);
            if (aChunk < m) pack(aBlock(m0), mLen, kLen, aPanel, ldA);
            run({ ptr: aPanel, rowStride: ldA }, mLen, pb, ldb, c.ptr + m0 * ldc + j0 * 4, kLen, nLen, acc);
          }
        }
      }
    } finally {
      if (scratch) alloc!.free(scratch);
    }
  };
}

/** The next 64-byte boundary (a cache line; v128 loads of a panel then never straddle two). */
const alignUp = (ptr: number) => Math.ceil(ptr / 64) * 64;
