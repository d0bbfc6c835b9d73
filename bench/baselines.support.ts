import { readFileSync } from 'node:fs';
import { columnMeanStd, matrix, type Matrix } from '../src/numeric/matrix';
import { parseSpectraCsv } from '../src/services/datasets/spectra-csv';

/**
 * What the baseline benchmark and its accuracy test share: the example CSVs as labelled spectra,
 * and per-wavelength autoscaling fitted on training rows only exactly as the scikit-learn
 * reference does it (std + 1e-8), kept apart from the autoscale plugin (which guards zero
 * spread differently) so that the comparison does not move when the plugin changes.
 */
export interface LabelledSpectra {
  readonly x: Matrix;
  readonly y: Int32Array;
  /** Class names in natural order; y indexes into them. */
  readonly classes: string[];
}

/** An example CSV through the project's own parser (label column first, numeric axis). */
export function readLabelledCsv(path: string): LabelledSpectra {
  const { x, y, classes } = parseSpectraCsv(readFileSync(path, 'utf8'));
  return { x, y, classes };
}

export class ColumnAutoscaler {
  private mean: Float64Array | null = null;
  private scale: Float64Array | null = null;

  fit(x: Matrix): this {
    const { mean, std } = columnMeanStd(x);
    this.mean = mean;
    this.scale = std.map((s) => s + 1e-8);
    return this;
  }

  transform(x: Matrix): Matrix {
    const { mean, scale } = this;
    if (!mean || !scale) throw new Error('autoscaler used before fit');
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < x.cols; j++) out[i * x.cols + j] = (x.data[i * x.cols + j] - mean[j]) / scale[j];
    }
    return matrix(x.rows, x.cols, out);
  }
}
