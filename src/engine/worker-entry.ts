import { parentPort, workerData } from 'node:worker_threads';
import { serializeError, type WorkerJobData, type WorkerMessage } from './worker-host';

/** Worker side of runInWorker: loads the module, runs the export, posts progress and the outcome. */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker-entry must run in a worker thread');
  const { modulePath, exportName, args } = workerData as WorkerJobData;
  const post = (message: WorkerMessage): void => port.postMessage(message);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(modulePath) as Record<string, unknown>;
    const fn = loaded[exportName];
    if (typeof fn !== 'function') throw new Error(`${modulePath} has no exported function "${exportName}"`);
    const value = await (fn as (a: unknown, report: (p: unknown) => void) => Promise<unknown>)(args, (progress) =>
      post({ type: 'progress', progress }),
    );
    post({ type: 'result', value });
  } catch (error) {
    post({ type: 'error', error: serializeError(error) });
  }
}

void main();
