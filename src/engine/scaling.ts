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
  const out = new Float32Array(x.data);
  scaleRowsInPlace(state, out, x.rows, x.cols);
  return matrix(x.rows, x.cols, out);
}

/** Scales `rows` spectra of `cols` points in place (row-major). */
export function scaleRowsInPlace(state: ScalerState, data: Float32Array, rows: number, cols: number): void {
  if (state.mode === 'none') return;
  if (state.mode === 'autoscale' && state.mean.length !== cols) {
    throw new RangeError(`scaler fitted on ${state.mean.length} wavelengths, got ${cols}`);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const k = state.mode === 'global' ? 0 : c;
      data[r * cols + c] = (data[r * cols + c] - state.mean[k]) / state.std[k];
    }
  }
}
