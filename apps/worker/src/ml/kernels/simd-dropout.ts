// dropout.ts's hashed masks in WebAssembly SIMD on tfjs-backend-wasm's memory: four hashes (eight mask entries)
// per step, written straight into a tensor of the heap, or multiplied into x as they are made. In JS the
// study's attention mask (4.2M entries a layer) took ~50 ms a layer and step, and then a copy into the heap.
// The integer hash is the same, so the entries are the same bit for bit; simd-dropout.test.ts checks it.
import { encodeModule, forLoop, increment, op, I32, F32, V128, type Code, compileModule, perMemory } from './wasm-asm.ts';

const { get, set, i32 } = op;
// Parameters: output address, x address (0: write the mask itself), groups of 8 entries, key, threshold, scale.
const [OUT, X, GROUPS, KEY, THRESHOLD, SCALE] = [0, 1, 2, 3, 4, 5];
const [G, PO, PX] = [6, 7, 8];
const [J, H, LO, HI, VKEY, VTHR, VSCALE] = [9, 10, 11, 12, 13, 14, 15];

/** x = lowbias32(x) on four lanes (dropout.ts's mix32). */
const mix32 = (v: number): Code => {
  const xorShift = (by: number) => [...get(v), ...get(v), ...i32(by), ...op.i32x4ShrU, ...op.v128Xor, ...set(v)];
  const times = (c: number) => [...get(v), ...op.i32x4Const(c | 0), ...op.i32x4Mul, ...set(v)];
  return [...xorShift(16), ...times(0x7feb352d), ...xorShift(15), ...times(0x846ca68b), ...xorShift(16)];
};

function body(): Code {
  // kept = half ≥ threshold → all-ones lanes; & scale's bits gives scale or +0
  const entries = (half: number): Code => [...get(half), ...get(VTHR), ...op.i32x4GeS, ...get(VSCALE), ...op.v128And, ...set(half)];
  // [lo0, hi0, lo1, hi1] and [lo2, hi2, lo3, hi3]: entry 2j from the hash's low half, 2j + 1 from its high half
  const first = op.shuffle(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const second = op.shuffle(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const store = (shuffle: Code, offset: number): Code => [...get(PO), ...get(LO), ...get(HI), ...shuffle, ...op.v128Store(offset)];
  const multiplyInto = (shuffle: Code, offset: number): Code => [
    ...get(PO), ...get(LO), ...get(HI), ...shuffle, ...get(PX), ...op.v128Load(offset), ...op.f32x4Mul, ...op.v128Store(offset),
  ];
  const step = [
    // h = mix32(mix32(j) ^ key)
    ...get(J), ...set(H), ...mix32(H), ...get(H), ...get(VKEY), ...op.v128Xor, ...set(H), ...mix32(H),
    ...get(H), ...op.i32x4Const(0xffff), ...op.v128And, ...set(LO), ...get(H), ...i32(16), ...op.i32x4ShrU, ...set(HI),
    ...entries(LO), ...entries(HI),
    ...get(X), ...op.if, ...multiplyInto(first, 0), ...multiplyInto(second, 16), 0x05, ...store(first, 0), ...store(second, 16), ...op.end,
    ...get(J), ...op.i32x4Const(4), ...op.i32x4Add, ...set(J),
    ...increment(PO, i32(32)), ...increment(PX, i32(32)), ...increment(G, i32(1)),
  ];
  return [
    ...get(KEY), ...op.i32x4Splat, ...set(VKEY), ...get(THRESHOLD), ...op.i32x4Splat, ...set(VTHR), ...get(SCALE), ...op.f32x4Splat, ...set(VSCALE),
    ...op.i32x4Const(0, 1, 2, 3), ...set(J), ...get(OUT), ...set(PO), ...get(X), ...set(PX), ...i32(0), ...set(G),
    ...forLoop(G, GROUPS, step),
  ];
}

const compiled = compileModule(encodeModule([{
  name: 'dropout',
  params: [I32, I32, I32, I32, I32, F32],
  locals: [{ count: 3, type: I32 }, { count: 7, type: V128 }],
  body: body(),
}]));
type DropoutFn = (out: number, x: number, groups: number, key: number, threshold: number, scale: number) => void;

/**
 * The first 8·groups entries of a mask (x = 0) or of x ⊙ mask (x a byte address) written at `out`; entries
 * start at index 0, so a caller finishes the last size % 8 entries itself.
 */
export const dropoutOn = perMemory<DropoutFn>(compiled, 'dropout');
