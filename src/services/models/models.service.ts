import { inject, injectable } from 'inversify';
import type { AppConfig } from '../../config';
import { WarmWorkers } from '../../engine/warm-workers';
import { NotFoundError, UserInputError } from '../../errors';
import { matrix, type Matrix } from '../../numeric/matrix';
import { resampleRows, sameAxis } from '../../numeric/resample';
import { DatabaseService } from '../database/database.service';
import { DatasetService, type TableSource } from '../datasets/datasets.service';
import { withMatrix } from '../datasets/spectra-csv';
import { APP_CONFIG } from '../tokens';
import type { DomainSummary, StoredModelConfig } from './model-config';
import { isOutlier } from '../../numeric/pca-domain';
import { predictOnPool } from './predict-runner';
import { RecentlyUsed } from './recently-used';
import { mapPage, pageByCreation, type Page, type PageRequest } from '../paging';

const MAX_INLINE_SPECTRA = 10000;
/** Model states kept in memory (about 9 MB each for the CNN at L = 404). */
const CACHED_STATES = 4;

export interface ModelRecord {
  readonly id: string;
  readonly name: string;
  readonly experimentId: string | null;
  readonly datasetId: string | null;
  readonly config: StoredModelConfig;
  readonly metrics: { accuracy?: { mean: number; std: number }; macroF1?: { mean: number; std: number }; folds?: number };
  readonly createdAt: Date;
}

export interface PredictRequest {
  readonly modelId: string;
  /** Predict every spectrum of a stored dataset ... */
  readonly datasetId?: string | null;
  /** ... or these spectra, on `axis` (the model's axis when omitted). */
  readonly spectra?: readonly (readonly number[])[] | null;
  readonly axis?: readonly number[] | null;
  /** ... or a table of spectra (CSV/TSV with the axis as header; a label column is optional). */
  readonly table?: TableSource | null;
}

export interface PredictionRecord {
  readonly id: string;
  readonly modelId: string;
  readonly datasetId: string | null;
  readonly count: number;
  readonly classes: string[];
  readonly results: PredictedRow[];
  /** The model's applicability domain (limits), null when it has none. */
  readonly domain: DomainSummary | null;
  readonly createdAt: Date;
}

export interface PredictedRow {
  readonly index: number;
  readonly predictedClass: string;
  readonly probabilities: number[];
  /** Hotelling's T² and Q residual in the model's PCA domain; null (absent in old stored rows) when the model has none. */
  readonly hotellingT2?: number | null;
  readonly qResidual?: number | null;
  /** Above either 99 % limit. */
  readonly outlier?: boolean;
}

/** Trained models and their predictions. */
@injectable()
export class ModelService {
  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(DatasetService) private readonly datasets: DatasetService,
    @inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.workers = new WarmWorkers(config.predictThreads);
  }

  /** Prediction threads, started on first use and kept warm (see predict-runner.ts). */
  private readonly workers: WarmWorkers;

  /**
   * Model states on shared memory by model id, least recently used first: a model never
   * changes, so its state is read and copied once for all its predictions (and a thread that
   * holds the model does not even look at it).
   */
  private readonly states = new RecentlyUsed<string, Uint8Array>(CACHED_STATES);

  async close(): Promise<void> {
    await this.workers.close();
  }

  private sharedState(modelId: string): Promise<Uint8Array> {
    return this.states.use(modelId, async () => {
      const stored = await this.database.readBlob('Model.state', modelId);
      if (!stored) throw new NotFoundError('model weights', modelId);
      const state = new Uint8Array(new SharedArrayBuffer(stored.byteLength));
      state.set(stored);
      return state;
    });
  }

  async list(filter: ModelFilter = {}): Promise<ModelRecord[]> {
    const rows = await this.database.client.model.findMany({ where: modelWhere(filter), select: MODEL_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toModel);
  }

  async page(filter: ModelFilter, request: PageRequest): Promise<Page<ModelRecord>> {
    const where = modelWhere(filter);
    const db = this.database.client;
    const page = await pageByCreation(
      request,
      (query) => db.model.findMany({ ...query, where: { AND: [where, query.where] }, select: MODEL_FIELDS }),
      () => db.model.count({ where }),
    );
    return mapPage(page, toModel);
  }

  async get(id: string): Promise<ModelRecord> {
    const found = await this.find(id);
    if (!found) throw new NotFoundError('model', id);
    return found;
  }

  async find(id: string): Promise<ModelRecord | null> {
    const row = await this.database.client.model.findUnique({ where: { id }, select: MODEL_FIELDS });
    return row ? toModel(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    await this.get(id);
    await this.database.client.model.delete({ where: { id } });
    this.states.delete(id);
    return true;
  }

  /**
   * Predicts a stored dataset or inline spectra; spectra on another axis are resampled onto the
   * model's when it is covered. Stores and returns the predictions.
   */
  async predict(request: PredictRequest): Promise<PredictionRecord> {
    const model = await this.get(request.modelId);
    const { x, datasetId } = await this.inputs(model, request);
    const state = await this.sharedState(model.id);
    const plugins = { directory: this.config.pluginsDir, packages: this.config.pluginPackages };
    const { probabilities, classes: predicted, domain } = await predictOnPool(this.workers, { modelKey: model.id, state, plugins, x });
    const C = model.config.classes.length;
    const limits = model.config.domain ?? null;
    const results: PredictedRow[] = Array.from(predicted, (k, index) => {
      const hotellingT2 = domain && limits ? domain[2 * index] : null;
      const qResidual = domain && limits ? domain[2 * index + 1] : null;
      return {
        index,
        predictedClass: model.config.classes[k],
        probabilities: Array.from(probabilities.data.subarray(index * C, (index + 1) * C)),
        hotellingT2,
        qResidual,
        outlier: hotellingT2 !== null && qResidual !== null && limits !== null && isOutlier(limits, hotellingT2, qResidual),
      };
    });
    const row = await this.database.client.prediction.create({
      data: { modelId: model.id, datasetId, results: JSON.stringify(results), count: results.length },
    });
    return { id: row.id, modelId: model.id, datasetId, count: results.length, classes: model.config.classes, results, domain: limits, createdAt: row.createdAt };
  }

  async predictions(filter: PredictionFilter): Promise<PredictionRecord[]> {
    const rows = await this.database.client.prediction.findMany({
      where: predictionWhere(filter),
      include: PREDICTION_MODEL,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toPrediction);
  }

  async predictionPage(filter: PredictionFilter, request: PageRequest): Promise<Page<PredictionRecord>> {
    const where = predictionWhere(filter);
    const db = this.database.client;
    const page = await pageByCreation(
      request,
      (query) => db.prediction.findMany({ ...query, where: { AND: [where, query.where] }, include: PREDICTION_MODEL }),
      () => db.prediction.count({ where }),
    );
    return mapPage(page, toPrediction);
  }

  /** The spectra to predict, on the model's axis. */
  private async inputs(model: ModelRecord, request: PredictRequest): Promise<{ x: Matrix; datasetId: string | null }> {
    const target = model.config.axis;
    const unit = ` ${model.config.axisUnit}`;
    const given = [request.datasetId, request.spectra, request.table].filter((v) => v !== null && v !== undefined).length;
    if (given > 1) throw new UserInputError('give either a dataset or spectra or a file, not several');
    if (request.table) {
      const table = request.table;
      const options = { maxBytes: this.config.maxUploadBytes, labelsOptional: true };
      const parsed = withMatrix(await this.datasets.readSpectra(table, options));
      if (parsed.axisUnit !== model.config.axisUnit) {
        throw new UserInputError(`the file's axis reads as ${parsed.axisUnit}, the model's is in ${model.config.axisUnit}`);
      }
      return { x: sameAxis(parsed.axis, target) ? parsed.x : resampleRows(parsed.x, parsed.axis, target, unit), datasetId: null };
    }
    if (request.datasetId) {
      const d = await this.datasets.load(request.datasetId);
      if (d.axisUnit !== model.config.axisUnit) {
        throw new UserInputError(`dataset "${d.name}" is in ${d.axisUnit}, the model in ${model.config.axisUnit}`);
      }
      return { x: sameAxis(d.axis, target) ? d.x : resampleRows(d.x, d.axis, target, unit), datasetId: d.id };
    }
    const spectra = request.spectra;
    if (!spectra || spectra.length === 0) throw new UserInputError('no spectra to predict: give a dataset or at least one spectrum');
    if (spectra.length > MAX_INLINE_SPECTRA) throw new UserInputError(`at most ${MAX_INLINE_SPECTRA} spectra per request; import larger sets as a dataset`);
    const axis = request.axis ?? null;
    const width = axis ? axis.length : target.length;
    const data = new Float32Array(spectra.length * width);
    spectra.forEach((s, i) => {
      if (s.length !== width) {
        throw new UserInputError(
          `spectrum ${i} has ${s.length} points, expected ${width}${axis ? ' (the length of the given axis)' : ' (the model axis; give an axis to resample)'}`,
        );
      }
      s.forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserInputError(`spectrum ${i}, point ${j}: ${v} is not a finite number`);
        data[i * width + j] = v;
      });
    });
    const x = matrix(spectra.length, width, data);
    return { x: axis && !sameAxis(axis, target) ? resampleRows(x, axis, target, unit) : x, datasetId: null };
  }
}

export interface ModelFilter {
  readonly datasetId?: string | null;
  readonly experimentId?: string | null;
}

export interface PredictionFilter {
  readonly modelId?: string | null;
  readonly datasetId?: string | null;
}

function modelWhere(filter: ModelFilter) {
  return { ...(filter.datasetId ? { datasetId: filter.datasetId } : {}), ...(filter.experimentId ? { experimentId: filter.experimentId } : {}) };
}

function predictionWhere(filter: PredictionFilter) {
  return { ...(filter.modelId ? { modelId: filter.modelId } : {}), ...(filter.datasetId ? { datasetId: filter.datasetId } : {}) };
}

/** The model's class names name the probabilities of a prediction. */
const PREDICTION_MODEL = { model: { select: { config: true } } } as const;

function toPrediction(row: { id: string; modelId: string; datasetId: string | null; count: number; results: string; createdAt: Date; model: { config: string } }): PredictionRecord {
  const config = JSON.parse(row.model.config) as StoredModelConfig;
  return {
    id: row.id,
    modelId: row.modelId,
    datasetId: row.datasetId,
    count: row.count,
    classes: config.classes,
    domain: config.domain ?? null,
    results: JSON.parse(row.results),
    createdAt: row.createdAt,
  };
}

const MODEL_FIELDS = { id: true, name: true, experimentId: true, datasetId: true, config: true, metrics: true, createdAt: true } as const;

function toModel(row: { id: string; name: string; experimentId: string | null; datasetId: string | null; config: string; metrics: string; createdAt: Date }): ModelRecord {
  return { ...row, config: JSON.parse(row.config) as StoredModelConfig, metrics: JSON.parse(row.metrics) };
}
