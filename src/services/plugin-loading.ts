import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import type { PluginRegistry } from '../plugins/registry';

/**
 * Loads the custom plugins named in the configuration into the registry. A broken plugin is
 * logged and listed with its error; it never stops the server.
 */
export async function loadCustomPluginsInto(registry: PluginRegistry, config: AppConfig, logger: Logger): Promise<void> {
  if (!config.pluginsDir && config.pluginPackages.length === 0) return;
  const { loadCustomPlugins } = await import('../plugins/loader');
  const report = await loadCustomPlugins(registry, { directory: config.pluginsDir ?? undefined, packages: config.pluginPackages });
  logger.info('custom plugins loaded', { report });
}
