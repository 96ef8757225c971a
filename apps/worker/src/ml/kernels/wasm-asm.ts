// A minimal WebAssembly encoder: just the instructions slmlab's SIMD kernels use, so that they can be written
// as code here (no wasm toolchain in the build) and run on tfjs-backend-wasm's own memory, which its module
// exports. Encodings follow the WebAssembly core spec (binary format) and its fixed-width SIMD proposal.

export type Code = number[];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

export function uleb(n: number): Code {
  const out: Code = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const simd = (op: number): Code => [0xfd, ...uleb(op)];
/** memarg: alignment exponent and a constant byte offset. */
const mem = (align: number, offset: number): Code => [...uleb(align), ...uleb(offset)];

/** Instructions (each returns its bytes; a function body is their concatenation). */
export const op = {
  get: (i: number): Code => [0x20, ...uleb(i)],
  set: (i: number): Code => [0x21, ...uleb(i)],
  tee: (i: number): Code => [0x22, ...uleb(i)],
  i32: (n: number): Code => [0x41, ...sleb(n)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  and: [0x71],
  ltS: [0x48],
  geS: [0x4e],
  eq: [0x46],
  select: [0x1b],
  /** block/loop with no result; `br(0)` inside a loop continues it, `br(1)` leaves the enclosing block. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number): Code => [0x0c, ...uleb(depth)],
  brIf: (depth: number): Code => [0x0d, ...uleb(depth)],
  v128Load: (offset = 0): Code => [...simd(0x00), ...mem(2, offset)],
  v128Store: (offset = 0): Code => [...simd(0x0b), ...mem(2, offset)],
  /** Loads one float32 and broadcasts it to the four lanes. */
  loadSplat: (offset = 0): Code => [...simd(0x09), ...mem(2, offset)],
  zeroV128: [...simd(0x0c), ...new Array(16).fill(0)],
  /** v128.const with four float32 lanes (one value: a splat) or four int32 lanes. */
  f32x4Const: (...v: number[]): Code => [...simd(0x0c), ...new Uint8Array(Float32Array.from(v.length === 1 ? [v[0]!, v[0]!, v[0]!, v[0]!] : v).buffer)],
  i32x4Const: (...v: number[]): Code => [...simd(0x0c), ...new Uint8Array(Int32Array.from(v.length === 1 ? [v[0]!, v[0]!, v[0]!, v[0]!] : v).buffer)],
  shl: [0x74],
  shrS: [0x75],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32Sqrt: [0x91],
  f32Load: (offset = 0): Code => [0x2a, ...mem(2, offset)],
  i32Load: (offset = 0): Code => [0x28, ...mem(2, offset)],
  ltU: [0x49],
  /** if (top of stack ≠ 0) { … } — close with `end`. */
  if: [0x04, 0x40],
  f32Store: (offset = 0): Code => [0x38, ...mem(2, offset)],
  /** Lanes 2, 3 of a f32x4 moved to lanes 0, 1 (then f64x2PromoteLowF32x4 widens them). */
  highHalfToLow: [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7],
  f32Div: [0x95],
  f32Max: [0x97],
  f32Const: (v: number): Code => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  f32x4Splat: simd(0x13),
  i32x4Splat: simd(0x11),
  f32x4ExtractLane: (lane: number): Code => [...simd(0x1f), lane],
  v128And: simd(0x4e),
  /** a & ~b */
  v128AndNot: simd(0x4f),
  /** bitselect(a, b, c) = (a & c) | (b & ~c) */
  v128Bitselect: simd(0x52),
  i32x4GtS: simd(0x3b),
  i32x4Add: simd(0xae),
  i32x4Shl: simd(0xab),
  i32x4ShrU: simd(0xad),
  i32x4Mul: simd(0xb5),
  i32x4GeS: simd(0x3f),
  v128Xor: simd(0x51),
  /** i8x16.shuffle of the two vectors on the stack by 16 byte indices (0–15 the first, 16–31 the second). */
  shuffle: (...lanes: number[]): Code => [...simd(0x0d), ...lanes],
  i32x4TruncSatF32x4S: simd(0xf8),
  f32x4Nearest: simd(0x6a),
  /** Loads two float32 into the low 64 bits (high bits zero). */
  v128Load64Zero: (offset = 0): Code => [...simd(0x5d), ...mem(3, offset)],
  f64x2PromoteLowF32x4: simd(0x5f),
  f64x2Add: simd(0xf0),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Max: simd(0xe9),
  f32x4Div: simd(0xe7),
  f32x4Sqrt: simd(0xe3),
  /** relaxed SIMD: a·b + c for operands pushed a, b, c; fused where the CPU can (see wasm-features.ts). */
  f32x4RelaxedMadd: simd(0x105),
  drop: [0x1a],
  f32Sub: [0x93],
};

const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];
const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const name = (s: string): Code => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));

export interface WasmFunction {
  name: string;
  /** Parameter types, e.g. [I32, I32, F32]. */
  params: number[];
  /** Extra locals by type, declared after the parameters. */
  locals: { count: number; type: number }[];
  body: Code;
}

/**
 * A module importing memory `env.memory` and exporting `fns`, each returning nothing.
 */
export function encodeModule(fns: WasmFunction[]): Uint8Array {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0]);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x00, 0x01]; // memory, no maximum, ≥ 1 page
  const bodies = fns.map((f) => {
    const locals = vec(f.locals.map((l) => [...uleb(l.count), l.type]));
    const code = [...locals, ...f.body, ...op.end];
    return [...uleb(code.length), ...code];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, vec(types)),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

/** local += by */
export const increment = (local: number, by: Code): Code => [...op.get(local), ...by, ...op.add, ...op.set(local)];

/** while (i < end) { body } — `body` advances i. */
export const forLoop = (i: number, end: number, body: Code): Code => [
  ...op.block, ...op.loop, ...op.get(i), ...op.get(end), ...op.geS, ...op.brIf(1), ...body, ...op.br(0), ...op.end, ...op.end,
];

/** The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const compileModule = (bytes: Uint8Array): object => new wasmApi.Module(bytes);

/** Instantiates a module from encodeModule on `memory`; returns its exports. */
export function instantiate<T>(module: object, memory: WasmMemory): T {
  return new wasmApi.Instance(module, { env: { memory } }).exports as T;
}

/** The export `name` of `module`, instantiated once per memory (each backend has its own). */
export function perMemory<T>(module: object, name: string): (memory: WasmMemory) => T {
  const cache = new WeakMap<WasmMemory, T>();
  return (memory) => {
    let f = cache.get(memory);
    if (!f) cache.set(memory, (f = instantiate<Record<string, unknown>>(module, memory)[name] as T));
    return f;
  };
}

export const isWasmMemory = (m: unknown): m is WasmMemory => m instanceof wasmApi.Memory;
