import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { AxisUnitEnum } from '../datasets/dataset.types';
import { MeanStdType } from '../experiments/experiment.types';
import { connectionType, type Connection } from '../connection';

@ObjectType('Model', { description: 'A trained model (pre-processing + classifier) that predicts new spectra.' })
export class ModelType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ID, { nullable: true }) experimentId!: string | null;
  @Field(() => ID, { nullable: true }) datasetId!: string | null;
  @Field({ description: 'The classifier plugin.' }) plugin!: string;
  @Field(() => [String], { description: 'Class names in the order of the probabilities.' }) classes!: string[];
  @Field(() => AxisUnitEnum) axisUnit!: AxisUnitEnum;
  @Field(() => [Float], { description: 'The spectral axis the model expects.' }) axis!: number[];
  @Field(() => Int) trainedOn!: number;
  @Field(() => String, { nullable: true }) backend!: string | null;
  @Field(() => MeanStdType, { nullable: true, description: 'Cross-validated accuracy of the experiment that made it.' })
  accuracy!: MeanStdType | null;
  @Field(() => MeanStdType, { nullable: true }) macroF1!: MeanStdType | null;
  @Field(() => GraphQLJSON, { description: 'The experiment configuration that made it.' }) config!: unknown;
  @Field() createdAt!: Date;
}

@ObjectType('ClassProbability')
export class ClassProbabilityType {
  @Field() className!: string;
  @Field(() => Float) probability!: number;
}

@ObjectType('PredictedSpectrum')
export class PredictedSpectrumType {
  @Field(() => Int, { description: 'Row in the dataset, or position in the given spectra.' }) index!: number;
  @Field() predictedClass!: string;
  @Field(() => [ClassProbabilityType]) probabilities!: ClassProbabilityType[];
}

@ObjectType('Prediction')
export class PredictionType {
  @Field(() => ID) id!: string;
  @Field(() => ID) modelId!: string;
  @Field(() => ID, { nullable: true }) datasetId!: string | null;
  @Field(() => Int) count!: number;
  @Field(() => [PredictedSpectrumType]) results!: PredictedSpectrumType[];
  @Field() createdAt!: Date;
}

export const ModelConnection = connectionType(ModelType, 'Model', 'trained model');
export type ModelConnection = Connection<ModelType>;
export const PredictionConnection = connectionType(PredictionType, 'Prediction', 'prediction');
export type PredictionConnection = Connection<PredictionType>;

@InputType('PredictInput', { description: 'A stored dataset, or inline spectra (on `axis`, else on the model axis).' })
export class PredictInput {
  @Field(() => ID) modelId!: string;
  @Field(() => ID, { nullable: true }) datasetId?: string;
  @Field(() => [[Float]], { nullable: true }) spectra?: number[][];
  @Field(() => [Float], { nullable: true, description: 'Axis of the inline spectra; resampled onto the model axis when it differs.' })
  axis?: number[];
}
