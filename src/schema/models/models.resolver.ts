import { inject, injectable } from 'inversify';
import { Arg, Authorized, Args, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Role } from '../../services/auth/roles';
import { tableSource } from '../uploads';
import { CreationPageArgs, toConnection } from '../connection';
import { ModelService, type ModelRecord, type PredictionRecord } from '../../services/models/models.service';
import type { AxisUnitEnum } from '../datasets/dataset.types';
import { ImportModelInput, ModelBundleType, ModelConnection, ModelType, PredictInput, PredictionConnection, PredictionType } from './model.types';
import { ModelBundleService } from '../../services/models/model-bundles.service';
import { BUNDLE_FORMAT, BUNDLE_VERSION } from '../../services/models/model-bundle';
import { UserInputError } from '../../errors';

@injectable()
@Resolver(() => ModelType)
export class ModelsResolver {
  constructor(
    @inject(ModelService) private readonly service: ModelService,
    @inject(ModelBundleService) private readonly bundles: ModelBundleService,
  ) {}

  @Authorized<Role>('reader')
  @Query(() => ModelBundleType, { description: 'A trained model as one versioned bundle file, for importModel in another installation.' })
  async exportModel(@Arg('id', () => ID, { description: 'The model.' }) id: string): Promise<ModelBundleType> {
    const bundle = await this.bundles.exportModel(id);
    return { fileName: bundle.fileName, bytes: bundle.content.length, contentBase64: bundle.content.toString('base64'), format: BUNDLE_FORMAT, version: BUNDLE_VERSION };
  }

  @Authorized<Role>('writer')
  @Mutation(() => ModelType, {
    description:
      'Stores the model of a bundle (exportModel) as a new model of this installation; it predicts as the original did. Refuses a file that is not a bundle, is damaged, or has an unknown version (BAD_USER_INPUT).',
  })
  async importModel(@Arg('input', () => ImportModelInput, { description: 'The bundle and an optional name.' }) input: ImportModelInput): Promise<ModelType> {
    const hasFile = input.file !== null && input.file !== undefined;
    const hasText = input.contentBase64 !== null && input.contentBase64 !== undefined;
    if (hasFile === hasText) throw new UserInputError('give the bundle either as an uploaded file or as contentBase64, not both and not neither');
    if (hasText) {
      const text = (input.contentBase64 as string).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new UserInputError('contentBase64 is not base64 text');
      return toModel(await this.bundles.importModel({ content: Buffer.from(text, 'base64') }, input.name));
    }
    const upload = await tableSource(null, input.file);
    if (!('stream' in upload)) throw new UserInputError('no file was uploaded');
    return toModel(await this.bundles.importModel(upload, input.name));
  }

  @Authorized<Role>('reader')
  @Query(() => [ModelType], { description: 'Trained models, oldest first.', deprecationReason: 'Use modelsConnection, which pages.' })
  async models(
    @Arg('datasetId', () => ID, { nullable: true, description: 'Only models trained on this dataset.' }) datasetId?: string,
    @Arg('experimentId', () => ID, { nullable: true, description: 'Only models of this experiment.' }) experimentId?: string,
  ): Promise<ModelType[]> {
    return (await this.service.list({ datasetId, experimentId })).map(toModel);
  }

  @Authorized<Role>('reader')
  @Query(() => ModelConnection, { description: 'A page of trained models in creation order, filtered by dataset and experiment.' })
  async modelsConnection(
    @Args(() => CreationPageArgs) page: CreationPageArgs,
    @Arg('datasetId', () => ID, { nullable: true, description: 'Only models trained on this dataset.' }) datasetId?: string,
    @Arg('experimentId', () => ID, { nullable: true, description: 'Only models of this experiment.' }) experimentId?: string,
  ): Promise<ModelConnection> {
    return toConnection(await this.service.page({ datasetId, experimentId }, page), toModel);
  }

  @Authorized<Role>('reader')
  @Query(() => ModelType, { nullable: true, description: 'One model; null when no model has this id.' })
  async model(@Arg('id', () => ID, { description: 'The model.' }) id: string): Promise<ModelType | null> {
    const found = await this.service.find(id);
    return found ? toModel(found) : null;
  }

  @Authorized<Role>('admin')
  @Mutation(() => Boolean, { description: 'Deletes a model with its predictions. True when deleted.' })
  async deleteModel(@Arg('id', () => ID, { description: 'The model.' }) id: string): Promise<boolean> {
    return this.service.delete(id);
  }

  @Authorized<Role>('writer')
  @Mutation(() => PredictionType, {
    description: 'Predicts classes and probabilities of a stored dataset, inline spectra or an uploaded file (GraphQL multipart request); stores and returns them.',
  })
  async predict(@Arg('input', () => PredictInput, { description: 'The model and the spectra to predict.' }) input: PredictInput): Promise<PredictionType> {
    const { file, ...rest } = input;
    const table = file === null || file === undefined ? null : await tableSource(null, file);
    return toPrediction(await this.service.predict({ ...rest, table }));
  }

  @Authorized<Role>('reader')
  @Query(() => [PredictionType], { description: 'Stored predictions, oldest first.', deprecationReason: 'Use predictionsConnection, which pages.' })
  async predictions(
    @Arg('modelId', () => ID, { nullable: true, description: 'Only predictions of this model.' }) modelId?: string,
    @Arg('datasetId', () => ID, { nullable: true, description: 'Only predictions of this stored dataset.' }) datasetId?: string,
  ): Promise<PredictionType[]> {
    return (await this.service.predictions({ modelId, datasetId })).map(toPrediction);
  }

  @Authorized<Role>('reader')
  @Query(() => PredictionConnection, { description: 'A page of stored predictions in creation order, filtered by model and dataset.' })
  async predictionsConnection(
    @Args(() => CreationPageArgs) page: CreationPageArgs,
    @Arg('modelId', () => ID, { nullable: true, description: 'Only predictions of this model.' }) modelId?: string,
    @Arg('datasetId', () => ID, { nullable: true, description: 'Only predictions of this stored dataset.' }) datasetId?: string,
  ): Promise<PredictionConnection> {
    return toConnection(await this.service.predictionPage({ modelId, datasetId }, page), toPrediction);
  }

  @FieldResolver(() => PredictionConnection, { name: 'predictionsConnection', description: 'A page of the predictions made with this model, in creation order.' })
  async predictionsOfModel(@Root() model: ModelType, @Args(() => CreationPageArgs) page: CreationPageArgs): Promise<PredictionConnection> {
    return toConnection(await this.service.predictionPage({ modelId: model.id }, page), toPrediction);
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
    domain: m.config.domain ?? null,
    importedAt: m.config.imported ? new Date(m.config.imported.at) : null,
    importedExperiment: m.config.imported?.experiment ?? null,
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
      hotellingT2: r.hotellingT2 ?? null,
      qResidual: r.qResidual ?? null,
      outlier: r.outlier ?? false,
    })),
    domain: p.domain,
  };
}
