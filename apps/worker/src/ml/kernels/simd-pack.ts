// Copies a strided float32 matrix into a dense scratch panel, in WebAssembly on tfjs-backend-wasm's memory: the
// product (simd-gemm.ts) packs an operand it would otherwise read through bad strides — a transposed weight,
// Xᵀ, or rows a power of two apart that fall into the same cache sets — into rows a few cache lines longer
// than needed, so that walking down a column touches every cache set. Scratch comes from the wasm module's own
// allocator (the same heap tfjs allocates tensors from).
import { encodeModule, forLoop, increment, op, I32, V128, type Code, compileModule, perMemory, type WasmMemory } from './wasm-asm.ts';

const { get, set, i32 } = op;

/**
 * copy(src, sOuter, sInner, dst, dOuter, dInner, nOuter, nInner): dst[o·dOuter + i·dInner] = src[o·sOuter + i·sInner]
 * for o < nOuter, i < nInner; strides in bytes. The caller makes the inner loop the one that reads memory in
 * order.
 */
function copy(): Code {
  const [SRC, SO, SI, DST, DO, DI, NO, NI, O, I, PS, PD] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const inner = [...get(PD), ...get(PS), ...op.f32Load(0), ...op.f32Store(0), ...increment(PS, get(SI)), ...increment(PD, get(DI)), ...increment(I, i32(1))];
  const outer = [
    ...get(SRC), ...set(PS), ...get(DST), ...set(PD), ...i32(0), ...set(I), ...forLoop(I, NI, inner),
    ...increment(SRC, get(SO)), ...increment(DST, get(DO)), ...increment(O, i32(1)),
  ];
  return [...i32(0), ...set(O), ...forLoop(O, NO, outer)];
}

/** i8x16.shuffle lane lists for the 4×4 transpose: interleave two vectors' float pairs, then their halves. */
const LO_PAIRS = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HI_PAIRS = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
const LO_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HI_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/**
 * transpose(src, cs, dst, ld, rows, cols): dst[r, c] (row stride ld bytes) = src[c·cs + r·4] for rows % 4 == 0,
 * cols % 16 == 0 — a transposed operand made row-major. Sixteen source columns are read side by side down the
 * rows (16 sequential streams) and written as whole 64-byte lines of four destination rows, through 4×4
 * transposes in registers.
 */
function transpose(): Code {
  const [SRC, CS, DST, LD, ROWS, COLS, C, R, PS, PD] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const CSJ = 10; // 16 locals: j·cs
  const LDI = 26; // 5 locals: i·ld for i = 0..4
  const V = 31; // 4 source vectors, 4 half-transposed, 4 transposed (v128 locals follow the i32 ones)
  const setup = [
    ...[...Array(16).keys()].flatMap((j) => [...get(CS), ...i32(j), ...op.mul, ...set(CSJ + j)]),
    ...[...Array(5).keys()].flatMap((i) => [...get(LD), ...i32(i), ...op.mul, ...set(LDI + i)]),
  ];
  const group = (g: number): Code => {
    const load = (j: number) => [...get(PS), ...get(CSJ + 4 * g + j), ...op.add, ...op.v128Load(0), ...set(V + j)];
    const mix = (x: number, y: number, lanes: number[], to: number) => [...get(x), ...get(y), ...op.shuffle(...lanes), ...set(to)];
    const store = (i: number) => [...get(PD), ...get(LDI + i), ...op.add, ...get(V + 8 + i), ...op.v128Store(16 * g)];
    return [
      ...[0, 1, 2, 3].flatMap(load),
      ...mix(V, V + 1, LO_PAIRS, V + 4), ...mix(V, V + 1, HI_PAIRS, V + 5), ...mix(V + 2, V + 3, LO_PAIRS, V + 6), ...mix(V + 2, V + 3, HI_PAIRS, V + 7),
      ...mix(V + 4, V + 6, LO_HALVES, V + 8), ...mix(V + 4, V + 6, HI_HALVES, V + 9), ...mix(V + 5, V + 7, LO_HALVES, V + 10), ...mix(V + 5, V + 7, HI_HALVES, V + 11),
      ...[0, 1, 2, 3].flatMap(store),
    ];
  };
  const rowStep = [...[0, 1, 2, 3].flatMap(group), ...increment(PS, i32(16)), ...increment(PD, get(LDI + 4)), ...increment(R, i32(4))];
  const colBlock = [
    // ps = src + c·cs; pd = dst + c·4
    ...get(SRC), ...get(C), ...get(CS), ...op.mul, ...op.add, ...set(PS), ...get(DST), ...get(C), ...i32(4), ...op.mul, ...op.add, ...set(PD),
    ...i32(0), ...set(R), ...forLoop(R, ROWS, rowStep), ...increment(C, i32(16)),
  ];
  return [...setup, ...i32(0), ...set(C), ...forLoop(C, COLS, colBlock)];
}

const transposeRaw = perMemory<(src: number, cs: number, dst: number, ld: number, rows: number, cols: number) => void>(
  compileModule(encodeModule([{ name: 'transpose', params: new Array(6).fill(I32), locals: [{ count: 25, type: I32 }, { count: 12, type: V128 }], body: transpose() }])),
  'transpose',
);

type CopyFn = (src: number, sOuter: number, sInner: number, dst: number, dOuter: number, dInner: number, nOuter: number, nInner: number) => void;
const copyRaw = perMemory<CopyFn>(
  compileModule(encodeModule([{ name: 'copy', params: new Array(8).fill(I32), locals: [{ count: 4, type: I32 }], body: copy() }])),
  'copy',
);

/** A strided matrix in the memory: byte address of [0, 0] and element strides (as simd-gemm's Operand). */
export interface Strided {
  ptr: number;
  rowStride: number;
  colStride?: number;
}

/**
 * Elements per row of a packed panel with `cols` columns: whole 64-byte cache lines, an odd number of them, so
 * that successive rows start in different cache sets (an even count cycles through only some of them).
 */
export function paddedRow(cols: number): number {
  const lines = Math.ceil(cols / 16);
  return 16 * (lines % 2 === 0 ? lines + 1 : lines);
}

/** Copies rows × cols of `src` to a row-major panel at `dst` with row stride `ld` elements. */
export function packOn(memory: WasmMemory): (src: Strided, rows: number, cols: number, dst: number, ld: number) => void {
  const [copy, transposed] = [copyRaw(memory), transposeRaw(memory)];
  return (src, rows, cols, dst, ld) => {
    const [rs, cs] = [src.rowStride * 4, (src.colStride ?? 1) * 4];
    // Read in memory order: along a row when its elements are adjacent, else down the columns.
    if (cs <= rs) return copy(src.ptr, rs, cs, dst, ld * 4, 4, rows, cols);
    if (rs !== 4) return copy(src.ptr, cs, rs, dst, 4, ld * 4, cols, rows);
    // A transposed matrix: 4×16 blocks in SIMD, the ragged last rows and columns element by element.
    const [rows4, cols16] = [rows - (rows % 4), cols - (cols % 16)];
    transposed(src.ptr, cs, dst, ld * 4, rows4, cols16);
    if (cols16 < cols) copy(src.ptr + cols16 * cs, cs, rs, dst + cols16 * 4, 4, ld * 4, cols - cols16, rows4);
    if (rows4 < rows) copy(src.ptr + rows4 * rs, cs, rs, dst + rows4 * ld * 4, 4, ld * 4, cols, rows - rows4);
  };
}

/** Scratch memory in the wasm heap, freed by the caller. */
export interface Allocator {
  malloc(bytes: number): number;
  free(ptr: number): void;
}

/** tfjs-backend-wasm's own allocator (its Emscripten module's malloc and free). */
export function wasmAllocator(backend: unknown): Allocator {
  const wasm = (backend as { wasm?: { _malloc?: (n: number) => number; _free?: (p: number) => void } }).wasm;
  if (!wasm?._malloc || !wasm._free) throw new Error('not a tfjs-backend-wasm backend: no malloc');
  const [malloc, free] = [wasm._malloc.bind(wasm), wasm._free.bind(wasm)];
  // `>>> 0`: malloc returns a signed int, negative above 2 GiB.
  return { malloc: (bytes) => malloc(bytes) >>> 0, free };
}
