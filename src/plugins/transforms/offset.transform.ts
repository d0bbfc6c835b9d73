import { defineTransform, fitGlobalStd } from './base';

interface OffsetParams {
  readonly amplitudeFactor: number;
  readonly minFraction: number;
}

/**
 * SSL variant 2: x + u, u ~ U(-a, a) per spectrum, a = amplitudeFactor x training global std
 * (with minFraction m > 0: |u| ~ U(m a, a), either sign).
 */
export const offsetTransform = defineTransform<OffsetParams, { std: 'number' }>({
  name: 'offset',
  description: 'Shifts each spectrum by a uniform random constant scaled to the training set global std',
  tags: ['ssl', 'augmentation'],
  params: {
    amplitudeFactor: {
      type: 'number',
      default: 0.1,
      min: 0,
      description: 'Half-width a of the uniform shift, as a multiple of the training set global std',
    },
    minFraction: {
      type: 'number',
      default: 0,
      min: 0,
      max: 1,
      exclusiveMax: true,
      description: 'Smallest |u| as a fraction of the half-width (0: uniform over the whole interval, as in the paper; 0.5: at least half of it, so no draw is indistinguishable from the raw spectrum)',
    },
  },
  random: true,
  state: { std: 'number' },
  fit: fitGlobalStd,
  apply: (x, out, { params, state, rng }) => {
    const amplitude = params.amplitudeFactor * state.std;
    const { rows, cols, data } = x;
    for (let r = 0; r < rows; r++) {
      const shift = rng.signedUniform(params.minFraction * amplitude, amplitude);
      const end = (r + 1) * cols;
      for (let i = r * cols; i < end; i++) out[i] = data[i] + shift;
    }
  },
});
