import { defineTransform } from './base';

interface MultiplicationParams {
  readonly amplitude: number;
}

/** SSL variant 3: x * (1 + u), u ~ U(-b, b) per spectrum. */
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
  },
  random: true,
  apply: (x, out, { params, rng }) => {
    const { rows, cols, data } = x;
    for (let r = 0; r < rows; r++) {
      const factor = 1 + rng.uniform(-params.amplitude, params.amplitude);
      const end = (r + 1) * cols;
      for (let i = r * cols; i < end; i++) out[i] = data[i] * factor;
    }
  },
});
