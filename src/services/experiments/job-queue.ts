/**
 * The job interface the experiment service talks to. The in-process queue below runs jobs in
 * this server (folds in worker threads); a distributed queue (BullMQ on Redis with worker
 * processes) implements the same interface.
 */
export interface JobQueue {
  /** Queues an experiment; a no-op if it is already queued or running. */
  enqueue(experimentId: string): void;
  /** Cancels a queued or running job; false when it is neither. */
  cancel(experimentId: string): boolean;
  isActive(experimentId: string): boolean;
  /** Stops taking jobs; running ones are interrupted (they resume at the next start). */
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running (tests, CLI). */
  idle(): Promise<void>;
}

/** What executes one job. The signal's reason is "cancel" or "shutdown". */
export type JobExecutor = (experimentId: string, signal: AbortSignal) => Promise<void>;

export const JOB_QUEUE = Symbol.for('nir-ssl.JobQueue');

export class InProcessJobQueue implements JobQueue {
  private readonly pending: string[] = [];
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly execute: JobExecutor,
    private readonly concurrency = 1,
    private readonly onError: (experimentId: string, error: unknown) => void = () => undefined,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`job concurrency must be >= 1, got ${concurrency}`);
  }

  enqueue(experimentId: string): void {
    if (this.stopped || this.isActive(experimentId)) return;
    this.pending.push(experimentId);
    this.pump();
  }

  cancel(experimentId: string): boolean {
    const index = this.pending.indexOf(experimentId);
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

  isActive(experimentId: string): boolean {
    return this.pending.includes(experimentId) || this.running.has(experimentId);
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
    while (!this.stopped && this.running.size < this.concurrency && this.pending.length > 0) {
      const id = this.pending.shift() as string;
      const controller = new AbortController();
      const done = this.execute(id, controller.signal)
        .catch((error) => this.onError(id, error))
        .finally(() => {
          this.running.delete(id);
          this.pump();
          this.settleIdle();
        });
      this.running.set(id, { controller, done });
    }
  }

  private settleIdle(): void {
    if (this.pending.length > 0 || this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
