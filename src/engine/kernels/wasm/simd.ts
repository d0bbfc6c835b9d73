import * as v8 from 'node:v8';
import { Code as c, F32, I32, V128, assemble, forLoop, type FunctionSpec } from './assembler';
import { batchNormSpecs, type SimdBatchNormKernels } from './simd-batch-norm';
import { winogradSpecs, type SimdWinogradKernels } from './simd-winograd';

/**
 * Hand-written WebAssembly SIMD kernels that run on the wasm backend's heap (the module imports
 * the backend's memory, so arguments are byte addresses of tensors): the batch-norm block tail
 * (simd-batch-norm.ts), the Winograd convolution transforms (simd-winograd.ts) and:
 *
 * - `adam`: PyTorch's Adam over four lanes at a time, moments updated in place.
 * - `gemm`: C (+)= A B with B read in place (no packing, unlike XNNPACK's fully-connected
 *   operator, which packs its weight operand on every new tensor), A addressed through a row and
 *   a depth stride (so A or A^T), 4 x 8 register blocks. N must be a multiple of 8.
 */
export interface SimdKernels extends SimdBatchNormKernels, SimdWinogradKernels {
  /** n a multiple of 4; oneMinusBeta1/2 passed in (1 - beta computed in float32 loses digits). */
  adam(w: number, g: number, m: number, v: number, out: number, n: number, stepSize: number, secondCorrection: number, beta1: number, beta2: number, epsilon: number, oneMinusBeta1: number, oneMinusBeta2: number): void;
  /** Byte addresses and byte strides: A(r,k) at a + r*aRow + k*aDepth, B(k,j) at b + k*bRow + 4j, C(r,j) at c + r*cRow + 4j. */
  gemm(m: number, n: number, k: number, a: number, aRow: number, aDepth: number, b: number, bRow: number, c: number, cRow: number, accumulate: number): void;
  /** True where gemm blocks its operands for the caches itself (the native kernels): callers pass whole products. */
  readonly blocked?: boolean;
}

function adamSpec(): FunctionSpec {
  // params: 0 w, 1 g, 2 m, 3 v, 4 out, 5 n (a multiple of 4), 6 stepSize, 7 secondCorrection, 8 beta1, 9 beta2, 10 eps,
  // 11 1 - beta1, 12 1 - beta2
  const [w, g, m, v, out, n] = [0, 1, 2, 3, 4, 5];
  const [i, end, b1, b2, omb1, omb2, ss, sc, ep, gi, mi, vi] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
  const splat = (param: number, local: number) => [...c.get(param), ...c.f32x4Splat, ...c.set(local)];
  const at = (base: number) => [...c.get(base), ...c.get(i), ...c.i32Add];
  const body = [
    ...splat(8, b1),
    ...splat(9, b2),
    ...splat(11, omb1),
    ...splat(12, omb2),
    ...splat(6, ss),
    ...splat(7, sc),
    ...splat(10, ep),
    ...c.get(n), ...c.i32(2), ...c.i32Shl, ...c.set(end),
    ...forLoop(i, c.i32(0), end, 16, [
      ...at(g), ...c.v128Load(), ...c.set(gi),
      // m = beta1 m + (1 - beta1) g
      ...c.get(b1), ...at(m), ...c.v128Load(), ...c.f32x4Mul, ...c.get(omb1), ...c.get(gi), ...c.f32x4Mul, ...c.f32x4Add, ...c.set(mi),
      // v = beta2 v + (1 - beta2) g^2
      ...c.get(b2), ...at(v), ...c.v128Load(), ...c.f32x4Mul, ...c.get(omb2), ...c.get(gi), ...c.f32x4Mul, ...c.get(gi), ...c.f32x4Mul, ...c.f32x4Add, ...c.set(vi),
      ...at(m), ...c.get(mi), ...c.v128Store(),
      ...at(v), ...c.get(vi), ...c.v128Store(),
      // out = w - stepSize m / (sqrt(v) secondCorrection + eps)
      ...at(out),
      ...at(w), ...c.v128Load(),
      ...c.get(ss), ...c.get(mi), ...c.f32x4Mul,
      ...c.get(vi), ...c.f32x4Sqrt, ...c.get(sc), ...c.f32x4Mul, ...c.get(ep), ...c.f32x4Add,
      ...c.f32x4Div, ...c.f32x4Sub,
      ...c.v128Store(),
    ]),
  ];
  return { name: 'adam', params: [I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32], locals: [I32, I32, V128, V128, V128, V128, V128, V128, V128, V128, V128, V128], body };
}

/** `fused`: multiply-adds as relaxed-SIMD FMAs (half the arithmetic instructions; rounding once, not twice). */
function gemmSpec(fused: boolean): FunctionSpec {
  // params: 0 m, 1 n, 2 k, 3 a, 4 aRow, 5 aDepth, 6 b, 7 bRow, 8 c, 9 cRow, 10 accumulate
  const [M, N, K, A, aRow, aDepth, B, bRow, C, cRow, ACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  let next = 11;
  const local = () => next++;
  const jb = local(); // byte offset of the column strip
  const nb = local(); // n * 4
  const r = local();
  const rEnd = local(); // rows covered by 4-row blocks
  const p = local();
  const pa0 = local();
  const pa1 = local();
  const pa2 = local();
  const pa3 = local();
  const pb = local();
  const pc = local();
  const firstI32 = 11;
  const i32Count = next - firstI32;
  const acc = Array.from({ length: 8 }, () => local());
  const b0 = local();
  const b1 = local();
  const s = local();
  const v128Count = next - firstI32 - i32Count;
  /** acc += x * y */
  const multiplyAdd = (accumulator: number, x: number, y: number): number[] =>
    fused
      ? [...c.get(x), ...c.get(y), ...c.get(accumulator), ...c.f32x4RelaxedMadd, ...c.set(accumulator)]
      : [...c.get(accumulator), ...c.get(x), ...c.get(y), ...c.f32x4Mul, ...c.f32x4Add, ...c.set(accumulator)];

  const rowsBlock = (rows: number): number[] => {
    const pas = [pa0, pa1, pa2, pa3].slice(0, rows);
    const accs = acc.slice(0, 2 * rows);
    const init: number[] = [];
    // pc = C + r*cRow + jb
    init.push(...c.get(C), ...c.get(r), ...c.get(cRow), ...c.i32Mul, ...c.i32Add, ...c.get(jb), ...c.i32Add, ...c.set(pc));
    // Accumulators: zero, or C's current values.
    const zero = [...c.f32(0), ...c.f32x4Splat];
    for (let q = 0; q < rows; q++) {
      for (let h = 0; h < 2; h++) {
        init.push(
          ...c.block([
            ...zero, ...c.set(accs[2 * q + h]),
            ...c.get(ACC), ...c.i32Eqz, ...c.brIf(0),
            ...c.get(pc), ...c.get(cRow), ...c.i32(q), ...c.i32Mul, ...c.i32Add, ...c.v128Load(16 * h), ...c.set(accs[2 * q + h]),
          ]),
        );
      }
    }
    // Row pointers into A and the strip pointer into B.
    for (let q = 0; q < rows; q++) {
      init.push(...c.get(A), ...c.get(r), ...c.i32(q), ...c.i32Add, ...c.get(aRow), ...c.i32Mul, ...c.i32Add, ...c.set(pas[q]));
    }
    init.push(...c.get(B), ...c.get(jb), ...c.i32Add, ...c.set(pb));
    const inner: number[] = [
      ...c.get(pb), ...c.v128Load(0), ...c.set(b0),
      ...c.get(pb), ...c.v128Load(16), ...c.set(b1),
    ];
    for (let q = 0; q < rows; q++) {
      inner.push(
        ...c.get(pas[q]), ...c.loadSplat(), ...c.set(s),
        ...multiplyAdd(accs[2 * q], s, b0),
        ...multiplyAdd(accs[2 * q + 1], s, b1),
        ...c.get(pas[q]), ...c.get(aDepth), ...c.i32Add, ...c.set(pas[q]),
      );
    }
    inner.push(...c.get(pb), ...c.get(bRow), ...c.i32Add, ...c.set(pb));
    const store: number[] = [];
    for (let q = 0; q < rows; q++) {
      for (let h = 0; h < 2; h++) {
        store.push(...c.get(pc), ...c.get(cRow), ...c.i32(q), ...c.i32Mul, ...c.i32Add, ...c.get(accs[2 * q + h]), ...c.v128Store(16 * h));
      }
    }
    return [...init, ...forLoop(p, c.i32(0), K, 1, inner), ...store];
  };

  const body = [
    ...c.get(N), ...c.i32(2), ...c.i32Shl, ...c.set(nb),
    // rEnd = m - m % 4
    ...c.get(M), ...c.i32(-4), ...[0x71 /* i32.and */], ...c.set(rEnd),
    ...forLoop(jb, c.i32(0), nb, 32, [
      ...forLoop(r, c.i32(0), rEnd, 4, rowsBlock(4)),
      ...forLoop(r, c.get(rEnd), M, 1, rowsBlock(1)),
    ]),
  ];
  return {
    name: 'gemm',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [...new Array<typeof I32>(i32Count).fill(I32), ...new Array<typeof V128>(v128Count).fill(V128)],
    body,
  };
}

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmModule {
  readonly kind?: 'module';
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | null = null;
const instances = new WeakMap<WasmMemory, SimdKernels>();

/** The kernels bound to `memory` (the wasm backend's heap); compiled once per thread. */
export function simdKernels(memory: WasmMemory): SimdKernels {
  const known = instances.get(memory);
  if (known) return known;
  compiled ??= new wasmApi.Module(assemble([adamSpec(), gemmSpec(relaxedSimdSupported()), ...batchNormSpecs(), ...winogradSpecs()]));
  // Not named `exports`: CommonJS output refers to module exports by that name inside functions.
  const kernels = new wasmApi.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
  instances.set(memory, kernels);
  return kernels;
}

let relaxed: boolean | null = null;

/**
 * Whether relaxed SIMD (fused multiply-add) can be used: on by default from Node 22 (V8 11.4);
 * Node 20's V8 has it behind a flag, which is set here (V8 flags are process-wide, so worker
 * threads see it too). NIR_SSL_RELAXED_SIMD=0 keeps the plain SIMD kernels.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxed !== null) return relaxed;
  if (process.env.NIR_SSL_RELAXED_SIMD === '0') return (relaxed = false);
  const probe = (): boolean => {
    try {
      return wasmApi.validate(assemble([gemmSpec(true)]));
    } catch {
      return false;
    }
  };
  relaxed = probe();
  if (!relaxed) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = probe();
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}

/** Whether this JavaScript engine runs WebAssembly SIMD (Node 16.4+ does). */
export function simdSupported(): boolean {
  try {
    return wasmApi.validate(assemble([adamSpec(), gemmSpec(false), ...batchNormSpecs(), ...winogradSpecs()]));
  } catch {
    return false;
  }
}
