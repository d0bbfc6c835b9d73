import type { PluginDefinition } from '../contract';

/** Every built-in transform plugin (SSL transformations and spectral pre-processing). */
export const TRANSFORM_PLUGINS: PluginDefinition[] = [];
