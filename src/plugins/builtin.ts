import type { PluginDefinition } from './contract';
import { BASELINE_PLUGINS } from './models/baselines';
import { CNN_PLUGINS } from './models/cnn';
import { TRANSFORM_PLUGINS } from './transforms';

/** All plugins shipped with nir-ssl. */
export function builtinPlugins(): PluginDefinition[] {
  return [...TRANSFORM_PLUGINS, ...BASELINE_PLUGINS, ...CNN_PLUGINS];
}
