/**
 * A dense row-major float32 matrix: n spectra x L points. The one numeric currency of the
 * project; transforms, estimators and the training engine all take and return it.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`invalid matrix shape ${rows} x ${cols}`);
  }
  const values = data ?? new Float32Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new RangeError(`matrix data has ${values.length} values, expected ${rows} x ${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: values };
}

export function fromRows(rows: ArrayLike<number>[]): Matrix {
  const cols = rows.length > 0 ? rows[0].length : 0;
  const out = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`row ${i} has ${row.length} values, expected ${cols}`);
    out.set(row, i * cols);
  });
  return matrix(rows.length, cols, out);
}

export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The rows at the given indices, copied (how folds select their training and test sets). */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (i < 0 || i >= m.rows) throw new RangeError(`row index ${i} out of range 0..${m.rows - 1}`);
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  return matrix(indices.length, m.cols, out);
}

export function cloneMatrix(m: Matrix): Matrix {
  return matrix(m.rows, m.cols, m.data.slice());
}

export function isFiniteMatrix(m: Matrix): boolean {
  for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i])) return false;
  return true;
}

/** Global mean and (population) standard deviation of all values, in float64. */
export function globalMeanStd(m: Matrix): { mean: number; std: number } {
  const n = m.data.length;
  if (n === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += m.data[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = m.data[i] - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / n) };
}

/** Per-column mean and (population) standard deviation, in float64. */
export function columnMeanStd(m: Matrix): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(m.cols);
  const std = new Float64Array(m.cols);
  if (m.rows === 0) return { mean, std };
  for (let i = 0; i < m.rows; i++) {
    const off = i * m.cols;
    for (let j = 0; j < m.cols; j++) mean[j] += m.data[off + j];
  }
  for (let j = 0; j < m.cols; j++) mean[j] /= m.rows;
  for (let i = 0; i < m.rows; i++) {
    const off = i * m.cols;
    for (let j = 0; j < m.cols; j++) {
      const d = m.data[off + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < m.cols; j++) std[j] = Math.sqrt(std[j] / m.rows);
  return { mean, std };
}

/** Float32 matrix to little-endian bytes and back (how spectra are stored). */
export function matrixToBytes(m: Matrix): Uint8Array<ArrayBuffer> {
  const copy = m.data.slice();
  return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
}

export function matrixFromBytes(bytes: Uint8Array, rows: number, cols: number): Matrix {
  if (bytes.byteLength !== rows * cols * 4) {
    throw new RangeError(`stored matrix has ${bytes.byteLength} bytes, expected ${rows * cols * 4}`);
  }
  // Copy into an aligned buffer: driver buffers may start at any byte offset.
  const data = new Float32Array(rows * cols);
  new Uint8Array(data.buffer).set(bytes);
  return matrix(rows, cols, data);
}
