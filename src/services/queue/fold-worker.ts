import os from 'node:os';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { AppConfig } from '../../config';
import { CancelledError } from '../../errors';
import type { Logger } from '../../logger';
import { FINAL_MODEL_FOLD, type ExperimentRunner, type FoldJobOutcome } from '../experiments/experiment-runner.service';
import { QUEUE_NAME, type RedisConnections } from './redis-connections';
import type { FoldJobData, RedisJobQueue } from './redis-job-queue';

const HEARTBEAT_MS = 5000;
/** A worker not seen for this long drops out of the `workers` list. */
const WORKER_RECORD_TTL_S = 24 * 3600;

interface RunningFold {
  readonly experimentId: string;
  readonly repeat: number;
  readonly fold: number;
  readonly startedAt: string;
  readonly controller: AbortController;
}

/** A worker's heartbeat record (a Redis hash), what the `workers` query lists. */
export interface WorkerRecord {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly backend: string;
  readonly concurrency: number;
  readonly state: 'running' | 'stopping' | 'stopped';
  readonly runningFolds: { experimentId: string; repeat: number; fold: number; startedAt: string }[];
  readonly startedAt: string;
  readonly lastSeen: string;
}

function workerKey(redis: RedisConnections, name: string): string {
  return redis.key(`worker:${name}`);
}

/**
 * A worker process's loop: takes fold jobs from the queue, `concurrency` at a time, and runs
 * each with the experiment runner (training in a worker thread, so the event loop stays free to
 * renew the job's lock: a worker that dies stops renewing, BullMQ finds the job stalled and
 * another worker retries it). A cancel published by any API instance aborts the experiment's
 * running folds here; a graceful stop hands running folds back to the queue.
 */
export class FoldWorker {
  readonly name = `${os.hostname()}:${process.pid}`;
  private readonly running = new Map<string, RunningFold>();
  private worker: Worker<FoldJobData, FoldJobOutcome> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();
  private state: WorkerRecord['state'] = 'running';

  constructor(
    private readonly config: AppConfig,
    private readonly logger: Logger,
    private readonly runner: ExperimentRunner,
    private readonly queue: RedisJobQueue,
    private readonly redis: RedisConnections,
    private readonly backend: string,
    private readonly concurrency: number,
  ) {
    runner.workerName = this.name;
  }

  async start(): Promise<void> {
    this.redis.subscriber.on('message', (channel: string, experimentId: string) => {
      if (channel !== this.redis.key('cancel')) return;
      for (const fold of this.running.values()) {
        if (fold.experimentId === experimentId) {
          this.logger.info('fold cancelled', { experimentId, repeat: fold.repeat, fold: fold.fold });
          fold.controller.abort('cancel');
        }
      }
    });
    await this.redis.subscriber.subscribe(this.redis.key('cancel'));
    // Its own connection: BullMQ's blocking reads must not wait behind a lost one's retries.
    this.worker = new Worker<FoldJobData, FoldJobOutcome>(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.redis.command.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true }),
      prefix: this.redis.prefix,
      concurrency: this.concurrency,
      lockDuration: this.config.queueLockMs,
      stalledInterval: this.config.queueLockMs,
      maxStalledCount: 2,
    });
    this.worker.on('error', (error) => this.logger.warn('worker queue error', { error: error.message }));
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.logger.info('worker started', { name: this.name, backend: this.backend, concurrency: this.concurrency });
  }

  /** Graceful stop: running folds are handed back to the queue (another worker takes them). */
  async stop(): Promise<void> {
    this.state = 'stopping';
    for (const fold of this.running.values()) fold.controller.abort('shutdown');
    await this.worker?.close();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.state = 'stopped';
    await this.beat();
    this.logger.info('worker stopped', { name: this.name });
  }

  private async process(job: Job<FoldJobData, FoldJobOutcome>, token?: string): Promise<FoldJobOutcome> {
    const { experimentId, repeat, fold } = job.data;
    const controller = new AbortController();
    const id = job.id ?? `${experimentId}:${repeat}:${fold}`;
    this.running.set(id, { experimentId, repeat, fold, startedAt: new Date().toISOString(), controller });
    void this.beat();
    try {
      const outcome = await this.runner.executeFold(experimentId, { repeat, fold }, controller.signal);
      if (outcome.last === 'final') await this.queue.add(experimentId, undefined, [FINAL_MODEL_FOLD]);
      this.logger.info('fold job done', { experimentId, repeat, fold, result: outcome.result });
      return outcome;
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason === 'shutdown' && token) {
        // Handed back without using up an attempt: due at once for the next worker.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (controller.signal.aborted || error instanceof CancelledError) return { result: 'skipped', last: 'none' };
      const message = error instanceof Error ? error.message : String(error);
      const attempts = job.opts.attempts ?? 1;
      this.logger.warn('fold failed', { experimentId, repeat, fold, attempt: job.attemptsMade + 1, attempts, error: message });
      if (job.attemptsMade + 1 >= attempts) await this.runner.failExperiment(experimentId, message);
      throw error;
    } finally {
      this.running.delete(id);
      void this.beat();
    }
  }

  private async beat(): Promise<void> {
    const record: WorkerRecord = {
      name: this.name,
      host: os.hostname(),
      pid: process.pid,
      backend: this.backend,
      concurrency: this.concurrency,
      state: this.state,
      runningFolds: [...this.running.values()].map(({ experimentId, repeat, fold, startedAt }) => ({ experimentId, repeat, fold, startedAt })),
      startedAt: this.startedAt,
      lastSeen: new Date().toISOString(),
    };
    try {
      await this.redis.command
        .multi()
        .set(workerKey(this.redis, this.name), JSON.stringify(record), 'EX', WORKER_RECORD_TTL_S)
        .sadd(this.redis.key('workers'), this.name)
        .exec();
    } catch (error) {
      this.logger.warn('heartbeat not written', { error: (error as Error).message });
    }
  }
}

/** The workers that sent a heartbeat within the record's lifetime, most recently seen first. */
export async function listWorkers(redis: RedisConnections): Promise<WorkerRecord[]> {
  const names = await redis.command.smembers(redis.key('workers'));
  if (names.length === 0) return [];
  const values = await redis.command.mget(names.map((name) => workerKey(redis, name)));
  const gone = names.filter((_, i) => values[i] === null);
  if (gone.length > 0) await redis.command.srem(redis.key('workers'), ...gone);
  return values
    .filter((v): v is string => v !== null)
    .map((v) => JSON.parse(v) as WorkerRecord)
    .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
}
