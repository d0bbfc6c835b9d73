import { inject, injectable } from 'inversify';
import { Arg, Authorized, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Role } from '../../services/auth/roles';
import { DatasetService } from '../../services/datasets/datasets.service';
import type { ExperimentProgress } from '../../services/experiments/experiment-events';
import type { SplitMethod } from '../../services/experiments/experiment-spec';
import { ExperimentService, type ExperimentRecord } from '../../services/experiments/experiments.service';
import { summarize } from '../../numeric/stats';
import { CreationPageArgs, toConnection } from '../connection';
import { tokenIdOf, type GraphQLContext } from '../context';
import {
  CreateExperimentInput,
  ExperimentComparisonType,
  ExperimentConnection,
  ExperimentFilterInput,
  ExperimentProgressType,
  ExperimentType,
  FoldResultType,
  MeanStdType,
  type ExperimentStatusEnum,
} from './experiment.types';

@injectable()
@Resolver(() => ExperimentType)
export class ExperimentsResolver {
  constructor(
    @inject(ExperimentService) private readonly service: ExperimentService,
    @inject(DatasetService) private readonly datasets: DatasetService,
  ) {}

  @Authorized<Role>('reader')
  @Query(() => [ExperimentType], {
    description: 'Experiments, oldest first, filtered by dataset, model, tag and status.',
    deprecationReason: 'Use experimentsConnection, which pages.',
  })
  async experiments(@Arg('filter', () => ExperimentFilterInput, { nullable: true, description: 'Conditions the experiments must meet.' }) filter?: ExperimentFilterInput): Promise<ExperimentType[]> {
    return (await this.service.list(filter ?? {})).map(toGraphql);
  }

  @Authorized<Role>('reader')
  @Query(() => ExperimentConnection, { description: 'A page of experiments in creation order, filtered.' })
  async experimentsConnection(
    @Args(() => CreationPageArgs) page: CreationPageArgs,
    @Arg('filter', () => ExperimentFilterInput, { nullable: true, description: 'Conditions the experiments must meet.' }) filter?: ExperimentFilterInput,
  ): Promise<ExperimentConnection> {
    return toConnection(await this.service.page(filter ?? {}, page), toGraphql);
  }

  @Authorized<Role>('reader')
  @Query(() => ExperimentType, { nullable: true, description: 'One experiment; null when no experiment has this id.' })
  async experiment(@Arg('id', () => ID, { description: 'The experiment.' }) id: string): Promise<ExperimentType | null> {
    const found = await this.service.find(id);
    return found ? toGraphql(found) : null;
  }

  @Authorized<Role>('reader')
  @Query(() => ExperimentComparisonType, { description: 'Mean, spread and per-fold values per metric; paired differences and t-test where folds are identical; ranking.' })
  async compareExperiments(@Arg('ids', () => [ID], { description: 'Two or more experiments.' }) ids: string[]): Promise<ExperimentComparisonType> {
    const comparison = await this.service.compare(ids);
    return { ...comparison, experiments: comparison.experiments.map(toGraphql) };
  }

  @Authorized<Role>('writer')
  @Mutation(() => ExperimentType, { description: 'Validates, stores and queues an experiment.' })
  async createExperiment(
    @Arg('input', () => CreateExperimentInput, { description: 'The experiment to create.' }) input: CreateExperimentInput,
    @Ctx() context: GraphQLContext,
  ): Promise<ExperimentType> {
    return toGraphql(
      await this.service.create({
        name: input.name,
        tags: input.tags,
        datasetId: input.datasetId,
        preprocessing: (input.preprocessing ?? []).map((s) => ({ name: s.name, params: s.params ?? {} })),
        model: { plugin: input.model.plugin, params: input.model.params ?? {} },
        protocol: input.protocol ? { ...input.protocol, split: input.protocol.split as SplitMethod | undefined, labelFraction: input.protocol.labelFraction ?? null } : undefined,
        trainFinalModel: input.trainFinalModel ?? false,
        pretraining: input.pretraining
          ? { datasetIds: input.pretraining.datasetIds ?? [], transductive: input.pretraining.transductive ?? false, encoderId: input.pretraining.encoderId ?? null }
          : undefined,
        tokenId: tokenIdOf(context.principal),
      }),
    );
  }

  @Authorized<Role>('writer')
  @Mutation(() => ExperimentType, { description: 'Cancels a queued or running experiment (folds already finished are kept).' })
  async cancelExperiment(@Arg('id', () => ID, { description: 'The experiment.' }) id: string): Promise<ExperimentType> {
    return toGraphql(await this.service.cancel(id));
  }

  @Authorized<Role>('admin')
  @Mutation(() => Boolean, { description: 'Deletes a finished or queued experiment with its folds; its models stay. True when deleted.' })
  async deleteExperiment(@Arg('id', () => ID, { description: 'The experiment.' }) id: string): Promise<boolean> {
    return this.service.delete(id);
  }

  @FieldResolver(() => [FoldResultType], { description: 'The finished folds, ordered by (repeat, fold).' })
  async folds(@Root() experiment: ExperimentType): Promise<FoldResultType[]> {
    const dataset = await this.datasets.get(experiment.datasetId);
    return (await this.service.folds(experiment.id)).map((f) => ({
      repeat: f.repeat,
      fold: f.fold,
      accuracy: f.accuracy,
      macroF1: f.macroF1,
      wallMs: f.wallMs,
      backend: f.backend,
      worker: f.worker,
      trainSize: f.details.trainSize,
      labelledSize: f.details.labelledSize,
      testSize: f.details.testSize,
      perClass: f.details.perClass.map((m, k) => ({ className: dataset.classes[k], ...m })),
      confusion: f.details.confusion,
      pretextAccuracy: f.details.pretext?.accuracy ?? null,
      pretext: Object.entries(f.details.pretext?.perTransform ?? {}).map(([transform, m]) => ({ transform, ...m })),
      curves: f.details.curves.map((c) => ({ stage: c.stage, epoch: c.epoch, loss: c.loss, accuracy: c.accuracy ?? null, extra: c.extra ?? null })),
      choices: f.details.choices ?? {},
      warnings: [...(f.details.warnings ?? [])],
      pretraining: f.details.pretraining ?? null,
    }));
  }

  @FieldResolver(() => Boolean, {
    description:
      'True when SSL pre-training saw test-fold spectra (never their labels): the experiment asked for it (pretraining.transductive), or its stored encoder was pre-trained on this dataset\'s labelled spectra. Its scores are then not comparable with inductive ones.',
  })
  async transductive(@Root() experiment: ExperimentType): Promise<boolean> {
    const spec = experiment.config as { pretraining?: { transductive?: boolean } };
    if (spec.pretraining?.transductive) return true;
    return (await this.service.folds(experiment.id)).some((f) => f.details.pretraining?.transductive === true);
  }

  @FieldResolver(() => [String], {
    description: 'Every fold\'s warnings, each prefixed with its fold ("fold 3: ..."); empty when every fold trained as it should.',
  })
  async warnings(@Root() experiment: ExperimentType): Promise<string[]> {
    return (await this.service.folds(experiment.id)).flatMap((f) =>
      (f.details.warnings ?? []).map((w) => `${f.repeat > 0 ? `repeat ${f.repeat + 1}, ` : ''}fold ${f.fold + 1}: ${w}`),
    );
  }

  @FieldResolver(() => MeanStdType, { description: 'Accuracy over the finished folds.' })
  async accuracy(@Root() experiment: ExperimentType): Promise<MeanStdType> {
    return meanStd((await this.service.scores(experiment.id)).map((f) => f.accuracy));
  }

  @FieldResolver(() => MeanStdType, { description: 'Macro F1 over the finished folds.' })
  async macroF1(@Root() experiment: ExperimentType): Promise<MeanStdType> {
    return meanStd((await this.service.scores(experiment.id)).map((f) => f.macroF1));
  }

  @Authorized<Role>('reader')
  @Subscription(() => ExperimentProgressType, {
    subscribe: ({ args, context }: { args: { experimentId?: string | null }; context: GraphQLContext }) =>
      args.experimentId ? context.progress.experiment(args.experimentId) : context.progress.allExperiments(),
    description:
      'Progress of one experiment: its current state first, then every event (fold, stage, epoch, loss, accuracy); ' +
      'completes once the experiment is SUCCEEDED, FAILED or CANCELLED, and ends with a NOT_FOUND error for an unknown id. ' +
      'Without an id: the events of every experiment, never completing.',
  })
  experimentProgress(
    @Root() progress: ExperimentProgress,
    @Arg('experimentId', () => ID, { nullable: true, description: 'The experiment to follow; omitted: all of them.' }) _experimentId?: string,
  ): ExperimentProgressType {
    return progress as ExperimentProgressType;
  }
}

function meanStd(values: number[]): MeanStdType {
  if (values.length === 0) return { mean: null, std: null };
  const s = summarize(values);
  return { mean: s.mean, std: s.std };
}

/** The GraphQL view of an experiment record (also used where other resolvers return experiments). */
export function toGraphql(e: ExperimentRecord): ExperimentType {
  return {
    id: e.id,
    name: e.name,
    tags: e.tags,
    datasetId: e.datasetId,
    model: e.modelName,
    config: e.spec,
    configHash: e.configHash,
    status: e.status as ExperimentStatusEnum,
    backend: e.backend,
    error: e.error,
    progress: e.progress as ExperimentProgressType | null,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
  };
}
