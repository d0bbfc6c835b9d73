import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { TEXT_LIMITS, assertText } from '../text';
import { NotFoundError, UserInputError } from '../../errors';
import { DatabaseService } from '../database/database.service';
import { DatasetService, type LoadedDataset } from '../datasets/datasets.service';
import { RecentlyUsed } from '../models/recently-used';
import { FINISHED_STATUSES, type ExperimentStatus } from '../experiments/experiment-events';
import { DEFAULT_PROTOCOL, planFolds, type Protocol } from '../experiments/experiment-spec';
import { ExperimentService, type FoldDetails } from '../experiments/experiments.service';
import { foldDomains, type FoldDomain } from './fold-domain';
import { planStudy, presetLabel, studySettings, type StudyOptions, type StudySettings } from './study-plan';
import { studyReport, type ReportExperiment } from './study-report';
import { mapPage, pageByCreation, type Page, type PageRequest } from '../paging';

export interface StudyRecord {
  readonly id: string;
  readonly name: string;
  readonly datasetId: string;
  readonly preset: string;
  readonly settings: StudySettings;
  readonly createdAt: Date;
  readonly experimentsTotal: number;
  readonly experimentsFinished: number;
  /** running while any experiment is queued, running or interrupted; else finished. */
  readonly status: 'running' | 'finished';
}

/**
 * Studies: the paper's experiment set for a dataset, queued as ordinary experiments (so each is
 * resumable and comparable like any other) and reported together.
 */
@injectable()
export class StudyService {
  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(DatasetService) private readonly datasets: DatasetService,
    @inject(ExperimentService) private readonly experiments: ExperimentService,
  ) {}

  private readonly foldDomainCache = new RecentlyUsed<string, TestFoldDomains>(8);

  async create(request: { datasetId: string; name?: string | null; tokenId?: string | null } & StudyOptions): Promise<StudyRecord> {
    const dataset = await this.datasets.get(request.datasetId);
    // Repeated scans of one sample must not straddle a fold, or they leak between train and test.
    const settings = { ...studySettings(request), grouped: dataset.hasGroups };
    const plan = planStudy(settings);
    const id = randomUUID();
    if (request.name) assertText('name', request.name.trim(), TEXT_LIMITS.name);
    const name = request.name?.trim() || `${dataset.name} study (${presetLabel(settings)})`;
    await this.experiments.createAll(
      plan.map((p) => ({
        name: `${name}: ${p.name}`,
        tags: ['study', `study:${id}`],
        tokenId: request.tokenId ?? null,
        datasetId: dataset.id,
        preprocessing: p.preprocessing,
        model: p.model,
        protocol: { folds: settings.folds, seed: settings.seed, labelFraction: p.labelFraction, useGroups: settings.grouped },
      })),
      { row: { id, name, datasetId: dataset.id, preset: settings.preset, config: JSON.stringify(settings) }, roles: plan.map((p) => p.role) },
    );
    return this.get(id);
  }

  async list(datasetId?: string | null): Promise<StudyRecord[]> {
    const rows = await this.database.client.study.findMany({ where: datasetId ? { datasetId } : {}, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], include: EXPERIMENT_STATUSES });
    return rows.map(toRecord);
  }

  async page(filter: { datasetId?: string | null }, request: PageRequest): Promise<Page<StudyRecord>> {
    const where = filter.datasetId ? { datasetId: filter.datasetId } : {};
    const db = this.database.client;
    const page = await pageByCreation(
      request,
      (query) => db.study.findMany({ ...query, where: { AND: [where, query.where] }, include: EXPERIMENT_STATUSES }),
      () => db.study.count({ where }),
    );
    return mapPage(page, toRecord);
  }

  async get(id: string): Promise<StudyRecord> {
    const found = await this.find(id);
    if (!found) throw new NotFoundError('study', id);
    return found;
  }

  async find(id: string): Promise<StudyRecord | null> {
    const row = await this.database.client.study.findUnique({ where: { id }, include: EXPERIMENT_STATUSES });
    return row ? toRecord(row) : null;
  }

  async experimentIds(id: string): Promise<string[]> {
    await this.get(id);
    const rows = await this.database.client.experiment.findMany({ where: { studyId: id }, orderBy: { createdAt: 'asc' }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  /** The Markdown report of whatever has finished so far. */
  async report(id: string): Promise<string> {
    const study = await this.get(id);
    const dataset = await this.datasets.get(study.datasetId);
    const rows = await this.database.client.experiment.findMany({
      where: { studyId: id },
      orderBy: { createdAt: 'asc' },
      include: { folds: { orderBy: [{ repeat: 'asc' }, { fold: 'asc' }] } },
    });
    const experiments: ReportExperiment[] = rows.map((e) => ({
      role: e.role ?? e.id,
      name: e.name,
      status: e.status,
      error: e.error,
      backend: e.backend,
      startedAt: e.startedAt,
      finishedAt: e.finishedAt,
      folds: e.folds.map((f) => {
        const details = JSON.parse(f.details) as FoldDetails;
        return {
          accuracy: f.accuracy,
          macroF1: f.macroF1,
          wallMs: f.wallMs,
          pretext: details.pretext,
          trainSize: details.trainSize,
          labelledSize: details.labelledSize,
          choices: details.choices ?? {},
          pretraining: details.pretraining ?? null,
          warnings: details.warnings ?? [],
        };
      }),
    }));
    const domains = await this.testFoldDomains(study.datasetId, study.settings);
    return studyReport({
      studyName: study.name,
      datasetName: dataset.name,
      samples: dataset.nSamples,
      variables: dataset.nVariables,
      classes: dataset.classes.length,
      settings: study.settings,
      experiments,
      generatedAt: new Date(),
      ...domains,
    });
  }

  /**
   * The study's test folds (the same for every experiment and label fraction) against their
   * training folds' PCA domains. A report is asked for again each time an experiment finishes, and
   * the folds do not change meanwhile: computed once per dataset version and protocol.
   */
  private async testFoldDomains(datasetId: string, settings: StudySettings): Promise<TestFoldDomains> {
    const d = await this.datasets.load(datasetId);
    const protocol = { ...DEFAULT_PROTOCOL, folds: settings.folds, seed: settings.seed, useGroups: settings.grouped === true };
    const key = `${d.id}:${d.updatedAt.getTime()}:${protocol.folds}:${protocol.seed}:${protocol.useGroups}`;
    return this.foldDomainCache.use(key, () => this.computeFoldDomains(d, protocol));
  }

  private computeFoldDomains(d: LoadedDataset, protocol: Protocol): TestFoldDomains {
    try {
      const folds = planFolds(protocol, d.y, d.classes.length, d.groups).filter((f) => f.repeat === 0);
      return { foldDomains: foldDomains(d.x, folds), rowClasses: Array.from(d.y, (k) => (k >= 0 ? d.classes[k] : null)) };
    } catch (error) {
      // Too few rows for the folds or a domain (a tiny dataset): the report goes without the section.
      if (error instanceof RangeError || error instanceof UserInputError) return {};
      throw error;
    }
  }
}

/** The report's domain section input; empty where the dataset is too small for one. */
type TestFoldDomains = { foldDomains: FoldDomain[]; rowClasses: (string | null)[] } | Record<string, never>;

/** What a study record needs of its experiments. */
const EXPERIMENT_STATUSES = { experiments: { select: { status: true } } } as const;

function toRecord(row: { id: string; name: string; datasetId: string; preset: string; config: string; createdAt: Date; experiments: { status: string }[] }): StudyRecord {
  const finished = row.experiments.filter((e) => FINISHED_STATUSES.includes(e.status as ExperimentStatus)).length;
  return {
    id: row.id,
    name: row.name,
    datasetId: row.datasetId,
    preset: row.preset,
    settings: JSON.parse(row.config) as StudySettings,
    createdAt: row.createdAt,
    experimentsTotal: row.experiments.length,
    experimentsFinished: finished,
    status: finished === row.experiments.length ? 'finished' : 'running',
  };
}
