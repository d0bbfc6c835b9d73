import { Queue } from 'bullmq';
import { redactUrl } from '../../config';
import type { Logger } from '../../logger';
import type { FoldKey } from '../experiments/experiment-runner.service';
import { STANDALONE_GROUP, type JobQueue, type QueueStatus } from '../experiments/job-queue';
import { QUEUE_NAME, type RedisConnections } from './redis-connections';

/** One BullMQ job: a fold of an experiment (repeat -1, fold -1: its final model). */
export interface FoldJobData {
  readonly experimentId: string;
  readonly repeat: number;
  readonly fold: number;
  readonly priority: number;
}

/** What the queue needs from the experiments: the folds still to run, and what is unfinished. */
export interface FoldPlanner {
  /** Folds not stored yet (none when finished), and the model plugin (for the priority). */
  pending(experimentId: string): Promise<{ folds: FoldKey[]; plugin: string }>;
  /** Experiments queued, running or interrupted, oldest first (re-queued when Redis returns). */
  unfinished(): Promise<{ id: string; group: string | null }[]>;
}

/**
 * Priorities (BullMQ: 1 first): experiments of their own before a study's, and classical
 * baselines (seconds per fold) before CNN folds (minutes to hours), so that a baseline does not
 * wait behind a study.
 */
export function foldPriority(group: string, plugin: string): number {
  const cnn = plugin === 'cnn-classifier' || plugin === 'ssl-embedding-probe' ? 1 : 0;
  return (group === STANDALONE_GROUP ? 1 : 10) + cnn;
}

/** A job id per (experiment, repeat, fold): adding the same fold twice is a no-op while it is queued. */
export function foldJobId(experimentId: string, key: FoldKey): string {
  return `${experimentId}_r${key.repeat}_f${key.fold}`;
}

/**
 * The distributed JobQueue (BullMQ on Redis): each fold of an experiment is a job that any
 * worker process (`nir-ssl worker`) may take; this process only enqueues and cancels. A job
 * that cannot be added (Redis away) leaves its experiment queued in the database; when Redis
 * is back every unfinished experiment is queued again (fold job ids make that idempotent, and
 * the workers skip folds already stored).
 */
export class RedisJobQueue implements JobQueue {
  readonly queue: Queue<FoldJobData>;
  private readonly adding = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly redis: RedisConnections,
    private readonly planner: FoldPlanner,
    private readonly attempts: number,
    private readonly logger: Logger,
  ) {
    this.queue = new Queue<FoldJobData>(QUEUE_NAME, { connection: redis.command, prefix: redis.prefix });
    this.queue.on('error', () => undefined); // connection errors are logged by RedisConnections
    let wasDown = false;
    redis.command.on('close', () => (wasDown = true));
    redis.command.on('ready', () => {
      if (!wasDown || this.stopped) return;
      wasDown = false;
      this.requeueUnfinished().catch((error: Error) => this.logger.warn('could not re-queue experiments', { error: error.message }));
    });
  }

  enqueue(experimentId: string, group = STANDALONE_GROUP): void {
    if (this.stopped) return;
    const adding = this.add(experimentId, group)
      .catch((error: Error) =>
        this.logger.warn('experiment stays queued until the queue store is back', { experimentId, queue: redactUrl(this.redis.url), error: error.message }),
      )
      .finally(() => this.adding.delete(adding));
    this.adding.add(adding);
  }

  /** Adds the pending folds of an experiment as jobs (also used by workers for the final model). */
  async add(experimentId: string, group: string = STANDALONE_GROUP, only?: FoldKey[]): Promise<void> {
    const { folds, plugin } = await this.planner.pending(experimentId);
    const keys = only ?? folds;
    if (keys.length === 0) return;
    const priority = foldPriority(group, plugin);
    await this.queue.addBulk(
      keys.map((key) => ({
        name: 'fold',
        data: { experimentId, repeat: key.repeat, fold: key.fold, priority },
        opts: { jobId: foldJobId(experimentId, key), priority, attempts: this.attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }

  async requeueUnfinished(): Promise<void> {
    for (const { id, group } of await this.planner.unfinished()) await this.add(id, group ?? STANDALONE_GROUP);
  }

  /** Removes the experiment's waiting folds and tells the workers to stop its running ones. */
  cancel(experimentId: string): boolean {
    const cancelling = (async () => {
      await this.redis.command.publish(this.redis.key('cancel'), experimentId);
      const waiting = await this.queue.getJobs(['waiting', 'prioritized', 'delayed', 'paused']);
      await Promise.all(waiting.filter((job) => job?.data.experimentId === experimentId).map((job) => job.remove().catch(() => undefined)));
    })()
      .catch((error: Error) => this.logger.warn('could not cancel on the queue (workers skip cancelled experiments anyway)', { experimentId, error: error.message }))
      .finally(() => this.adding.delete(cancelling));
    this.adding.add(cancelling);
    return true;
  }

  isActive(): boolean {
    return false;
  }

  status(): QueueStatus {
    return { kind: 'redis', url: redactUrl(this.redis.url), up: !this.stopped && this.redis.up };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([...this.adding]);
    await this.queue.close().catch(() => undefined);
    await this.redis.close();
  }

  /** Resolves when no fold job is waiting or running on any worker. */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.allSettled([...this.adding]);
      const counts = await this.queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'paused');
      if (Object.values(counts).every((n) => n === 0) && this.adding.size === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
