// LayerNorm over rows of C floats in WebAssembly SIMD on tfjs-backend-wasm's memory, forward and backward, each
// one kernel instead of ~10 tfjs kernels (mean, subtract, square, mean, add, rsqrt, multiplies, adds, and
// their gradients with broadcasts) with as many passes over [B·T, C] tensors. Same maths as layers.ts:
//   x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = x̂·γ + β;  dx = r·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ;
//   dγ = Σ_rows dy·x̂, dβ = Σ_rows dy (accumulated in float64, as fast-sum.ts does).
// simd-layernorm.test.ts checks both against the tfjs formulation.
import { compileModule, encodeModule, forLoop, increment, instantiate, op, F32, I32, V128, type Code, type WasmMemory } from './wasm-asm.ts';

const { get, set, tee, i32 } = op;
const EPS = 1e-5;

const chunks = (c: number, end: number, body: Code): Code => [...i32(0), ...set(c), ...forLoop(c, end, [...body, ...increment(c, i32(16))])];
const at = (base: number, row: number, c: number): Code => [...get(base), ...get(row), ...op.add, ...get(c), ...op.add];
const col = (base: number, c: number): Code => [...get(base), ...get(c), ...op.add];
const load = (addr: Code): Code => [...addr, ...op.v128Load()];
const hsum = (v: number): Code => [
  ...get(v), ...op.f32x4ExtractLane(0), ...get(v), ...op.f32x4ExtractLane(1), ...op.f32Add,
  ...get(v), ...op.f32x4ExtractLane(2), ...op.f32Add, ...get(v), ...op.f32x4ExtractLane(3), ...op.f32Add,
];

/** forward(x, gamma, beta, y, xhat, rstd, rows, colBytes, 1/C) */
function forward(): Code {
  const [X, G, BT, Y, XH, RS, ROWS, CB, INVC] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [R, C, ROW] = [9, 10, 11];
  const [ACC, V, VMEAN, VR] = [12, 13, 14, 15];
  const row = [
    ...op.zeroV128, ...set(ACC),
    ...chunks(C, CB, [...get(ACC), ...load(at(X, ROW, C)), ...op.f32x4Add, ...set(ACC)]),
    ...hsum(ACC), ...get(INVC), ...op.f32Mul, ...op.f32x4Splat, ...set(VMEAN),
    ...op.zeroV128, ...set(ACC),
    ...chunks(C, CB, [...load(at(X, ROW, C)), ...get(VMEAN), ...op.f32x4Sub, ...tee(V), ...get(V), ...op.f32x4Mul, ...get(ACC), ...op.f32x4Add, ...set(ACC)]),
    // rstd = 1 / sqrt(var + eps), stored per row
    ...get(RS), ...get(R), ...i32(2), ...op.shl, ...op.add,
    ...op.f32Const(1), ...hsum(ACC), ...get(INVC), ...op.f32Mul, ...op.f32Const(EPS), ...op.f32Add, ...op.f32Sqrt, ...op.f32Div,
    ...op.f32x4Splat, ...tee(VR), ...op.f32x4ExtractLane(0), ...op.f32Store(),
    ...chunks(C, CB, [
      ...at(XH, ROW, C), ...load(at(X, ROW, C)), ...get(VMEAN), ...op.f32x4Sub, ...get(VR), ...op.f32x4Mul, ...tee(V), ...op.v128Store(),
      ...at(Y, ROW, C), ...get(V), ...load(col(G, C)), ...op.f32x4Mul, ...load(col(BT, C)), ...op.f32x4Add, ...op.v128Store(),
    ]),
    ...increment(ROW, get(CB)), ...increment(R, i32(1)),
  ];
  return [...i32(0), ...set(ROW), ...i32(0), ...set(R), ...forLoop(R, ROWS, row)];
}

/** acc[c..c+3] (float64, at acc + 2c bytes) += v (f32x4) */
const accumulate64 = (acc: number, c: number, v: number): Code => {
  const addr = (offset: number) => [...get(acc), ...get(c), ...i32(1), ...op.shl, ...op.add, ...i32(offset), ...op.add];
  return [
    ...addr(0), ...addr(0), ...op.v128Load(), ...get(v), ...op.f64x2PromoteLowF32x4, ...op.f64x2Add, ...op.v128Store(),
    ...addr(16), ...addr(16), ...op.v128Load(), ...get(v), ...get(v), ...op.highHalfToLow, ...op.f64x2PromoteLowF32x4, ...op.f64x2Add, ...op.v128Store(),
  ];
};

/** backward(dy, gamma, xhat, rstd, dx, dgamma64, dbeta64, rows, colBytes, 1/C); dgamma64, dbeta64 zeroed by the caller. */
function backward(): Code {
  const [DY, G, XH, RS, DX, DG, DB, ROWS, CB, INVC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [R, C, ROW] = [10, 11, 12];
  const [A, B, V, DYV, XV, VA, VB, VR, T] = [13, 14, 15, 16, 17, 18, 19, 20, 21];
  const row = [
    ...op.zeroV128, ...set(A), ...op.zeroV128, ...set(B),
    ...chunks(C, CB, [
      ...load(at(DY, ROW, C)), ...tee(DYV), ...load(col(G, C)), ...op.f32x4Mul, ...set(V), ...load(at(XH, ROW, C)), ...set(XV),
      ...get(A), ...get(V), ...op.f32x4Add, ...set(A), ...get(B), ...get(V), ...get(XV), ...op.f32x4Mul, ...op.f32x4Add, ...set(B),
      ...get(DYV), ...get(XV), ...op.f32x4Mul, ...set(T), ...accumulate64(DG, C, T), ...accumulate64(DB, C, DYV),
    ]),
    ...hsum(A), ...get(INVC), ...op.f32Mul, ...op.f32x4Splat, ...set(VA),
    ...hsum(B), ...get(INVC), ...op.f32Mul, ...op.f32x4Splat, ...set(VB),
    ...get(RS), ...get(R), ...i32(2), ...op.shl, ...op.add, ...op.loadSplat(), ...set(VR),
    ...chunks(C, CB, [
      ...at(DX, ROW, C), ...get(VR),
      ...load(at(DY, ROW, C)), ...load(col(G, C)), ...op.f32x4Mul, ...get(VA), ...op.f32x4Sub,
      ...load(at(XH, ROW, C)), ...get(VB), ...op.f32x4Mul, ...op.f32x4Sub, ...op.f32x4Mul, ...op.v128Store(),
    ]),
    ...increment(ROW, get(CB)), ...increment(R, i32(1)),
  ];
  return [...i32(0), ...set(ROW), ...i32(0), ...set(R), ...forLoop(R, ROWS, row)];
}

const compiled = compileModule(encodeModule([
  { name: 'forward', params: [...new Array(8).fill(I32), F32], locals: [{ count: 3, type: I32 }, { count: 4, type: V128 }], body: forward() },
  { name: 'backward', params: [...new Array(9).fill(I32), F32], locals: [{ count: 3, type: I32 }, { count: 9, type: V128 }], body: backward() },
]));

export interface SimdLayerNorm {
  /** Byte addresses; C % 4 == 0. */
  forward(x: number, gamma: number, beta: number, y: number, xhat: number, rstd: number, rows: number, colBytes: number, invC: number): void;
  backward(dy: number, gamma: number, xhat: number, rstd: number, dx: number, dgamma64: number, dbeta64: number, rows: number, colBytes: number, invC: number): void;
}

const instances = new WeakMap<WasmMemory, SimdLayerNorm>();

export function layerNormOn(memory: WasmMemory): SimdLayerNorm {
  let s = instances.get(memory);
  if (!s) {
    s = instantiate<SimdLayerNorm>(compiled, memory);
    instances.set(memory, s);
  }
  return s;
}
