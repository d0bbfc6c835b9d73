import { defineTransform } from './base';

/** SSL variant 5: mirrors the intensities about zero. */
export const verticalFlipTransform = defineTransform({
  name: 'vertical-flip',
  description: 'Negates the intensities (mirror about zero)',
  tags: ['ssl'],
  params: {},
  apply: (x, out) => {
    const data = x.data;
    for (let i = 0; i < data.length; i++) out[i] = -data[i];
  },
});
