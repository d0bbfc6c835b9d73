import { scratchArena } from '../../../engine/kernels/wasm/arena';
import { gemm } from '../../../engine/kernels/wasm/heap';
import { UserInputError } from '../../../errors';
import type { Matrix } from '../../../numeric/matrix';

/**
 * Dense float64 kernels on row-major typed arrays for the baselines. Written out rather than via
 * ml-matrix because the models keep their state in typed arrays (see codec.ts) and the
 * loops below are as fast as ml-matrix's on these sizes, without the conversions. The large
 * products whose precision allows it go to the engine's float32 SIMD gemm instead.
 */
export function toFloat64(m: Matrix): Float64Array {
  return Float64Array.from(m.data);
}

/**
 * A (n x p) times B (p x m), into `out` when given (n x m, overwritten). Four rows of A at a
 * time, so that each row of B is read once per four output rows: about twice as fast in V8.
 */
export function multiply(a: Float64Array, n: number, p: number, b: Float64Array, m: number, out: Float64Array = new Float64Array(n * m)): Float64Array {
  out.fill(0, 0, n * m);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o0 = i * m;
    const o1 = o0 + m;
    const o2 = o1 + m;
    const o3 = o2 + m;
    for (let k = 0; k < p; k++) {
      const a0 = a[i * p + k];
      const a1 = a[(i + 1) * p + k];
      const a2 = a[(i + 2) * p + k];
      const a3 = a[(i + 3) * p + k];
      const bRow = k * m;
      for (let j = 0; j < m; j++) {
        const bkj = b[bRow + j];
        out[o0 + j] += a0 * bkj;
        out[o1 + j] += a1 * bkj;
        out[o2 + j] += a2 * bkj;
        out[o3 + j] += a3 * bkj;
      }
    }
  }
  for (; i < n; i++) {
    const outRow = i * m;
    for (let k = 0; k < p; k++) {
      const aik = a[i * p + k];
      const bRow = k * m;
      for (let j = 0; j < m; j++) out[outRow + j] += aik * b[bRow + j];
    }
  }
  return out;
}

/**
 * A (n x p) times B^T where B is m x p: every row of A dotted with every row of B, into `out`
 * when given (n x m). The fastest product here: both operands are read along contiguous rows and
 * a 4 x 4 block of sums stays in registers (about 1.4 GMAC/s in V8, 2.5x the axpy form), so
 * the MLP keeps its first-layer weights transposed to use it.
 */
export function multiplyTransposed(a: Float64Array, n: number, p: number, b: Float64Array, m: number, out: Float64Array = new Float64Array(n * m)): Float64Array {
  return blockedProductTransposed(a, n, p, b, m, out, false);
}

/**
 * The Gram matrix A A^T (n x n) of A (n x p): multiplyTransposed(a, n, p, a, n) with half the
 * work. Only blocks on and above the diagonal are summed, the rest mirrored; each entry is the
 * same sum in the same order, so the result is identical.
 */
export function gramRows(a: Float64Array, n: number, p: number): Float64Array {
  const out = blockedProductTransposed(a, n, p, a, n, new Float64Array(n * n), true);
  for (let r = 0; r < n; r++) for (let c = 0; c < r; c++) out[r * n + c] = out[c * n + r];
  return out;
}

/** A B^T by 4 x 4 register blocks; `upper`: only the blocks that reach the diagonal or above (A = B). */
function blockedProductTransposed(a: Float64Array, n: number, p: number, b: Float64Array, m: number, out: Float64Array, upper: boolean): Float64Array {
  const n4 = n - (n % 4);
  const m4 = m - (m % 4);
  for (let i = 0; i < n4; i += 4) {
    const a0 = i * p;
    const a1 = a0 + p;
    const a2 = a1 + p;
    const a3 = a2 + p;
    for (let j = upper ? i : 0; j < m4; j += 4) {
      const b0 = j * p;
      const b1 = b0 + p;
      const b2 = b1 + p;
      const b3 = b2 + p;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0; // prettier-ignore
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0; // prettier-ignore
      for (let k = 0; k < p; k++) {
        const x0 = a[a0 + k];
        const x1 = a[a1 + k];
        const x2 = a[a2 + k];
        const x3 = a[a3 + k];
        const y0 = b[b0 + k];
        const y1 = b[b1 + k];
        const y2 = b[b2 + k];
        const y3 = b[b3 + k];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3; // prettier-ignore
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3; // prettier-ignore
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3; // prettier-ignore
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3; // prettier-ignore
      }
      const o = i * m + j;
      out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03; // prettier-ignore
      out[o + m] = s10; out[o + m + 1] = s11; out[o + m + 2] = s12; out[o + m + 3] = s13; // prettier-ignore
      out[o + 2 * m] = s20; out[o + 2 * m + 1] = s21; out[o + 2 * m + 2] = s22; out[o + 2 * m + 3] = s23; // prettier-ignore
      out[o + 3 * m] = s30; out[o + 3 * m + 1] = s31; out[o + 3 * m + 2] = s32; out[o + 3 * m + 3] = s33; // prettier-ignore
    }
    for (let r = i; r < i + 4; r++) for (let j = m4; j < m; j++) out[r * m + j] = rowDot(a, r * p, b, j * p, p);
  }
  for (let r = n4; r < n; r++) for (let j = upper ? r : 0; j < m; j++) out[r * m + j] = rowDot(a, r * p, b, j * p, p);
  return out;
}

/** The SIMD gemm writes a multiple of 8 columns. */
const GEMM_WIDTH = 8;
/** Tile edge of the blocked transpose (two 32 x 32 tiles of float64 and float32 stay in L1). */
const TILE = 32;

/**
 * multiplyTransposed in float32 on the engine's WebAssembly SIMD gemm (several times the float64
 * loops above), result widened to float64. For products of data with random or learnt weights
 * whose float32 rounding (1e-7 relative) is far below what the model resolves, e.g. ELM's hidden
 * layer; not for Gram matrices that a solve amplifies. The gemm reads its right operand as rows,
 * so the smaller operand is transposed: A B^T directly, or (B A^T)^T.
 */
export function multiplyTransposedFloat32(a: Float64Array, n: number, p: number, b: Float64Array, m: number): Float64Array {
  const transposedA = n < m;
  const [left, leftRows, right, rightRows] = transposedA ? [b, m, a, n] : [a, n, b, m];
  const width = Math.ceil(rightRows / GEMM_WIDTH) * GEMM_WIDTH;
  const arena = scratchArena([leftRows * p, p * width, leftRows * width]);
  const leftBuffer = arena.allocate(leftRows * p);
  const rightBuffer = arena.allocate(p * width);
  const product = arena.allocate(leftRows * width);
  leftBuffer.view.set(left);
  transposeInto(right, rightRows, p, rightBuffer.view, width);
  gemm(arena.kernels, leftRows, width, p, leftBuffer.address, p, 1, rightBuffer.address, product.address, false);
  const out = new Float64Array(n * m);
  const c = product.view;
  if (transposedA) for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) out[i * m + j] = c[j * width + i];
  else for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = c[i * width + j];
  return out;
}

/** out[k * stride + i] = a[i * cols + k] for A rows x cols, tile by tile (a plain transpose misses the cache on every write). */
function transposeInto(a: Float64Array, rows: number, cols: number, out: Float32Array, stride: number): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const iEnd = Math.min(rows, i0 + TILE);
    for (let k0 = 0; k0 < cols; k0 += TILE) {
      const kEnd = Math.min(cols, k0 + TILE);
      for (let k = k0; k < kEnd; k++) for (let i = i0; i < iEnd; i++) out[k * stride + i] = a[i * cols + k];
    }
  }
}

function rowDot(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, p: number): number {
  let sum = 0;
  for (let k = 0; k < p; k++) sum += a[aOffset + k] * b[bOffset + k];
  return sum;
}

/** The transpose of A (n x p), into `out` when given (p x n). */
export function transpose(a: Float64Array, n: number, p: number, out: Float64Array = new Float64Array(n * p)): Float64Array {
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) out[k * n + i] = a[i * p + k];
  return out;
}

/** A^T (p x n) times B (n x m), for A n x p, into `out` when given (p x m, overwritten); four rows of A and B per pass. */
export function transposeMultiply(a: Float64Array, n: number, p: number, b: Float64Array, m: number, out: Float64Array = new Float64Array(p * m)): Float64Array {
  out.fill(0, 0, p * m);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const b0 = i * m;
    const b1 = b0 + m;
    const b2 = b1 + m;
    const b3 = b2 + m;
    for (let k = 0; k < p; k++) {
      const a0 = a[i * p + k];
      const a1 = a[(i + 1) * p + k];
      const a2 = a[(i + 2) * p + k];
      const a3 = a[(i + 3) * p + k];
      const outRow = k * m;
      for (let j = 0; j < m; j++) out[outRow + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
    }
  }
  for (; i < n; i++) {
    for (let k = 0; k < p; k++) {
      const aik = a[i * p + k];
      const outRow = k * m;
      const bRow = i * m;
      for (let j = 0; j < m; j++) out[outRow + j] += aik * b[bRow + j];
    }
  }
  return out;
}

/** Squared norm of each row. */
export function rowSquaredNorms(a: Float64Array, n: number, p: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < p; k++) sum += a[i * p + k] * a[i * p + k];
    out[i] = sum;
  }
  return out;
}

/** Squared Euclidean distances between the rows of A (n x p) and of B (m x p), clipped at 0. */
export function squaredDistances(a: Float64Array, n: number, b: Float64Array, m: number, p: number): Float64Array {
  const dots = multiplyTransposed(a, n, p, b, m);
  const aNorms = rowSquaredNorms(a, n, p);
  const bNorms = rowSquaredNorms(b, m, p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) dots[i * m + j] = Math.max(0, aNorms[i] + bNorms[j] - 2 * dots[i * m + j]);
  }
  return dots;
}

/**
 * Solves G X = B for symmetric positive definite G (n x n) and B (n x m) by Cholesky. G is not
 * modified. Throws when G is not positive definite (e.g. a ridge of 0 on a singular system).
 */
export function choleskySolve(g: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = g[j * n + j];
    for (let k = 0; k < j; k++) diagonal -= l[j * n + k] * l[j * n + k];
    if (!(diagonal > 0)) throw new UserInputError('the regularised system is not positive definite; increase the ridge parameter');
    const ljj = Math.sqrt(diagonal);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = g[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = sum / ljj;
    }
  }
  const x = Float64Array.from(b);
  // Forward substitution L Z = B, then back substitution L^T X = Z, all right-hand sides at once.
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k];
      for (let c = 0; c < m; c++) x[i * m + c] -= lik * x[k * m + c];
    }
    for (let c = 0; c < m; c++) x[i * m + c] /= l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i];
      for (let c = 0; c < m; c++) x[i * m + c] -= lki * x[k * m + c];
    }
    for (let c = 0; c < m; c++) x[i * m + c] /= l[i * n + i];
  }
  return x;
}

/** Column means of A (n x p). */
export function columnMeans(a: Float64Array, n: number, p: number): Float64Array {
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) mean[k] += a[i * p + k];
  for (let k = 0; k < p; k++) mean[k] /= n;
  return mean;
}

/** One-hot encoding of class indices (n x nClasses). */
export function oneHot(y: Int32Array, nClasses: number): Float64Array {
  const out = new Float64Array(y.length * nClasses);
  for (let i = 0; i < y.length; i++) out[i * nClasses + y[i]] = 1;
  return out;
}

/** Row-wise softmax in place (numerically stable). */
export function softmaxRows(scores: Float64Array, n: number, c: number): Float64Array {
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, scores[i * c + j]);
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(scores[i * c + j] - max);
      scores[i * c + j] = e;
      sum += e;
    }
    for (let j = 0; j < c; j++) scores[i * c + j] /= sum;
  }
  return scores;
}
