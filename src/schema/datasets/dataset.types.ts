import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { MaxLength, MinLength } from 'class-validator';
import { connectionType, type Connection } from '../connection';
import { GraphQLUpload, type FileUpload } from '../uploads';

export enum AxisUnitEnum {
  NM = 'nm',
  CM1 = 'cm-1',
}
registerEnumType(AxisUnitEnum, {
  name: 'AxisUnit',
  description: 'Unit of the spectral axis: nanometres or wavenumbers (cm-1).',
  valuesConfig: { NM: { description: 'Wavelength in nanometres.' }, CM1: { description: 'Wavenumber in reciprocal centimetres.' } },
});

export enum DelimiterEnum {
  COMMA = ',',
  TAB = '\t',
  SEMICOLON = ';',
}
registerEnumType(DelimiterEnum, {
  name: 'Delimiter',
  description: 'Field separator of an uploaded table.',
  valuesConfig: { COMMA: { description: 'Comma (CSV).' }, TAB: { description: 'Tab (TSV).' }, SEMICOLON: { description: 'Semicolon (CSV with decimal commas).' } },
});

export enum ImportFormatEnum {
  AUTO = 'AUTO',
  CSV = 'CSV',
  JCAMP_DX = 'JCAMP_DX',
  SPC = 'SPC',
  XLSX = 'XLSX',
  ZIP = 'ZIP',
}
registerEnumType(ImportFormatEnum, {
  name: 'ImportFormat',
  description: 'Format of the files of an import.',
  valuesConfig: {
    AUTO: { description: 'Told from each file\'s content (the default): a zip, an xlsx workbook, SPC, JCAMP-DX, else CSV/TSV.' },
    CSV: { description: 'CSV or TSV: plain, or a dialect (decimal comma, a separator ending every line, blank lines, UTF-16 or UTF-8 with a byte-order mark, the transposed layout with one column per spectrum).' },
    JCAMP_DX: { description: 'JCAMP-DX 4.24/5.x: one spectrum or a LINK file of several blocks; XYDATA (X++(Y..Y)) or PEAK TABLE.' },
    SPC: { description: 'Thermo Galactic GRAMS SPC: one spectrum or a multifile of several.' },
    XLSX: { description: 'An Excel workbook: its first worksheet with data, laid out as a CSV table.' },
    ZIP: { description: 'A zip of one-spectrum files (JCAMP-DX, SPC, CSV), with a CSV that maps file names to labels and groups.' },
  },
});

@ObjectType('Dataset', { description: 'A set of spectra on one spectral axis, labelled, unlabelled (empty label) or both; a spectral library has no labels at all.' })
export class DatasetType {
  @Field(() => ID, { description: 'Stable identifier.' }) id!: string;
  @Field({ description: 'Unique name (1 to 200 characters); datasets can also be looked up by it.' }) name!: string;
  @Field({ description: 'Free text given at import; empty when none was given.' }) description!: string;
  @Field({ description: 'Where the data comes from (citation, instrument, lab).' }) source!: string;
  @Field(() => AxisUnitEnum, { description: 'Unit of the spectral axis values.' }) axisUnit!: AxisUnitEnum;
  @Field(() => Int, { description: 'Number of spectra (rows).' }) sampleCount!: number;
  @Field(() => Int, { description: 'Number of points per spectrum (the length of the axis).' }) variableCount!: number;
  @Field(() => Int, { description: 'Spectra with a class label: the only ones an experiment splits into folds and scores.' }) labelledCount!: number;
  @Field(() => Int, { description: 'Spectra without a label (empty label, or a spectral library): used only as unlabelled data for SSL pre-training, never scored nor put in a test fold.' })
  unlabelledCount!: number;
  @Field({ description: 'True when no spectrum has a label (a spectral library): it can be pre-trained on, not used for an experiment.' }) isLibrary!: boolean;
  @Field({ description: 'True when the dataset has a group column (repeated scans of one sample).' }) hasGroups!: boolean;
  @Field(() => [String], { description: 'Names of the extra columns kept per sample (see Sample.metadata), in file order.' }) metadataColumns!: string[];
  @Field({ description: 'Unit of the spectra\'s values as the files state it: "absorbance", "reflectance", "transmittance", "log(1/r)", "kubelka-munk"; "" when unknown (a CSV table says nothing).' })
  valueUnit!: string;
  @Field(() => [String], { description: 'Warnings of the import, e.g. spectra on different axes resampled onto the range they share; empty when there were none.' })
  importNotes!: string[];
  @Field({ description: 'When the dataset was imported.' }) createdAt!: Date;
  @Field({ description: 'When the dataset last changed (import or rename).' }) updatedAt!: Date;
}

@ObjectType('ClassCount', { description: 'A class of a dataset and how many spectra carry it.' })
export class ClassCountType {
  @Field(() => Int, { description: 'Position of the class (0-based); class order is natural order of the names.' }) index!: number;
  @Field({ description: 'The class label as it appears in the file.' }) name!: string;
  @Field(() => Int, { description: 'Number of spectra with this label.' }) count!: number;
}

@ObjectType('Sample', { description: 'One spectrum with its label.' })
export class SampleType {
  @Field(() => Int, { description: 'Row of the sample in the dataset (0-based).' }) index!: number;
  @Field({ description: 'The class label of the spectrum; empty for an unlabelled spectrum (see labelled).' }) label!: string;
  @Field({ description: 'False for a spectrum without a label (used only as unlabelled data for SSL pre-training).' }) labelled!: boolean;
  @Field(() => String, { description: 'The value of the group column (e.g. the physical sample of repeated scans); null when the dataset has none.', nullable: true }) group!: string | null;
  @Field(() => GraphQLJSONObject, { description: 'The values of the metadata columns, by column name (numbers where they parse, else strings; null when empty).' }) metadata!: Record<string, unknown>;
  @Field(() => [Float], { description: 'The spectrum: one value per point of the dataset\'s axis.' }) values!: number[];
}

export const SampleConnection = connectionType(SampleType, 'Sample', 'spectrum');
export type SampleConnection = Connection<SampleType>;

@ObjectType('SamplePage', { description: 'A page of spectra by offset (the deprecated Dataset.samples).' })
export class SamplePageType {
  @Field(() => Int, { description: 'Spectra matching the filter over all pages.' }) total!: number;
  @Field(() => Int, { description: 'Index of the first item of this page within the filtered list.' }) offset!: number;
  @Field(() => Int, { description: 'The page size asked for.' }) limit!: number;
  @Field(() => [SampleType], { description: 'The spectra of this page.' }) items!: SampleType[];
}

export const DatasetConnection = connectionType(DatasetType, 'Dataset', 'dataset');
export type DatasetConnection = Connection<DatasetType>;

@ObjectType('ClassStatistics', { description: 'Mean and standard deviation spectrum of one class (what the paper plots in Fig. 4).' })
export class ClassStatisticsType {
  @Field({ description: 'The class label.' }) className!: string;
  @Field(() => Int, { description: 'Number of spectra of the class.' }) count!: number;
  @Field(() => [Float], { description: 'Mean spectrum of the class, one value per axis point.' }) mean!: number[];
  @Field(() => [Float], { description: 'Population standard deviation per axis point (0 for a class of one spectrum).' }) std!: number[];
}

@ObjectType('PcaPoint', { description: 'One spectrum in a PCA scores plot.' })
export class PcaPointType {
  @Field(() => Int, { description: 'Row of the spectrum in the dataset (0-based).' }) index!: number;
  @Field(() => String, { nullable: true, description: 'Its class; null for an unlabelled spectrum.' }) label!: string | null;
  @Field(() => Float, { description: 'Score on the first principal component.' }) pc1!: number;
  @Field(() => Float, { description: 'Score on the second principal component (0 when there is only one).' }) pc2!: number;
}

@ObjectType('PcaScores', { description: 'PCA of a dataset\'s spectra (mean-centred, not scaled): what a scores plot draws.' })
export class PcaScoresType {
  @Field(() => [Float], { description: 'Share of the total variance that PC1 and PC2 explain.' }) explainedVariance!: number[];
  @Field(() => [PcaPointType], { description: 'The spectra, evenly spaced over the rows when there are more than the limit.' }) points!: PcaPointType[];
}

@InputType({
  description:
    'Spectra to import: a table (header row; label, optional group and metadata columns first; then one numeric column per point of the axis, or transposed), or instrument files (JCAMP-DX, SPC, xlsx, a zip) with a labels CSV; see ImportFormat.',
})
export class ImportDatasetInput {
  @Field({ description: 'Unique name of the new dataset (1 to 200 characters).' }) @MinLength(1) @MaxLength(200) name!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The text inline (a CSV/TSV table or a JCAMP-DX file), for small inputs and scripts; give this, file or files. Counted against the upload limit (NIR_SSL_MAX_UPLOAD_MB).',
  })
  content?: string | null;
  @Field(() => GraphQLUpload, {
    nullable: true,
    description:
      'One file as a GraphQL multipart request upload (give this, content or files), in any supported format: a plain CSV is parsed as it arrives, other formats are read whole; refused with PAYLOAD_TOO_LARGE over NIR_SSL_MAX_UPLOAD_MB. Multipart requests need the header Apollo-Require-Preflight: true.',
  })
  file?: Promise<FileUpload> | null;
  @Field(() => [GraphQLUpload], {
    nullable: true,
    description:
      'Several files as uploads, in any supported format (instrument files, zips of them, one labels CSV with a file column that maps file names to labels and groups); give this, file or content. The limit NIR_SSL_MAX_UPLOAD_MB applies to them together (zips unpacked), NIR_SSL_MAX_IMPORT_FILES to their number.',
  })
  files?: Promise<FileUpload>[] | null;
  @Field(() => ImportFormatEnum, { nullable: true, defaultValue: ImportFormatEnum.AUTO, description: 'The files\' format; AUTO tells it from each file\'s content.' })
  format?: ImportFormatEnum;
  @Field({ description: 'Free text shown with the dataset.', nullable: true }) description?: string;
  @Field({ description: 'Where the data comes from (citation, instrument, lab).', nullable: true }) source?: string;
  @Field({ description: 'Header of the class label column (of the table, or of the labels CSV; in JCAMP-DX, the user-defined record ##$<name>).', nullable: true, defaultValue: 'label' }) labelColumn?: string;
  @Field(() => String, { nullable: true, description: 'Column of sample ids whose rows must stay in one fold (of the table, or of the labels CSV; a row of that name in a transposed table; ##$<name> in JCAMP-DX).' })
  groupColumn?: string | null;
  @Field(() => AxisUnitEnum, { nullable: true, description: 'Inferred when omitted (all values above 3500: cm-1).' })
  axisUnit?: AxisUnitEnum;
  @Field(() => DelimiterEnum, { nullable: true, description: 'Detected from the header when omitted.' })
  delimiter?: DelimiterEnum;
  @Field({
    nullable: true,
    defaultValue: false,
    description: 'A spectral library without labels: the label column may be missing (every spectrum is unlabelled). Without it, a missing label column is an error; empty labels always mark unlabelled spectra.',
  })
  library?: boolean;
}

export enum DatasetEventKind {
  CREATED = 'CREATED',
  RENAMED = 'RENAMED',
  DELETED = 'DELETED',
}
registerEnumType(DatasetEventKind, {
  name: 'DatasetEventKind',
  description: 'What happened to a dataset.',
  valuesConfig: {
    CREATED: { description: 'Imported.' },
    RENAMED: { description: 'Given a new name.' },
    DELETED: { description: 'Deleted with its spectra, experiments and models.' },
  },
});

@ObjectType('DatasetEvent', { description: 'A change to the list of datasets, sent by the datasetEvents subscription.' })
export class DatasetEventType {
  @Field(() => DatasetEventKind, { description: 'What happened to the dataset.' }) type!: DatasetEventKind;
  @Field(() => ID, { description: 'The dataset\'s id.' }) datasetId!: string;
  @Field({ description: 'The dataset\'s name after the event (its last name for DELETED).' }) name!: string;
}
