import { randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { TEXT_LIMITS, assertText } from '../text';
import { NotFoundError, UserInputError } from '../../errors';
import { matrix, selectRows, type Matrix } from '../../numeric/matrix';
import { principalComponentScores } from '../../numeric/pca-domain';
import { classCounts } from '../../numeric/splits';
import { DatabaseService } from '../database/database.service';
import { EventBus } from '../events';
import { RecentlyUsed } from '../models/recently-used';
import {
  InputTooLargeError,
  parseSpectraCsv,
  parseSpectraCsvStream,
  toBlocks,
  UNLABELLED,
  type AxisUnit,
  type ParsedSpectraBlocks,
  type SpectraCsvOptions,
} from './spectra-csv';
import { detectFormat, isPlainCsv, isPlainCsvStart, parseFiles, type ImportFormat, type InputFile } from './formats';
import { APP_CONFIG } from '../tokens';
import type { AppConfig } from '../../config';
import { mapPage, pageByCreation, pageByPosition, type Page, type PageRequest } from '../paging';

export interface DatasetSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly axisUnit: AxisUnit;
  readonly nSamples: number;
  readonly nVariables: number;
  readonly classes: string[];
  readonly metadataNames: string[];
  readonly hasGroups: boolean;
  /** Rows with a label, and rows without one (a spectral library has only the latter). */
  readonly nLabelled: number;
  readonly nUnlabelled: number;
  /** absorbance, reflectance, transmittance, log(1/r), kubelka-munk; '' when the files do not say. */
  readonly valueUnit: string;
  /** Warnings of the import (spectra resampled onto a common axis, a worksheet left out...). */
  readonly importNotes: string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Everything numeric about a dataset, as the training and evaluation code wants it. */
export interface LoadedDataset extends DatasetSummary {
  readonly axis: Float64Array;
  readonly x: Matrix;
  /** Class index per row; UNLABELLED (-1) for a row without a label. */
  readonly y: Int32Array;
  readonly groups: string[] | null;
  readonly metadata: (string | number | null)[][];
}

/** An uploaded file: its chunks as they arrive. */
export interface StreamedFile {
  readonly stream: AsyncIterable<Uint8Array | string>;
  readonly fileName: string;
}

/** A table given whole (a string) or as a stream of chunks (an upload). */
export type TableSource = { readonly content: string } | StreamedFile;

/** What an import reads: one table, or several files of any supported format (instrument files, a zip of them, a labels CSV). */
export type ImportSource = TableSource | { readonly files: readonly StreamedFile[] };

/** What an import parses into: the spectra in blocks, and what the files said of them. */
export type ImportedSpectra = ParsedSpectraBlocks & { readonly valueUnit: string; readonly notes: string[] };

export interface ImportDatasetRequest extends SpectraCsvOptions {
  readonly name: string;
  readonly table: ImportSource;
  /** The files' format; AUTO (the default) tells it from each file's content. */
  readonly format?: ImportFormat;
  readonly description?: string;
  /** Where the data comes from (citation, instrument, lab). */
  readonly source?: string;
}

export interface Sample {
  readonly index: number;
  /** Null for an unlabelled spectrum. */
  readonly label: string | null;
  readonly group: string | null;
  readonly metadata: Record<string, unknown>;
  readonly values: Float32Array;
}

export interface SamplePage {
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly items: Sample[];
}

export interface ClassStatistics {
  readonly className: string;
  readonly count: number;
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

const MAX_PAGE = 500;
/** Most spectra a scores plot asks for. */
const MAX_PCA_SPECTRA = 5000;

export interface DatasetPcaScores {
  /** Share of the variance of each component (PC1, PC2). */
  readonly explainedVariance: number[];
  /** One point per spectrum: its row, class (null when unlabelled) and scores. */
  readonly points: { index: number; label: string | null; scores: number[] }[];
}

/** The rows of a dataset, of one class when given, only labelled or unlabelled ones when asked. */
function sampleIndices(d: LoadedDataset, className: string | null | undefined, labelled: boolean | null = null): number[] {
  let indices = Array.from({ length: d.nSamples }, (_, i) => i);
  if (labelled !== null) indices = indices.filter((i) => (d.y[i] !== UNLABELLED) === labelled);
  if (className === null || className === undefined) return indices;
  const k = d.classes.indexOf(className);
  if (k < 0) throw new UserInputError(`dataset "${d.name}" has no class "${className}" (classes: ${d.classes.join(', ')})`);
  return indices.filter((i) => d.y[i] === k);
}

function sampleRows(d: LoadedDataset, indices: number[]): Sample[] {
  const rows = selectRows(d.x, indices);
  return indices.map((i, k) => ({
    index: i,
    label: d.y[i] === UNLABELLED ? null : d.classes[d.y[i]],
    group: d.groups ? d.groups[i] : null,
    metadata: Object.fromEntries(d.metadataNames.map((m, j) => [m, d.metadata[i]?.[j] ?? null])),
    values: rows.data.subarray(k * d.nVariables, (k + 1) * d.nVariables),
  }));
}

/** Datasets: import, list, read, rename, delete, and the per-class views dashboards plot. */
@injectable()
export class DatasetService {
  /** Loaded matrices by id, invalidated by updatedAt, so repeated reads skip the blob decode. */
  private readonly cache = new Map<string, LoadedDataset>();
  /** PCA scores by dataset version and limit: each visit of a dataset's page asks for them. */
  private readonly pcaCache = new RecentlyUsed<string, DatasetPcaScores>(16);

  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(EventBus) private readonly events: EventBus,
    @inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async importCsv(request: ImportDatasetRequest): Promise<DatasetSummary> {
    const name = checkName(request.name);
    assertText('description', request.description ?? '', TEXT_LIMITS.description);
    assertText('source', request.source ?? '', TEXT_LIMITS.description);
    await this.ensureNameFree(name);
    const parsed = await this.readSpectra(request.table, { ...request, maxBytes: this.config.maxUploadBytes }, request.format ?? 'AUTO');
    const axisBytes = new Uint8Array(parsed.axis.slice().buffer);
    const now = new Date();
    const row = {
      id: newId(),
      name,
      description: request.description ?? '',
      source: request.source ?? '',
      axisUnit: parsed.axisUnit,
      nSamples: parsed.rows,
      nVariables: parsed.cols,
      classes: JSON.stringify(parsed.classes),
      metadataNames: JSON.stringify(parsed.metadataNames),
      hasGroups: parsed.groups !== null,
      nUnlabelled: parsed.unlabelledCount,
      valueUnit: parsed.valueUnit,
      importNotes: JSON.stringify(parsed.notes),
      createdAt: now,
      updatedAt: now,
    };
    try {
      // One transaction through the driver: the dataset, its columns and every block of its
      // matrix are written together or not at all, the blocks without copies.
      await this.database.insertRows([
        { table: 'Dataset', values: row },
        {
          table: 'DatasetData',
          values: {
            datasetId: row.id,
            axis: axisBytes,
            labels: JSON.stringify(Array.from(parsed.y)),
            groups: parsed.groups ? JSON.stringify(parsed.groups) : null,
            metadata: JSON.stringify(parsed.metadata),
          },
        },
        ...parsed.blocks.map((block, index) => ({
          table: 'DatasetChunk',
          values: { datasetId: row.id, index, rows: block.length / parsed.cols, values: blockBytes(block) },
        })),
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateName(name);
      throw error;
    }
    const summary = toSummary(row);
    this.events.publish('dataset', { type: 'CREATED', datasetId: summary.id, name: summary.name });
    return summary;
  }

  /**
   * The spectra of an import or of a file to predict, in any supported format. Plain CSV (a string
   * parsed at once, a stream chunk by chunk into Float32 blocks) goes through the fast streaming
   * parser; every other format or CSV dialect, and several files, through the format parsers
   * (formats/), which read each file whole.
   */
  async readSpectra(source: ImportSource, options: SpectraCsvOptions, format: ImportFormat = 'AUTO'): Promise<ImportedSpectra> {
    const maxBytes = options.maxBytes ?? Infinity;
    const plain = (p: ParsedSpectraBlocks): ImportedSpectra => ({ ...p, valueUnit: '', notes: [] });
    const csvOptions = {
      labelColumn: options.labelColumn ?? 'label',
      groupColumn: options.groupColumn ?? null,
      delimiter: options.delimiter,
      library: options.library ?? false,
      labelsOptional: options.labelsOptional ?? false,
    };
    const formats = (files: InputFile[]) =>
      parseFiles(files, { ...csvOptions, format, axisUnit: options.axisUnit, maxBytes, maxFiles: this.config.maxImportFiles });
    const csvAllowed = format === 'AUTO' || format === 'CSV';
    if ('content' in source) {
      if (Buffer.byteLength(source.content, 'utf8') > maxBytes) throw new InputTooLargeError(maxBytes);
      const bytes = Buffer.from(source.content, 'utf8');
      if (csvAllowed && detectFormat({ name: 'content', bytes }) === 'CSV' && isPlainCsv(source.content, csvOptions, true)) {
        return plain(toBlocks(parseSpectraCsv(source.content, options)));
      }
      return formats([{ name: 'content', bytes }]);
    }
    const streams = 'files' in source ? source.files : [source];
    if (streams.length === 0) throw new UserInputError('files is empty: give at least one file');
    if (streams.length > this.config.maxImportFiles) {
      throw new UserInputError(`${streams.length} files in one import, more than ${this.config.maxImportFiles} (NIR_SSL_MAX_IMPORT_FILES)`);
    }
    if (streams.length === 1 && csvAllowed) {
      // Look at the start of the file: a plain CSV streams into the fast parser, the rest is read whole.
      const { head, rest, done } = await peek(streams[0].stream);
      const first = { name: streams[0].fileName, bytes: head };
      if (detectFormat(first) === 'CSV' && isPlainCsvStart(head, csvOptions, done)) {
        return parseSpectraCsvStream(prepend(head, rest), options).then(plain);
      }
      return formats([{ name: first.name, bytes: await readAll(prepend(head, rest), maxBytes, maxBytes) }]);
    }
    const files: InputFile[] = [];
    let total = 0;
    try {
      for (const file of streams) {
        const bytes = await readAll(file.stream, maxBytes - total, maxBytes);
        total += bytes.length;
        files.push({ name: file.fileName, bytes });
      }
    } catch (error) {
      // The files not read yet are read and dropped, so the request's body reaches its end.
      for (const file of streams.slice(files.length + 1)) void discard(file.stream);
      throw error;
    }
    return formats(files);
  }

  async list(): Promise<DatasetSummary[]> {
    const rows = await this.database.client.dataset.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toSummary);
  }

  async page(filter: { nameContains?: string | null }, request: PageRequest): Promise<Page<DatasetSummary>> {
    const where = filter.nameContains ? { name: { contains: filter.nameContains } } : {};
    const db = this.database.client;
    const page = await pageByCreation(
      request,
      (query) => db.dataset.findMany({ ...query, where: { AND: [where, query.where] } }),
      () => db.dataset.count({ where }),
    );
    return mapPage(page, toSummary);
  }

  async find(key: { id?: string | null; name?: string | null }): Promise<DatasetSummary | null> {
    if (!key.id && !key.name) throw new UserInputError('give a dataset id or name');
    const row = await this.database.client.dataset.findUnique({ where: key.id ? { id: key.id } : { name: key.name as string } });
    return row ? toSummary(row) : null;
  }

  async get(id: string): Promise<DatasetSummary> {
    const found = await this.find({ id });
    if (!found) throw new NotFoundError('dataset', id);
    return found;
  }

  async rename(id: string, newName: string): Promise<DatasetSummary> {
    const name = checkName(newName);
    const current = await this.get(id);
    if (current.name === name) return current;
    await this.ensureNameFree(name);
    try {
      const row = await this.database.client.dataset.update({ where: { id }, data: { name } });
      this.events.publish('dataset', { type: 'RENAMED', datasetId: id, name });
      return toSummary(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateName(name);
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    const current = await this.get(id);
    await this.database.client.dataset.delete({ where: { id } });
    this.cache.delete(id);
    this.events.publish('dataset', { type: 'DELETED', datasetId: id, name: current.name });
    return true;
  }

  /** The whole dataset, decoded (cached until the dataset changes). */
  async load(id: string): Promise<LoadedDataset> {
    const summary = await this.get(id);
    const cached = this.cache.get(id);
    if (cached && cached.updatedAt.getTime() === summary.updatedAt.getTime()) return { ...cached, ...summary };
    const data = await this.database.client.datasetData.findUnique({
      where: { datasetId: id },
      select: { labels: true, groups: true, metadata: true },
    });
    const [axisBytes, chunks] = await Promise.all([
      this.database.readBlob('DatasetData.axis', id),
      this.database.readDatasetChunks(id),
    ]);
    if (!data || !axisBytes) throw new NotFoundError('dataset data', id);
    const axis = new Float64Array(summary.nVariables);
    new Uint8Array(axis.buffer).set(axisBytes);
    const loaded: LoadedDataset = {
      ...summary,
      axis,
      x: matrixFromChunks(chunks, summary.nSamples, summary.nVariables),
      y: Int32Array.from(JSON.parse(data.labels) as number[]),
      groups: data.groups ? (JSON.parse(data.groups) as string[]) : null,
      metadata: JSON.parse(data.metadata) as (string | number | null)[][],
    };
    this.cache.set(id, loaded);
    return loaded;
  }

  async samples(id: string, options: { offset?: number; limit?: number; className?: string | null } = {}): Promise<SamplePage> {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 50;
    if (!Number.isInteger(offset) || offset < 0) throw new UserInputError('offset must be a non-negative integer');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new UserInputError(`limit must be between 1 and ${MAX_PAGE}`);
    const d = await this.load(id);
    const indices = sampleIndices(d, options.className);
    return { total: indices.length, offset, limit, items: sampleRows(d, indices.slice(offset, offset + limit)) };
  }

  /** A page of the spectra (of one class, when given), in row order. */
  async samplePage(
    id: string,
    className: string | null | undefined,
    request: Omit<PageRequest, 'order'>,
    labelled: boolean | null = null,
  ): Promise<Page<Sample>> {
    const d = await this.load(id);
    const indices = sampleIndices(d, className, labelled);
    return pageByPosition(request, indices.length, (start, count) => sampleRows(d, indices.slice(start, start + count)));
  }

  /** Per-class mean and (population) standard deviation spectra (unlabelled rows belong to none). */
  async classStatistics(id: string): Promise<ClassStatistics[]> {
    const d = await this.load(id);
    return d.classes.map((className, k) => meanStd(d, className, k));
  }

  /**
   * The first two principal component scores of up to `limit` spectra (evenly spaced over the
   * rows), for a scores plot: a few kilobytes where the spectra themselves would be megabytes.
   */
  async pcaScores(id: string, limit: number): Promise<DatasetPcaScores> {
    if (!Number.isInteger(limit) || limit < 3 || limit > MAX_PCA_SPECTRA) throw new UserInputError(`limit must be between 3 and ${MAX_PCA_SPECTRA}`);
    const d = await this.load(id);
    if (d.nSamples < 3) throw new UserInputError(`a PCA needs at least 3 spectra; dataset "${d.name}" has ${d.nSamples}`);
    return this.pcaCache.use(`${d.id}:${d.updatedAt.getTime()}:${limit}`, () => datasetPcaScores(d, limit));
  }

  /** Mean and standard deviation of the unlabelled spectra, their own group; null when there are none. */
  async unlabelledStatistics(id: string): Promise<ClassStatistics | null> {
    const d = await this.load(id);
    return d.nUnlabelled > 0 ? meanStd(d, UNLABELLED_GROUP, UNLABELLED) : null;
  }

  /**
   * A dataset's labelled rows, for what needs labels (an experiment): refuses a spectral
   * library, or a dataset with fewer than 2 classes among its labelled rows.
   */
  requireLabels(d: LoadedDataset, purpose: string): void {
    if (d.nLabelled === 0) {
      throw new UserInputError(`dataset "${d.name}" is a spectral library without labels; ${purpose} needs labelled spectra (a library can be pre-trained on, or named as extra pre-training data)`, {
        datasetId: d.id,
      });
    }
    if (d.classes.length < 2) throw new UserInputError(`dataset "${d.name}" has ${d.classes.length} class; ${purpose} needs at least 2`, { datasetId: d.id });
  }

  /** Samples per class, in class order (a class without samples counts 0). */
  classCounts(d: LoadedDataset): number[] {
    const counts = new Array<number>(d.classes.length).fill(0);
    for (const label of d.y) if (label !== UNLABELLED) counts[label]++;
    return counts;
  }

  private async ensureNameFree(name: string): Promise<void> {
    const existing = await this.database.client.dataset.findUnique({ where: { name }, select: { id: true } });
    if (existing) throw duplicateName(name);
  }
}

/**
 * How much of a single upload is looked at to tell a plain CSV from the rest: 64 KiB, or more
 * until the header and two rows are in (a table of very many columns), up to 4 MiB.
 */
const PEEK_BYTES = 64 * 1024;
const PEEK_MAX_BYTES = 4 * 1024 * 1024;
const PEEK_LINES = 3;

function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** The first PEEK_BYTES (whole chunks; more for long lines, see PEEK_LINES) of a stream, and an iterator over the rest. */
async function peek(source: AsyncIterable<Uint8Array | string>): Promise<{ head: Uint8Array; rest: AsyncIterator<Uint8Array | string>; done: boolean }> {
  const rest = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let lines = 0;
  let done = false;
  while (size < PEEK_BYTES || (lines < PEEK_LINES && size < PEEK_MAX_BYTES)) {
    const next = await rest.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = toBytes(next.value);
    chunks.push(chunk);
    size += chunk.length;
    for (let at = chunk.indexOf(10); at >= 0 && lines < PEEK_LINES; at = chunk.indexOf(10, at + 1)) lines++;
  }
  return { head: Buffer.concat(chunks), rest, done };
}

/** The head again, then the rest of the stream. */
async function* prepend(head: Uint8Array, rest: AsyncIterator<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  try {
    if (head.length > 0) yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/** A whole file, refused past `remaining` bytes (what is left of the import's limit, `limit`). */
async function readAll(source: AsyncIterable<Uint8Array | string>, remaining: number, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    const bytes = toBytes(chunk);
    size += bytes.length;
    if (size > remaining) throw new InputTooLargeError(limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

async function discard(source: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const _ of source);
  } catch {
    // Nothing to do: the answer has gone.
  }
}

/** A cuid-like id (letters and digits, time first) like the ones Prisma makes for other rows. */
function newId(): string {
  return `c${Date.now().toString(36)}${randomBytes(10).toString('hex')}`;
}

/** A block's bytes, little-endian float32 (a view, no copy). */
function blockBytes(block: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(block.buffer as ArrayBuffer, block.byteOffset, block.byteLength);
}

/** The stored blocks joined into one matrix (copied into an aligned buffer). */
function matrixFromChunks(chunks: Uint8Array[], rows: number, cols: number): Matrix {
  const data = new Float32Array(rows * cols);
  const bytes = new Uint8Array(data.buffer);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset + chunk.byteLength > bytes.byteLength) break;
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const stored = chunks.reduce((sum, c) => sum + c.byteLength, 0);
  if (stored !== bytes.byteLength) throw new RangeError(`stored matrix has ${stored} bytes, expected ${bytes.byteLength}`);
  return matrix(rows, cols, data);
}

/** The name the unlabelled rows' statistics go by. */
export const UNLABELLED_GROUP = '(unlabelled)';

/** Mean and population standard deviation spectrum of the rows whose label is `label`. */
function meanStd(d: LoadedDataset, className: string, label: number): ClassStatistics {
  const L = d.nVariables;
  const mean = new Float64Array(L);
  const sq = new Float64Array(L);
  let count = 0;
  for (let i = 0; i < d.nSamples; i++) {
    if (d.y[i] !== label) continue;
    count++;
    const off = i * L;
    for (let j = 0; j < L; j++) mean[j] += d.x.data[off + j];
  }
  for (let j = 0; j < L; j++) mean[j] /= count;
  for (let i = 0; i < d.nSamples; i++) {
    if (d.y[i] !== label) continue;
    const off = i * L;
    for (let j = 0; j < L; j++) {
      const diff = d.x.data[off + j] - mean[j];
      sq[j] += diff * diff;
    }
  }
  const std = sq.map((s) => Math.sqrt(s / count));
  return { className, count, mean, std };
}

function checkName(name: string): string {
  const trimmed = (name ?? '').trim();
  if (trimmed.length === 0) throw new UserInputError('the dataset name must not be empty', { field: 'name' });
  assertText('name', trimmed, TEXT_LIMITS.name);
  return trimmed;
}

function duplicateName(name: string): UserInputError {
  return new UserInputError(`a dataset named "${name}" already exists`, { name });
}

/** Prisma's, better-sqlite3's and PostgreSQL's codes for a unique constraint violation. */
function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
  return code === 'P2002' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

function toSummary(row: {
  id: string;
  name: string;
  description: string;
  source: string;
  axisUnit: string;
  nSamples: number;
  nVariables: number;
  classes: string;
  metadataNames: string;
  hasGroups: boolean;
  nUnlabelled: number;
  valueUnit: string;
  importNotes: string;
  createdAt: Date;
  updatedAt: Date;
}): DatasetSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    source: row.source,
    axisUnit: row.axisUnit as AxisUnit,
    nSamples: row.nSamples,
    nVariables: row.nVariables,
    classes: JSON.parse(row.classes) as string[],
    metadataNames: JSON.parse(row.metadataNames) as string[],
    hasGroups: row.hasGroups,
    nLabelled: row.nSamples - row.nUnlabelled,
    nUnlabelled: row.nUnlabelled,
    valueUnit: row.valueUnit,
    importNotes: JSON.parse(row.importNotes) as string[],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The first two principal component scores of up to `limit` spectra, evenly spaced over the rows. */
function datasetPcaScores(d: LoadedDataset, limit: number): DatasetPcaScores {
  const count = Math.min(limit, d.nSamples);
  const rows = Int32Array.from({ length: count }, (_, i) => Math.floor((i * d.nSamples) / count));
  const { scores, explainedVariance, components } = principalComponentScores(selectRows(d.x, rows), 2);
  return {
    explainedVariance,
    points: Array.from(rows, (row, i) => ({
      index: row,
      label: d.y[row] >= 0 ? d.classes[d.y[row]] : null,
      scores: Array.from(scores.subarray(i * components, (i + 1) * components)),
    })),
  };
}
