import { defineTransform } from './base';

interface MultiplicationParams {
  readonly amplitude: number;
  readonly minFraction: number;
}

/** SSL variant 3: x * (1 + u), u ~ U(-b, b) per spectrum (with minFraction m > 0: |u| ~ U(m b, b), either sign). */
export const multiplicationTransform = defineTransform<MultiplicationParams>({
  name: 'multiplication',
  description: 'Scales each spectrum by 1 + u with u uniform in (-b, b)',
  tags: ['ssl', 'augmentation'],
  params: {
    amplitude: {
      type: 'number',
      default: 0.1,
      min: 0,
      description: 'Half-width b of the uniform relative scaling',
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
  apply: (x, out, { params, rng }) => {
    const { rows, cols, data } = x;
    for (let r = 0; r < rows; r++) {
      const factor = 1 + rng.signedUniform(params.minFraction * params.amplitude, params.amplitude);
      const end = (r + 1) * cols;
      for (let i = r * cols; i < end; i++) out[i] = data[i] * factor;
    }
  },
});
