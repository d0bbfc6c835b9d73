import { SSL_TRANSFORM_NAMES, type SslTransformName, type TransformFactory } from '../../engine/pretext';
import { UserInputError } from '../../errors';
import type { PluginDefinition, TransformPlugin } from '../contract';
import { validateParams } from '../params';
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

export { SSL_TRANSFORM_NAMES };

/** The pretext task's transformations, from these plugins (parameters validated against their schemas). */
export const createSslTransform: TransformFactory = (name: SslTransformName, params) => {
  const definition = TRANSFORM_PLUGINS.find((d) => d.name === name);
  if (!definition || !(SSL_TRANSFORM_NAMES as readonly string[]).includes(name)) throw new UserInputError(`unknown SSL transform "${name}"`);
  return definition.create(validateParams(name, definition.params, params)) as TransformPlugin;
};
