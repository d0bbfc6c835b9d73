import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError, type WorkerJobData, type WorkerMessage } from './worker-host';

/** Worker side of runInWorker: loads the module, runs the export, posts progress and the outcome. */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker-entry must run in a worker thread');
  const { modulePath, exportName, args, nice } = workerData as WorkerJobData;
  const post = (message: WorkerMessage): void => port.postMessage(message);
  try {
    // Pid 0 is the calling thread on Linux (the nice value is per thread there): this worker
    // alone, and the threads it starts, yield to the server's thread. Elsewhere it would be the
    // whole process, server included, so it is left alone.
    // Relative to the thread's current value, so training stays below the server however it was started.
    if (nice && process.platform === 'linux') os.setPriority(0, Math.min(19, os.getPriority(0) + nice));
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
