import type { PluginDefinition } from '../../contract';

/** The CNN plugins: encoder, pretext task and classifier of the SSL method. */
export const CNN_PLUGINS: PluginDefinition[] = [];
