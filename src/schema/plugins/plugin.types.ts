import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';

export enum PluginKindEnum {
  TRANSFORM = 'transform',
  ENCODER = 'encoder',
  PRETEXT = 'pretext',
  CLASSIFIER = 'classifier',
  BASELINE = 'baseline',
}
registerEnumType(PluginKindEnum, {
  name: 'PluginKind',
  description: 'What a plugin is for.',
  valuesConfig: {
    TRANSFORM: { description: 'Changes spectra: pre-processing and the SSL transformations; chained in pipelines.' },
    ENCODER: { description: 'Turns spectra into features (the CNN encoder).' },
    PRETEXT: { description: 'A self-supervised task that pre-trains an encoder.' },
    CLASSIFIER: { description: 'A trainable classifier built on an encoder (the CNN classifier).' },
    BASELINE: { description: 'A classical classifier (random forest, SVM, kNN, ELM, BPNN, PLS-DA).' },
  },
});

@ObjectType('PluginParameter', { description: 'One entry of a plugin parameter schema.' })
export class PluginParameterType {
  @Field({ description: 'Parameter name, as used in params.' }) name!: string;
  @Field({ description: 'number, integer, boolean, string, enum, numberArray, integerArray, stringArray or json.' })
  type!: string;
  @Field({ description: 'What the parameter does.' }) description!: string;
  @Field(() => GraphQLJSON, { description: 'Value used when the parameter is omitted.', nullable: true }) default!: unknown;
  @Field({ description: 'True when null is an allowed value.' }) nullable!: boolean;
  @Field(() => Float, { description: 'Smallest allowed value of a number; null when unbounded.', nullable: true }) min!: number | null;
  @Field(() => Float, { description: 'Largest allowed value of a number; null when unbounded.', nullable: true }) max!: number | null;
  @Field({ nullable: true, description: 'True when min is exclusive.' }) exclusiveMin!: boolean;
  @Field({ nullable: true, description: 'True when max is exclusive.' }) exclusiveMax!: boolean;
  @Field(() => [String], { nullable: true, description: 'Allowed values of an enum.' }) values!: string[] | null;
}

@ObjectType('Plugin', { description: 'A transform, encoder, pretext task, classifier or baseline.' })
export class PluginType {
  @Field({ description: 'Unique plugin name, used in pipelines and model inputs.' }) name!: string;
  @Field(() => PluginKindEnum, { nullable: true, description: 'Null only for a plugin that failed to load before declaring it.' })
  kind!: PluginKindEnum | null;
  @Field({ description: 'One line on what the plugin does.' }) description!: string;
  @Field(() => [String], { description: 'Free labels (e.g. ssl, preprocessing, custom).' }) tags!: string[];
  @Field({ description: '"builtin", a file path or an npm package.' }) source!: string;
  @Field(() => String, { nullable: true, description: 'Why the plugin is unusable, when it is.' }) error!: string | null;
  @Field(() => [PluginParameterType], { description: 'The parameter schema: every parameter with its type, default and bounds.' }) parameters!: PluginParameterType[];
}

@InputType('PipelineStepInput', { description: 'One transform of a pipeline: plugin name and parameters (defaults fill the rest).' })
export class PipelineStepInput {
  @Field({ description: 'Name of a transform plugin.' }) name!: string;
  @Field(() => GraphQLJSONObject, { description: 'The transform\'s parameters; omitted ones take their defaults.', nullable: true }) params?: Record<string, unknown>;
}

@ObjectType('PreviewedSample', { description: 'One spectrum before and after a pipeline.' })
export class PreviewedSampleType {
  @Field(() => Int, { description: 'Row of the spectrum in the dataset (0-based).' }) index!: number;
  @Field({ description: 'Class label of the spectrum; empty for an unlabelled spectrum.' }) label!: string;
  @Field(() => [Float], { description: 'The spectrum as stored.' }) original!: number[];
  @Field(() => [Float], { description: 'The spectrum after the pipeline.' }) transformed!: number[];
}

@ObjectType('TransformPreview', { description: 'A pipeline applied to chosen spectra.' })
export class TransformPreviewType {
  @Field(() => [Float], { description: 'The spectral axis, one value per point.' }) axis!: number[];
  @Field(() => [PreviewedSampleType], { description: 'The chosen spectra, in the order asked.' }) samples!: PreviewedSampleType[];
}
