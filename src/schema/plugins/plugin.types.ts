import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';

export enum PluginKindEnum {
  TRANSFORM = 'transform',
  ENCODER = 'encoder',
  PRETEXT = 'pretext',
  CLASSIFIER = 'classifier',
  BASELINE = 'baseline',
}
registerEnumType(PluginKindEnum, { name: 'PluginKind' });

@ObjectType('PluginParameter', { description: 'One entry of a plugin parameter schema.' })
export class PluginParameterType {
  @Field() name!: string;
  @Field({ description: 'number, integer, boolean, string, enum, numberArray, integerArray, stringArray or json.' })
  type!: string;
  @Field() description!: string;
  @Field(() => GraphQLJSON, { nullable: true }) default!: unknown;
  @Field() nullable!: boolean;
  @Field(() => Float, { nullable: true }) min!: number | null;
  @Field(() => Float, { nullable: true }) max!: number | null;
  @Field({ nullable: true, description: 'True when min is exclusive.' }) exclusiveMin!: boolean;
  @Field({ nullable: true, description: 'True when max is exclusive.' }) exclusiveMax!: boolean;
  @Field(() => [String], { nullable: true, description: 'Allowed values of an enum.' }) values!: string[] | null;
}

@ObjectType('Plugin', { description: 'A transform, encoder, pretext task, classifier or baseline.' })
export class PluginType {
  @Field() name!: string;
  @Field(() => PluginKindEnum, { nullable: true, description: 'Null only for a plugin that failed to load before declaring it.' })
  kind!: PluginKindEnum | null;
  @Field() description!: string;
  @Field(() => [String]) tags!: string[];
  @Field({ description: '"builtin", a file path or an npm package.' }) source!: string;
  @Field(() => String, { nullable: true, description: 'Why the plugin is unusable, when it is.' }) error!: string | null;
  @Field(() => [PluginParameterType]) parameters!: PluginParameterType[];
}

@InputType('PipelineStepInput', { description: 'One transform of a pipeline: plugin name and parameters (defaults fill the rest).' })
export class PipelineStepInput {
  @Field() name!: string;
  @Field(() => GraphQLJSONObject, { nullable: true }) params?: Record<string, unknown>;
}

@ObjectType('PreviewedSample')
export class PreviewedSampleType {
  @Field(() => Int) index!: number;
  @Field() label!: string;
  @Field(() => [Float]) original!: number[];
  @Field(() => [Float]) transformed!: number[];
}

@ObjectType('TransformPreview')
export class TransformPreviewType {
  @Field(() => [Float]) axis!: number[];
  @Field(() => [PreviewedSampleType]) samples!: PreviewedSampleType[];
}
