import { UserInputError } from '../errors';
import { matrix, type Matrix } from './matrix';

/**
 * Linear interpolation of spectra from one axis onto another (a spectrum measured on another
 * instrument's grid, onto a model's axis). Both axes must be strictly monotonic, in either
 * direction; the source must cover the target's whole range, since extrapolating a spectrum
 * invents data.
 */
export function resampleRows(x: Matrix, from: ArrayLike<number>, to: ArrayLike<number>, unit = ''): Matrix {
  if (from.length !== x.cols) throw new UserInputError(`the axis has ${from.length} values but the spectra have ${x.cols} points`);
  checkMonotonic(from, 'the spectra axis');
  const src = ascending(from);
  const lo = src.axis[0];
  const hi = src.axis[src.axis.length - 1];
  const targetMin = Math.min(to[0], to[to.length - 1]);
  const targetMax = Math.max(to[0], to[to.length - 1]);
  const tolerance = 1e-9 * Math.max(Math.abs(lo), Math.abs(hi), 1);
  if (targetMin < lo - tolerance || targetMax > hi + tolerance) {
    throw new UserInputError(
      `the spectra cover ${fmt(lo)}..${fmt(hi)}${unit}, but the model needs ${fmt(targetMin)}..${fmt(targetMax)}${unit}: the range is not covered`,
    );
  }
  // For each target point, the source interval and weight; then one pass per spectrum.
  const n = to.length;
  const left = new Int32Array(n);
  const weight = new Float64Array(n);
  let k = 0;
  for (let j = 0; j < n; j++) {
    const t = Math.min(Math.max(to[j], lo), hi);
    // Targets are not necessarily sorted: restart the search when they go backwards.
    if (k > 0 && src.axis[k] > t) k = 0;
    while (k < src.axis.length - 2 && src.axis[k + 1] < t) k++;
    const a = src.axis[k];
    const b = src.axis[k + 1];
    left[j] = k;
    weight[j] = b === a ? 0 : (t - a) / (b - a);
  }
  const out = new Float32Array(x.rows * n);
  for (let i = 0; i < x.rows; i++) {
    const row = i * x.cols;
    for (let j = 0; j < n; j++) {
      const p = src.order[left[j]];
      const q = src.order[left[j] + 1];
      const w = weight[j];
      out[i * n + j] = (1 - w) * x.data[row + p] + w * x.data[row + q];
    }
  }
  return matrix(x.rows, n, out);
}

/** True when two axes are the same grid (to a relative 1e-9). */
export function sameAxis(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) {
    if (Math.abs(a[j] - b[j]) > 1e-9 * Math.max(Math.abs(a[j]), 1)) return false;
  }
  return true;
}

function checkMonotonic(axis: ArrayLike<number>, what: string): void {
  if (axis.length < 2) throw new UserInputError(`${what} needs at least 2 points`);
  const direction = Math.sign(axis[1] - axis[0]);
  for (let j = 1; j < axis.length; j++) {
    if (!Number.isFinite(axis[j]) || Math.sign(axis[j] - axis[j - 1]) !== direction || direction === 0) {
      throw new UserInputError(`${what} must be strictly increasing or decreasing (position ${j})`);
    }
  }
}

function ascending(axis: ArrayLike<number>): { axis: Float64Array; order: Int32Array } {
  const n = axis.length;
  const reversed = axis[n - 1] < axis[0];
  const order = Int32Array.from({ length: n }, (_, j) => (reversed ? n - 1 - j : j));
  return { axis: Float64Array.from(order, (j) => axis[j]), order };
}

function fmt(v: number): string {
  return Number(v.toPrecision(7)).toString();
}
