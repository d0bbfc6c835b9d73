import { inject, injectable } from 'inversify';
import { Arg, Authorized, Args, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Role } from '../../services/auth/roles';
import { DatasetService, type DatasetSummary, type Sample } from '../../services/datasets/datasets.service';
import { CreationPageArgs, PageArgs, toConnection } from '../connection';
import { importSource } from '../uploads';
import type { DatasetEvent } from '../../services/events';
import {
  ClassCountType,
  ClassStatisticsType,
  PcaScoresType,
  DatasetConnection,
  DatasetEventType,
  DatasetType,
  ImportDatasetInput,
  SampleConnection,
  SamplePageType,
  type SampleType,
  type AxisUnitEnum,
} from './dataset.types';

/** Thin: every operation is DatasetService's. */
@injectable()
@Resolver(() => DatasetType)
export class DatasetsResolver {
  constructor(@inject(DatasetService) private readonly service: DatasetService) {}

  @Authorized<Role>('reader')
  @Query(() => [DatasetType], { description: 'All datasets, oldest first.', deprecationReason: 'Use datasetsConnection, which pages.' })
  async datasets(): Promise<DatasetType[]> {
    return (await this.service.list()).map(toGraphql);
  }

  @Authorized<Role>('reader')
  @Query(() => DatasetConnection, { description: 'A page of datasets in creation order, filtered by name.' })
  async datasetsConnection(
    @Args(() => CreationPageArgs) page: CreationPageArgs,
    @Arg('nameContains', () => String, { nullable: true, description: 'Only datasets whose name contains this text.' }) nameContains?: string | null,
  ): Promise<DatasetConnection> {
    return toConnection(await this.service.page({ nameContains }, page), toGraphql);
  }

  @Authorized<Role>('reader')
  @Query(() => DatasetType, { nullable: true, description: 'One dataset by id or by name.' })
  async dataset(
    @Arg('id', () => ID, { nullable: true, description: 'The dataset id; give this or name.' }) id?: string,
    @Arg('name', () => String, { nullable: true, description: 'The dataset name; give this or id.' }) name?: string,
  ): Promise<DatasetType | null> {
    const found = await this.service.find({ id, name });
    return found ? toGraphql(found) : null;
  }

  @Authorized<Role>('writer')
  @Mutation(() => DatasetType, {
    description:
      'Imports spectra: a CSV/TSV table given inline or uploaded, or instrument files (JCAMP-DX, SPC, xlsx, a zip of them with a labels CSV) uploaded as file or files (GraphQL multipart request). Spectra on different axes are resampled onto the range they share (see Dataset.importNotes). Writes nothing when the input is invalid.',
  })
  async importDataset(@Arg('input', () => ImportDatasetInput, { description: 'The table and how to read it.' }) input: ImportDatasetInput): Promise<DatasetType> {
    const { content, file, files, ...options } = input;
    return toGraphql(
      await this.service.importCsv({
        ...options,
        table: await importSource(content, file, files),
        format: input.format ?? 'AUTO',
        groupColumn: input.groupColumn ?? null,
        axisUnit: input.axisUnit,
        delimiter: input.delimiter,
      }),
    );
  }

  @Authorized<Role>('admin')
  @Mutation(() => DatasetType, { description: 'Renames a dataset; the new name must be free.' })
  async renameDataset(
    @Arg('id', () => ID, { description: 'The dataset.' }) id: string,
    @Arg('name', { description: 'The new name (1 to 200 characters).' }) name: string,
  ): Promise<DatasetType> {
    return toGraphql(await this.service.rename(id, name));
  }

  @Authorized<Role>('admin')
  @Mutation(() => Boolean, { description: 'Deletes a dataset with its spectra, experiments and models.' })
  async deleteDataset(@Arg('id', () => ID, { description: 'The dataset.' }) id: string): Promise<boolean> {
    return this.service.delete(id);
  }

  @FieldResolver(() => [Number], { description: 'The spectral axis values, one per variable.' })
  async axis(@Root() dataset: DatasetType): Promise<number[]> {
    return Array.from((await this.service.load(dataset.id)).axis);
  }

  @FieldResolver(() => [ClassCountType], { description: 'Classes in natural order with their sample counts.' })
  async classes(@Root() dataset: DatasetType): Promise<ClassCountType[]> {
    const loaded = await this.service.load(dataset.id);
    const counts = this.service.classCounts(loaded);
    return loaded.classes.map((name, index) => ({ index, name, count: counts[index] }));
  }

  @FieldResolver(() => Int, { nullable: true, description: 'Number of distinct groups, when the dataset has a group column.' })
  async groupCount(@Root() dataset: DatasetType): Promise<number | null> {
    if (!dataset.hasGroups) return null;
    return new Set((await this.service.load(dataset.id)).groups).size;
  }

  @FieldResolver(() => SamplePageType, { description: 'A page of the spectra by offset.', deprecationReason: 'Use samplesConnection, which pages by cursor like every other list.' })
  async samples(
    @Root() dataset: DatasetType,
    @Arg('offset', () => Int, { defaultValue: 0, description: 'Index of the first spectrum within the filtered list.' }) offset: number,
    @Arg('limit', () => Int, { defaultValue: 50, description: 'Spectra per page, 1 to 500.' }) limit: number,
    @Arg('className', () => String, { nullable: true, description: 'Only the spectra of this class.' }) className?: string,
  ): Promise<SamplePageType> {
    const page = await this.service.samples(dataset.id, { offset, limit, className });
    return { ...page, items: page.items.map(toSample) };
  }

  @FieldResolver(() => SampleConnection, { description: 'A page of the spectra in row order.' })
  async samplesConnection(
    @Root() dataset: DatasetType,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('className', () => String, { nullable: true, description: 'Only the spectra of this class.' }) className?: string | null,
    @Arg('labelled', () => Boolean, { nullable: true, description: 'true: only labelled spectra; false: only unlabelled ones; omitted: all.' }) labelled?: boolean | null,
  ): Promise<SampleConnection> {
    return toConnection(await this.service.samplePage(dataset.id, className, page, labelled ?? null), toSample);
  }

  @FieldResolver(() => [ClassStatisticsType], { description: 'Mean and standard deviation spectrum of each class, in class order.' })
  async classStatistics(@Root() dataset: DatasetType): Promise<ClassStatisticsType[]> {
    return (await this.service.classStatistics(dataset.id)).map((s) => ({
      className: s.className,
      count: s.count,
      mean: Array.from(s.mean),
      std: Array.from(s.std),
    }));
  }

  @FieldResolver(() => PcaScoresType, { description: 'Scores of the spectra on the first two principal components (computed here, so a dashboard does not download the spectra).' })
  async pcaScores(
    @Root() dataset: DatasetType,
    @Arg('limit', () => Int, { defaultValue: 1000, description: 'At most this many spectra (3 to 5000), evenly spaced over the rows.' }) limit: number,
  ): Promise<PcaScoresType> {
    const { explainedVariance, points } = await this.service.pcaScores(dataset.id, limit);
    return { explainedVariance, points: points.map((p) => ({ index: p.index, label: p.label, pc1: p.scores[0] ?? 0, pc2: p.scores[1] ?? 0 })) };
  }

  @FieldResolver(() => ClassStatisticsType, {
    nullable: true,
    description: 'Mean and standard deviation spectrum of the unlabelled spectra, their own group (className "(unlabelled)"); null when every spectrum has a label.',
  })
  async unlabelledStatistics(@Root() dataset: DatasetType): Promise<ClassStatisticsType | null> {
    const s = await this.service.unlabelledStatistics(dataset.id);
    return s ? { className: s.className, count: s.count, mean: Array.from(s.mean), std: Array.from(s.std) } : null;
  }

  @Authorized<Role>('reader')
  @Subscription(() => DatasetEventType, { topics: 'dataset', description: 'Datasets created, renamed or deleted.' })
  datasetEvents(@Root() event: DatasetEvent): DatasetEventType {
    return event as DatasetEventType;
  }
}

function toGraphql(d: DatasetSummary): DatasetType {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    source: d.source,
    axisUnit: d.axisUnit as AxisUnitEnum,
    sampleCount: d.nSamples,
    variableCount: d.nVariables,
    labelledCount: d.nLabelled,
    unlabelledCount: d.nUnlabelled,
    isLibrary: d.nLabelled === 0,
    hasGroups: d.hasGroups,
    metadataColumns: d.metadataNames,
    valueUnit: d.valueUnit,
    importNotes: d.importNotes,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

function toSample(sample: Sample): SampleType {
  return { ...sample, label: sample.label ?? '', labelled: sample.label !== null, values: Array.from(sample.values) };
}
