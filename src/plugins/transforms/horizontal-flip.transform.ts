import { defineTransform } from './base';

/** SSL variant 4: reverses the wavelength axis. */
export const horizontalFlipTransform = defineTransform({
  name: 'horizontal-flip',
  description: 'Reverses the wavelength axis of each spectrum',
  tags: ['ssl'],
  params: {},
  apply: (x, out) => {
    out.set(x.data);
    for (let r = 0; r < x.rows; r++) out.subarray(r * x.cols, (r + 1) * x.cols).reverse();
  },
});
