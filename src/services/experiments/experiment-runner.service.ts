import path from 'node:path';
import { inject, injectable } from 'inversify';
import type { AppConfig } from '../../config';
import { runInWorker } from '../../engine/worker-host';
import { CancelledError } from '../../errors';
import type { Logger } from '../../logger';
import { DatabaseService } from '../database/database.service';
import { DatasetService } from '../datasets/datasets.service';
import { EventBus } from '../events';
import { APP_CONFIG, LOGGER } from '../tokens';
import type { ExperimentProgress, ExperimentStatus } from './experiment-events';
import { planFolds, type ExperimentSpec, type FoldPlan } from './experiment-spec';
import type { FoldJob, FoldOutcome, FoldProgress } from './fold-runner';

const FOLD_RUNNER = path.join(__dirname, 'fold-runner');
/** Stored progress is for polling dashboards: at most one write per experiment per interval. */
const PROGRESS_WRITE_INTERVAL_MS = 1000;

/**
 * Executes an experiment: every fold of every repeat not yet stored, each in a worker thread,
 * storing each fold's result as soon as it is done. A restarted experiment therefore resumes
 * at the first missing fold, and the (experiment, repeat, fold) key keeps any fold from being
 * stored twice.
 */
@injectable()
export class ExperimentRunner {
  private readonly lastProgressWrite = new Map<string, number>();

  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(DatasetService) private readonly datasets: DatasetService,
    @inject(EventBus) private readonly events: EventBus,
    @inject(APP_CONFIG) private readonly config: AppConfig,
    @inject(LOGGER) private readonly logger: Logger,
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
      const plans = planFolds(spec.protocol, dataset.y, dataset.classes.length, dataset.groups);
      foldsTotal = plans.length;
      const stored = await db.foldResult.findMany({ where: { experimentId }, select: { repeat: true, fold: true } });
      const done = new Set(stored.map((f) => `${f.repeat}:${f.fold}`));
      foldsDone = done.size;
      await db.experiment.update({ where: { id: experimentId }, data: { status: 'running', startedAt: experiment.startedAt ?? new Date(), error: null } });
      this.publish({ experimentId, status: 'running', foldsDone, foldsTotal }, true);
      for (const plan of plans) {
        if (done.has(`${plan.repeat}:${plan.fold}`)) continue;
        if (signal.aborted) throw new CancelledError();
        const outcome = await this.runFold(experimentId, spec, dataset, plan, signal, foldsDone, foldsTotal);
        await this.storeFold(experimentId, plan, outcome);
        foldsDone++;
        this.publish({ experimentId, status: 'running', repeat: plan.repeat, fold: plan.fold, foldsDone, foldsTotal }, true);
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

  private async runFold(
    experimentId: string,
    spec: ExperimentSpec,
    dataset: { x: FoldJob['x']; y: Int32Array; classes: string[] },
    plan: FoldPlan,
    signal: AbortSignal,
    foldsDone: number,
    foldsTotal: number,
  ): Promise<FoldOutcome> {
    const job: FoldJob = {
      x: dataset.x,
      y: dataset.y,
      nClasses: dataset.classes.length,
      train: plan.train,
      labelled: plan.labelled,
      test: plan.test,
      preprocessing: spec.preprocessing,
      model: spec.model,
      seed: spec.protocol.seed + plan.repeat,
      plugins: { directory: this.config.pluginsDir, packages: this.config.pluginPackages },
    };
    return runInWorker<FoldOutcome, FoldProgress>(FOLD_RUNNER, 'runFoldJob', job, {
      signal,
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
    });
  }

  private async storeFold(experimentId: string, plan: FoldPlan, outcome: FoldOutcome): Promise<void> {
    const db = this.database.client;
    const details = {
      perClass: outcome.report.perClass,
      confusion: outcome.report.confusion,
      pretext: outcome.pretext,
      curves: outcome.curves,
      trainSize: outcome.trainSize,
      labelledSize: outcome.labelledSize,
      testSize: outcome.testSize,
    };
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
        },
      }),
      db.experiment.update({ where: { id: experimentId }, data: { backend: outcome.backend ?? 'typescript' } }),
    ]);
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
