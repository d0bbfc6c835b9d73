import { inject, injectable } from 'inversify';
import { Arg, Authorized, ID, Int, Query, Resolver } from 'type-graphql';
import type { Role } from '../../services/auth/roles';
import { TransformPreviewService } from '../../services/plugins/transform-preview.service';
import { PluginRegistry, type PluginEntry } from '../../plugins/registry';
import type { ParamSpec } from '../../plugins/params';
import { PipelineStepInput, PluginKindEnum, PluginParameterType, PluginType, TransformPreviewType } from './plugin.types';

@injectable()
@Resolver(() => PluginType)
export class PluginsResolver {
  constructor(
    @inject(PluginRegistry) private readonly registry: PluginRegistry,
    @inject(TransformPreviewService) private readonly previews: TransformPreviewService,
  ) {}

  @Authorized<Role>('reader')
  @Query(() => [PluginType], { description: 'Registered plugins (broken custom ones included, with their error).' })
  plugins(@Arg('kind', () => PluginKindEnum, { nullable: true, description: 'Only plugins of this kind.' }) kind?: PluginKindEnum): PluginType[] {
    return this.registry.entriesList(kind).map(toGraphql);
  }

  @Authorized<Role>('reader')
  @Query(() => TransformPreviewType, {
    description: 'A transform or pipeline applied to chosen spectra of a dataset (fitted steps learn from the whole dataset).',
  })
  async previewTransform(
    @Arg('datasetId', () => ID, { description: 'The dataset whose spectra to transform.' }) datasetId: string,
    @Arg('steps', () => [PipelineStepInput], { description: 'The pipeline, applied in order.' }) steps: PipelineStepInput[],
    @Arg('sampleIndices', () => [Int], { description: 'Rows of the spectra to show (0-based).' }) sampleIndices: number[],
    @Arg('seed', () => Int, { defaultValue: 0, description: 'Seed of the random transformations (add-noise, permutation ...).' }) seed: number,
  ): Promise<TransformPreviewType> {
    const preview = await this.previews.preview(datasetId, steps.map((s) => ({ name: s.name, params: s.params ?? {} })), sampleIndices, seed);
    return {
      axis: Array.from(preview.axis),
      samples: preview.samples.map((s) => ({ ...s, original: Array.from(s.original), transformed: Array.from(s.transformed) })),
    };
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
