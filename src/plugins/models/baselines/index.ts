import type { PluginDefinition } from '../../contract';

/** Every built-in baseline classifier (the paper's comparison methods). */
export const BASELINE_PLUGINS: PluginDefinition[] = [];
