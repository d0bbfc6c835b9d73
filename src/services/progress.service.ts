import { inject, injectable } from 'inversify';
import { NotFoundError } from '../errors';
import { EventBus } from './events';
import { FINISHED_STATUSES, type ExperimentProgress, type ExperimentStatus } from './experiments/experiment-events';
import { ExperimentService, type ExperimentRecord } from './experiments/experiments.service';
import { StudyService, type StudyRecord } from './studies/studies.service';

/** Where a study stands: what has finished, what runs now. */
export interface StudyProgress {
  readonly studyId: string;
  readonly status: StudyRecord['status'];
  readonly experimentsTotal: number;
  readonly experimentsFinished: number;
  /** The latest event of an experiment of the study that is running, null when none runs. */
  readonly running: ExperimentProgress | null;
  readonly at: string;
}

/**
 * Progress streams that end: the current state first (a late subscriber sees where things
 * stand), then each event, and the end once the experiment or study has reached a final state.
 * Listening starts before the state is read, so no event falls between the two.
 */
@injectable()
export class ProgressService {
  constructor(
    @inject(EventBus) private readonly events: EventBus,
    @inject(ExperimentService) private readonly experiments: ExperimentService,
    @inject(StudyService) private readonly studies: StudyService,
  ) {}

  /** Every experiment's events, for as long as the reader wants them. */
  allExperiments(): AsyncGenerator<ExperimentProgress> {
    return this.withEvents(async function* (events) {
      yield* events;
    });
  }

  experiment(experimentId: string): AsyncGenerator<ExperimentProgress> {
    const experiments = this.experiments;
    return this.withEvents(async function* (events) {
      const record = await experiments.find(experimentId);
      if (!record) throw new NotFoundError('experiment', experimentId);
      const current = currentProgress(record);
      yield current;
      if (isFinal(current.status)) return;
      for await (const event of events) {
        if (event.experimentId !== experimentId) continue;
        yield event;
        if (isFinal(event.status)) return;
      }
    });
  }

  study(studyId: string): AsyncGenerator<StudyProgress> {
    const { experiments, studies } = this;
    return this.withEvents(async function* (events) {
      const study = await studies.find(studyId);
      if (!study) throw new NotFoundError('study', studyId);
      // A study's experiments are created with it, so the set is known now; their statuses
      // are followed from the events.
      const statuses = new Map<string, ExperimentStatus>();
      let running: ExperimentProgress | null = null;
      for (const experiment of await experiments.ofStudy(studyId)) {
        statuses.set(experiment.id, experiment.status);
        if (experiment.status === 'running') running = currentProgress(experiment);
      }
      const progress = (): StudyProgress => {
        const finished = [...statuses.values()].filter(isFinal).length;
        return {
          studyId,
          status: finished === statuses.size ? 'finished' : 'running',
          experimentsTotal: statuses.size,
          experimentsFinished: finished,
          running,
          at: new Date().toISOString(),
        };
      };
      let current = progress();
      yield current;
      if (current.status === 'finished') return;
      for await (const event of events) {
        if (!statuses.has(event.experimentId)) continue;
        statuses.set(event.experimentId, event.status);
        if (event.status === 'running') running = event;
        else if (running?.experimentId === event.experimentId) running = null;
        current = progress();
        yield current;
        if (current.status === 'finished') return;
      }
    });
  }

  /**
   * Runs `stream` over the experiment events from now on (listening before it reads any state)
   * and stops listening when the stream ends, however it ends.
   */
  private async *withEvents<T>(stream: (events: AsyncGenerator<ExperimentProgress>) => AsyncGenerator<T>): AsyncGenerator<T> {
    const stop = new AbortController();
    try {
      yield* stream(this.events.listen('experiment', stop.signal));
    } finally {
      stop.abort();
    }
  }
}

function isFinal(status: ExperimentStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

/** The stored progress when it matches the experiment's status; else the status and fold counts alone. */
export function currentProgress(record: ExperimentRecord): ExperimentProgress {
  const stored = record.progress;
  if (stored && stored.status === record.status) return stored;
  const { folds, repeats } = record.spec.protocol;
  return {
    experimentId: record.id,
    status: record.status,
    repeat: null,
    fold: null,
    foldsDone: stored?.foldsDone ?? 0,
    foldsTotal: stored?.foldsTotal || folds * repeats,
    stage: null,
    epoch: null,
    epochs: null,
    loss: null,
    accuracy: null,
    at: (record.finishedAt ?? record.startedAt ?? record.createdAt).toISOString(),
  };
}
