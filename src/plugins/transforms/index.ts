import type { PluginDefinition } from '../contract';
import { addNoiseTransform } from './add-noise.transform';
import { autoscaleTransform } from './autoscale.transform';
import { detrendTransform } from './detrend.transform';
import { globalScaleTransform } from './global-scale.transform';
import { horizontalFlipTransform } from './horizontal-flip.transform';
import { minMaxTransform } from './min-max.transform';
import { mscTransform } from './msc.transform';
import { multiplicationTransform } from './multiplication.transform';
import { offsetTransform } from './offset.transform';
import { permutationTransform } from './permutation.transform';
import { savitzkyGolayTransform } from './savitzky-golay.transform';
import { snvTransform } from './snv.transform';
import { verticalFlipTransform } from './vertical-flip.transform';

/**
 * The six SSL transformations of the pretext task, in the paper's label order (1..6; label 0 is
 * the raw spectrum).
 */
export const SSL_TRANSFORM_NAMES = [
  'add-noise',
  'offset',
  'multiplication',
  'horizontal-flip',
  'vertical-flip',
  'permutation',
] as const;

/** Every built-in transform plugin (SSL transformations and spectral pre-processing). */
export const TRANSFORM_PLUGINS: PluginDefinition[] = [
  addNoiseTransform,
  offsetTransform,
  multiplicationTransform,
  horizontalFlipTransform,
  verticalFlipTransform,
  permutationTransform,
  globalScaleTransform,
  autoscaleTransform,
  minMaxTransform,
  snvTransform,
  mscTransform,
  savitzkyGolayTransform,
  detrendTransform,
];
