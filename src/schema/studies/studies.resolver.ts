import { inject, injectable } from 'inversify';
import { Arg, Authorized, Args, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription, registerEnumType } from 'type-graphql';
import type { Role } from '../../services/auth/roles';
import { GraphQLJSON } from 'graphql-scalars';
import { ExperimentService } from '../../services/experiments/experiments.service';
import type { StudyProgress } from '../../services/progress.service';
import { StudyService, type StudyRecord } from '../../services/studies/studies.service';
import { connectionType, CreationPageArgs, toConnection, type Connection } from '../connection';
import { tokenIdOf, type GraphQLContext } from '../context';
import { STUDY_PARTS, type StudyPart } from '../../services/studies/study-plan';
import { ExperimentProgressType, ExperimentType } from '../experiments/experiment.types';
import { toGraphql as experimentToGraphql } from '../experiments/experiments.resolver';

export enum StudyPresetEnum {
  QUICK = 'quick',
  FULL = 'full',
}
registerEnumType(StudyPresetEnum, {
  name: 'StudyPreset',
  description: 'Settings a study starts from.',
  valuesConfig: {
    QUICK: { description: 'Few epochs and 3 folds: minutes, for a first look.' },
    FULL: { description: "The paper's settings: hours on a CPU." },
  },
});

export enum StudyStatusEnum {
  RUNNING = 'running',
  FINISHED = 'finished',
}
registerEnumType(StudyStatusEnum, {
  name: 'StudyStatus',
  description: 'Whether any experiment of a study is still queued, running or interrupted.',
  valuesConfig: {
    RUNNING: { description: 'At least one experiment is queued, running or interrupted.' },
    FINISHED: { description: 'Every experiment has succeeded, failed or been cancelled.' },
  },
});

@InputType('CreateStudyInput', { description: "The paper's experiment set on one dataset: a preset, optionally reduced." })
export class CreateStudyInput {
  @Field(() => ID, { description: 'The dataset to run the study on.' }) datasetId!: string;
  @Field(() => StudyPresetEnum, { description: 'Settings to start from.' }) preset!: StudyPresetEnum;
  @Field({ description: 'Name of the study; omitted: the dataset\'s name and the preset.', nullable: true }) name?: string;
  @Field(() => [String], { nullable: true, description: `Parts to run (default all): ${STUDY_PARTS.join(', ')}.` }) parts?: string[];
  @Field(() => Int, { description: 'Override the preset\'s number of folds.', nullable: true }) folds?: number;
  @Field(() => Int, { nullable: true, description: 'Override the preset (a reduced, stated budget).' }) pretextEpochs?: number;
  @Field(() => Int, { description: 'Override the preset\'s fine-tuning epochs (a reduced, stated budget).', nullable: true }) finetuneEpochs?: number;
  @Field(() => [Float], {
    nullable: true,
    description: 'Label fractions of the sweep and auto parts, each in (0, 1] (default: the preset\'s); 1 means every label.',
  })
  fractions?: number[];
}

@ObjectType('Study', { description: "The paper's experiment set on one dataset, with its report." })
export class StudyType {
  @Field(() => ID, { description: 'Stable identifier.' }) id!: string;
  @Field({ description: 'Name of the study.' }) name!: string;
  @Field(() => ID, { description: 'The dataset it runs on.' }) datasetId!: string;
  @Field(() => StudyPresetEnum, { description: 'The preset it started from.' }) preset!: StudyPresetEnum;
  @Field(() => GraphQLJSON, { description: 'The settings the preset expanded to, overrides included (folds, epochs, parts, baseline parameters).' }) settings!: unknown;
  @Field(() => StudyStatusEnum, { description: 'Whether any of its experiments is still to finish.' }) status!: StudyStatusEnum;
  @Field(() => Int, { description: 'Experiments in the study.' }) experimentsTotal!: number;
  @Field(() => Int, { description: 'Experiments that have succeeded, failed or been cancelled.' }) experimentsFinished!: number;
  @Field({ description: 'When the study was created.' }) createdAt!: Date;
}

const StudyConnection = connectionType(StudyType, 'Study', 'study');
type StudyConnection = Connection<StudyType>;

@ObjectType('StudyProgress', { description: 'Where a study stands; sent by the studyProgress subscription.' })
export class StudyProgressType {
  @Field(() => ID, { description: 'The study.' }) studyId!: string;
  @Field(() => StudyStatusEnum, { description: 'Whether any of its experiments is still to finish.' }) status!: StudyStatusEnum;
  @Field(() => Int, { description: 'Experiments in the study.' }) experimentsTotal!: number;
  @Field(() => Int, { description: 'Experiments that have succeeded, failed or been cancelled.' }) experimentsFinished!: number;
  @Field(() => ExperimentProgressType, { nullable: true, description: 'The latest event of the experiment running now; null when none runs.' })
  running!: ExperimentProgressType | null;
  @Field({ description: 'When this state was sent (ISO 8601).' }) at!: string;
}

@injectable()
@Resolver(() => StudyType)
export class StudiesResolver {
  constructor(
    @inject(StudyService) private readonly service: StudyService,
    @inject(ExperimentService) private readonly experiments: ExperimentService,
  ) {}

  @Authorized<Role>('writer')
  @Mutation(() => StudyType, { description: 'Queues the whole experiment set; each run is an ordinary experiment.' })
  async createStudy(
    @Arg('input', () => CreateStudyInput, { description: 'The dataset, the preset and any overrides.' }) input: CreateStudyInput,
    @Ctx() context: GraphQLContext,
  ): Promise<StudyType> {
    return toStudy(await this.service.create({ ...input, parts: input.parts as StudyPart[] | undefined, tokenId: tokenIdOf(context.principal) }));
  }

  @Authorized<Role>('reader')
  @Query(() => [StudyType], { description: 'Studies, oldest first.', deprecationReason: 'Use studiesConnection, which pages.' })
  async studies(@Arg('datasetId', () => ID, { nullable: true, description: 'Only studies of this dataset.' }) datasetId?: string): Promise<StudyType[]> {
    return (await this.service.list(datasetId)).map(toStudy);
  }

  @Authorized<Role>('reader')
  @Query(() => StudyConnection, { description: 'A page of studies in creation order, filtered by dataset.' })
  async studiesConnection(
    @Args(() => CreationPageArgs) page: CreationPageArgs,
    @Arg('datasetId', () => ID, { nullable: true, description: 'Only studies of this dataset.' }) datasetId?: string,
  ): Promise<StudyConnection> {
    return toConnection(await this.service.page({ datasetId }, page), toStudy);
  }

  @Authorized<Role>('reader')
  @Query(() => StudyType, { nullable: true, description: 'One study; null when no study has this id.' })
  async study(@Arg('id', () => ID, { description: 'The study.' }) id: string): Promise<StudyType | null> {
    const found = await this.service.find(id);
    return found ? toStudy(found) : null;
  }

  @Authorized<Role>('reader')
  @Subscription(() => StudyProgressType, {
    subscribe: ({ args, context }: { args: { studyId: string }; context: GraphQLContext }) => context.progress.study(args.studyId),
    description:
      'Progress of a study: its current state first, then one state per event of its experiments; completes once every ' +
      'experiment has finished, and ends with a NOT_FOUND error for an unknown id.',
  })
  studyProgress(@Root() progress: StudyProgress, @Arg('studyId', () => ID, { description: 'The study to follow.' }) _studyId: string): StudyProgressType {
    return progress as StudyProgressType;
  }

  @FieldResolver(() => [ExperimentType], { name: 'experiments', description: 'In queue order; `role` in the report names each.' })
  async experimentList(@Root() study: StudyType): Promise<ExperimentType[]> {
    const ids = await this.service.experimentIds(study.id);
    return Promise.all(ids.map(async (id) => experimentToGraphql(await this.experiments.get(id))));
  }

  @FieldResolver(() => String, { description: 'Markdown report: our numbers beside the paper, of what has finished so far.' })
  async report(@Root() study: StudyType): Promise<string> {
    return this.service.report(study.id);
  }
}

function toStudy(study: StudyRecord): StudyType {
  return { ...study, preset: study.preset as StudyPresetEnum, status: study.status as StudyStatusEnum };
}
