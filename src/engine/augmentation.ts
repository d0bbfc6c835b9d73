import type { Rng } from '../numeric/rng';

/**
 * Spectral augmentation for fine-tuning: each training spectrum of each batch gets a random
 * baseline offset, a random linear slope and a random multiplicative gain, the variations that
 * instruments and samples add to NIR spectra without changing their class (Bjerrum et al. 2017).
 * Applied to raw spectra, before input scaling. Offset and slope are in units of the training
 * set's global standard deviation; the slope is the offset reached at either end of the axis.
 */
export interface Augmentation {
  /** Half-width of the offset draw: u ~ U(-offset, offset) x std. */
  readonly offset: number;
  /** Half-width of the gain draw: x * (1 + u), u ~ U(-multiplication, multiplication). */
  readonly multiplication: number;
  /** Half-width of the slope draw: a line from -u x std to +u x std across the axis. */
  readonly slope: number;
}

export const SPECTRAL_AUGMENTATION: Augmentation = { offset: 0.1, multiplication: 0.1, slope: 0.05 };

/** Augments `rows` spectra of `cols` points in place; `std` is the training set's global std. */
export function augmentBatch(batch: Float32Array, rows: number, cols: number, augmentation: Augmentation, std: number, rng: Rng): void {
  const centre = (cols - 1) / 2 || 1;
  for (let r = 0; r < rows; r++) {
    const gain = 1 + rng.uniform(-augmentation.multiplication, augmentation.multiplication);
    const offset = rng.uniform(-augmentation.offset, augmentation.offset) * std;
    const slope = (rng.uniform(-augmentation.slope, augmentation.slope) * std) / centre;
    const row = r * cols;
    for (let c = 0; c < cols; c++) batch[row + c] = batch[row + c] * gain + offset + slope * (c - centre);
  }
}
