import { defineTransform, safeScale, spread } from './base';

/**
 * Standard normal variate: each spectrum minus its own mean, divided by its own (population)
 * std. Needs no training data; a flat spectrum is only centred.
 */
export const snvTransform = defineTransform({
  name: 'snv',
  description: 'Standard normal variate: centre and scale each spectrum by its own mean and std',
  tags: ['preprocessing', 'scatter-correction'],
  params: {},
  apply: (x, out) => {
    const { rows, cols, data } = x;
    for (let r = 0; r < rows; r++) {
      const start = r * cols;
      const { mean, squares } = spread(data.subarray(start, start + cols));
      const std = safeScale(Math.sqrt(squares / cols), mean);
      for (let i = start; i < start + cols; i++) out[i] = (data[i] - mean) / std;
    }
  },
});
