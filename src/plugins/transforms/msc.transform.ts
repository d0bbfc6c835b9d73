import { UserInputError } from '../../errors';
import { columnMeanStd } from '../../numeric/matrix';
import { defineTransform, spread } from './base';

/** Below this slope a spectrum does not follow the reference; it is only offset-corrected. */
const MIN_SLOPE = 1e-6;

/**
 * Multiplicative scatter correction: each spectrum is regressed on the reference (the training
 * mean spectrum), x = a + b * ref, and replaced by (x - a) / b.
 */
export const mscTransform = defineTransform<unknown, { reference: 'vector' }>({
  name: 'msc',
  description: 'Multiplicative scatter correction against the training mean spectrum',
  tags: ['preprocessing', 'scatter-correction'],
  params: {},
  state: { reference: 'vector' },
  minCols: () => 2,
  fit: (x) => {
    const reference = columnMeanStd(x).mean;
    if (!(spread(reference).squares > 0)) {
      throw new UserInputError('transform "msc": the training mean spectrum is flat, it cannot serve as reference', {
        plugin: 'msc',
      });
    }
    return { reference };
  },
  apply: (x, out, { state: { reference } }) => {
    const { rows, cols, data } = x;
    const { mean: referenceMean, squares: referenceSquares } = spread(reference);
    for (let r = 0; r < rows; r++) {
      const spectrum = data.subarray(r * cols, (r + 1) * cols);
      const { mean } = spread(spectrum);
      let products = 0;
      for (let j = 0; j < cols; j++) products += (spectrum[j] - mean) * (reference[j] - referenceMean);
      const fittedSlope = products / referenceSquares;
      const slope = Math.abs(fittedSlope) > MIN_SLOPE ? fittedSlope : 1;
      const intercept = mean - slope * referenceMean;
      const start = r * cols;
      for (let j = 0; j < cols; j++) out[start + j] = (spectrum[j] - intercept) / slope;
    }
  },
});

