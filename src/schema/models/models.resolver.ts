import { inject, injectable } from 'inversify';
import { Arg, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ModelService, type ModelRecord, type PredictionRecord } from '../../services/models/models.service';
import type { AxisUnitEnum } from '../datasets/dataset.types';
import { ModelType, PredictInput, PredictionType } from './model.types';

@injectable()
@Resolver(() => ModelType)
export class ModelsResolver {
  constructor(@inject(ModelService) private readonly service: ModelService) {}

  @Query(() => [ModelType])
  async models(
    @Arg('datasetId', () => ID, { nullable: true }) datasetId?: string,
    @Arg('experimentId', () => ID, { nullable: true }) experimentId?: string,
  ): Promise<ModelType[]> {
    return (await this.service.list({ datasetId, experimentId })).map(toModel);
  }

  @Query(() => ModelType, { nullable: true, description: 'One model; null when no model has this id.' })
  async model(@Arg('id', () => ID) id: string): Promise<ModelType | null> {
    const found = await this.service.find(id);
    return found ? toModel(found) : null;
  }

  @Mutation(() => Boolean)
  async deleteModel(@Arg('id', () => ID) id: string): Promise<boolean> {
    return this.service.delete(id);
  }

  @Mutation(() => PredictionType, { description: 'Predicts classes and probabilities, stores and returns them.' })
  async predict(@Arg('input', () => PredictInput) input: PredictInput): Promise<PredictionType> {
    return toPrediction(await this.service.predict(input));
  }

  @Query(() => [PredictionType])
  async predictions(
    @Arg('modelId', () => ID, { nullable: true }) modelId?: string,
    @Arg('datasetId', () => ID, { nullable: true }) datasetId?: string,
  ): Promise<PredictionType[]> {
    return (await this.service.predictions({ modelId, datasetId })).map(toPrediction);
  }
}

function toModel(m: ModelRecord): ModelType {
  return {
    id: m.id,
    name: m.name,
    experimentId: m.experimentId,
    datasetId: m.datasetId,
    plugin: m.config.plugin,
    classes: m.config.classes,
    axisUnit: m.config.axisUnit as AxisUnitEnum,
    axis: m.config.axis,
    trainedOn: m.config.trainedOn,
    backend: m.config.backend,
    accuracy: m.metrics.accuracy ?? null,
    macroF1: m.metrics.macroF1 ?? null,
    config: m.config.spec,
    createdAt: m.createdAt,
  };
}

function toPrediction(p: PredictionRecord): PredictionType {
  return {
    id: p.id,
    modelId: p.modelId,
    datasetId: p.datasetId,
    count: p.count,
    createdAt: p.createdAt,
    results: p.results.map((r) => ({
      index: r.index,
      predictedClass: r.predictedClass,
      probabilities: r.probabilities.map((probability, k) => ({ className: p.classes[k], probability })),
    })),
  };
}
