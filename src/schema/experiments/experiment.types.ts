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
registerEnumType(ExperimentStatusEnum, {
  name: 'ExperimentStatus',
  description: 'Where an experiment stands. SUCCEEDED, FAILED and CANCELLED are final.',
  valuesConfig: {
    QUEUED: { description: 'Waiting for a free training slot.' },
    RUNNING: { description: 'Training its folds.' },
    SUCCEEDED: { description: 'Every fold (and the final model, when asked) is done. Final.' },
    FAILED: { description: 'Stopped by an error (see Experiment.error); finished folds are kept. Final.' },
    CANCELLED: { description: 'Cancelled by a user; finished folds are kept. Final.' },
    INTERRUPTED: { description: 'Stopped by a server shutdown; the next start resumes it at the first missing fold.' },
  },
});

@InputType('ModelInput', { description: 'A classifier or baseline plugin and its parameters (e.g. cnn-classifier, svm, pls-da).' })
export class ModelInput {
  @Field({ description: 'Name of a classifier or baseline plugin (see the plugins query).' }) plugin!: string;
  @Field(() => GraphQLJSONObject, { description: 'The plugin\'s parameters; omitted ones take their defaults (see Plugin.parameters).', nullable: true }) params?: Record<string, unknown>;
}

export enum SplitMethodEnum {
  K_FOLD = 'k-fold',
  KENNARD_STONE = 'kennard-stone',
  KENNARD_STONE_CLASSWISE = 'kennard-stone-classwise',
  EXPLICIT = 'explicit',
}

registerEnumType(SplitMethodEnum, {
  name: 'SplitMethod',
  description: 'How an experiment splits its labelled rows into training and test rows.',
  valuesConfig: {
    K_FOLD: { description: 'Stratified k-fold cross-validation (grouped with useGroups): the default.' },
    KENNARD_STONE: {
      description:
        'One Kennard-Stone split: the rows that span the (raw) spectral space, its extremes included, train; the last testFraction of the Kennard-Stone order test. One fold, no randomness.',
    },
    KENNARD_STONE_CLASSWISE: { description: 'Kennard-Stone within each class: each class keeps its share of training and test rows. One fold.' },
    EXPLICIT: { description: 'Train on trainRows (default: every other labelled row), test on testRows (dataset row numbers). One fold.' },
  },
});

@InputType('ProtocolInput', {
  description:
    'Cross-validation protocol; omitted fields take the defaults (5-fold stratified, seed 0, no grouping, all labels, 1 repeat). A Kennard-Stone or explicit split makes one train/test fold.',
})
export class ProtocolInput {
  @Field(() => SplitMethodEnum, { nullable: true, description: 'How rows are split: k-fold (default), Kennard-Stone (plain or class-wise) or an explicit test set.' })
  split?: SplitMethodEnum;
  @Field(() => Float, { nullable: true, description: 'Share of the rows a Kennard-Stone split tests, in (0, 1); default 0.25.' })
  testFraction?: number;
  @Field(() => [Int], { nullable: true, description: 'EXPLICIT split: the rows (dataset row numbers, 0-based) to train on; omitted: every labelled row not in testRows.' })
  trainRows?: number[];
  @Field(() => [Int], { nullable: true, description: 'EXPLICIT split: the rows (dataset row numbers, 0-based) to test on.' })
  testRows?: number[];
  @Field(() => Int, { description: 'k of k-fold cross-validation (at least 2, at most the size of the smallest class).', nullable: true }) folds?: number;
  @Field(() => Int, { description: 'Seed of the shuffle and of every random choice in training: the same seed gives the same folds.', nullable: true }) seed?: number;
  @Field({ nullable: true, description: "Keep the rows of a group (the dataset's group column) in one fold." }) useGroups?: boolean;
  @Field(() => Float, { nullable: true, description: 'Train on this stratified fraction of each training fold (pre-training uses all of it).' })
  labelFraction?: number;
  @Field(() => Int, { description: 'Repeats of the whole cross-validation, repeat r shuffled with seed + r.', nullable: true }) repeats?: number;
}

@InputType('PretrainingInput', {
  description:
    'What SSL pre-training uses besides each training fold and the dataset\'s unlabelled spectra (which it always uses). Test-fold spectra are never pre-trained on unless transductive is set.',
})
export class PretrainingInput {
  @Field(() => [ID], { nullable: true, description: 'Extra datasets (e.g. spectral libraries) whose spectra join pre-training, labels ignored; resampled onto the dataset\'s axis, which they must cover.' })
  datasetIds?: string[];
  @Field({ nullable: true, defaultValue: false, description: 'Also pre-train on each test fold\'s spectra (never their labels). Every result and report then says so.' })
  transductive?: boolean;
  @Field(() => ID, { nullable: true, description: 'Start every fold from this stored encoder (see pretrainEncoder) instead of pre-training; excludes datasetIds and transductive.' })
  encoderId?: string;
}

@ObjectType('FoldPretraining', { description: 'What a fold\'s SSL pre-training saw.' })
export class FoldPretrainingType {
  @Field(() => Int, { description: 'Spectra pre-trained on.' }) spectra!: number;
  @Field(() => Int, { description: 'Of them, spectra whose labels fine-tuning did not use: hidden labels of a label fraction, unlabelled rows, extra datasets, and test spectra when transductive.' })
  unlabelled!: number;
  @Field({ description: 'True when the fold\'s test spectra were among them (a transductive experiment, or an encoder pre-trained on this dataset\'s labelled spectra).' })
  transductive!: boolean;
  @Field(() => ID, { nullable: true, description: 'The stored encoder the fold started from; null when the fold pre-trained (or reused its own fold\'s cache).' })
  encoderId!: string | null;
}

@InputType('CreateExperimentInput', { description: 'A new experiment: what to train, on what, and how to cross-validate it.' })
export class CreateExperimentInput {
  @Field({ description: 'Name shown in lists; need not be unique.' }) name!: string;
  @Field(() => [String], { description: 'Free labels to filter by (duplicates are dropped).', nullable: true }) tags?: string[];
  @Field(() => ID, { description: 'The dataset to cross-validate on.' }) datasetId!: string;
  @Field(() => [PipelineStepInput], { nullable: true, description: 'Pre-processing, fitted on each training fold only.' })
  preprocessing?: PipelineStepInput[];
  @Field(() => ModelInput, { description: 'The classifier or baseline and its parameters.' }) model!: ModelInput;
  @Field(() => ProtocolInput, { description: 'Cross-validation settings; omitted: 5 folds, seed 0.', nullable: true }) protocol?: ProtocolInput;
  @Field({ nullable: true, defaultValue: false, description: 'After cross-validation, train on every row and store the model for predictions.' })
  trainFinalModel?: boolean;
  @Field(() => PretrainingInput, { nullable: true, description: 'SSL pre-training inputs: extra datasets, transductive, or a stored encoder (SSL models only).' })
  pretraining?: PretrainingInput;
}

@InputType('ExperimentFilter', { description: 'Every given condition must hold.' })
export class ExperimentFilterInput {
  @Field(() => ID, { nullable: true, description: 'Only experiments on this dataset.' }) datasetId?: string;
  @Field({ nullable: true, description: 'Model family: "ssl", "supervised" or a baseline plugin name.' }) model?: string;
  @Field({ nullable: true, description: 'Model plugin, e.g. "cnn-classifier" (both the ssl and the supervised family) or "svm".' }) plugin?: string;
  @Field({ nullable: true, description: 'Only experiments with this tag (whole tag).' }) tag?: string;
  @Field({ nullable: true, description: 'Only experiments whose name contains this text.' }) nameContains?: string;
  @Field(() => ExperimentStatusEnum, { description: 'Only experiments in this state.', nullable: true }) status?: ExperimentStatusEnum;
  @Field(() => Date, { nullable: true, description: 'Only experiments created after this instant.' }) createdAfter?: Date;
}

@ObjectType('MeanStd', { description: 'Mean and spread of a metric over folds.' })
export class MeanStdType {
  @Field(() => Float, { description: 'Mean over the folds; null when no fold has finished.', nullable: true }) mean!: number | null;
  @Field(() => Float, { nullable: true, description: 'Sample standard deviation over folds.' }) std!: number | null;
}

@ObjectType('ExperimentProgress', { description: 'One progress event of an experiment (or its latest, stored state).' })
export class ExperimentProgressType {
  @Field(() => ID, { description: 'The experiment this event belongs to.' }) experimentId!: string;
  @Field(() => ExperimentStatusEnum, { description: 'The experiment\'s state at the time of the event.' }) status!: ExperimentStatusEnum;
  @Field(() => Int, { description: 'Repeat of the fold being trained (0-based); null between folds.', nullable: true }) repeat!: number | null;
  @Field(() => Int, { description: 'Fold being trained (0-based); null between folds.', nullable: true }) fold!: number | null;
  @Field(() => Int, { description: 'Folds finished and stored, over all repeats.' }) foldsDone!: number;
  @Field(() => Int, { description: 'Folds in total (folds x repeats).' }) foldsTotal!: number;
  @Field(() => String, { nullable: true, description: 'pretext, finetune, fit ...' }) stage!: string | null;
  @Field(() => Int, { description: 'Epoch just finished (1-based) in the current stage; null outside training loops.', nullable: true }) epoch!: number | null;
  @Field(() => Int, { description: 'Epochs of the current stage; null outside training loops.', nullable: true }) epochs!: number | null;
  @Field(() => Float, { description: 'Training loss of the epoch just finished (cross-entropy for the CNN); null outside training loops.', nullable: true }) loss!: number | null;
  @Field(() => Float, { description: 'Training accuracy of the epoch (0 to 1), when the stage reports one.', nullable: true }) accuracy!: number | null;
  @Field({ description: 'When the event was sent (ISO 8601).' }) at!: string;
}

@ObjectType('ClassMetrics', { description: 'Test metrics of one class in one fold.' })
export class ClassMetricsType {
  @Field({ description: 'The class label.' }) className!: string;
  @Field(() => Float, { description: 'Precision of the class on the fold\'s test spectra (0 to 1).' }) precision!: number;
  @Field(() => Float, { description: 'Recall of the class on the fold\'s test spectra (0 to 1).' }) recall!: number;
  @Field(() => Float, { description: 'F1 score of the class (0 to 1).' }) f1!: number;
  @Field(() => Int, { description: 'Test spectra of the class in the fold.' }) support!: number;
}

@ObjectType('PretextTransformMetrics', { description: "Head j's binary decision (variant j or not) on held-out spectra: the paper's Table 3." })
export class PretextTransformMetricsType {
  @Field({ description: 'The SSL transformation (e.g. add-noise, horizontal-flip).' }) transform!: string;
  @Field(() => Float, { description: 'Accuracy of the head\'s binary decision (0 to 1).' }) accuracy!: number;
  @Field(() => Float, { description: 'Precision of the binary decision (0 to 1).' }) precision!: number;
  @Field(() => Float, { description: 'Recall of the binary decision (0 to 1).' }) recall!: number;
  @Field(() => Float, { description: 'F1 score of the binary decision (0 to 1).' }) f1!: number;
}

@ObjectType('EpochPoint', { description: 'One point of a training curve.' })
export class EpochPointType {
  @Field({ description: 'Training stage that reported the point: pretext, finetune, fit, tune, or a custom plugin\'s own stage name.' }) stage!: string;
  @Field(() => Int, { description: 'Epoch (1-based) within the stage.' }) epoch!: number;
  @Field(() => Float, { description: 'Training loss after the epoch.' }) loss!: number;
  @Field(() => Float, { description: 'Training accuracy after the epoch (0 to 1), when the stage reports one.', nullable: true }) accuracy!: number | null;
  @Field(() => GraphQLJSONObject, { description: 'Further per-epoch numbers a stage reports (e.g. validation loss), by name; null when none.', nullable: true }) extra!: Record<string, number> | null;
}

@ObjectType('FoldResult', { description: 'The stored result of one cross-validation fold.' })
export class FoldResultType {
  @Field(() => Int, { description: 'Repeat of the cross-validation (0-based).' }) repeat!: number;
  @Field(() => Int, { description: 'Fold within the repeat (0-based).' }) fold!: number;
  @Field(() => Float, { description: 'Test accuracy of the fold (0 to 1).' }) accuracy!: number;
  @Field(() => Float, { description: 'Test macro F1 of the fold (0 to 1).' }) macroF1!: number;
  @Field(() => Float, { description: 'Wall time of the fold in milliseconds (training and testing).' }) wallMs!: number;
  @Field(() => String, { nullable: true, description: 'Compute backend that trained the fold (e.g. native, tensorflow-gpu); null for folds stored before it was recorded.' })
  backend!: string | null;
  @Field(() => String, { nullable: true, description: 'Who trained the fold: host:pid of the server or worker process; null for folds stored before it was recorded.' })
  worker!: string | null;
  @Field(() => Int, { description: 'Training spectra of the fold.' }) trainSize!: number;
  @Field(() => Int, { description: 'Training spectra whose labels were used (less than trainSize with a label fraction).' }) labelledSize!: number;
  @Field(() => Int, { description: 'Test spectra of the fold.' }) testSize!: number;
  @Field(() => [ClassMetricsType], { description: 'Test metrics per class, in class order.' }) perClass!: ClassMetricsType[];
  @Field(() => [[Int]], { description: 'confusion[true class][predicted class].' }) confusion!: number[][];
  @Field(() => Float, { nullable: true, description: '7-way argmax accuracy of the pretext task (SSL only).' })
  pretextAccuracy!: number | null;
  @Field(() => [PretextTransformMetricsType], { description: 'Per-transformation pretext metrics (SSL only; empty otherwise).' }) pretext!: PretextTransformMetricsType[];
  @Field(() => [EpochPointType], { description: 'Training curves, one point per epoch and stage.' }) curves!: EpochPointType[];
  @Field(() => GraphQLJSONObject, {
    description:
      'What the model chose on the training rows of this fold only: the automatic mode\'s input scaling, learning rate and epochs with every candidate\'s inner-validation score, or a tuned baseline\'s parameters. Empty when nothing was chosen.',
  })
  choices!: Record<string, unknown>;
  @Field(() => [String], { description: 'Problems with this fold\'s model a user must see, e.g. a network that learned nothing. Empty when none.' })
  warnings!: string[];
  @Field(() => FoldPretrainingType, { nullable: true, description: 'What SSL pre-training saw in this fold; null for a model without pre-training (or a fold stored before this was kept).' })
  pretraining!: FoldPretrainingType | null;
}

@ObjectType('Experiment', { description: 'A cross-validated run of one model on one dataset.' })
export class ExperimentType {
  @Field(() => ID, { description: 'Stable identifier.' }) id!: string;
  @Field({ description: 'Name given at creation.' }) name!: string;
  @Field(() => [String], { description: 'Labels given at creation.' }) tags!: string[];
  @Field(() => ID, { description: 'The dataset it cross-validates on.' }) datasetId!: string;
  @Field({ description: '"ssl", "supervised" or the baseline plugin name.' }) model!: string;
  @Field(() => GraphQLJSON, { description: 'The full validated configuration.' }) config!: unknown;
  @Field({ description: 'SHA-256 of the configuration: equal hashes mean identical experiments.' }) configHash!: string;
  @Field(() => ExperimentStatusEnum, { description: 'Where the experiment stands.' }) status!: ExperimentStatusEnum;
  @Field(() => String, { description: 'The compute backend the folds ran on (e.g. wasm, tensorflow, typescript); null before the first fold.', nullable: true }) backend!: string | null;
  @Field(() => String, { description: 'Why the experiment failed; null unless FAILED.', nullable: true }) error!: string | null;
  @Field(() => ExperimentProgressType, { description: 'The latest progress, stored at most once a second; null before the experiment first ran.', nullable: true }) progress!: ExperimentProgressType | null;
  @Field({ description: 'When the experiment was created (queued).' }) createdAt!: Date;
  @Field(() => Date, { description: 'When it first started running; null while queued.', nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { description: 'When it reached SUCCEEDED, FAILED or CANCELLED; null before.', nullable: true }) finishedAt!: Date | null;
}

export const ExperimentConnection = connectionType(ExperimentType, 'Experiment', 'experiment');
export type ExperimentConnection = Connection<ExperimentType>;

@ObjectType('MetricEntry', { description: 'One experiment in a metric comparison.' })
export class MetricEntryType {
  @Field(() => ID, { description: 'The experiment.' }) experimentId!: string;
  @Field(() => Float, { description: 'Mean of the metric over its folds; null without finished folds.', nullable: true }) mean!: number | null;
  @Field(() => Float, { description: 'Sample standard deviation over the folds; null with fewer than two.', nullable: true }) std!: number | null;
  @Field(() => [Float], { description: 'The metric per fold, ordered by (repeat, fold).' }) perFold!: number[];
  @Field(() => Int, { description: '1 = best mean.' }) rank!: number;
}

@ObjectType('MetricComparison', { description: 'One metric across the compared experiments.' })
export class MetricComparisonType {
  @Field({ description: 'The metric: accuracy or macroF1.' }) metric!: string;
  @Field(() => [MetricEntryType], { description: 'One entry per experiment, in the order asked.' }) entries!: MetricEntryType[];
}

@ObjectType('PairComparison', { description: 'Two experiments compared on one metric, fold by fold.' })
export class PairComparisonType {
  @Field(() => ID, { description: 'First experiment of the pair.' }) a!: string;
  @Field(() => ID, { description: 'Second experiment of the pair.' }) b!: string;
  @Field({ description: 'The metric compared: accuracy or macroF1.' }) metric!: string;
  @Field({ description: 'True when both ran on identical folds, so the paired test applies.' }) paired!: boolean;
  @Field(() => String, { description: 'Why the pair is not paired (different datasets or folds); null when paired.', nullable: true }) reason!: string | null;
  @Field(() => [Float], { description: 'a - b per fold.' }) differences!: number[];
  @Field(() => Float, { description: 'Mean of the per-fold differences a - b; null when not paired.', nullable: true }) meanDifference!: number | null;
  @Field(() => Float, { description: 'Paired t statistic; null when not paired or the differences are all equal.', nullable: true }) t!: number | null;
  @Field(() => Float, { nullable: true, description: 'Two-sided paired t-test.' }) pValue!: number | null;
}

@ObjectType('ExperimentComparison', { description: 'Experiments side by side: metrics, ranks and paired tests.' })
export class ExperimentComparisonType {
  @Field(() => [ExperimentType], { description: 'The compared experiments, in the order asked.' }) experiments!: ExperimentType[];
  @Field(() => [MetricComparisonType], { description: 'Each metric across the experiments.' }) metrics!: MetricComparisonType[];
  @Field(() => [PairComparisonType], { description: 'Each pair of experiments, per metric.' }) pairs!: PairComparisonType[];
}
