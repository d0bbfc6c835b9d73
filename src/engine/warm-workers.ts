import type { Worker } from 'node:worker_threads';
import { deserializeError, startWorker, type SerializedError } from './worker-host';

/**
 * Worker threads kept warm between jobs. A job is `await module[exportName](args)`, as with
 * runInWorker, but the thread lives on for the next one with its compute backend loaded and
 * whatever the module keeps at module scope (rebuilt models, for predictions): a job pays
 * neither the start of a thread (about half a second with a backend) nor what the module caches.
 *
 * Each thread runs its jobs one at a time, in arrival order. Threads start on first use, do not
 * keep the process alive while idle, stop after `idleMs` without work (their memory is
 * returned) and on close(); one that dies fails its pending jobs and is replaced on next use.
 */
export interface WarmJobMessage {
  readonly id: number;
  readonly modulePath: string;
  readonly exportName: string;
  readonly args: unknown;
}

export type WarmReplyMessage = { readonly id: number; readonly type: 'result'; readonly value: unknown } | { readonly id: number; readonly type: 'error'; readonly error: SerializedError };

export class WarmWorkers {
  private readonly threads: (WarmThread | null)[];
  private closed = false;

  constructor(
    readonly size: number,
    private readonly idleMs = 5 * 60_000,
  ) {
    if (!(size >= 1)) throw new Error(`a pool needs at least one thread, got ${size}`);
    this.threads = new Array<WarmThread | null>(size).fill(null);
  }

  /** Runs the job on the least busy thread. */
  run<T>(modulePath: string, exportName: string, args: unknown): Promise<T> {
    return this.pick(1)[0].run<T>(modulePath, exportName, args);
  }

  /** Runs the same job on `count` threads at once (the least busy); one result per thread. */
  runOnMany<T>(count: number, modulePath: string, exportName: string, args: unknown): Promise<T[]> {
    return Promise.all(this.pick(Math.min(count, this.size)).map((thread) => thread.run<T>(modulePath, exportName, args)));
  }

  /** Threads started now. */
  get started(): number {
    return this.threads.filter((t) => t !== null).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread?.terminate()));
    this.threads.fill(null);
  }

  private pick(count: number): WarmThread[] {
    if (this.closed) throw new Error('the worker pool is closed');
    const order = this.threads.map((thread, index) => ({ index, load: thread?.load ?? 0 })).sort((a, b) => a.load - b.load);
    return order.slice(0, count).map(({ index }) => {
      const existing = this.threads[index];
      if (existing) return existing;
      const thread = new WarmThread(this.idleMs, () => {
        if (this.threads[index] === thread) this.threads[index] = null;
      });
      this.threads[index] = thread;
      return thread;
    });
  }
}

class WarmThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private exited = false;

  constructor(
    private readonly idleMs: number,
    onExit: () => void,
  ) {
    this.worker = startWorker('warm-worker-entry');
    this.worker.unref();
    this.worker.on('message', (reply: WarmReplyMessage) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if (reply.type === 'result') job.resolve(reply.value);
      else job.reject(deserializeError(reply.error));
      this.settle();
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => {
      this.exited = true;
      onExit();
      this.failAll(new Error(`warm worker thread exited with code ${code}`));
    });
  }

  get load(): number {
    return this.pending.size;
  }

  run<T>(modulePath: string, exportName: string, args: unknown): Promise<T> {
    if (this.exited) return Promise.reject(new Error('worker has exited'));
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    // While it has work, the thread keeps the process alive (a CLI awaiting it must not exit).
    if (this.pending.size === 0) this.worker.ref();
    const id = this.nextId++;
    const message: WarmJobMessage = { id, modulePath, exportName, args };
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage(message);
    });
  }

  async terminate(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (!this.exited) await this.worker.terminate();
  }

  private settle(): void {
    if (this.pending.size > 0) return;
    this.worker.unref();
    this.idleTimer = setTimeout(() => void this.terminate(), this.idleMs);
    this.idleTimer.unref();
  }

  private failAll(error: Error): void {
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }
}
