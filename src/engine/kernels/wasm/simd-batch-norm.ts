import { Code as c, F32, I32, V128, forLoop, type FunctionSpec } from './assembler';

/**
 * SIMD pieces of the batch-norm + ReLU + max-pool block tail (see ../fused.ts for the
 * mathematics and the plain JavaScript version) and the bias + ReLU epilogue of the gemm
 * convolutions. Data are rows of `channels` float32 values
 * (channels a multiple of 4, so a row is a whole number of 16-byte vectors); per-channel vectors
 * (mean, scale, ...) are arrays of `channels` floats on the heap. All addresses are in bytes.
 * Sums are float32 over the rows of one call: callers keep calls short (a chunk of rows, one
 * sample) and add the partial sums in float64.
 */
export interface SimdBatchNormKernels {
  /** out[c] += sum over rows of x[r, c]. */
  columnSum(x: number, rows: number, rowBytes: number, out: number): void;
  /** out[c] += sum over rows of (x[r, c] - mean[c])^2. */
  columnSquaredDeviation(x: number, rows: number, rowBytes: number, mean: number, out: number): void;
  /** One sample: y[i, c] = max(0, x[2i, c] scale[c] + shift[c], x[2i + 1, c] scale[c] + shift[c]). */
  scaleReluPool(x: number, pooled: number, rowBytes: number, scale: number, shift: number, y: number): void;
  /**
   * One sample, backward through the pool and the ReLU: dz (gradient at the batch-norm output,
   * zero at the positions the pool did not pick) and, added to dgamma and dbeta, the parameter
   * gradients.
   */
  reluPoolGrad(x: number, dy: number, pooled: number, rowBytes: number, mean: number, invStd: number, gamma: number, beta: number, dz: number, dgamma: number, dbeta: number): void;
  /** dx = k1 dz + k2 (x - mean) + k3, per channel coefficients (the batch-norm input gradient). */
  normInputGrad(x: number, dz: number, rows: number, rowBytes: number, mean: number, k1: number, k2: number, k3: number, dx: number): void;
  /** y[r, c] = max(y[r, c] + bias[c], floor) in place: floor 0 is a ReLU, -Infinity none. */
  biasActivation(y: number, rows: number, rowBytes: number, bias: number, floor: number): void;
}

const load = (base: number, offset: number): number[] => [...c.get(base), ...c.get(offset), ...c.i32Add, ...c.v128Load()];
const at = (base: number, offset: number): number[] => [...c.get(base), ...c.get(offset), ...c.i32Add];

/** Locals after `params` parameters: `i32s` i32 locals then `v128s` v128 locals, numbered in order. */
function locals(params: number, i32s: number, v128s: number): { i32: number[]; v128: number[]; types: (typeof I32 | typeof V128)[] } {
  const i32 = Array.from({ length: i32s }, (_, k) => params + k);
  const v128 = Array.from({ length: v128s }, (_, k) => params + i32s + k);
  return { i32, v128, types: [...new Array<typeof I32>(i32s).fill(I32), ...new Array<typeof V128>(v128s).fill(V128)] };
}

/** out[c] += f(x[r, c]) over rows, where `term` leaves f(x) on the stack given the x vector in local `xv`. */
function columnReduceSpec(name: string, extraParams: number, term: (xv: number, cb: number) => number[]): FunctionSpec {
  // params: 0 x, 1 rows, 2 rowBytes, [3 mean], then out
  const [X, ROWS, ROW] = [0, 1, 2];
  const OUT = 3 + extraParams;
  const params = 4 + extraParams;
  const l = locals(params, 3, 1);
  const [p, end, cb] = l.i32;
  const [xv] = l.v128;
  const body = [
    ...c.get(X), ...c.get(ROWS), ...c.get(ROW), ...c.i32Mul, ...c.i32Add, ...c.set(end),
    ...forLoop(p, c.get(X), end, { local: ROW }, [
      ...forLoop(cb, c.i32(0), ROW, 16, [
        ...load(p, cb), ...c.set(xv),
        ...at(OUT, cb),
        ...load(OUT, cb), ...term(xv, cb), ...c.f32x4Add,
        ...c.v128Store(),
      ]),
    ]),
  ];
  return { name, params: new Array<typeof I32>(params).fill(I32), locals: l.types, body };
}

function scaleReluPoolSpec(): FunctionSpec {
  // params: 0 x, 1 pooled, 2 rowBytes, 3 scale, 4 shift, 5 y
  const [X, POOLED, ROW, SCALE, SHIFT, Y] = [0, 1, 2, 3, 4, 5];
  const l = locals(6, 5, 4);
  const [i, cb, px, py, px1] = l.i32;
  const [scale, shift, z0, zero] = l.v128;
  const body = [
    ...c.f32(0), ...c.f32x4Splat, ...c.set(zero),
    ...c.get(X), ...c.set(px),
    ...c.get(Y), ...c.set(py),
    ...forLoop(i, c.i32(0), POOLED, 1, [
      ...c.get(px), ...c.get(ROW), ...c.i32Add, ...c.set(px1),
      ...forLoop(cb, c.i32(0), ROW, 16, [
        ...load(SCALE, cb), ...c.set(scale),
        ...load(SHIFT, cb), ...c.set(shift),
        ...load(px, cb), ...c.get(scale), ...c.f32x4Mul, ...c.get(shift), ...c.f32x4Add, ...c.set(z0),
        ...at(py, cb),
        ...load(px1, cb), ...c.get(scale), ...c.f32x4Mul, ...c.get(shift), ...c.f32x4Add,
        ...c.get(z0), ...c.f32x4Max, ...c.get(zero), ...c.f32x4Max,
        ...c.v128Store(),
      ]),
      ...c.get(px1), ...c.get(ROW), ...c.i32Add, ...c.set(px),
      ...c.get(py), ...c.get(ROW), ...c.i32Add, ...c.set(py),
    ]),
  ];
  return { name: 'scaleReluPool', params: new Array<typeof I32>(6).fill(I32), locals: l.types, body };
}

function reluPoolGradSpec(): FunctionSpec {
  // params: 0 x, 1 dy, 2 pooled, 3 rowBytes, 4 mean, 5 invStd, 6 gamma, 7 beta, 8 dz, 9 dgamma, 10 dbeta
  const [X, DY, POOLED, ROW, MEAN, INV, GAMMA, BETA, DZ, DGAMMA, DBETA] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const l = locals(11, 6, 11);
  const [i, cb, px, pdy, pdz, twoRows] = l.i32;
  const [mu, inv, g, b, h0, h1, z0, z1, first, grad, zero] = l.v128;
  const normalised = (rowOffset: number[]): number[] => [
    ...c.get(px), ...rowOffset, ...c.get(cb), ...c.i32Add, ...c.v128Load(), ...c.get(mu), ...c.f32x4Sub, ...c.get(inv), ...c.f32x4Mul,
  ];
  const body = [
    ...c.f32(0), ...c.f32x4Splat, ...c.set(zero),
    ...c.get(ROW), ...c.i32(1), ...c.i32Shl, ...c.set(twoRows),
    ...c.get(X), ...c.set(px),
    ...c.get(DY), ...c.set(pdy),
    ...c.get(DZ), ...c.set(pdz),
    ...forLoop(i, c.i32(0), POOLED, 1, [
      ...forLoop(cb, c.i32(0), ROW, 16, [
        ...load(MEAN, cb), ...c.set(mu),
        ...load(INV, cb), ...c.set(inv),
        ...load(GAMMA, cb), ...c.set(g),
        ...load(BETA, cb), ...c.set(b),
        ...normalised([]), ...c.set(h0),
        ...normalised([...c.get(ROW), ...c.i32Add]), ...c.set(h1),
        // z = h gamma + beta at both positions; the pool picks the first where z0 >= z1
        ...c.get(h0), ...c.get(g), ...c.f32x4Mul, ...c.get(b), ...c.f32x4Add, ...c.set(z0),
        ...c.get(h1), ...c.get(g), ...c.f32x4Mul, ...c.get(b), ...c.f32x4Add, ...c.set(z1),
        ...c.get(z0), ...c.get(z1), ...c.f32x4Ge, ...c.set(first),
        // the ReLU passes dy where the picked z > 0
        ...load(pdy, cb),
        ...c.get(z0), ...c.get(z1), ...c.get(first), ...c.bitselect, ...c.get(zero), ...c.f32x4Gt,
        ...c.v128And, ...c.set(grad),
        ...at(pdz, cb), ...c.get(grad), ...c.get(first), ...c.v128And, ...c.v128Store(),
        ...c.get(pdz), ...c.get(ROW), ...c.i32Add, ...c.get(cb), ...c.i32Add, ...c.get(grad), ...c.get(first), ...c.v128AndNot, ...c.v128Store(),
        ...at(DBETA, cb), ...load(DBETA, cb), ...c.get(grad), ...c.f32x4Add, ...c.v128Store(),
        ...at(DGAMMA, cb), ...load(DGAMMA, cb),
        ...c.get(grad), ...c.get(h0), ...c.get(h1), ...c.get(first), ...c.bitselect, ...c.f32x4Mul,
        ...c.f32x4Add, ...c.v128Store(),
      ]),
      ...c.get(px), ...c.get(twoRows), ...c.i32Add, ...c.set(px),
      ...c.get(pdz), ...c.get(twoRows), ...c.i32Add, ...c.set(pdz),
      ...c.get(pdy), ...c.get(ROW), ...c.i32Add, ...c.set(pdy),
    ]),
  ];
  return { name: 'reluPoolGrad', params: new Array<typeof I32>(11).fill(I32), locals: l.types, body };
}

function normInputGradSpec(): FunctionSpec {
  // params: 0 x, 1 dz, 2 rows, 3 rowBytes, 4 mean, 5 k1, 6 k2, 7 k3, 8 dx
  const [X, DZ, ROWS, ROW, MEAN, K1, K2, K3, DX] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const l = locals(9, 3, 0);
  const [p, end, cb] = l.i32;
  const atRow = (base: number): number[] => [...c.get(base), ...c.get(p), ...c.i32Add, ...c.get(cb), ...c.i32Add];
  const body = [
    ...c.get(ROWS), ...c.get(ROW), ...c.i32Mul, ...c.set(end),
    ...forLoop(p, c.i32(0), end, { local: ROW }, [
      ...forLoop(cb, c.i32(0), ROW, 16, [
        ...atRow(DX),
        ...load(K1, cb), ...atRow(DZ), ...c.v128Load(), ...c.f32x4Mul,
        ...load(K2, cb), ...atRow(X), ...c.v128Load(), ...load(MEAN, cb), ...c.f32x4Sub, ...c.f32x4Mul,
        ...c.f32x4Add,
        ...load(K3, cb), ...c.f32x4Add,
        ...c.v128Store(),
      ]),
    ]),
  ];
  return { name: 'normInputGrad', params: new Array<typeof I32>(9).fill(I32), locals: l.types, body };
}

function biasActivationSpec(): FunctionSpec {
  // params: 0 y, 1 rows, 2 rowBytes, 3 bias, 4 floor (f32)
  const [Y, ROWS, ROW, BIAS, FLOOR] = [0, 1, 2, 3, 4];
  const l = locals(5, 3, 1);
  const [p, end, cb] = l.i32;
  const [floor] = l.v128;
  const body = [
    ...c.get(FLOOR), ...c.f32x4Splat, ...c.set(floor),
    ...c.get(Y), ...c.get(ROWS), ...c.get(ROW), ...c.i32Mul, ...c.i32Add, ...c.set(end),
    ...forLoop(p, c.get(Y), end, { local: ROW }, [
      ...forLoop(cb, c.i32(0), ROW, 16, [
        ...at(p, cb),
        ...load(p, cb), ...load(BIAS, cb), ...c.f32x4Add, ...c.get(floor), ...c.f32x4Max,
        ...c.v128Store(),
      ]),
    ]),
  ];
  return { name: 'biasActivation', params: [I32, I32, I32, I32, F32], locals: l.types, body };
}

export function batchNormSpecs(): FunctionSpec[] {
  const MEAN = 3;
  return [
    columnReduceSpec('columnSum', 0, (xv) => c.get(xv)),
    columnReduceSpec('columnSquaredDeviation', 1, (xv, cb) => [
      ...c.get(xv), ...load(MEAN, cb), ...c.f32x4Sub, ...c.tee(xv), ...c.get(xv), ...c.f32x4Mul,
    ]),
    scaleReluPoolSpec(),
    reluPoolGradSpec(),
    normInputGradSpec(),
    biasActivationSpec(),
  ];
}
