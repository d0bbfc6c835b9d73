import { inject, injectable } from 'inversify';
import { Arg, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { ExperimentService } from '../../services/experiments/experiments.service';
import { StudyService } from '../../services/studies/studies.service';
import { STUDY_PARTS, type StudyPart } from '../../services/studies/study-plan';
import { ExperimentType } from '../experiments/experiment.types';
import { toGraphql as experimentToGraphql } from '../experiments/experiments.resolver';

export enum StudyPresetEnum {
  QUICK = 'quick',
  FULL = 'full',
}
registerEnumType(StudyPresetEnum, { name: 'StudyPreset', description: 'quick: few epochs, 3 folds (minutes); full: the paper settings.' });

@InputType('CreateStudyInput')
export class CreateStudyInput {
  @Field(() => ID) datasetId!: string;
  @Field(() => StudyPresetEnum) preset!: StudyPresetEnum;
  @Field({ nullable: true }) name?: string;
  @Field(() => [String], { nullable: true, description: `Parts to run (default all): ${STUDY_PARTS.join(', ')}.` }) parts?: string[];
  @Field(() => Int, { nullable: true }) folds?: number;
  @Field(() => Int, { nullable: true, description: 'Override the preset (a reduced, stated budget).' }) pretextEpochs?: number;
  @Field(() => Int, { nullable: true }) finetuneEpochs?: number;
  @Field(() => [Float], {
    nullable: true,
    description: 'Label fractions of the sweep and auto parts, each in (0, 1] (default: the preset\'s); 1 means every label.',
  })
  fractions?: number[];
}

@ObjectType('Study', { description: "The paper's experiment set on one dataset, with its report." })
export class StudyType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ID) datasetId!: string;
  @Field() preset!: string;
  @Field(() => GraphQLJSON) settings!: unknown;
  @Field({ description: 'running or finished.' }) status!: string;
  @Field(() => Int) experimentsTotal!: number;
  @Field(() => Int) experimentsFinished!: number;
  @Field() createdAt!: Date;
}

@injectable()
@Resolver(() => StudyType)
export class StudiesResolver {
  constructor(
    @inject(StudyService) private readonly service: StudyService,
    @inject(ExperimentService) private readonly experiments: ExperimentService,
  ) {}

  @Mutation(() => StudyType, { description: 'Queues the whole experiment set; each run is an ordinary experiment.' })
  async createStudy(@Arg('input', () => CreateStudyInput) input: CreateStudyInput): Promise<StudyType> {
    return this.service.create({ ...input, parts: input.parts as StudyPart[] | undefined });
  }

  @Query(() => [StudyType])
  async studies(@Arg('datasetId', () => ID, { nullable: true }) datasetId?: string): Promise<StudyType[]> {
    return this.service.list(datasetId);
  }

  @Query(() => StudyType, { nullable: true })
  async study(@Arg('id', () => ID) id: string): Promise<StudyType> {
    return this.service.get(id);
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
