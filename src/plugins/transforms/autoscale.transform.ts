import { columnMeanStd } from '../../numeric/matrix';
import { defineTransform, safeScale, scaleColumns } from './base';

/**
 * Per-wavelength standardisation learnt on training data. A constant wavelength is centred but
 * not scaled (divided by 1), as scikit-learn's StandardScaler does.
 */
export const autoscaleTransform = defineTransform<unknown, { mean: 'vector'; scale: 'vector' }>({
  name: 'autoscale',
  description: 'Per-wavelength standardisation: subtract the training mean, divide by the training std',
  tags: ['preprocessing', 'scaling'],
  params: {},
  state: { mean: 'vector', scale: 'vector' },
  fit: (x) => {
    const { mean, std } = columnMeanStd(x);
    return { mean, scale: std.map((s, j) => safeScale(s, mean[j])) };
  },
  apply: (x, out, { state }) => scaleColumns(x, out, state.mean, state.scale),
});
