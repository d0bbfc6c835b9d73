import { columnMeanStd, globalMeanStd, matrix, type Matrix } from '../numeric/matrix';

/**
 * Input scaling of the CNN, fitted on training spectra: "global" (METHOD.md's default: one mean
 * and one std for all values, which keeps each spectrum's shape), "autoscale" (per wavelength)
 * or "none".
 */
export type ScalingMode = 'global' | 'autoscale' | 'none';
export const SCALING_MODES: readonly ScalingMode[] = ['global', 'autoscale', 'none'];

export interface ScalerState {
  readonly mode: ScalingMode;
  /** One value (global), one per wavelength (autoscale) or none. */
  readonly mean: number[];
  readonly std: number[];
}

export function fitScaler(mode: ScalingMode, x: Matrix): ScalerState {
  const floor = (s: number): number => (s > 1e-12 ? s : 1);
  if (mode === 'global') {
    const { mean, std } = globalMeanStd(x);
    return { mode, mean: [mean], std: [floor(std)] };
  }
  if (mode === 'autoscale') {
    const { mean, std } = columnMeanStd(x);
    return { mode, mean: Array.from(mean), std: Array.from(std, floor) };
  }
  return { mode, mean: [], std: [] };
}

export function applyScaler(state: ScalerState, x: Matrix): Matrix {
  if (state.mode === 'none') return x;
  if (state.mode === 'autoscale' && state.mean.length !== x.cols) {
    throw new RangeError(`scaler fitted on ${state.mean.length} wavelengths, got ${x.cols}`);
  }
  const out = new Float32Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < x.cols; c++) {
      const k = state.mode === 'global' ? 0 : c;
      out[r * x.cols + c] = (x.data[r * x.cols + c] - state.mean[k]) / state.std[k];
    }
  }
  return matrix(x.rows, x.cols, out);
}
