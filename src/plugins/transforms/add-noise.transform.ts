import { defineTransform, fitGlobalStd } from './base';
import { fillStandardNormal } from './gaussian';

interface AddNoiseParams {
  readonly sigmaFactor: number;
}

/** SSL variant 1: x + N(0, sigma^2), sigma = sigmaFactor x global std of the training set. */
export const addNoiseTransform = defineTransform<AddNoiseParams, { std: 'number' }>({
  name: 'add-noise',
  description: 'Adds Gaussian noise whose std is a fraction of the training set global std',
  tags: ['ssl', 'augmentation'],
  params: {
    sigmaFactor: {
      type: 'number',
      default: 0.1,
      min: 0,
      description: 'Noise std as a multiple of the training set global std',
    },
  },
  random: true,
  state: { std: 'number' },
  fit: fitGlobalStd,
  apply: (x, out, { params, state, rng }) => {
    const sigma = params.sigmaFactor * state.std;
    const data = x.data;
    fillStandardNormal(rng, out);
    for (let i = 0; i < data.length; i++) out[i] = data[i] + sigma * out[i];
  },
});
