import os from 'node:os';
import path from 'node:path';
import { inject, injectable } from 'inversify';
import type { AppConfig } from '../../config';
import { runInWorker } from '../../engine/worker-host';
import { CancelledError } from '../../errors';
import type { Logger } from '../../logger';
import { DatabaseService } from '../database/database.service';
import { DatasetService, type LoadedDataset } from '../datasets/datasets.service';
import { summarize } from '../../numeric/stats';
import { PretrainedEncoderCache } from './pretrained-encoder-cache';
import { domainSummary, type StoredModelConfig } from '../models/model-config';
import { EventBus } from '../events';
import { APP_CONFIG, LOGGER } from '../tokens';
import { FINISHED_STATUSES, type ExperimentProgress, type ExperimentStatus } from './experiment-events';
import { labelledRows, planFolds, unlabelledRows, type ExperimentSpec, type FoldPlan } from './experiment-spec';
import type { FoldJob, FoldOutcome, FoldProgress, PretrainedEncoderData } from './fold-runner';
import { extraPretrainingSpectra } from './pretraining-data';
import type { Matrix } from '../../numeric/matrix';
import { estimateFoldBytes, pretextShapeOf } from './fold-memory';
import { TrainingSlots } from './training-slots';
import { PluginRegistry } from '../../plugins/registry';
import type { ClassifierPlugin } from '../../plugins/contract';
import { isSslPretrainable } from '../../plugins/models/cnn/ssl-pretrainable';

const FOLD_RUNNER = path.join(__dirname, 'fold-runner');
/** Stored progress is for polling dashboards: at most one write per experiment per interval. */
const PROGRESS_WRITE_INTERVAL_MS = 1000;
/** The fold key of the job that trains an experiment's final model after its last fold. */
export const FINAL_MODEL_FOLD = { repeat: -1, fold: -1 } as const;

export interface FoldKey {
  readonly repeat: number;
  readonly fold: number;
}

/**
 * What one fold job did: `stored` its result, found it `duplicate` (already stored: a late or
 * repeated delivery), `skipped` it (the experiment is finished, cancelled or gone); `last` is set
 * when this store completed the experiment's folds (`final`: the final model is still to train).
 */
export interface FoldJobOutcome {
  readonly result: 'stored' | 'duplicate' | 'skipped';
  readonly last: 'none' | 'final' | 'completed';
}

/**
 * Executes an experiment: every fold of every repeat not yet stored, each in a worker thread
 * holding one of the machine's training slots (shared with the other running experiments),
 * storing each fold's result as soon as it is done. A restarted experiment therefore resumes
 * at the first missing fold, and the (experiment, repeat, fold) key keeps any fold from being
 * stored twice.
 */
@injectable()
export class ExperimentRunner {
  private readonly lastProgressWrite = new Map<string, number>();
  /** Who trains here, recorded with each fold (host and process; a worker process names itself). */
  workerName = `${os.hostname()}:${process.pid}`;

  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(DatasetService) private readonly datasets: DatasetService,
    @inject(EventBus) private readonly events: EventBus,
    @inject(APP_CONFIG) private readonly config: AppConfig,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(PretrainedEncoderCache) private readonly encoders: PretrainedEncoderCache,
    @inject(TrainingSlots) private readonly slots: TrainingSlots,
    @inject(PluginRegistry) private readonly registry: PluginRegistry,
  ) {}

  async execute(experimentId: string, signal: AbortSignal): Promise<void> {
    const db = this.database.client;
    const experiment = await db.experiment.findUnique({ where: { id: experimentId } });
    if (!experiment || ['succeeded', 'failed', 'cancelled'].includes(experiment.status)) return;
    const spec = JSON.parse(experiment.config) as ExperimentSpec;
    let foldsDone = 0;
    let foldsTotal = 0;
    try {
      const dataset = await this.datasets.load(spec.datasetId);
      const inputs = await this.pretrainingInputs(spec, dataset);
      const plans = planFolds(spec.protocol, dataset.y, dataset.classes.length, dataset.groups, dataset.x);
      foldsTotal = plans.length;
      const stored = await db.foldResult.findMany({ where: { experimentId }, select: { repeat: true, fold: true } });
      const done = new Set(stored.map((f) => `${f.repeat}:${f.fold}`));
      foldsDone = done.size;
      await db.experiment.update({ where: { id: experimentId }, data: { status: 'running', startedAt: experiment.startedAt ?? new Date(), error: null } });
      this.publish({ experimentId, status: 'running', foldsDone, foldsTotal }, true);
      const pending = plans.filter((plan) => !done.has(`${plan.repeat}:${plan.fold}`));
      // Folds are independent: up to foldConcurrency of them wait for a training slot at once,
      // each trains in its own worker thread, and each is stored the moment it finishes.
      await runPool(pending, this.config.foldConcurrency, signal, async (plan, poolSignal) => {
        const outcome = await this.runFold(experimentId, spec, dataset, inputs, plan, poolSignal, foldsDone, foldsTotal);
        if (!(await this.storeFold(experimentId, plan, outcome))) return;
        foldsDone++;
        this.publish({ experimentId, status: 'running', repeat: plan.repeat, fold: plan.fold, foldsDone, foldsTotal }, true);
      });
      if (spec.trainFinalModel && (await db.model.count({ where: { experimentId } })) === 0) {
        if (signal.aborted) throw new CancelledError();
        await this.trainFinalModel(experiment.name, experimentId, spec, dataset, inputs, signal, foldsDone, foldsTotal);
      }
      await this.finish(experimentId, 'succeeded', null, foldsDone, foldsTotal);
    } catch (error) {
      if (error instanceof CancelledError || signal.aborted) {
        // A shutdown interrupts (the next start resumes); a user's cancel is final.
        const status: ExperimentStatus = signal.reason === 'shutdown' ? 'interrupted' : 'cancelled';
        await this.finish(experimentId, status, null, foldsDone, foldsTotal);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error('experiment failed', { experimentId, error: error instanceof Error ? error.stack : message });
      await this.finish(experimentId, 'failed', message, foldsDone, foldsTotal);
    }
  }

  /** Fits the experiment's pipeline and model on every row and stores it as a model. */
  private async trainFinalModel(
    name: string,
    experimentId: string,
    spec: ExperimentSpec,
    dataset: LoadedDataset,
    inputs: PretrainingInputs,
    signal: AbortSignal,
    foldsDone: number,
    foldsTotal: number,
  ): Promise<void> {
    // Every labelled row; the unlabelled ones only join pre-training.
    const all = labelledRows(dataset.y);
    const plan: FoldPlan = { repeat: -1, fold: -1, train: all, labelled: all, test: new Int32Array(0) };
    const outcome = await this.runFold(experimentId, spec, dataset, inputs, plan, signal, foldsDone, foldsTotal, true);
    if (!outcome.model) throw new Error('the final model run returned no model');
    const folds = await this.database.client.foldResult.findMany({ where: { experimentId }, select: { accuracy: true, macroF1: true } });
    const accuracy = summarize(folds.map((f) => f.accuracy));
    const macroF1 = summarize(folds.map((f) => f.macroF1));
    const config: StoredModelConfig = {
      plugin: spec.model.plugin,
      spec,
      classes: dataset.classes,
      axis: Array.from(dataset.axis),
      axisUnit: dataset.axisUnit,
      backend: outcome.backend,
      trainedOn: all.length,
      domain: outcome.model.domain ? domainSummary(outcome.model.domain) : null,
    };
    await this.database.client.model.create({
      data: {
        name: `${name} (final)`,
        experimentId,
        datasetId: dataset.id,
        config: JSON.stringify(config),
        state: new Uint8Array(Buffer.from(JSON.stringify(outcome.model), 'utf8')),
        metrics: JSON.stringify({ accuracy, macroF1, folds: folds.length }),
      },
    });
  }

  /** The unlabelled rows, extra datasets and stored encoder an experiment's SSL pre-training uses. */
  private async pretrainingInputs(spec: ExperimentSpec, dataset: LoadedDataset): Promise<PretrainingInputs> {
    const settings = spec.pretraining;
    const classifier = this.registry.create<ClassifierPlugin>(spec.model.plugin, spec.model.params);
    const pretrains = isSslPretrainable(classifier) && classifier.usesSslPretraining();
    (classifier as Partial<{ dispose(): void }>).dispose?.();
    if (!pretrains) return { unlabelled: new Int32Array(0), extra: null, transductive: false, encoder: null };
    let encoder: PretrainingInputs['encoder'] = null;
    if (settings?.encoderId) {
      const stored = await this.encoders.named(settings.encoderId);
      encoder = { id: settings.encoderId, data: stored.data, spectra: stored.spectra, unlabelled: stored.unlabelled, transductive: stored.transductiveFor(dataset.id) };
    }
    return {
      unlabelled: unlabelledRows(dataset.y),
      extra: encoder ? null : await extraPretrainingSpectra(this.datasets, dataset, settings?.datasetIds ?? []),
      transductive: settings?.transductive === true,
      encoder,
    };
  }

  private async runFold(
    experimentId: string,
    spec: ExperimentSpec,
    dataset: LoadedDataset,
    inputs: PretrainingInputs,
    plan: FoldPlan,
    signal: AbortSignal,
    foldsDone: number,
    foldsTotal: number,
    keepModel = false,
  ): Promise<FoldOutcome> {
    const cacheKey = inputs.encoder ? null : this.encoders.keyFor(spec, dataset.id, plan, inputs.unlabelled.length);
    const classifier = this.registry.create<ClassifierPlugin>(spec.model.plugin, spec.model.params);
    const slot = {
      group: experimentId,
      bytes: estimateFoldBytes({
        datasetRows: dataset.nSamples + (inputs.extra?.rows ?? 0),
        trainRows: plan.train.length,
        pretrainRows: plan.train.length + inputs.unlabelled.length + (inputs.extra?.rows ?? 0) + (inputs.transductive ? plan.test.length : 0),
        length: dataset.x.cols,
        pretext: inputs.encoder ? null : pretextShapeOf(classifier),
      }),
    };
    const runWith = async (pretrained: FoldJob['pretrained']): Promise<FoldOutcome> => {
      const job: FoldJob = {
        keepModel,
        pretrained,
        x: dataset.x,
        y: dataset.y,
        nClasses: dataset.classes.length,
        train: plan.train,
        labelled: plan.labelled,
        test: plan.test,
        preprocessing: spec.preprocessing,
        model: spec.model,
        seed: spec.protocol.seed + plan.repeat,
        groups: spec.protocol.useGroups ? dataset.groups : null,
        unlabelled: inputs.unlabelled,
        extra: inputs.extra,
        transductive: inputs.transductive,
        storedEncoder: inputs.encoder ? { id: inputs.encoder.id, spectra: inputs.encoder.spectra, unlabelled: inputs.encoder.unlabelled, transductive: inputs.encoder.transductive } : null,
        plugins: { directory: this.config.pluginsDir, packages: this.config.pluginPackages },
      };
      const outcome = await this.slots.run(slot, signal, () => runInWorker<FoldOutcome, FoldProgress>(FOLD_RUNNER, 'runFoldJob', job, {
        signal,
        nice: this.config.trainingNice,
        onProgress: (p) =>
          this.publish({
            experimentId,
            status: 'running',
            repeat: plan.repeat,
            fold: plan.fold,
            foldsDone,
            foldsTotal,
            stage: p.stage,
            epoch: p.epoch,
            epochs: p.epochs,
            loss: p.loss,
            accuracy: p.accuracy ?? null,
          }),
      }));
      if (cacheKey && outcome.pretrainedEncoder) await this.encoders.store(cacheKey, dataset.id, outcome.pretrainedEncoder);
      return outcome;
    };
    if (inputs.encoder) return runWith(inputs.encoder.data);
    return cacheKey ? this.encoders.withEncoder(cacheKey, runWith, signal) : runWith(null);
  }

  /** Stores a fold's result once: false when (experiment, repeat, fold) is already stored. */
  private async storeFold(experimentId: string, plan: FoldPlan, outcome: FoldOutcome): Promise<boolean> {
    const db = this.database.client;
    const details = {
      perClass: outcome.report.perClass,
      confusion: outcome.report.confusion,
      pretext: outcome.pretext,
      curves: outcome.curves,
      trainSize: outcome.trainSize,
      labelledSize: outcome.labelledSize,
      testSize: outcome.testSize,
      choices: outcome.choices,
      warnings: outcome.warnings,
      pretraining: outcome.pretraining,
    };
    try {
      await db.$transaction([
        db.foldResult.create({
          data: {
            experimentId,
            repeat: plan.repeat,
            fold: plan.fold,
            accuracy: outcome.report.accuracy,
            macroF1: outcome.report.macroF1,
            details: JSON.stringify(details),
            wallMs: outcome.wallMs,
            backend: outcome.backend ?? 'typescript',
            worker: this.workerName,
          },
        }),
        db.experiment.update({ where: { id: experimentId }, data: { backend: outcome.backend ?? 'typescript' } }),
      ]);
      return true;
    } catch (error) {
      // The unique (experiment, repeat, fold) key: another delivery of this fold stored it first.
      if ((error as { code?: string }).code === 'P2002') return false;
      throw error;
    }
  }

  /** The folds of an experiment not stored yet (none when it is finished or gone); the final key when all are stored. */
  async pendingFolds(experimentId: string): Promise<{ folds: FoldKey[]; plugin: string }> {
    const db = this.database.client;
    const experiment = await db.experiment.findUnique({ where: { id: experimentId } });
    if (!experiment || FINISHED_STATUSES.includes(experiment.status as ExperimentStatus)) return { folds: [], plugin: '' };
    const spec = JSON.parse(experiment.config) as ExperimentSpec;
    const dataset = await this.datasets.load(spec.datasetId);
    const plans = planFolds(spec.protocol, dataset.y, dataset.classes.length, dataset.groups, dataset.x);
    const stored = await db.foldResult.findMany({ where: { experimentId }, select: { repeat: true, fold: true } });
    const done = new Set(stored.map((f) => `${f.repeat}:${f.fold}`));
    const pending: FoldKey[] = plans.filter((p) => !done.has(`${p.repeat}:${p.fold}`)).map((p) => ({ repeat: p.repeat, fold: p.fold }));
    // Every fold stored but the experiment not finished (its last worker died in between, or
    // the final model is due): the final job trains what is missing and completes it.
    if (pending.length === 0) pending.push(FINAL_MODEL_FOLD);
    return { folds: pending, plugin: spec.model.plugin };
  }

  /** Experiments queued, running or interrupted, oldest first, with their study (queue group). */
  async unfinished(): Promise<{ id: string; group: string | null }[]> {
    const rows = await this.database.client.experiment.findMany({
      where: { status: { in: ['queued', 'running', 'interrupted'] } },
      orderBy: { createdAt: 'asc' },
      select: { id: true, studyId: true },
    });
    return rows.map((r) => ({ id: r.id, group: r.studyId }));
  }

  /**
   * One fold of an experiment, as a distributed queue's worker runs it: trained unless already
   * stored or the experiment is finished, stored once (a late duplicate is ignored), and the
   * experiment completed when this was its last fold. The final model's key trains it and
   * completes the experiment. Throws what the fold threw (the queue retries, then calls failExperiment).
   */
  async executeFold(experimentId: string, key: FoldKey, signal: AbortSignal): Promise<FoldJobOutcome> {
    const db = this.database.client;
    const skipped: FoldJobOutcome = { result: 'skipped', last: 'none' };
    const experiment = await db.experiment.findUnique({ where: { id: experimentId } });
    if (!experiment || FINISHED_STATUSES.includes(experiment.status as ExperimentStatus)) return skipped;
    const spec = JSON.parse(experiment.config) as ExperimentSpec;
    const dataset = await this.datasets.load(spec.datasetId);
    const plans = planFolds(spec.protocol, dataset.y, dataset.classes.length, dataset.groups, dataset.x);
    const foldsTotal = plans.length;
    let foldsDone = await db.foldResult.count({ where: { experimentId } });
    if (key.repeat === FINAL_MODEL_FOLD.repeat && key.fold === FINAL_MODEL_FOLD.fold) {
      if (foldsDone < foldsTotal) return skipped;
      if (spec.trainFinalModel && (await db.model.count({ where: { experimentId } })) === 0) {
        await this.trainFinalModel(experiment.name, experimentId, spec, dataset, await this.pretrainingInputs(spec, dataset), signal, foldsDone, foldsTotal);
      }
      await this.complete(experimentId, foldsDone, foldsTotal);
      return { result: 'stored', last: 'completed' };
    }
    const plan = plans.find((p) => p.repeat === key.repeat && p.fold === key.fold);
    if (!plan) throw new Error(`experiment ${experimentId} has no fold ${key.fold} of repeat ${key.repeat}`);
    const existing = await db.foldResult.findUnique({ where: { experimentId_repeat_fold: { experimentId, repeat: key.repeat, fold: key.fold } }, select: { id: true } });
    if (existing) return { result: 'duplicate', last: 'none' };
    await db.experiment.updateMany({
      where: { id: experimentId, status: { in: ['queued', 'interrupted', 'running'] } },
      data: { status: 'running', startedAt: experiment.startedAt ?? new Date(), error: null },
    });
    this.publish({ experimentId, status: 'running', repeat: plan.repeat, fold: plan.fold, foldsDone, foldsTotal }, true);
    const inputs = await this.pretrainingInputs(spec, dataset);
    const outcome = await this.runFold(experimentId, spec, dataset, inputs, plan, signal, foldsDone, foldsTotal);
    if (signal.aborted) throw new CancelledError();
    const now = await db.experiment.findUnique({ where: { id: experimentId }, select: { status: true } });
    if (!now || FINISHED_STATUSES.includes(now.status as ExperimentStatus)) return skipped;
    if (!(await this.storeFold(experimentId, plan, outcome))) return { result: 'duplicate', last: 'none' };
    foldsDone = await db.foldResult.count({ where: { experimentId } });
    this.publish({ experimentId, status: 'running', repeat: plan.repeat, fold: plan.fold, foldsDone, foldsTotal }, true);
    if (foldsDone < foldsTotal) return { result: 'stored', last: 'none' };
    if (spec.trainFinalModel) return { result: 'stored', last: 'final' };
    await this.complete(experimentId, foldsDone, foldsTotal);
    return { result: 'stored', last: 'completed' };
  }

  /** Marks an unfinished experiment succeeded (once, whichever worker gets there). */
  private async complete(experimentId: string, foldsDone: number, foldsTotal: number): Promise<void> {
    await this.settle(experimentId, 'succeeded', null, foldsDone, foldsTotal);
  }

  /** Fails an unfinished experiment with a fold's message (a distributed fold out of attempts). */
  async failExperiment(experimentId: string, message: string): Promise<void> {
    const foldsDone = await this.database.client.foldResult.count({ where: { experimentId } });
    await this.settle(experimentId, 'failed', message, foldsDone, foldsDone);
  }

  private async settle(experimentId: string, status: ExperimentStatus, error: string | null, foldsDone: number, foldsTotal: number): Promise<void> {
    const { count } = await this.database.client.experiment.updateMany({
      where: { id: experimentId, status: { notIn: [...FINISHED_STATUSES] } },
      data: { status, error, finishedAt: new Date() },
    });
    if (count > 0) this.publish({ experimentId, status, foldsDone, foldsTotal }, true);
  }

  private async finish(experimentId: string, status: ExperimentStatus, error: string | null, foldsDone: number, foldsTotal: number): Promise<void> {
    await this.database.client.experiment.update({
      where: { id: experimentId },
      data: { status, error, finishedAt: status === 'interrupted' ? null : new Date() },
    });
    this.publish({ experimentId, status, foldsDone, foldsTotal }, true);
    this.lastProgressWrite.delete(experimentId);
  }

  /** Publishes progress; stores it for polling (throttled unless `store` forces it). */
  publish(progress: Partial<ExperimentProgress> & Pick<ExperimentProgress, 'experimentId' | 'status'>, store = false): void {
    const full: ExperimentProgress = {
      repeat: null,
      fold: null,
      foldsDone: 0,
      foldsTotal: 0,
      stage: null,
      epoch: null,
      epochs: null,
      loss: null,
      accuracy: null,
      ...progress,
      at: new Date().toISOString(),
    };
    this.events.publish('experiment', full);
    const now = Date.now();
    if (!store && now - (this.lastProgressWrite.get(full.experimentId) ?? 0) < PROGRESS_WRITE_INTERVAL_MS) return;
    this.lastProgressWrite.set(full.experimentId, now);
    this.database.client.experiment
      .update({ where: { id: full.experimentId }, data: { progress: JSON.stringify(full) } })
      .catch((error: unknown) => this.logger.warn('could not store progress', { experimentId: full.experimentId, error: String(error) }));
  }
}

/** What an experiment's folds pre-train on beyond their training rows. */
interface PretrainingInputs {
  readonly unlabelled: Int32Array;
  readonly extra: Matrix | null;
  readonly transductive: boolean;
  /** A stored encoder every fold starts from (no pre-training). */
  readonly encoder: { id: string; data: PretrainedEncoderData; spectra: number; unlabelled: number; transductive: boolean } | null;
}

/**
 * Runs `work` over the items, at most `concurrency` at a time, in order. The first failure
 * aborts the others (their signal) and is rethrown; an abort of `signal` stops everything.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal,
  work: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  signal.addEventListener('abort', forward, { once: true });
  let next = 0;
  let failure: unknown = null;
  const lane = async (): Promise<void> => {
    while (next < items.length && failure === null) {
      if (controller.signal.aborted) throw new CancelledError();
      const item = items[next++];
      try {
        await work(item, controller.signal);
      } catch (error) {
        failure ??= error;
        controller.abort('failed');
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  } finally {
    signal.removeEventListener('abort', forward);
  }
  if (failure !== null) throw failure;
  if (signal.aborted) throw new CancelledError();
}
