/**
 * The job interface the experiment service talks to. The in-process queue below runs jobs in
 * this server (folds in worker threads); a distributed queue (BullMQ on Redis with worker
 * processes) implements the same interface.
 */
export interface JobQueue {
  /**
   * Queues an experiment; a no-op if it is already queued or running. Jobs of one `group` (a
   * study's experiments) queue behind each other; groups take turns (see InProcessJobQueue).
   */
  enqueue(experimentId: string, group?: string): void;
  /** Cancels a queued or running job; false when it is neither. */
  cancel(experimentId: string): boolean;
  /** Queued or running in this process (a distributed queue runs nothing here: always false). */
  isActive(experimentId: string): boolean;
  /** Which queue, and whether it can take jobs now (/health and `system`). */
  status(): QueueStatus;
  /** Stops taking jobs; running ones are interrupted (they resume at the next start). */
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running (tests, CLI). */
  idle(): Promise<void>;
}

export interface QueueStatus {
  /** in-process or redis. */
  readonly kind: 'in-process' | 'redis';
  /** The queue's store without its password; null in-process. */
  readonly url: string | null;
  /** False while the queue's store cannot be reached (reads keep working; new jobs wait in the database). */
  readonly up: boolean;
}

/** What executes one job. The signal's reason is "cancel" or "shutdown". */
export type JobExecutor = (experimentId: string, signal: AbortSignal) => Promise<void>;

export const JOB_QUEUE = Symbol.for('nir-ssl.JobQueue');

/** The group of experiments queued on their own (not by a study). */
export const STANDALONE_GROUP = 'standalone';

interface PendingJob {
  readonly id: string;
  readonly group: string;
}

/**
 * Runs up to `concurrency` jobs at once, in turns between groups: the next job comes from the
 * group with the fewest running, and a group with none running starts one even when the limit is
 * reached. A baseline queued behind a study of fifty experiments thus starts at once instead of
 * after the study; its folds then take turns with the study's for the training slots.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly pending: PendingJob[] = [];
  private readonly running = new Map<string, { group: string; controller: AbortController; done: Promise<void> }>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly execute: JobExecutor,
    private readonly concurrency = 1,
    private readonly onError: (experimentId: string, error: unknown) => void = () => undefined,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`job concurrency must be >= 1, got ${concurrency}`);
  }

  enqueue(experimentId: string, group = STANDALONE_GROUP): void {
    if (this.stopped || this.isActive(experimentId)) return;
    this.pending.push({ id: experimentId, group });
    this.pump();
  }

  cancel(experimentId: string): boolean {
    const index = this.pending.findIndex((job) => job.id === experimentId);
    if (index >= 0) {
      this.pending.splice(index, 1);
      this.settleIdle();
      return true;
    }
    const job = this.running.get(experimentId);
    if (!job) return false;
    job.controller.abort('cancel');
    return true;
  }

  status(): QueueStatus {
    return { kind: 'in-process', url: null, up: !this.stopped };
  }

  isActive(experimentId: string): boolean {
    return this.running.has(experimentId) || this.pending.some((job) => job.id === experimentId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    for (const job of this.running.values()) job.controller.abort('shutdown');
    await Promise.allSettled([...this.running.values()].map((j) => j.done));
  }

  idle(): Promise<void> {
    if (this.pending.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    for (let next = this.nextInTurn(); next && !this.stopped; next = this.nextInTurn()) {
      this.pending.splice(this.pending.indexOf(next), 1);
      const { id, group } = next;
      const controller = new AbortController();
      const done = this.execute(id, controller.signal)
        .catch((error) => this.onError(id, error))
        .finally(() => {
          this.running.delete(id);
          this.pump();
          this.settleIdle();
        });
      this.running.set(id, { group, controller, done });
    }
  }

  /** The first pending job of the group with the fewest running; null when none may start now. */
  private nextInTurn(): PendingJob | null {
    const runningByGroup = new Map<string, number>();
    for (const job of this.running.values()) runningByGroup.set(job.group, (runningByGroup.get(job.group) ?? 0) + 1);
    let best: PendingJob | null = null;
    let bestRunning = Infinity;
    for (const job of this.pending) {
      const running = runningByGroup.get(job.group) ?? 0;
      if (running < bestRunning) {
        best = job;
        bestRunning = running;
      }
    }
    return bestRunning === 0 || this.running.size < this.concurrency ? best : null;
  }

  private settleIdle(): void {
    if (this.pending.length > 0 || this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
