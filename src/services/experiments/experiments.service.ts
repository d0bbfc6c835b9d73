import { inject, injectable } from 'inversify';
import type { AppConfig } from '../../config';
import { LimitError, NotFoundError, UserInputError } from '../../errors';
import { APP_CONFIG } from '../tokens';
import { TEXT_LIMITS, assertText } from '../text';
import type { ClassifierPlugin } from '../../plugins/contract';
import type { Params } from '../../plugins/params';
import { PluginRegistry } from '../../plugins/registry';
import { TransformPipeline, type PipelineStep } from '../../plugins/transforms/pipeline';
import { DatabaseService } from '../database/database.service';
import { DatasetService } from '../datasets/datasets.service';
import { compareExperiments, type Comparison } from './comparison';
import { EXPERIMENT_STATUSES, FINISHED_STATUSES, type ExperimentProgress, type ExperimentStatus } from './experiment-events';
import { ExperimentRunner } from './experiment-runner.service';
import {
  DEFAULT_PROTOCOL,
  canonicalJson,
  isSingleSplit,
  modelFamily,
  planFolds,
  specHash,
  type ExperimentSpec,
  type PretrainingSpec,
  type Protocol,
  type SplitMethod,
} from './experiment-spec';
import type { PretrainingUse } from './fold-runner';
import { checkExtraPretraining } from './pretraining-data';
import { PretrainedEncoderCache } from './pretrained-encoder-cache';
import { isSslPretrainable } from '../../plugins/models/cnn/ssl-pretrainable';
import { sameAxis } from '../../numeric/resample';
import { encoderConfigFrom } from '../../plugins/models/cnn/shared';
import type { LoadedDataset } from '../datasets/datasets.service';
import { JOB_QUEUE, type JobQueue } from './job-queue';
import { mapPage, pageByCreation, type Page, type PageRequest } from '../paging';

export interface CreateExperimentRequest {
  readonly name: string;
  readonly tags?: readonly string[];
  readonly datasetId: string;
  readonly preprocessing?: readonly PipelineStep[];
  readonly model: { plugin: string; params?: Params };
  readonly protocol?: Partial<Protocol>;
  readonly trainFinalModel?: boolean;
  readonly pretraining?: PretrainingSpec;
  /** The API token that asks (its queued and running experiments are limited); null: none. */
  readonly tokenId?: string | null;
}

export interface ExperimentRecord {
  readonly id: string;
  readonly name: string;
  readonly tags: string[];
  readonly datasetId: string;
  readonly modelName: string;
  readonly spec: ExperimentSpec;
  readonly configHash: string;
  readonly status: ExperimentStatus;
  readonly backend: string | null;
  readonly error: string | null;
  readonly progress: ExperimentProgress | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface FoldRecord {
  readonly repeat: number;
  readonly fold: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly wallMs: number;
  /** The compute backend and the host:pid that trained it (null in folds stored before). */
  readonly backend: string | null;
  readonly worker: string | null;
  readonly details: FoldDetails;
}

export interface FoldDetails {
  readonly perClass: { precision: number; recall: number; f1: number; support: number }[];
  readonly confusion: number[][];
  readonly pretext: { accuracy: number; perTransform: Record<string, { accuracy: number; precision: number; recall: number; f1: number }>; confusion: number[][] } | null;
  readonly curves: { stage: string; epoch: number; epochs: number; loss: number; accuracy?: number; extra?: Record<string, number> }[];
  readonly trainSize: number;
  readonly labelledSize: number;
  readonly testSize: number;
  /** What the model chose on the training rows (absent in folds stored before choices were kept). */
  readonly choices?: Record<string, unknown>;
  /** Problems the user must see, e.g. a network that learned nothing. */
  readonly warnings?: readonly string[];
  /** What SSL pre-training saw (absent without pre-training, or in folds stored before it was kept). */
  readonly pretraining?: PretrainingUse | null;
}

/** A study stored together with its experiments (one transaction). */
export interface NewStudy {
  readonly row: { id: string; name: string; datasetId: string; preset: string; config: string };
  /** The role of each experiment, in request order. */
  readonly roles: readonly string[];
}

type ExperimentRow = Parameters<typeof toRecord>[0];

export interface ExperimentFilter {
  readonly datasetId?: string | null;
  /** The model family: "ssl", "supervised" or a baseline plugin name. */
  readonly model?: string | null;
  /** The model plugin (cnn-classifier covers both the ssl and the supervised family). */
  readonly plugin?: string | null;
  readonly tag?: string | null;
  readonly status?: ExperimentStatus | null;
  /** Part of the name. */
  readonly nameContains?: string | null;
  readonly createdAfter?: Date | null;
}

/** Experiments: validated creation, queries, cancellation, comparison. Execution is the runner's. */
@injectable()
export class ExperimentService {
  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(DatasetService) private readonly datasets: DatasetService,
    @inject(PluginRegistry) private readonly registry: PluginRegistry,
    @inject(JOB_QUEUE) private readonly queue: JobQueue,
    @inject(ExperimentRunner) private readonly runner: ExperimentRunner,
    @inject(PretrainedEncoderCache) private readonly encoders: PretrainedEncoderCache,
    @inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Validates everything up front (nothing is stored when anything is wrong), stores, queues. */
  async create(request: CreateExperimentRequest): Promise<ExperimentRecord> {
    return (await this.createAll([request]))[0];
  }

  /**
   * Creates several experiments (a study's) all or none: every request is validated first, then
   * all are stored in one transaction, then queued in order.
   */
  async createAll(requests: readonly CreateExperimentRequest[], study?: NewStudy): Promise<ExperimentRecord[]> {
    const prepared = [];
    for (const request of requests) {
      const name = request.name?.trim();
      if (!name) throw new UserInputError('the experiment name must not be empty', { field: 'name' });
      assertText('name', name, TEXT_LIMITS.name);
      for (const tag of request.tags ?? []) assertText('tags', tag, TEXT_LIMITS.tag);
      if ((request.tags ?? []).length > 50) throw new UserInputError('tags: at most 50 tags', { field: 'tags' });
      prepared.push({ request, name, spec: await this.validate(request) });
    }
    await this.checkActiveLimit(requests);
    const db = this.database.client;
    const createStudy = study ? [db.study.create({ data: study.row })] : [];
    const results = await db.$transaction([
      ...createStudy,
      ...prepared.map(({ request, name, spec }, k) =>
        db.experiment.create({
          data: {
            name,
            tags: JSON.stringify([...new Set(request.tags ?? [])]),
            datasetId: spec.datasetId,
            modelName: modelFamily(spec.model),
            config: canonicalJson(spec),
            configHash: specHash(spec),
            status: 'queued',
            studyId: study?.row.id ?? null,
            role: study?.roles[k] ?? null,
            tokenId: request.tokenId ?? null,
          },
        }),
      ),
    ]);
    const rows = results.slice(createStudy.length) as ExperimentRow[];
    for (const row of rows) this.queue.enqueue(row.id, study?.row.id);
    return rows.map(toRecord);
  }

  async validate(request: CreateExperimentRequest): Promise<ExperimentSpec> {
    const dataset = await this.datasets.load(request.datasetId);
    this.datasets.requireLabels(dataset, 'an experiment');
    const definition = this.registry.has(request.model.plugin) ? this.registry.get(request.model.plugin) : null;
    if (!definition) throw new UserInputError(`unknown model plugin "${request.model.plugin}"`);
    if (definition.kind !== 'classifier' && definition.kind !== 'baseline') {
      throw new UserInputError(`plugin "${definition.name}" is a ${definition.kind}; an experiment needs a classifier or baseline`);
    }
    // Creating the instances validates every parameter (nested pretext settings included).
    const model = this.registry.create<ClassifierPlugin>(definition.name, request.model.params ?? {});
    const architecture = isSslPretrainable(model) && model.usesSslPretraining() ? { ...encoderConfigFrom(model.pretextParams()) } : null;
    (model as Partial<{ dispose(): void }>).dispose?.();
    const preprocessing = TransformPipeline.fromSteps(this.registry, request.preprocessing ?? []).describe();
    const pretraining = await this.validatePretraining(request.pretraining, dataset, architecture, definition.name, preprocessing);
    const protocol = normalizeProtocol({ ...DEFAULT_PROTOCOL, ...stripUndefined(request.protocol ?? {}) });
    // Splitting now surfaces k > smallest class, too few groups, empty label fractions and bad rows.
    planFolds(protocol, dataset.y, dataset.classes.length, dataset.groups, dataset.x);
    return {
      datasetId: dataset.id,
      preprocessing,
      model: { plugin: definition.name, params: { ...model.params } },
      protocol,
      trainFinalModel: request.trainFinalModel ?? false,
      // Only when given: the specs (and hashes) of experiments without it stay as they were.
      ...(pretraining ? { pretraining } : {}),
    };
  }

  private async validatePretraining(
    settings: PretrainingSpec | undefined,
    dataset: LoadedDataset,
    architecture: Record<string, unknown> | null,
    plugin: string,
    preprocessing: readonly PipelineStep[],
  ): Promise<PretrainingSpec | null> {
    if (!settings) return null;
    const datasetIds = [...new Set(settings.datasetIds ?? [])];
    const normal: PretrainingSpec = { datasetIds, transductive: settings.transductive === true, encoderId: settings.encoderId ?? null };
    if (normal.datasetIds.length === 0 && !normal.transductive && !normal.encoderId) return null;
    if (!architecture) throw new UserInputError(`pretraining settings need a model that pre-trains (e.g. cnn-classifier with ssl: true); "${plugin}" with these parameters does not`);
    if (normal.encoderId) {
      if (datasetIds.length > 0 || normal.transductive) {
        throw new UserInputError('an experiment started from a stored encoder does not pre-train: datasetIds and transductive do not apply');
      }
      const encoder = await this.encoders.named(normal.encoderId);
      const axis = (encoder.config.axis ?? []) as number[];
      if (encoder.config.axisUnit !== dataset.axisUnit || !sameAxis(axis, dataset.axis)) {
        throw new UserInputError(`encoder "${String(encoder.config.name)}" was pre-trained on another axis (${axis.length} points, ${String(encoder.config.axisUnit)}) than dataset "${dataset.name}" (${dataset.nVariables} points, ${dataset.axisUnit})`, {
          encoderId: normal.encoderId,
        });
      }
      if (canonicalJson(encoder.config.architecture) !== canonicalJson(architecture)) {
        throw new UserInputError(
          `encoder "${String(encoder.config.name)}" has another architecture (${canonicalJson(encoder.config.architecture)}) than this model's encoder (${canonicalJson(architecture)}): give the model the encoder's settings`,
          { encoderId: normal.encoderId },
        );
      }
      if (canonicalJson(encoder.config.preprocessing ?? []) !== canonicalJson(preprocessing)) {
        throw new UserInputError(`encoder "${String(encoder.config.name)}" was pre-trained with other pre-processing (${canonicalJson(encoder.config.preprocessing ?? [])}); the experiment must use the same`, {
          encoderId: normal.encoderId,
        });
      }
    }
    await checkExtraPretraining(this.datasets, dataset, datasetIds);
    return normal;
  }

  async list(filter: ExperimentFilter = {}): Promise<ExperimentRecord[]> {
    const rows = await this.database.client.experiment.findMany({ where: experimentWhere(filter), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toRecord);
  }

  async page(filter: ExperimentFilter, request: PageRequest): Promise<Page<ExperimentRecord>> {
    const where = experimentWhere(filter);
    const db = this.database.client;
    const page = await pageByCreation(
      request,
      (query) => db.experiment.findMany({ ...query, where: { AND: [where, query.where] } }),
      () => db.experiment.count({ where }),
    );
    return mapPage(page, toRecord);
  }

  async find(id: string): Promise<ExperimentRecord | null> {
    const row = await this.database.client.experiment.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  async get(id: string): Promise<ExperimentRecord> {
    const found = await this.find(id);
    if (!found) throw new NotFoundError('experiment', id);
    return found;
  }

  /** A study's experiments in queue order. */
  async ofStudy(studyId: string): Promise<ExperimentRecord[]> {
    const rows = await this.database.client.experiment.findMany({ where: { studyId }, orderBy: { createdAt: 'asc' } });
    return rows.map(toRecord);
  }

  async folds(id: string): Promise<FoldRecord[]> {
    const rows = await this.database.client.foldResult.findMany({ where: { experimentId: id }, orderBy: [{ repeat: 'asc' }, { fold: 'asc' }] });
    return rows.map((r) => ({ repeat: r.repeat, fold: r.fold, accuracy: r.accuracy, macroF1: r.macroF1, wallMs: r.wallMs, backend: r.backend, worker: r.worker, details: JSON.parse(r.details) as FoldDetails }));
  }

  /** Accuracy and macro F1 per fold, ordered by (repeat, fold), without the per-fold details. */
  async scores(id: string): Promise<{ repeat: number; fold: number; accuracy: number; macroF1: number }[]> {
    return this.database.client.foldResult.findMany({
      where: { experimentId: id },
      orderBy: [{ repeat: 'asc' }, { fold: 'asc' }],
      select: { repeat: true, fold: true, accuracy: true, macroF1: true },
    });
  }

  /** Cancels a queued or running experiment; finished ones are left as they are. */
  /** NIR_SSL_MAX_ACTIVE_EXPERIMENTS: the queued and running experiments of one token, these included. */
  private async checkActiveLimit(requests: readonly CreateExperimentRequest[]): Promise<void> {
    const tokenId = requests[0]?.tokenId;
    if (!tokenId) return;
    const max = this.config.maxActiveExperiments;
    const active = await this.database.client.experiment.count({ where: { tokenId, status: { in: ['queued', 'running'] } } });
    if (active + requests.length > max) {
      throw new LimitError(
        'TOO_MANY_EXPERIMENTS',
        `this token has ${active} queued or running experiments; ${requests.length} more would pass the limit of ${max} (NIR_SSL_MAX_ACTIVE_EXPERIMENTS): wait for some to finish or cancel them`,
        { limit: max, active },
      );
    }
  }

  async cancel(id: string): Promise<ExperimentRecord> {
    const experiment = await this.get(id);
    if (FINISHED_STATUSES.includes(experiment.status)) {
      throw new UserInputError(`experiment "${experiment.name}" has already ${experiment.status === 'cancelled' ? 'been cancelled' : experiment.status}`);
    }
    const running = experiment.status === 'running' && this.queue.isActive(id);
    this.queue.cancel(id);
    if (!running) {
      // Not executing here (queued or interrupted): mark it at once.
      await this.database.client.experiment.update({ where: { id }, data: { status: 'cancelled', finishedAt: new Date() } });
      this.runner.publish({ experimentId: id, status: 'cancelled' }, true);
    }
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const experiment = await this.get(id);
    // A distributed queue runs nothing here: its workers may be training the experiment's folds
    // (as in-process, a queued or running experiment is cancelled first).
    const elsewhere = this.queue.status().kind !== 'in-process' && ['queued', 'running'].includes(experiment.status);
    if (this.queue.isActive(id) || elsewhere) throw new UserInputError('cancel the experiment before deleting it');
    await this.database.client.experiment.delete({ where: { id } });
    return true;
  }

  async compare(ids: readonly string[]): Promise<Comparison & { experiments: ExperimentRecord[] }> {
    const unique = [...new Set(ids)];
    if (unique.length < 2) throw new UserInputError('compare needs at least two experiments');
    const experiments = await Promise.all(unique.map((id) => this.get(id)));
    const comparable = await Promise.all(
      experiments.map(async (e) => ({ id: e.id, name: e.name, datasetId: e.datasetId, protocol: e.spec.protocol, folds: await this.scores(e.id) })),
    );
    return { experiments, ...compareExperiments(comparable) };
  }

  /** At start: queued and interrupted experiments (and those running when the process died) go back in the queue. */
  async resumeUnfinished(): Promise<string[]> {
    const rows = await this.database.client.experiment.findMany({
      where: { status: { in: ['queued', 'running', 'interrupted'] } },
      orderBy: { createdAt: 'asc' },
    });
    // With a distributed queue, workers elsewhere may be running them: they stay as they are.
    const local = this.queue.status().kind === 'in-process';
    for (const row of rows) {
      if (local && row.status === 'running') {
        await this.database.client.experiment.update({ where: { id: row.id }, data: { status: 'interrupted' } });
      }
      this.queue.enqueue(row.id, row.studyId ?? undefined);
    }
    return rows.map((r) => r.id);
  }
}

function experimentWhere(filter: ExperimentFilter) {
  if (filter.status && !EXPERIMENT_STATUSES.includes(filter.status)) throw new UserInputError(`unknown status "${filter.status}"`);
  const families = filter.plugin === 'cnn-classifier' ? ['ssl', 'supervised'] : filter.plugin ? [filter.plugin] : null;
  return {
    AND: [
      filter.datasetId ? { datasetId: filter.datasetId } : {},
      filter.model ? { modelName: filter.model } : {},
      families ? { modelName: { in: families } } : {},
      filter.status ? { status: filter.status } : {},
      // Tags are stored as a JSON array: a tag's JSON string is one whole element of it.
      filter.tag ? { tags: { contains: JSON.stringify(filter.tag) } } : {},
      filter.nameContains ? { name: { contains: filter.nameContains } } : {},
      filter.createdAfter ? { createdAt: { gt: filter.createdAfter } } : {},
    ],
  };
}

/**
 * A k-fold protocol stays as before (no split fields, so its hash is unchanged); a single split
 * has one fold, and keeps only the fields that define it.
 */
function normalizeProtocol(protocol: Protocol): Protocol {
  const { split, testFraction, trainRows, testRows, ...kFold } = protocol;
  if (!isSingleSplit(protocol)) {
    if (testFraction !== undefined || trainRows !== undefined || testRows !== undefined) {
      throw new UserInputError('testFraction, trainRows and testRows belong to the kennard-stone and explicit splits');
    }
    return kFold;
  }
  if (split === 'explicit') {
    if (testFraction !== undefined) throw new UserInputError('testFraction belongs to the Kennard-Stone splits; an explicit split names its rows');
    if (!testRows) throw new UserInputError('an explicit split needs testRows');
    return { ...kFold, folds: 1, split, testRows, trainRows: trainRows ?? null };
  }
  if (trainRows !== undefined || testRows !== undefined) throw new UserInputError('trainRows and testRows belong to the explicit split');
  return { ...kFold, folds: 1, split: split as SplitMethod, testFraction: testFraction ?? 0.25 };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

function toRecord(row: {
  id: string;
  name: string;
  tags: string;
  datasetId: string;
  modelName: string;
  config: string;
  configHash: string;
  status: string;
  backend: string | null;
  error: string | null;
  progress: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}): ExperimentRecord {
  return {
    id: row.id,
    name: row.name,
    tags: JSON.parse(row.tags) as string[],
    datasetId: row.datasetId,
    modelName: row.modelName,
    spec: JSON.parse(row.config) as ExperimentSpec,
    configHash: row.configHash,
    status: row.status as ExperimentStatus,
    backend: row.backend,
    error: row.error,
    progress: row.progress ? (JSON.parse(row.progress) as ExperimentProgress) : null,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}
