import { readFileSync } from 'node:fs';
import { columnMeanStd, matrix, type Matrix } from '../src/numeric/matrix';

/**
 * What the baseline benchmark and its accuracy test share: a reader for the example CSVs
 * (first column the class label, then one numeric column per wavelength) and per-wavelength
 * autoscaling fitted on training rows only, as the scikit-learn reference does it
 * (std + 1e-8). Kept apart from the transform plugins so that the comparison does not move
 * when they change.
 */
export interface LabelledSpectra {
  readonly x: Matrix;
  readonly y: Int32Array;
  /** Class names, sorted; y indexes into them. */
  readonly classes: string[];
}

export function readLabelledCsv(path: string): LabelledSpectra {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0].split(',');
  if (header[0].trim() !== 'label') throw new Error(`${path}: the first column must be "label", got "${header[0]}"`);
  const cols = header.length - 1;
  const names = lines.slice(1).map((line) => line.slice(0, line.indexOf(',')));
  const classes = [...new Set(names)].sort();
  const data = new Float32Array((lines.length - 1) * cols);
  lines.slice(1).forEach((line, i) => {
    const values = line.split(',');
    if (values.length !== cols + 1) throw new Error(`${path}: line ${i + 2} has ${values.length} fields, expected ${cols + 1}`);
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(values[j + 1]);
  });
  return { x: matrix(lines.length - 1, cols, data), y: Int32Array.from(names, (name) => classes.indexOf(name)), classes };
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
