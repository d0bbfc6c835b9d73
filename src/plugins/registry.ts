import { injectable, multiInject, optional } from 'inversify';
import { NotFoundError, UserInputError } from '../errors';
import type { PluginDefinition, PluginInstance, PluginKind, SerializedPlugin } from './contract';
import { PLUGIN_KINDS } from './contract';
import { checkSchema, validateParams, type Params } from './params';

/** Inversify token under which every built-in plugin definition is bound (multi-binding). */
export const PLUGIN_DEFINITION = Symbol.for('nir-ssl.PluginDefinition');

/** Where a plugin came from, and why it is unusable if it is. */
export interface PluginEntry {
  readonly definition: PluginDefinition | null;
  readonly name: string;
  readonly kind: PluginKind | null;
  /** "builtin", a file path, or an npm package name. */
  readonly source: string;
  readonly error: string | null;
}

/**
 * Lists and resolves plugins by name (timm-style registry on the inversify container). Built-ins
 * arrive through the PLUGIN_DEFINITION multi-binding; custom ones through register(). A broken
 * custom plugin is recorded with its error instead of stopping the server.
 */
@injectable()
export class PluginRegistry {
  private readonly entries = new Map<string, PluginEntry>();
  private readonly broken: PluginEntry[] = [];

  constructor(@multiInject(PLUGIN_DEFINITION) @optional() builtins: PluginDefinition[] = []) {
    for (const definition of builtins ?? []) this.register(definition, 'builtin');
  }

  /** Adds a definition after checking it against the contract; throws on a bad definition. */
  register(definition: PluginDefinition, source = 'builtin'): void {
    checkDefinition(definition);
    const existing = this.entries.get(definition.name);
    if (existing) {
      throw new Error(`plugin "${definition.name}" from ${source} duplicates the one from ${existing.source}`);
    }
    this.entries.set(definition.name, { definition, name: definition.name, kind: definition.kind, source, error: null });
  }

  /** Records a plugin that failed to load, so that it is listed with its error. */
  recordFailure(name: string, source: string, error: unknown, kind: PluginKind | null = null): void {
    const message = error instanceof Error ? error.message : String(error);
    this.broken.push({ definition: null, name, kind, source, error: message });
  }

  /** Usable plugins, optionally of one kind, sorted by kind then name. */
  list(kind?: PluginKind): PluginDefinition[] {
    return [...this.entries.values()]
      .map((e) => e.definition as PluginDefinition)
      .filter((d) => !kind || d.kind === kind)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }

  /** Every entry, broken ones included (what the plugins query shows). */
  entriesList(kind?: PluginKind): PluginEntry[] {
    return [...this.entries.values(), ...this.broken].filter((e) => !kind || e.kind === kind);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string, kind?: PluginKind): PluginDefinition {
    const entry = this.entries.get(name);
    if (!entry?.definition) throw new NotFoundError('plugin', name);
    if (kind && entry.definition.kind !== kind) {
      throw new UserInputError(`plugin "${name}" is a ${entry.definition.kind}, not a ${kind}`);
    }
    return entry.definition;
  }

  /** A new instance with validated parameters. */
  create<T extends PluginInstance = PluginInstance>(name: string, params?: Params, kind?: PluginKind): T {
    const definition = this.get(name, kind);
    return definition.create(validateParams(name, definition.params, params)) as T;
  }

  serialize(instance: PluginInstance): SerializedPlugin {
    return { name: instance.meta.name, kind: instance.meta.kind, params: { ...instance.params }, state: instance.getState() };
  }

  /** Rebuilds an instance from serialize()'s output, fitted state included. */
  restore<T extends PluginInstance = PluginInstance>(json: SerializedPlugin, kind?: PluginKind): T {
    const instance = this.create<T>(json.name, json.params, kind);
    if (json.state !== null && json.state !== undefined) instance.setState(json.state);
    return instance;
  }
}

export function checkDefinition(definition: unknown): asserts definition is PluginDefinition {
  const d = definition as Partial<PluginDefinition> | null;
  if (!d || typeof d !== 'object') throw new Error('a plugin must export a definition object');
  if (typeof d.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(d.name)) {
    throw new Error(`plugin name ${JSON.stringify(d.name)} must be kebab-case (a-z, 0-9, -)`);
  }
  if (!PLUGIN_KINDS.includes(d.kind as PluginKind)) {
    throw new Error(`plugin "${d.name}": kind must be one of ${PLUGIN_KINDS.join(', ')}`);
  }
  if (typeof d.description !== 'string' || d.description.trim() === '') {
    throw new Error(`plugin "${d.name}": needs a one-line description`);
  }
  if (typeof d.create !== 'function') throw new Error(`plugin "${d.name}": needs a create(params) factory`);
  checkSchema(d.name, d.params);
}
