import { inject, injectable } from 'inversify';
import { Arg, Authorized, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Role } from '../../services/auth/roles';
import { EncoderService, type EncoderRecord } from '../../services/encoders/encoders.service';
import { EncoderStatusEnum, EncoderType, PretrainEncoderInput } from './encoder.types';

/** Thin: every operation is EncoderService's. */
@injectable()
@Resolver(() => EncoderType)
export class EncodersResolver {
  constructor(@inject(EncoderService) private readonly service: EncoderService) {}

  @Authorized<Role>('reader')
  @Query(() => [EncoderType], { description: 'The pre-trained encoders with their pretext metrics, oldest first.' })
  async encoders(@Arg('datasetId', () => ID, { nullable: true, description: 'Only encoders pre-trained on this dataset.' }) datasetId?: string | null): Promise<EncoderType[]> {
    return (await this.service.list(datasetId)).map(toGraphql);
  }

  @Authorized<Role>('reader')
  @Query(() => EncoderType, { nullable: true, description: 'One pre-trained encoder by id; null when none has it.' })
  async encoder(@Arg('id', () => ID, { description: 'The encoder.' }) id: string): Promise<EncoderType | null> {
    const found = await this.service.find(id);
    return found ? toGraphql(found) : null;
  }

  @Authorized<Role>('writer')
  @Mutation(() => EncoderType, { description: 'Pre-trains an encoder once (in the background: poll encoder(id) for READY); experiments then start from it without pre-training. Writes nothing when the input is invalid.' })
  async pretrainEncoder(@Arg('input', () => PretrainEncoderInput, { description: 'What to pre-train on, and how.' }) input: PretrainEncoderInput): Promise<EncoderType> {
    return toGraphql(
      await this.service.pretrain({
        name: input.name,
        datasetId: input.datasetId,
        extraDatasetIds: input.extraDatasetIds ?? [],
        unlabelledOnly: input.unlabelledOnly ?? false,
        preprocessing: (input.preprocessing ?? []).map((s) => ({ name: s.name, params: s.params ?? {} })),
        model: input.model ? { plugin: input.model.plugin, params: input.model.params ?? {} } : undefined,
        seed: input.seed ?? undefined,
      }),
    );
  }

  @Authorized<Role>('admin')
  @Mutation(() => Boolean, { description: 'Deletes a pre-trained encoder (stopping its pre-training); experiments started from it keep their results.' })
  async deleteEncoder(@Arg('id', () => ID, { description: 'The encoder.' }) id: string): Promise<boolean> {
    return this.service.delete(id);
  }
}

function toGraphql(e: EncoderRecord): EncoderType {
  const { name: _name, datasetId: _datasetId, extraDatasetIds, labelledOf, heldOut, axis, ...settings } = e.config;
  return {
    id: e.id,
    name: e.name,
    datasetId: e.datasetId,
    extraDatasetIds,
    status: e.status as EncoderStatusEnum,
    error: e.error,
    spectraCount: e.spectraCount,
    unlabelledCount: e.unlabelledCount,
    heldOutCount: heldOut,
    sawLabelledSpectra: labelledOf.length > 0,
    pretextAccuracy: e.metrics?.accuracy ?? null,
    pretext: Object.entries(e.metrics?.perTransform ?? {}).map(([transform, m]) => ({ transform, ...m })),
    settings: { ...settings, axisPoints: axis.length },
    createdAt: e.createdAt,
  };
}
