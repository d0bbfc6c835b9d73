import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { MaxLength, MinLength } from 'class-validator';
import { connectionType, type Connection } from '../connection';

export enum AxisUnitEnum {
  NM = 'nm',
  CM1 = 'cm-1',
}
registerEnumType(AxisUnitEnum, { name: 'AxisUnit', description: 'Unit of the spectral axis: nanometres or wavenumbers (cm-1).' });

export enum DelimiterEnum {
  COMMA = ',',
  TAB = '\t',
  SEMICOLON = ';',
}
registerEnumType(DelimiterEnum, { name: 'Delimiter', description: 'Field separator of an uploaded table.' });

@ObjectType('Dataset', { description: 'A set of labelled spectra on one spectral axis.' })
export class DatasetType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field({ description: 'Where the data comes from (citation, instrument, lab).' }) source!: string;
  @Field(() => AxisUnitEnum) axisUnit!: AxisUnitEnum;
  @Field(() => Int) sampleCount!: number;
  @Field(() => Int) variableCount!: number;
  @Field({ description: 'True when the dataset has a group column (repeated scans of one sample).' }) hasGroups!: boolean;
  @Field(() => [String]) metadataColumns!: string[];
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType('ClassCount')
export class ClassCountType {
  @Field(() => Int) index!: number;
  @Field() name!: string;
  @Field(() => Int) count!: number;
}

@ObjectType('Sample', { description: 'One spectrum with its label.' })
export class SampleType {
  @Field(() => Int, { description: 'Row of the sample in the dataset (0-based).' }) index!: number;
  @Field() label!: string;
  @Field(() => String, { nullable: true }) group!: string | null;
  @Field(() => GraphQLJSONObject) metadata!: Record<string, unknown>;
  @Field(() => [Float]) values!: number[];
}

export const SampleConnection = connectionType(SampleType, 'Sample', 'spectrum');
export type SampleConnection = Connection<SampleType>;

@ObjectType('SamplePage')
export class SamplePageType {
  @Field(() => Int) total!: number;
  @Field(() => Int) offset!: number;
  @Field(() => Int) limit!: number;
  @Field(() => [SampleType]) items!: SampleType[];
}

export const DatasetConnection = connectionType(DatasetType, 'Dataset', 'dataset');
export type DatasetConnection = Connection<DatasetType>;

@ObjectType('ClassStatistics', { description: 'Mean and standard deviation spectrum of one class (what the paper plots in Fig. 4).' })
export class ClassStatisticsType {
  @Field() className!: string;
  @Field(() => Int) count!: number;
  @Field(() => [Float]) mean!: number[];
  @Field(() => [Float]) std!: number[];
}

@InputType({ description: 'A table of spectra: header row; label, optional group and metadata columns first; then one numeric column per point of the axis.' })
export class ImportDatasetInput {
  @Field() @MinLength(1) @MaxLength(200) name!: string;
  @Field({ description: 'The CSV/TSV text.' }) content!: string;
  @Field({ nullable: true }) description?: string;
  @Field({ nullable: true }) source?: string;
  @Field({ nullable: true, defaultValue: 'label' }) labelColumn?: string;
  @Field(() => String, { nullable: true, description: 'Column of sample ids whose rows must stay in one fold.' })
  groupColumn?: string | null;
  @Field(() => AxisUnitEnum, { nullable: true, description: 'Inferred when omitted (all values above 3500: cm-1).' })
  axisUnit?: AxisUnitEnum;
  @Field(() => DelimiterEnum, { nullable: true, description: 'Detected from the header when omitted.' })
  delimiter?: DelimiterEnum;
}

export enum DatasetEventKind {
  CREATED = 'CREATED',
  RENAMED = 'RENAMED',
  DELETED = 'DELETED',
}
registerEnumType(DatasetEventKind, { name: 'DatasetEventKind' });

@ObjectType('DatasetEvent')
export class DatasetEventType {
  @Field(() => DatasetEventKind) type!: DatasetEventKind;
  @Field(() => ID) datasetId!: string;
  @Field() name!: string;
}
