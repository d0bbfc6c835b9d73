import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'inversify';
import type { AppConfig } from '../../config';
import { runInWorker } from '../../engine/worker-host';
import type { PretextMetrics } from '../../engine/pretext';
import { NotFoundError, UserInputError } from '../../errors';
import type { Logger } from '../../logger';
import { matrix, selectRows, type Matrix } from '../../numeric/matrix';
import { Rng } from '../../numeric/rng';
import type { ClassifierPlugin } from '../../plugins/contract';
import { isSslPretrainable } from '../../plugins/models/cnn/ssl-pretrainable';
import { encoderConfigFrom } from '../../plugins/models/cnn/shared';
import type { Params } from '../../plugins/params';
import { PluginRegistry } from '../../plugins/registry';
import { TransformPipeline, type PipelineStep } from '../../plugins/transforms/pipeline';
import { DatabaseService } from '../database/database.service';
import { DatasetService } from '../datasets/datasets.service';
import { UNLABELLED } from '../datasets/spectra-csv';
import { estimateFoldBytes, pretextShapeOf } from '../experiments/fold-memory';
import type { FoldProgress, PretrainJob, PretrainedEncoderData } from '../experiments/fold-runner';
import { checkExtraPretraining, extraPretrainingSpectra } from '../experiments/pretraining-data';
import { TrainingSlots } from '../experiments/training-slots';
import { unlabelledRows } from '../experiments/experiment-spec';
import { APP_CONFIG, LOGGER } from '../tokens';

const FOLD_RUNNER = path.join(__dirname, '..', 'experiments', 'fold-runner');
/** Share of the spectra held out to measure the pretext task of a named encoder. */
const HELD_OUT_FRACTION = 0.1;
/** Below this many spectra nothing is held out (the metrics are then null). */
const MIN_SPECTRA_TO_HOLD_OUT = 20;

export type EncoderStatus = 'queued' | 'running' | 'ready' | 'failed';

export interface PretrainEncoderRequest {
  readonly name: string;
  /** The dataset (a library or a labelled set: labels are ignored) whose spectra are pre-trained on. */
  readonly datasetId: string;
  /** More datasets whose spectra join, resampled onto the dataset's axis. */
  readonly extraDatasetIds?: readonly string[];
  /** Pre-train only on the dataset's unlabelled spectra (and the extra datasets'), so that cross-validation on it stays inductive. */
  readonly unlabelledOnly?: boolean;
  readonly preprocessing?: readonly PipelineStep[];
  /** The SSL classifier the encoder is for, with its encoder and pretext settings (default cnn-classifier). */
  readonly model?: { plugin: string; params?: Params };
  readonly seed?: number;
}

/** What a named encoder was pre-trained on and how (stored as its config). */
export interface EncoderConfig {
  readonly name: string;
  readonly datasetId: string;
  readonly extraDatasetIds: string[];
  readonly unlabelledOnly: boolean;
  /** Datasets whose labelled spectra it saw: cross-validating on them from this encoder is transductive. */
  readonly labelledOf: string[];
  readonly preprocessing: PipelineStep[];
  readonly model: { plugin: string; params: Params };
  /** The encoder architecture, which an experiment starting from it must share. */
  readonly architecture: Record<string, unknown>;
  readonly axis: number[];
  readonly axisUnit: string;
  readonly seed: number;
  readonly heldOut: number;
  readonly wallMs?: number;
  readonly backend?: string | null;
}

export interface EncoderRecord {
  readonly id: string;
  readonly name: string;
  readonly datasetId: string;
  readonly status: EncoderStatus;
  readonly error: string | null;
  readonly spectraCount: number;
  readonly unlabelledCount: number;
  /** Pretext metrics on the held-out spectra (null until ready, or when too few to hold out). */
  readonly metrics: PretextMetrics | null;
  readonly config: EncoderConfig;
  readonly createdAt: Date;
}

/**
 * Encoders pre-trained once, on purpose (a dataset or a spectral library, plus extra datasets),
 * stored with their pretext metrics, and started from by any number of experiments (no second
 * pre-training). They share the PretrainedEncoder table with the per-fold cache (origin
 * "pretrain" vs "fold"); the pre-training runs in a worker thread on one training slot.
 */
@injectable()
export class EncoderService {
  private readonly running = new Map<string, AbortController>();
  private readonly settled = new Map<string, Promise<void>>();

  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(DatasetService) private readonly datasets: DatasetService,
    @inject(PluginRegistry) private readonly registry: PluginRegistry,
    @inject(TrainingSlots) private readonly slots: TrainingSlots,
    @inject(APP_CONFIG) private readonly config: AppConfig,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Validates, stores the encoder as queued and starts its pre-training; returns at once. */
  async pretrain(request: PretrainEncoderRequest): Promise<EncoderRecord> {
    const name = (request.name ?? '').trim();
    if (!name) throw new UserInputError('the encoder name must not be empty');
    if (name.length > 200) throw new UserInputError('the encoder name is longer than 200 characters');
    if (await this.database.client.pretrainedEncoder.findUnique({ where: { name }, select: { key: true } })) {
      throw new UserInputError(`an encoder named "${name}" already exists`, { name });
    }
    const dataset = await this.datasets.load(request.datasetId);
    const plugin = request.model?.plugin ?? 'cnn-classifier';
    const definition = this.registry.has(plugin) ? this.registry.get(plugin) : null;
    if (!definition) throw new UserInputError(`unknown model plugin "${plugin}"`);
    const params = { ...(request.model?.params ?? {}), ...(plugin === 'cnn-classifier' ? { ssl: true } : {}) };
    const classifier = this.registry.create<ClassifierPlugin>(plugin, params);
    let architecture: Record<string, unknown>;
    try {
      if (!isSslPretrainable(classifier) || !classifier.usesSslPretraining()) {
        throw new UserInputError(`plugin "${plugin}" does not pre-train an encoder (use cnn-classifier)`);
      }
      architecture = { ...encoderConfigFrom(classifier.pretextParams()) };
    } finally {
      (classifier as Partial<{ dispose(): void }>).dispose?.();
    }
    const extraDatasetIds = [...new Set(request.extraDatasetIds ?? [])];
    await checkExtraPretraining(this.datasets, dataset, extraDatasetIds);
    const preprocessing = TransformPipeline.fromSteps(this.registry, request.preprocessing ?? []).describe() as PipelineStep[];
    const unlabelledOnly = request.unlabelledOnly === true;
    const ownRows = unlabelledOnly ? dataset.nUnlabelled : dataset.nSamples;
    if (ownRows === 0 && extraDatasetIds.length === 0) {
      throw new UserInputError(`dataset "${dataset.name}" has no unlabelled spectra to pre-train on (unlabelledOnly), and no extra dataset was named`);
    }
    const seed = request.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0) throw new UserInputError(`seed must be a non-negative integer, got ${seed}`);
    const config: EncoderConfig = {
      name,
      datasetId: dataset.id,
      extraDatasetIds,
      unlabelledOnly,
      labelledOf: !unlabelledOnly && dataset.nLabelled > 0 ? [dataset.id] : [],
      preprocessing,
      model: { plugin, params: { ...(params as Params) } },
      architecture,
      axis: Array.from(dataset.axis),
      axisUnit: dataset.axisUnit,
      seed,
      heldOut: 0,
    };
    const id = randomUUID();
    await this.database.client.pretrainedEncoder.create({
      data: { key: id, datasetId: dataset.id, state: new Uint8Array(0), metrics: 'null', origin: 'pretrain', name, status: 'queued', config: JSON.stringify(config) },
    });
    const controller = new AbortController();
    this.running.set(id, controller);
    const done = this.run(id, config, controller.signal).finally(() => {
      this.running.delete(id);
      this.settled.delete(id);
    });
    this.settled.set(id, done);
    return this.get(id);
  }

  /** Resolves when the encoder's pre-training (started by this process) has ended. */
  async settledOf(id: string): Promise<void> {
    await this.settled.get(id);
  }

  async list(datasetId?: string | null): Promise<EncoderRecord[]> {
    const rows = await this.database.client.pretrainedEncoder.findMany({
      where: { origin: 'pretrain', ...(datasetId ? { datasetId } : {}) },
      orderBy: [{ createdAt: 'asc' }, { key: 'asc' }],
      omit: { state: true },
    });
    return rows.map(toRecord);
  }

  async find(id: string): Promise<EncoderRecord | null> {
    const row = await this.database.client.pretrainedEncoder.findUnique({ where: { key: id }, omit: { state: true } });
    return row && row.origin === 'pretrain' ? toRecord(row) : null;
  }

  async get(id: string): Promise<EncoderRecord> {
    const found = await this.find(id);
    if (!found) throw new NotFoundError('encoder', id);
    return found;
  }

  /** Deletes a named encoder (a running pre-training is stopped); experiments started from it keep their results. */
  async delete(id: string): Promise<boolean> {
    await this.get(id);
    this.running.get(id)?.abort('deleted');
    await this.database.client.pretrainedEncoder.delete({ where: { key: id } });
    return true;
  }

  /** Stops running pre-trainings (server shutdown); they are marked failed, to be pre-trained again. */
  async close(): Promise<void> {
    for (const controller of this.running.values()) controller.abort('shutdown');
    await Promise.allSettled([...this.settled.values()]);
  }

  /** Encoders left queued or running by a previous process cannot resume: they are marked failed. */
  async failInterrupted(): Promise<number> {
    const { count } = await this.database.client.pretrainedEncoder.updateMany({
      where: { origin: 'pretrain', status: { in: ['queued', 'running'] } },
      data: { status: 'failed', error: 'interrupted by a server restart; pre-train it again' },
    });
    return count;
  }

  private async run(id: string, config: EncoderConfig, signal: AbortSignal): Promise<void> {
    const db = this.database.client;
    try {
      const dataset = await this.datasets.load(config.datasetId);
      const own = config.unlabelledOnly ? unlabelledRows(dataset.y) : null;
      const ownX = own ? selectRows(dataset.x, own) : dataset.x;
      const extra = await extraPretrainingSpectra(this.datasets, dataset, config.extraDatasetIds);
      const x = extra ? stack(ownX, extra) : ownX;
      const heldOut = x.rows >= MIN_SPECTRA_TO_HOLD_OUT ? Int32Array.from(new Rng(config.seed).permutation(x.rows).slice(0, Math.round(HELD_OUT_FRACTION * x.rows))).sort() : new Int32Array(0);
      // Unlabelled: the dataset's own unlabelled rows and every extra spectrum, less those held out.
      const held = new Set(heldOut);
      let unlabelledIn = 0;
      for (let i = 0; i < x.rows; i++) if (!held.has(i) && (own !== null || i >= ownX.rows || dataset.y[i] === UNLABELLED)) unlabelledIn++;
      const job: PretrainJob = {
        x,
        heldOut,
        preprocessing: config.preprocessing,
        model: config.model,
        seed: config.seed,
        plugins: { directory: this.config.pluginsDir, packages: this.config.pluginPackages },
      };
      const classifier = this.registry.create<ClassifierPlugin>(config.model.plugin, config.model.params);
      const shape = pretextShapeOf(classifier);
      (classifier as Partial<{ dispose(): void }>).dispose?.();
      await db.pretrainedEncoder.update({ where: { key: id }, data: { status: 'running' } });
      const bytes = estimateFoldBytes({ datasetRows: x.rows, trainRows: x.rows, length: x.cols, pretext: shape });
      const result = await this.slots.run({ group: `encoder:${id}`, bytes }, signal, () =>
        runInWorker<PretrainedEncoderData & { spectra: number; wallMs: number; backend: string | null }, FoldProgress>(FOLD_RUNNER, 'runPretrainJob', job, {
          signal,
          nice: this.config.trainingNice,
        }),
      );
      const spectra = result.spectra;
      await db.pretrainedEncoder.update({
        where: { key: id },
        data: {
          status: 'ready',
          state: new Uint8Array(Buffer.from(JSON.stringify(result.state), 'utf8')),
          metrics: JSON.stringify(result.metrics),
          curves: JSON.stringify(result.curves),
          spectraCount: spectra,
          unlabelledCount: unlabelledIn,
          config: JSON.stringify({ ...config, heldOut: heldOut.length, wallMs: result.wallMs, backend: result.backend }),
        },
      });
    } catch (error) {
      const message = signal.aborted ? `stopped (${String(signal.reason)})` : error instanceof Error ? error.message : String(error);
      if (!signal.aborted) this.logger.error('encoder pre-training failed', { encoderId: id, error: error instanceof Error ? error.stack : message });
      await db.pretrainedEncoder.updateMany({ where: { key: id }, data: { status: 'failed', error: message } }).catch(() => undefined);
    }
  }
}

function stack(a: Matrix, b: Matrix): Matrix {
  const data = new Float32Array((a.rows + b.rows) * a.cols);
  data.set(a.data.subarray(0, a.rows * a.cols));
  data.set(b.data.subarray(0, b.rows * b.cols), a.rows * a.cols);
  return matrix(a.rows + b.rows, a.cols, data);
}

function toRecord(row: {
  key: string;
  name: string | null;
  datasetId: string;
  status: string;
  error: string | null;
  spectraCount: number;
  unlabelledCount: number;
  metrics: string;
  config: string;
  createdAt: Date;
}): EncoderRecord {
  return {
    id: row.key,
    name: row.name ?? row.key,
    datasetId: row.datasetId,
    status: row.status as EncoderStatus,
    error: row.error,
    spectraCount: row.spectraCount,
    unlabelledCount: row.unlabelledCount,
    metrics: JSON.parse(row.metrics) as PretextMetrics | null,
    config: JSON.parse(row.config) as EncoderConfig,
    createdAt: row.createdAt,
  };
}
