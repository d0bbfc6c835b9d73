import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { PluginDefinition, PluginKind } from './contract';
import { PLUGIN_KINDS } from './contract';
import type { PluginRegistry } from './registry';

/** Environment variables the server reads to find custom plugins. */
export const PLUGINS_DIR_ENV = 'NIR_SSL_PLUGINS_DIR';
export const PLUGIN_PACKAGES_ENV = 'NIR_SSL_PLUGIN_PACKAGES';

export interface CustomPluginSources {
  /** Every .js / .cjs file directly in this folder is loaded. */
  readonly directory?: string;
  /** npm package names, resolved from the working directory first, then from nir-ssl. */
  readonly packages?: readonly string[];
}

export interface PluginLoadFailure {
  readonly name: string;
  readonly source: string;
  readonly error: string;
}

export interface PluginLoadReport {
  readonly loaded: { readonly name: string; readonly kind: PluginKind; readonly source: string }[];
  readonly failed: PluginLoadFailure[];
}

/** Reads NIR_SSL_PLUGINS_DIR and NIR_SSL_PLUGIN_PACKAGES (comma-separated). */
export function pluginSourcesFromEnv(env: NodeJS.ProcessEnv = process.env): CustomPluginSources {
  const directory = env[PLUGINS_DIR_ENV]?.trim();
  const packages = (env[PLUGIN_PACKAGES_ENV] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return { directory: directory || undefined, packages };
}

/**
 * Loads custom plugins and registers them. A module may export a definition directly, as
 * `default`, as `plugin`, or a `plugins` array. Nothing here throws: a module that fails to load,
 * a definition that breaks the contract or a duplicate name is recorded in the registry (so the
 * plugins query lists it with its error) and in the returned report.
 */
export function loadCustomPlugins(registry: PluginRegistry, sources: CustomPluginSources): PluginLoadReport {
  const report: PluginLoadReport = { loaded: [], failed: [] };
  const fail = (name: string, source: string, error: unknown, kind: PluginKind | null = null): void => {
    registry.recordFailure(name, source, error, kind);
    report.failed.push({ name, source, error: error instanceof Error ? error.message : String(error) });
  };
  const load = (fallbackName: string, source: string, requireModule: () => unknown): void => {
    let exported: unknown;
    try {
      exported = requireModule();
    } catch (error) {
      fail(fallbackName, source, error);
      return;
    }
    const definitions = definitionsOf(exported);
    if (definitions.length === 0) {
      fail(fallbackName, source, new Error('exports no plugin definition (default, plugin or plugins)'));
    }
    for (const definition of definitions) {
      const name = typeof definition?.name === 'string' && definition.name ? definition.name : fallbackName;
      try {
        registry.register(definition, source);
        report.loaded.push({ name, kind: definition.kind, source });
      } catch (error) {
        const kind = PLUGIN_KINDS.includes(definition?.kind) ? definition.kind : null;
        fail(name, source, error, kind);
      }
    }
  };

  if (sources.directory) {
    const directory = resolve(sources.directory);
    let files: string[] = [];
    try {
      files = readdirSync(directory)
        .filter((file) => ['.js', '.cjs'].includes(extname(file)))
        .map((file) => join(directory, file))
        .filter((file) => statSync(file).isFile())
        .sort();
    } catch (error) {
      fail(basename(directory), directory, new Error(`cannot read plugin directory: ${(error as Error).message}`));
    }
    for (const file of files) load(basename(file, extname(file)), file, () => require(file));
  }
  for (const name of sources.packages ?? []) {
    load(name, name, () => require(require.resolve(name, { paths: [process.cwd(), __dirname] })));
  }
  return report;
}

/** The definitions a module exports, in any of the accepted forms. */
function definitionsOf(exported: unknown): PluginDefinition[] {
  const module = exported as { default?: unknown; plugin?: unknown; plugins?: unknown; create?: unknown } | null;
  if (!module || (typeof module !== 'object' && typeof module !== 'function')) return [];
  if (Array.isArray(module.plugins)) return module.plugins as PluginDefinition[];
  if (module.plugin) return [module.plugin as PluginDefinition];
  if (typeof module.create === 'function') return [module as unknown as PluginDefinition];
  // An ES module compiled to CommonJS keeps its default export under `default`.
  if (module.default) return definitionsOf(module.default);
  return [];
}
