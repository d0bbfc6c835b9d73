import type { Matrix } from '../../numeric/matrix';
import { defineTransform, safeScale, scaleColumns } from './base';

/** Per-wavelength rescaling to [0, 1] on the training data; a constant wavelength maps to 0. */
export const minMaxTransform = defineTransform<unknown, { min: 'vector'; range: 'vector' }>({
  name: 'min-max',
  description: 'Per-wavelength rescaling to [0, 1] using the training minimum and maximum',
  tags: ['preprocessing', 'scaling'],
  params: {},
  state: { min: 'vector', range: 'vector' },
  fit: (x) => {
    const { min, max } = columnMinMax(x);
    return { min, range: max.map((hi, j) => safeScale(hi - min[j], min[j])) };
  },
  apply: (x, out, { state }) => scaleColumns(x, out, state.min, state.range),
});

function columnMinMax(x: Matrix): { min: Float64Array; max: Float64Array } {
  const min = new Float64Array(x.cols).fill(Infinity);
  const max = new Float64Array(x.cols).fill(-Infinity);
  for (let r = 0; r < x.rows; r++) {
    const offset = r * x.cols;
    for (let j = 0; j < x.cols; j++) {
      const v = x.data[offset + j];
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  return { min, max };
}
