/**
 * A minimal WebAssembly binary writer for the project's SIMD kernels: one module of functions
 * over an imported memory (the wasm backend's own heap, so kernels work on tensors in place).
 * Only what those kernels need: i32/f32/v128 locals, loops, blocks and the opcodes below.
 * Function bodies are built with the `Code` helpers; WebAssembly.validate checks the result.
 */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof V128;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function f32Bytes(value: number): number[] {
  return [...new Uint8Array(new Float32Array([value]).buffer)];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Instruction builders; each returns the instruction's bytes. Memory offsets are byte offsets. */
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
export const Code = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  f32: (v: number) => [0x43, ...f32Bytes(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32LtS: [0x48],
  i32GeS: [0x4e],
  i32Eqz: [0x45],
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  f32Max: [0x97],
  v128Load: (offset = 0) => [...simd(0x00), 0, ...uleb(offset)],
  v128Store: (offset = 0) => [...simd(0x0b), 0, ...uleb(offset)],
  /** Loads one f32 and replicates it to the four lanes. */
  loadSplat: (offset = 0) => [...simd(0x09), 2, ...uleb(offset)],
  f32x4Splat: simd(0x13),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f32x4Sqrt: simd(0xe3),
  f32x4Max: simd(0xe9),
  /** Relaxed SIMD: a * b + c, one fused multiply-add where the processor has FMA. */
  f32x4RelaxedMadd: simd(0x105),
  f32x4Ge: simd(0x46),
  f32x4Gt: simd(0x44),
  v128And: simd(0x4e),
  /** a & ~b */
  v128AndNot: simd(0x4f),
  bitselect: simd(0x52),
  drop: [0x1a],
  /** block ... end / loop ... end (no result); br_if depth. */
  block: (body: number[]) => [0x02, 0x40, ...body, 0x0b],
  loop: (body: number[]) => [0x03, 0x40, ...body, 0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
} as const;

/**
 * `for (i = from; i < to; i += step) body` as block/loop; `i`, `to` are locals, step a constant
 * or `{ local }`, a local holding it.
 */
export function forLoop(i: number, from: number[], to: number, step: number | { local: number }, body: number[]): number[] {
  const c = Code;
  return [
    ...from,
    ...c.set(i),
    ...c.block([
      ...c.get(i),
      ...c.get(to),
      ...c.i32GeS,
      ...c.brIf(0),
      ...c.loop([...body, ...c.get(i), ...(typeof step === 'number' ? c.i32(step) : c.get(step.local)), ...c.i32Add, ...c.tee(i), ...c.get(to), ...c.i32LtS, ...c.brIf(0)]),
    ]),
  ];
}

export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly ValueType[];
  /** Extra locals after the parameters. */
  readonly locals: readonly ValueType[];
  readonly body: number[];
}

/** The module's bytes: memory imported as env.memory, every function exported under its name. */
export function assemble(functions: readonly FunctionSpec[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), 0]);
  const imports = [[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]];
  const funcs = functions.map((_, i) => uleb(i));
  const exportEntries = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(funcs)),
    ...section(7, vector(exportEntries)),
    ...section(10, vector(bodies)),
  ]);
}
