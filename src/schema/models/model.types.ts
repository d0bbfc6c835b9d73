import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { GraphQLUpload, type FileUpload } from '../uploads';
import { GraphQLJSON } from 'graphql-scalars';
import { AxisUnitEnum } from '../datasets/dataset.types';
import { MeanStdType } from '../experiments/experiment.types';
import { connectionType, type Connection } from '../connection';

@ObjectType('ApplicabilityDomain', {
  description:
    "A PCA model of a model's pre-processed training spectra (mean-centred; components explaining 95 % of the variance, at most 20) and its limits. Hotelling's T² limit: k(n-1)/(n-k) F(k, n-k); Q (SPE) limit: Jackson-Mudholkar (Box's chi-square approximation when it does not apply).",
})
export class ApplicabilityDomainType {
  @Field(() => Int, { description: 'Principal components kept (k).' }) components!: number;
  @Field(() => Int, { description: 'Training spectra the PCA model was fitted on (n).' }) trainRows!: number;
  @Field(() => Float, { description: 'Share of the training variance the components explain (0 to 1).' }) explainedVariance!: number;
  @Field(() => Float, { description: "95 % limit of Hotelling's T²." }) t2Limit95!: number;
  @Field(() => Float, { description: "99 % limit of Hotelling's T²." }) t2Limit99!: number;
  @Field(() => Float, { description: '95 % limit of the Q residual (squared prediction error).' }) qLimit95!: number;
  @Field(() => Float, { description: '99 % limit of the Q residual (squared prediction error).' }) qLimit99!: number;
  @Field({ description: 'How the Q limits were computed: "jackson-mudholkar" or "box".' }) qMethod!: string;
}

@ObjectType('Model', { description: 'A trained model (pre-processing + classifier) that predicts new spectra.' })
export class ModelType {
  @Field(() => ID, { description: 'Stable identifier.' }) id!: string;
  @Field({ description: 'Name, from the experiment that trained it.' }) name!: string;
  @Field(() => ID, { description: 'The experiment that trained it; null once that experiment is deleted.', nullable: true }) experimentId!: string | null;
  @Field(() => ID, { description: 'The dataset it was trained on; null once that dataset is deleted.', nullable: true }) datasetId!: string | null;
  @Field({ description: 'The classifier plugin.' }) plugin!: string;
  @Field(() => [String], { description: 'Class names in the order of the probabilities.' }) classes!: string[];
  @Field(() => AxisUnitEnum, { description: 'Unit of the axis the model expects.' }) axisUnit!: AxisUnitEnum;
  @Field(() => [Float], { description: 'The spectral axis the model expects.' }) axis!: number[];
  @Field(() => Int, { description: 'Number of spectra it was trained on.' }) trainedOn!: number;
  @Field(() => String, { description: 'The compute backend that trained it; null for models trained without one.', nullable: true }) backend!: string | null;
  @Field(() => MeanStdType, { nullable: true, description: 'Cross-validated accuracy of the experiment that made it.' })
  accuracy!: MeanStdType | null;
  @Field(() => MeanStdType, { description: 'Cross-validated macro F1 of the experiment that made it.', nullable: true }) macroF1!: MeanStdType | null;
  @Field(() => GraphQLJSON, { description: 'The experiment configuration that made it.' }) config!: unknown;
  @Field(() => ApplicabilityDomainType, {
    nullable: true,
    description: 'The PCA applicability domain of its training spectra; null for models trained before domains existed (their predictions carry no T² or Q).',
  })
  domain!: ApplicabilityDomainType | null;
  @Field(() => Date, { nullable: true, description: 'When the model was imported from a bundle (importModel); null for a model trained here.' })
  importedAt!: Date | null;
  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "An imported model's origin: the experiment that made it in the other installation (name, spec, per-fold scores), from its bundle; null for a model trained here.",
  })
  importedExperiment!: unknown;
  @Field({ description: 'When the model was stored.' }) createdAt!: Date;
}

@ObjectType('ClassProbability', { description: 'The probability of one class for one spectrum.' })
export class ClassProbabilityType {
  @Field({ description: 'The class label.' }) className!: string;
  @Field(() => Float, { description: 'Predicted probability of the class (0 to 1; a spectrum\'s probabilities sum to 1).' }) probability!: number;
}

@ObjectType('PredictedSpectrum', { description: 'The prediction for one spectrum.' })
export class PredictedSpectrumType {
  @Field(() => Int, { description: 'Row in the dataset, or position in the given spectra.' }) index!: number;
  @Field({ description: 'The most probable class.' }) predictedClass!: string;
  @Field(() => [ClassProbabilityType], { description: 'Probability of each class, in the model\'s class order.' }) probabilities!: ClassProbabilityType[];
  @Field(() => Float, { nullable: true, description: "Hotelling's T² of the pre-processed spectrum in the model's PCA domain; null when the model has no domain." })
  hotellingT2!: number | null;
  @Field(() => Float, { nullable: true, description: "Q residual (squared prediction error) of the pre-processed spectrum off the model's PCA domain; null when the model has no domain." })
  qResidual!: number | null;
  @Field({ description: 'True when T² or Q is above its 99 % limit: the spectrum is unlike the training spectra and its class is not to be trusted. False when the model has no domain.' })
  outlier!: boolean;
}

@ObjectType('Prediction', { description: 'A stored set of predictions made with one model.' })
export class PredictionType {
  @Field(() => ID, { description: 'Stable identifier.' }) id!: string;
  @Field(() => ID, { description: 'The model that predicted.' }) modelId!: string;
  @Field(() => ID, { description: 'The stored dataset predicted; null for inline spectra.', nullable: true }) datasetId!: string | null;
  @Field(() => Int, { description: 'Number of spectra predicted.' }) count!: number;
  @Field(() => [PredictedSpectrumType], { description: 'One result per spectrum, in input order.' }) results!: PredictedSpectrumType[];
  @Field(() => ApplicabilityDomainType, { nullable: true, description: "The model's applicability domain and its limits; null when the model has none." })
  domain!: ApplicabilityDomainType | null;
  @Field({ description: 'When the prediction was made.' }) createdAt!: Date;
}

export const ModelConnection = connectionType(ModelType, 'Model', 'trained model');
export type ModelConnection = Connection<ModelType>;
export const PredictionConnection = connectionType(PredictionType, 'Prediction', 'prediction');
export type PredictionConnection = Connection<PredictionType>;

@InputType('PredictInput', { description: 'A stored dataset, or inline spectra (on `axis`, else on the model axis).' })
export class PredictInput {
  @Field(() => ID, { description: 'The model to predict with.' }) modelId!: string;
  @Field(() => ID, { description: 'A stored dataset to predict (every spectrum); give this or spectra.', nullable: true }) datasetId?: string;
  @Field(() => [[Float]], { description: 'Spectra to predict, one array per spectrum (at most 10000); give this or datasetId.', nullable: true }) spectra?: number[][];
  @Field(() => [Float], { nullable: true, description: 'Axis of the inline spectra; resampled onto the model axis when it differs.' })
  axis?: number[];
  @Field(() => GraphQLUpload, {
    nullable: true,
    description:
      'A file of spectra as a GraphQL multipart request upload, in any format importDataset reads (CSV/TSV with optional label and metadata columns, JCAMP-DX, SPC, xlsx, a zip of them); resampled onto the model axis when it differs; give this, datasetId or spectra. Refused with PAYLOAD_TOO_LARGE over NIR_SSL_MAX_UPLOAD_MB.',
  })
  file?: Promise<FileUpload> | null;
}

@ObjectType('ModelBundle', {
  description:
    'A trained model as one versioned file (format "nir-ssl-model-bundle", version 1: gzip of a JSON header line and a JSON payload with a SHA-256 checksum): weights, scaler and pre-processing pipeline, class names, axis, PCA applicability domain and a summary of the experiment that made it. importModel reads it in another installation.',
})
export class ModelBundleType {
  @Field({ description: 'A file name for it (the model name, ending in .nirmodel.gz).' }) fileName!: string;
  @Field(() => Int, { description: 'Size of the file in bytes.' }) bytes!: number;
  @Field({ description: 'The file, base64-encoded.' }) contentBase64!: string;
  @Field({ description: 'The format name: "nir-ssl-model-bundle".' }) format!: string;
  @Field(() => Int, { description: 'The format version (1).' }) version!: number;
}

@InputType('ImportModelInput', { description: 'A model bundle (from exportModel) to store as a new model: as an upload or base64 text, exactly one.' })
export class ImportModelInput {
  @Field(() => GraphQLUpload, { nullable: true, description: 'The bundle file as a GraphQL multipart request upload (refused with PAYLOAD_TOO_LARGE over NIR_SSL_MAX_UPLOAD_MB).' })
  file?: Promise<FileUpload> | null;
  @Field(() => String, { nullable: true, description: 'The bundle file, base64-encoded (ModelBundle.contentBase64).' }) contentBase64?: string | null;
  @Field(() => String, { nullable: true, description: "The new model's name; omitted: the name in the bundle." }) name?: string | null;
}
