// The row-wise parts of causal attention (kernels/causal-attention.ts) in WebAssembly SIMD on tfjs-backend-wasm's
// memory: per [T, T] head matrix, the scaled causal softmax with its dropout, and its gradient (and the per-head
// transposes of K and V the products need). In JS these loops
// cost more than all of attention's matrix products; here four lanes at a time, with exp as Cephes' expf
// (range reduction by ln 2, degree-6 polynomial: ~1 ulp in float32). Entries above the diagonal (keys from
// the future) come out as exact zeros, as the −1e9 additive mask makes them. simd-softmax.test.ts checks both
// against float64 references.
import { encodeModule, forLoop, increment, op, F32, I32, V128, type Code, compileModule, instantiate, type WasmMemory } from './wasm-asm.ts';

const { get, set, tee, i32 } = op;

/** c = 0; for (; c < end; c += 16) body — one 4-float chunk per iteration. */
const chunks = (c: number, end: number, body: Code): Code => [...i32(0), ...set(c), ...forLoop(c, end, [...body, ...increment(c, i32(16))])];
const at = (base: number, row: number, c: number): Code => [...get(base), ...get(row), ...op.add, ...get(c), ...op.add];
/** The four lanes of v combined into one f32 on the stack (f32.add for a sum, f32.max for a maximum). */
export const horizontal = (v: number, combine: Code): Code => [
  ...get(v), ...op.f32x4ExtractLane(0), ...get(v), ...op.f32x4ExtractLane(1), ...combine,
  ...get(v), ...op.f32x4ExtractLane(2), ...combine, ...get(v), ...op.f32x4ExtractLane(3), ...combine,
];
/** Byte length of the 4-float chunks covering columns 0..i: ((i + 4) >> 2) << 4. */
const validBytes = (i: number): Code => [...get(i), ...i32(4), ...op.add, ...i32(2), ...op.shrS, ...i32(4), ...op.shl];

/** x ← eˣ for x ≥ −87.3 (so 2ⁿ stays a normal float). Uses n, r, p as scratch. */
export function exp(x: number, n: number, r: number, p: number): Code {
  const coefficients = [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  return [
    ...get(x), ...op.f32x4Const(-87.3), ...op.f32x4Max, ...tee(x),
    ...op.f32x4Const(Math.LOG2E), ...op.f32x4Mul, ...op.f32x4Nearest, ...set(n),
    ...get(x), ...get(n), ...op.f32x4Const(0.693359375), ...op.f32x4Mul, ...op.f32x4Sub,
    ...get(n), ...op.f32x4Const(-2.12194440e-4), ...op.f32x4Mul, ...op.f32x4Sub, ...set(r),
    ...op.f32x4Const(1.9875691500e-4), ...set(p),
    ...coefficients.flatMap((c) => [...get(p), ...get(r), ...op.f32x4Mul, ...op.f32x4Const(c), ...op.f32x4Add, ...set(p)]),
    ...get(p), ...get(r), ...op.f32x4Mul, ...get(r), ...op.f32x4Mul, ...get(r), ...op.f32x4Add, ...op.f32x4Const(1), ...op.f32x4Add,
    // × 2ⁿ, built in the exponent bits
    ...get(n), ...op.i32x4TruncSatF32x4S, ...op.i32x4Const(127), ...op.i32x4Add, ...i32(23), ...op.i32x4Shl, ...op.f32x4Mul, ...set(x),
  ];
}

/** softmaxRows(scores, probs, weights, mask | 0, T, scale): see causalSoftmaxRows in causal-softmax.ts. */
function softmaxRows(): Code {
  const [S, P, W, MK, T, SCALE] = [0, 1, 2, 3, 4, 5];
  const [I, ROW, C, END, ROWBYTES] = [6, 7, 8, 9, 10];
  const [VSCALE, VMAX, VSUM, X, LANE, LIMIT, N, R, PP, INV] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const beyondRow = [...get(LANE), ...get(LIMIT), ...op.i32x4GtS]; // lanes with column j > i
  const nextLanes = [...get(LANE), ...op.i32x4Const(4), ...op.i32x4Add, ...set(LANE)];
  const scaled = [...at(S, ROW, C), ...op.v128Load(), ...get(VSCALE), ...op.f32x4Mul];
  const maxPass = chunks(C, END, [
    ...get(VMAX), ...op.f32x4Const(-Infinity), ...scaled, ...beyondRow, ...op.v128Bitselect, ...op.f32x4Max, ...set(VMAX), ...nextLanes,
  ]);
  const expPass = chunks(C, END, [
    ...scaled, ...get(VMAX), ...op.f32x4Sub, ...set(X), ...exp(X, N, R, PP),
    ...get(X), ...beyondRow, ...op.v128AndNot, ...set(X),
    ...at(P, ROW, C), ...get(X), ...op.v128Store(), ...get(VSUM), ...get(X), ...op.f32x4Add, ...set(VSUM), ...nextLanes,
  ]);
  const normalise = [...i32(0), ...set(C), ...forLoop(C, END, [
    ...at(P, ROW, C), ...at(P, ROW, C), ...op.v128Load(), ...get(INV), ...op.f32x4Mul, ...tee(X), ...op.v128Store(),
    ...at(W, ROW, C), ...get(X), ...at(MK, ROW, C), ...op.v128Load(), ...op.f32x4Mul, ...op.v128Store(),
    ...increment(C, i32(16)),
  ])];
  const zeroTail = (base: number) => [...get(END), ...set(C), ...forLoop(C, ROWBYTES, [...at(base, ROW, C), ...op.zeroV128, ...op.v128Store(), ...increment(C, i32(16))])];
  const row = [
    ...get(I), ...get(ROWBYTES), ...op.mul, ...set(ROW), ...validBytes(I), ...set(END), ...get(I), ...op.i32x4Splat, ...set(LIMIT),
    ...op.f32x4Const(-Infinity), ...set(VMAX), ...op.i32x4Const(0, 1, 2, 3), ...set(LANE), ...maxPass,
    ...horizontal(VMAX, op.f32Max), ...op.f32x4Splat, ...set(VMAX),
    ...op.zeroV128, ...set(VSUM), ...op.i32x4Const(0, 1, 2, 3), ...set(LANE), ...expPass,
    ...op.f32Const(1), ...horizontal(VSUM, op.f32Add), ...op.f32Div, ...op.f32x4Splat, ...set(INV),
    ...ifElse(get(MK), normalise, normaliseOnly(P, ROW, C, END, INV, X)),
    ...zeroTail(P), ...ifElse(get(MK), zeroTail(W), []),
    ...increment(I, i32(1)),
  ];
  return [...get(T), ...i32(4), ...op.mul, ...set(ROWBYTES), ...get(SCALE), ...op.f32x4Splat, ...set(VSCALE), ...i32(0), ...set(I), ...forLoop(I, T, row)];
}

function normaliseOnly(P: number, ROW: number, C: number, END: number, INV: number, X: number): Code {
  return [...i32(0), ...set(C), ...forLoop(C, END, [
    ...at(P, ROW, C), ...at(P, ROW, C), ...op.v128Load(), ...get(INV), ...op.f32x4Mul, ...tee(X), ...op.v128Store(),
    ...increment(C, i32(16)),
  ])];
}

const ifElse = (cond: Code, then: Code, otherwise: Code): Code => [...cond, 0x04, 0x40, ...then, 0x05, ...otherwise, ...op.end];

/** softmaxGradRows(probs, grad, mask | 0, T, scale): see causalSoftmaxGradRows in causal-softmax.ts. */
function softmaxGradRows(): Code {
  const [P, G, MK, T, SCALE] = [0, 1, 2, 3, 4];
  const [I, ROW, C, END, ROWBYTES] = [5, 6, 7, 8, 9];
  const [VSCALE, VDOT, X] = [10, 11, 12];
  const applyMask = chunks(C, END, [...at(G, ROW, C), ...at(G, ROW, C), ...op.v128Load(), ...at(MK, ROW, C), ...op.v128Load(), ...op.f32x4Mul, ...op.v128Store()]);
  const dot = chunks(C, END, [...get(VDOT), ...at(G, ROW, C), ...op.v128Load(), ...at(P, ROW, C), ...op.v128Load(), ...op.f32x4Mul, ...op.f32x4Add, ...set(VDOT)]);
  const grad = chunks(C, END, [
    ...at(G, ROW, C), ...at(P, ROW, C), ...op.v128Load(), ...get(VSCALE), ...op.f32x4Mul,
    ...at(G, ROW, C), ...op.v128Load(), ...get(VDOT), ...op.f32x4Sub, ...op.f32x4Mul, ...op.v128Store(),
  ]);
  const zeroTail = [...get(END), ...set(C), ...forLoop(C, ROWBYTES, [...at(G, ROW, C), ...op.zeroV128, ...op.v128Store(), ...increment(C, i32(16))])];
  const row = [
    ...get(I), ...get(ROWBYTES), ...op.mul, ...set(ROW), ...validBytes(I), ...set(END),
    ...ifElse(get(MK), applyMask, []),
    ...op.zeroV128, ...set(VDOT), ...dot, ...horizontal(VDOT, op.f32Add), ...op.f32x4Splat, ...set(VDOT),
    ...grad, ...zeroTail, ...increment(I, i32(1)),
  ];
  return [...get(T), ...i32(4), ...op.mul, ...set(ROWBYTES), ...get(SCALE), ...op.f32x4Splat, ...set(VSCALE), ...i32(0), ...set(I), ...forLoop(I, T, row)];
}

/** mulInto(a, b, out, bytes): out = a ⊙ b over `bytes` / 4 floats (a multiple of 4). */
function mulInto(): Code {
  const [A, B, OUT, BYTES, C] = [0, 1, 2, 3, 4];
  const addr = (base: number) => [...get(base), ...get(C), ...op.add];
  return chunks(C, BYTES, [...addr(OUT), ...addr(A), ...op.v128Load(), ...addr(B), ...op.v128Load(), ...op.f32x4Mul, ...op.v128Store()]);
}

/** transpose(src, rows, cols, dst): dst[c, t] = src[t, c] (scalar; a head's K or V is 4K floats, ~µs). */
function transpose(): Code {
  const [SRC, ROWS, COLS, DST, T, C, PS, PD] = [0, 1, 2, 3, 4, 5, 6, 7];
  const rowBytes = [...get(ROWS), ...i32(2), ...op.shl];
  const inner = [
    ...get(PD), ...get(PS), ...op.f32Load(), ...op.f32Store(),
    ...increment(PS, i32(4)), ...get(PD), ...rowBytes, ...op.add, ...set(PD), ...increment(C, i32(1)),
  ];
  const row = [
    // ps = src + t·cols·4; pd = dst + t·4
    ...get(SRC), ...get(T), ...get(COLS), ...op.mul, ...i32(2), ...op.shl, ...op.add, ...set(PS),
    ...get(DST), ...get(T), ...i32(2), ...op.shl, ...op.add, ...set(PD),
    ...i32(0), ...set(C), ...forLoop(C, COLS, inner), ...increment(T, i32(1)),
  ];
  return [...i32(0), ...set(T), ...forLoop(T, ROWS, row)];
}

const compiled = compileModule(encodeModule([
  { name: 'transpose', params: [I32, I32, I32, I32], locals: [{ count: 4, type: I32 }], body: transpose() },
  { name: 'softmaxRows', params: [I32, I32, I32, I32, I32, F32], locals: [{ count: 5, type: I32 }, { count: 10, type: V128 }], body: softmaxRows() },
  { name: 'softmaxGradRows', params: [I32, I32, I32, I32, F32], locals: [{ count: 5, type: I32 }, { count: 3, type: V128 }], body: softmaxGradRows() },
  { name: 'mulInto', params: [I32, I32, I32, I32], locals: [{ count: 1, type: I32 }], body: mulInto() },
]));

export interface SimdSoftmax {
  /** Byte addresses; `mask` 0 for none (then `weights` is not written). T % 4 == 0. */
  softmaxRows(scores: number, probs: number, weights: number, mask: number, T: number, scale: number): void;
  softmaxGradRows(probs: number, grad: number, mask: number, T: number, scale: number): void;
  mulInto(a: number, b: number, out: number, bytes: number): void;
  /** dst[c, t] = src[t, c] for a [rows, cols] matrix (byte addresses). */
  transpose(src: number, rows: number, cols: number, dst: number): void;
}

const instances = new WeakMap<WasmMemory, SimdSoftmax>();

export function softmaxOn(memory: WasmMemory): SimdSoftmax {
  let s = instances.get(memory);
  if (!s) {
    s = instantiate<Record<string, unknown>>(compiled, memory) as unknown as SimdSoftmax;
    instances.set(memory, s);
  }
  return s;
}
