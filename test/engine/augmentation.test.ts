import { augmentBatch, type Augmentation } from '../../src/engine/augmentation';
import { Rng } from '../../src/numeric/rng';

const COLS = 9;
const SPECTRAL: Augmentation = { offset: 0.1, multiplication: 0.1, slope: 0.05 };
const spectrum = Float32Array.from({ length: COLS }, (_, c) => 1 + Math.sin(c));

function augmented(augmentation: Augmentation, rows = 50, seed = 1): Float32Array {
  const batch = new Float32Array(rows * COLS);
  for (let r = 0; r < rows; r++) batch.set(spectrum, r * COLS);
  augmentBatch(batch, rows, COLS, augmentation, 2, new Rng(seed));
  return batch;
}

describe('spectral augmentation', () => {
  it('leaves spectra unchanged at zero magnitudes', () => {
    const batch = augmented({ offset: 0, multiplication: 0, slope: 0 });
    for (let r = 0; r < 50; r++) expect(Array.from(batch.subarray(r * COLS, (r + 1) * COLS))).toEqual(Array.from(spectrum));
  });

  it('adds one offset per spectrum, within offset x std', () => {
    const batch = augmented({ offset: 0.1, multiplication: 0, slope: 0 });
    const shifts = new Set<number>();
    for (let r = 0; r < 50; r++) {
      const shift = batch[r * COLS] - spectrum[0];
      expect(Math.abs(shift)).toBeLessThanOrEqual(0.1 * 2 + 1e-6);
      for (let c = 1; c < COLS; c++) expect(batch[r * COLS + c] - spectrum[c]).toBeCloseTo(shift, 5);
      shifts.add(Math.round(shift * 1e4));
    }
    expect(shifts.size).toBeGreaterThan(40);
  });

  it('scales by one gain per spectrum and tilts by a line through the axis centre', () => {
    const gains = augmented({ offset: 0, multiplication: 0.1, slope: 0 });
    for (let r = 0; r < 50; r++) {
      const gain = gains[r * COLS] / spectrum[0];
      expect(Math.abs(gain - 1)).toBeLessThanOrEqual(0.1 + 1e-6);
      for (let c = 0; c < COLS; c++) expect(gains[r * COLS + c]).toBeCloseTo(spectrum[c] * gain, 5);
    }
    const tilted = augmented({ offset: 0, multiplication: 0, slope: 0.05 });
    for (let r = 0; r < 50; r++) {
      const centre = (COLS - 1) / 2;
      expect(tilted[r * COLS + centre]).toBeCloseTo(spectrum[centre], 6);
      const end = tilted[r * COLS + COLS - 1] - spectrum[COLS - 1];
      expect(Math.abs(end)).toBeLessThanOrEqual(0.05 * 2 + 1e-6);
      expect(tilted[r * COLS] - spectrum[0]).toBeCloseTo(-end, 5);
    }
  });

  it('is reproducible from its seed', () => {
    const a = augmented(SPECTRAL, 10, 5);
    expect(augmented(SPECTRAL, 10, 5)).toEqual(a);
    expect(augmented(SPECTRAL, 10, 6)).not.toEqual(a);
  });
});
