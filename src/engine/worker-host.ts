import * as path from 'node:path';
import { Worker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';
import { CancelledError, DomainError, type ErrorCode } from '../errors';

/**
 * Runs `await module[exportName](args, report)` in a worker thread, so that long training keeps
 * the server's event loop free.
 *
 * - `modulePath`: absolute path of the module, best without extension (require resolves .js in
 *   dist/ and .ts under Jest); `exportName`: an async function `(args, report) => result`, where
 *   `report(progress)` forwards to `onProgress` in the calling thread.
 * - `args` and the result cross threads by structured clone (typed arrays fine, functions not);
 *   `transferList` moves buffers of `args` instead of copying them.
 * - Aborting `signal` terminates the worker at once and rejects with CancelledError.
 * - `nice` lowers the worker's scheduling priority (Linux: per thread), so that long training
 *   leaves the cores to the server's queries and predictions when they need them.
 * - A DomainError thrown in the worker is rethrown with the same class and code.
 */
export interface RunInWorkerOptions<P> {
  readonly onProgress?: (progress: P) => void;
  readonly signal?: AbortSignal;
  readonly transferList?: readonly TransferListItem[];
  readonly nice?: number;
}

export interface WorkerJobData {
  readonly modulePath: string;
  readonly exportName: string;
  readonly args: unknown;
  readonly nice?: number;
}

export type WorkerMessage =
  | { readonly type: 'progress'; readonly progress: unknown }
  | { readonly type: 'result'; readonly value: unknown }
  | { readonly type: 'error'; readonly error: SerializedError };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: ErrorCode;
  readonly details?: Record<string, unknown>;
}

/** Under ts sources (Jest, swc-node) the entry is .ts and the worker needs the TypeScript hook. */
const runningFromTs = __filename.endsWith('.ts');

/** A worker thread on one of the engine's entry modules (this folder), from ts sources or dist/. */
export function startWorker(entry: 'worker-entry' | 'warm-worker-entry', options: WorkerOptions = {}): Worker {
  return new Worker(path.join(__dirname, `${entry}${runningFromTs ? '.ts' : '.js'}`), {
    ...options,
    execArgv: runningFromTs ? ['-r', '@swc-node/register'] : [],
  });
}

export function runInWorker<T, P = unknown>(
  modulePath: string,
  exportName: string,
  args: unknown,
  options: RunInWorkerOptions<P> = {},
): Promise<T> {
  const { onProgress, signal, transferList, nice } = options;
  if (signal?.aborted) return Promise.reject(new CancelledError());
  const workerData: WorkerJobData = { modulePath, exportName, args, nice };
  const worker = startWorker('worker-entry', { workerData, transferList: transferList as TransferListItem[] | undefined });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = (): void => {
      finish(() => reject(new CancelledError()));
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.progress as P);
      else if (message.type === 'result') finish(() => resolve(message.value as T));
      else finish(() => reject(deserializeError(message.error)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`worker exited with code ${code} before returning a result`))));
  });
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof DomainError) {
    return { name: error.name, message: error.message, stack: error.stack, code: error.code, details: error.details };
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(e: SerializedError): Error {
  let error: Error;
  if (e.code === 'CANCELLED') error = new CancelledError(e.message);
  else if (e.code) error = new DomainError(e.code, e.message, e.details);
  else error = new Error(e.message);
  error.name = e.name;
  if (e.stack) error.stack = `${e.name}: ${e.message} (in worker)\n${e.stack.split('\n').slice(1).join('\n')}`;
  return error;
}
