import { globalMeanStd } from '../../numeric/matrix';
import { defineTransform, safeScale } from './base';

/**
 * The method's default input scaling: one mean and one std over all training values, so the
 * shape of every spectrum is kept.
 */
export const globalScaleTransform = defineTransform<unknown, { mean: 'number'; std: 'number' }>({
  name: 'global-scale',
  description: 'Subtracts the global training mean and divides by the global training std',
  tags: ['preprocessing', 'scaling'],
  params: {},
  state: { mean: 'number', std: 'number' },
  fit: (x) => {
    const { mean, std } = globalMeanStd(x);
    return { mean, std: safeScale(std, mean) };
  },
  apply: (x, out, { state: { mean, std } }) => {
    const data = x.data;
    for (let i = 0; i < data.length; i++) out[i] = (data[i] - mean) / std;
  },
});
