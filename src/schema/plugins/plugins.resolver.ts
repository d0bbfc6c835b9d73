import { inject, injectable } from 'inversify';
import { Arg, Query, Resolver } from 'type-graphql';
import { PluginRegistry, type PluginEntry } from '../../plugins/registry';
import type { ParamSpec } from '../../plugins/params';
import { PluginKindEnum, PluginParameterType, PluginType } from './plugin.types';

@injectable()
@Resolver(() => PluginType)
export class PluginsResolver {
  constructor(@inject(PluginRegistry) private readonly registry: PluginRegistry) {}

  @Query(() => [PluginType], { description: 'Registered plugins (broken custom ones included, with their error).' })
  plugins(@Arg('kind', () => PluginKindEnum, { nullable: true }) kind?: PluginKindEnum): PluginType[] {
    return this.registry.entriesList(kind).map(toGraphql);
  }
}

function toGraphql(entry: PluginEntry): PluginType {
  const d = entry.definition;
  return {
    name: entry.name,
    kind: entry.kind as PluginKindEnum | null,
    description: d?.description ?? '',
    tags: [...(d?.tags ?? [])],
    source: entry.source,
    error: entry.error,
    parameters: d ? Object.entries(d.params).map(([name, spec]) => toParameter(name, spec)) : [],
  };
}

function toParameter(name: string, spec: ParamSpec): PluginParameterType {
  const bounded = spec as { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean; values?: readonly string[] };
  return {
    name,
    type: spec.type,
    description: spec.description,
    default: spec.default,
    nullable: spec.nullable ?? false,
    min: bounded.min ?? null,
    max: bounded.max ?? null,
    exclusiveMin: bounded.exclusiveMin ?? false,
    exclusiveMax: bounded.exclusiveMax ?? false,
    values: bounded.values ? [...bounded.values] : null,
  };
}
