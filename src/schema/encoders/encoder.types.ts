import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { MaxLength, MinLength } from 'class-validator';
import { PipelineStepInput } from '../plugins/plugin.types';
import { ModelInput, PretextTransformMetricsType } from '../experiments/experiment.types';

export enum EncoderStatusEnum {
  QUEUED = 'queued',
  RUNNING = 'running',
  READY = 'ready',
  FAILED = 'failed',
}
registerEnumType(EncoderStatusEnum, {
  name: 'EncoderStatus',
  description: 'Where a pre-trained encoder stands.',
  valuesConfig: {
    QUEUED: { description: 'Waiting for a free training slot.' },
    RUNNING: { description: 'Pre-training.' },
    READY: { description: 'Pre-trained: experiments can start from it (pretraining.encoderId).' },
    FAILED: { description: 'Pre-training stopped by an error, a deletion or a server restart (see error).' },
  },
});

@ObjectType('Encoder', { description: 'An SSL encoder pre-trained once (transformation recognition, no labels), from which any number of experiments fine-tune.' })
export class EncoderType {
  @Field(() => ID, { description: 'Stable identifier; give it as an experiment\'s pretraining.encoderId.' }) id!: string;
  @Field({ description: 'Unique name.' }) name!: string;
  @Field(() => ID, { description: 'The dataset (or spectral library) it was pre-trained on; its axis is the encoder\'s.' }) datasetId!: string;
  @Field(() => [ID], { description: 'Extra datasets whose spectra joined the pre-training (resampled onto the axis).' }) extraDatasetIds!: string[];
  @Field(() => EncoderStatusEnum, { description: 'Where the pre-training stands.' }) status!: EncoderStatusEnum;
  @Field(() => String, { nullable: true, description: 'Why it failed; null otherwise.' }) error!: string | null;
  @Field(() => Int, { description: 'Spectra pre-trained on (0 until ready).' }) spectraCount!: number;
  @Field(() => Int, { description: 'Of them, spectra without a label: the dataset\'s unlabelled rows and the extra datasets\' spectra.' }) unlabelledCount!: number;
  @Field(() => Int, { description: 'Spectra held out (never pre-trained on) to measure the pretext task.' }) heldOutCount!: number;
  @Field({ description: 'True when it saw the dataset\'s labelled spectra: cross-validation on that dataset from this encoder is transductive, and its results say so.' })
  sawLabelledSpectra!: boolean;
  @Field(() => Float, { nullable: true, description: '7-way pretext accuracy on the held-out spectra; null until ready or when too few spectra were held out.' }) pretextAccuracy!: number | null;
  @Field(() => [PretextTransformMetricsType], { description: 'Per-transformation pretext metrics on the held-out spectra (empty until ready).' }) pretext!: PretextTransformMetricsType[];
  @Field(() => GraphQLJSONObject, { description: 'How it was pre-trained: model plugin and parameters, encoder architecture, pre-processing, seed, wall time and backend.' })
  settings!: Record<string, unknown>;
  @Field({ description: 'When the pre-training was asked for.' }) createdAt!: Date;
}

@InputType('PretrainEncoderInput', { description: 'What to pre-train an encoder on, and how.' })
export class PretrainEncoderInput {
  @Field({ description: 'Unique name of the encoder (1 to 200 characters).' }) @MinLength(1) @MaxLength(200) name!: string;
  @Field(() => ID, { description: 'The dataset or spectral library whose spectra are pre-trained on (labels are ignored).' }) datasetId!: string;
  @Field(() => [ID], { nullable: true, description: 'More datasets whose spectra join, resampled onto the dataset\'s axis (which they must cover).' }) extraDatasetIds?: string[];
  @Field({ nullable: true, defaultValue: false, description: 'Only the dataset\'s unlabelled spectra (and the extra datasets\'): cross-validation on the dataset from this encoder then stays inductive.' })
  unlabelledOnly?: boolean;
  @Field(() => [PipelineStepInput], { nullable: true, description: 'Pre-processing before pre-training; an experiment starting from the encoder must use the same.' }) preprocessing?: PipelineStepInput[];
  @Field(() => ModelInput, { nullable: true, description: 'The SSL classifier the encoder is for, with its encoder and pretext settings (default cnn-classifier with its defaults); experiments must share its encoder architecture.' })
  model?: ModelInput;
  @Field(() => Int, { nullable: true, description: 'Seed of the held-out choice and of pre-training (default 0).' }) seed?: number;
}
