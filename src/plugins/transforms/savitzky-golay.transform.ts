import { ParamError } from '../params';
import { defineTransform } from './base';
import { basisDerivative, orthonormalBasis, unitGrid } from './polynomial';

interface SavitzkyGolayParams {
  readonly window: number;
  readonly polyOrder: number;
  readonly derivative: number;
  readonly delta: number;
}

/**
 * Savitzky-Golay smoothing or derivative: a least-squares polynomial fitted in a sliding window.
 * Edges as scipy.signal.savgol_filter(mode='interp'): the first and last window/2 points take
 * the polynomial fitted to the first (last) full window, evaluated at their own position.
 */
export const savitzkyGolayTransform = defineTransform<SavitzkyGolayParams>({
  name: 'savitzky-golay',
  description: 'Savitzky-Golay smoothing or 1st/2nd derivative (least-squares polynomial in a sliding window)',
  tags: ['preprocessing', 'smoothing', 'derivative'],
  params: {
    window: { type: 'integer', default: 11, min: 3, max: 1001, description: 'Window length in points (odd)' },
    polyOrder: { type: 'integer', default: 2, min: 0, max: 10, description: 'Order of the fitted polynomial (< window)' },
    derivative: { type: 'integer', default: 0, min: 0, max: 2, description: 'Derivative order: 0 smooths, 1 or 2 differentiates' },
    delta: { type: 'number', default: 1, min: 0, exclusiveMin: true, description: 'Spacing between points, scales derivatives' },
  },
  checkParams: ({ window, polyOrder, derivative }) => {
    if (window % 2 !== 1) throw new ParamError('savitzky-golay', 'window', `must be odd, got ${window}`);
    if (polyOrder >= window) throw new ParamError('savitzky-golay', 'polyOrder', `must be < window (${window}), got ${polyOrder}`);
    if (derivative > polyOrder) {
      throw new ParamError('savitzky-golay', 'derivative', `must be <= polyOrder (${polyOrder}), got ${derivative}`);
    }
  },
  minCols: (params) => params.window,
  apply: (x, out, { params }) => {
    const { rows, cols, data } = x;
    const window = params.window;
    const half = (window - 1) / 2;
    const weights = savitzkyGolayWeights(params);
    const centre = weights.subarray(half * window, (half + 1) * window);
    for (let r = 0; r < rows; r++) {
      const start = r * cols;
      for (let j = half; j < cols - half; j++) {
        const first = start + j - half;
        let sum = 0;
        for (let k = 0; k < window; k++) sum += centre[k] * data[first + k];
        out[start + j] = sum;
      }
      for (let p = 0; p < half; p++) {
        out[start + p] = dot(weights, p * window, data, start, window);
        const q = window - 1 - p;
        out[start + cols - 1 - p] = dot(weights, q * window, data, start + cols - window, window);
      }
    }
  },
});

/**
 * weights[p * window + i]: weight of window point i in the value (or derivative) at window
 * point p of the least-squares polynomial; row (window - 1) / 2 is the usual centred filter.
 */
export function savitzkyGolayWeights(params: Omit<SavitzkyGolayParams, 'delta'> & { delta?: number }): Float64Array {
  const { window, polyOrder, derivative } = params;
  const half = (window - 1) / 2;
  const basis = orthonormalBasis(unitGrid(window), polyOrder);
  // The grid spans [-1, 1], i.e. one unit per `half` points: each derivative gains 1 / half.
  const scale = (half * (params.delta ?? 1)) ** -derivative;
  const weights = new Float64Array(window * window);
  for (let p = 0; p < window; p++) {
    const at = (p - half) / half;
    for (let k = 0; k <= polyOrder; k++) {
      const slope = basisDerivative(basis, k, derivative, at) * scale;
      for (let i = 0; i < window; i++) weights[p * window + i] += basis.values[k * window + i] * slope;
    }
  }
  return weights;
}

function dot(weights: Float64Array, offset: number, data: Float32Array, start: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += weights[offset + i] * data[start + i];
  return sum;
}
