import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { PipelineStepInput } from '../plugins/plugin.types';
import { connectionType, type Connection } from '../connection';

export enum ExperimentStatusEnum {
  QUEUED = 'queued',
  RUNNING = 'running',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
  CANCELLED = 'cancelled',
  INTERRUPTED = 'interrupted',
}
registerEnumType(ExperimentStatusEnum, { name: 'ExperimentStatus' });

@InputType('ModelInput', { description: 'A classifier or baseline plugin and its parameters (e.g. cnn-classifier, svm, pls-da).' })
export class ModelInput {
  @Field() plugin!: string;
  @Field(() => GraphQLJSONObject, { nullable: true }) params?: Record<string, unknown>;
}

@InputType('ProtocolInput', { description: 'Cross-validation protocol; omitted fields take the defaults (5 folds, seed 0, no grouping, all labels, 1 repeat).' })
export class ProtocolInput {
  @Field(() => Int, { nullable: true }) folds?: number;
  @Field(() => Int, { nullable: true }) seed?: number;
  @Field({ nullable: true, description: "Keep the rows of a group (the dataset's group column) in one fold." }) useGroups?: boolean;
  @Field(() => Float, { nullable: true, description: 'Train on this stratified fraction of each training fold (pre-training uses all of it).' })
  labelFraction?: number;
  @Field(() => Int, { nullable: true }) repeats?: number;
}

@InputType('CreateExperimentInput')
export class CreateExperimentInput {
  @Field() name!: string;
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => ID) datasetId!: string;
  @Field(() => [PipelineStepInput], { nullable: true, description: 'Pre-processing, fitted on each training fold only.' })
  preprocessing?: PipelineStepInput[];
  @Field(() => ModelInput) model!: ModelInput;
  @Field(() => ProtocolInput, { nullable: true }) protocol?: ProtocolInput;
  @Field({ nullable: true, defaultValue: false, description: 'After cross-validation, train on every row and store the model for predictions.' })
  trainFinalModel?: boolean;
}

@InputType('ExperimentFilter', { description: 'Every given condition must hold.' })
export class ExperimentFilterInput {
  @Field(() => ID, { nullable: true, description: 'Only experiments on this dataset.' }) datasetId?: string;
  @Field({ nullable: true, description: 'Model family: "ssl", "supervised" or a baseline plugin name.' }) model?: string;
  @Field({ nullable: true, description: 'Model plugin, e.g. "cnn-classifier" (both the ssl and the supervised family) or "svm".' }) plugin?: string;
  @Field({ nullable: true, description: 'Only experiments with this tag (whole tag).' }) tag?: string;
  @Field({ nullable: true, description: 'Only experiments whose name contains this text.' }) nameContains?: string;
  @Field(() => ExperimentStatusEnum, { nullable: true }) status?: ExperimentStatusEnum;
  @Field(() => Date, { nullable: true, description: 'Only experiments created after this instant.' }) createdAfter?: Date;
}

@ObjectType('MeanStd')
export class MeanStdType {
  @Field(() => Float, { nullable: true }) mean!: number | null;
  @Field(() => Float, { nullable: true, description: 'Sample standard deviation over folds.' }) std!: number | null;
}

@ObjectType('ExperimentProgress')
export class ExperimentProgressType {
  @Field(() => ID) experimentId!: string;
  @Field(() => ExperimentStatusEnum) status!: ExperimentStatusEnum;
  @Field(() => Int, { nullable: true }) repeat!: number | null;
  @Field(() => Int, { nullable: true }) fold!: number | null;
  @Field(() => Int) foldsDone!: number;
  @Field(() => Int) foldsTotal!: number;
  @Field(() => String, { nullable: true, description: 'pretext, finetune, fit ...' }) stage!: string | null;
  @Field(() => Int, { nullable: true }) epoch!: number | null;
  @Field(() => Int, { nullable: true }) epochs!: number | null;
  @Field(() => Float, { nullable: true }) loss!: number | null;
  @Field(() => Float, { nullable: true }) accuracy!: number | null;
  @Field() at!: string;
}

@ObjectType('ClassMetrics')
export class ClassMetricsType {
  @Field() className!: string;
  @Field(() => Float) precision!: number;
  @Field(() => Float) recall!: number;
  @Field(() => Float) f1!: number;
  @Field(() => Int) support!: number;
}

@ObjectType('PretextTransformMetrics', { description: "Head j's binary decision (variant j or not) on held-out spectra: the paper's Table 3." })
export class PretextTransformMetricsType {
  @Field() transform!: string;
  @Field(() => Float) accuracy!: number;
  @Field(() => Float) precision!: number;
  @Field(() => Float) recall!: number;
  @Field(() => Float) f1!: number;
}

@ObjectType('EpochPoint')
export class EpochPointType {
  @Field() stage!: string;
  @Field(() => Int) epoch!: number;
  @Field(() => Float) loss!: number;
  @Field(() => Float, { nullable: true }) accuracy!: number | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) extra!: Record<string, number> | null;
}

@ObjectType('FoldResult')
export class FoldResultType {
  @Field(() => Int) repeat!: number;
  @Field(() => Int) fold!: number;
  @Field(() => Float) accuracy!: number;
  @Field(() => Float) macroF1!: number;
  @Field(() => Float) wallMs!: number;
  @Field(() => Int) trainSize!: number;
  @Field(() => Int) labelledSize!: number;
  @Field(() => Int) testSize!: number;
  @Field(() => [ClassMetricsType]) perClass!: ClassMetricsType[];
  @Field(() => [[Int]], { description: 'confusion[true class][predicted class].' }) confusion!: number[][];
  @Field(() => Float, { nullable: true, description: '7-way argmax accuracy of the pretext task (SSL only).' })
  pretextAccuracy!: number | null;
  @Field(() => [PretextTransformMetricsType]) pretext!: PretextTransformMetricsType[];
  @Field(() => [EpochPointType]) curves!: EpochPointType[];
}

@ObjectType('Experiment')
export class ExperimentType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => [String]) tags!: string[];
  @Field(() => ID) datasetId!: string;
  @Field({ description: '"ssl", "supervised" or the baseline plugin name.' }) model!: string;
  @Field(() => GraphQLJSON, { description: 'The full validated configuration.' }) config!: unknown;
  @Field() configHash!: string;
  @Field(() => ExperimentStatusEnum) status!: ExperimentStatusEnum;
  @Field(() => String, { nullable: true }) backend!: string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => ExperimentProgressType, { nullable: true }) progress!: ExperimentProgressType | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

export const ExperimentConnection = connectionType(ExperimentType, 'Experiment', 'experiment');
export type ExperimentConnection = Connection<ExperimentType>;

@ObjectType('MetricEntry')
export class MetricEntryType {
  @Field(() => ID) experimentId!: string;
  @Field(() => Float, { nullable: true }) mean!: number | null;
  @Field(() => Float, { nullable: true }) std!: number | null;
  @Field(() => [Float]) perFold!: number[];
  @Field(() => Int, { description: '1 = best mean.' }) rank!: number;
}

@ObjectType('MetricComparison')
export class MetricComparisonType {
  @Field() metric!: string;
  @Field(() => [MetricEntryType]) entries!: MetricEntryType[];
}

@ObjectType('PairComparison')
export class PairComparisonType {
  @Field(() => ID) a!: string;
  @Field(() => ID) b!: string;
  @Field() metric!: string;
  @Field({ description: 'True when both ran on identical folds, so the paired test applies.' }) paired!: boolean;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => [Float], { description: 'a - b per fold.' }) differences!: number[];
  @Field(() => Float, { nullable: true }) meanDifference!: number | null;
  @Field(() => Float, { nullable: true }) t!: number | null;
  @Field(() => Float, { nullable: true, description: 'Two-sided paired t-test.' }) pValue!: number | null;
}

@ObjectType('ExperimentComparison')
export class ExperimentComparisonType {
  @Field(() => [ExperimentType]) experiments!: ExperimentType[];
  @Field(() => [MetricComparisonType]) metrics!: MetricComparisonType[];
  @Field(() => [PairComparisonType]) pairs!: PairComparisonType[];
}
