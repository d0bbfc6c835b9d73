import { parentPort } from 'node:worker_threads';
import type { WarmJobMessage, WarmReplyMessage } from './warm-workers';
import { serializeError } from './worker-host';

/** Worker side of WarmWorkers: runs each job's export in turn and posts its outcome. */
const port = parentPort;
if (!port) throw new Error('warm-worker-entry must run in a worker thread');

let queue: Promise<void> = Promise.resolve();

async function handle(job: WarmJobMessage): Promise<void> {
  const post = (reply: WarmReplyMessage): void => port?.postMessage(reply);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(job.modulePath) as Record<string, unknown>;
    const fn = loaded[job.exportName];
    if (typeof fn !== 'function') throw new Error(`${job.modulePath} has no exported function "${job.exportName}"`);
    post({ id: job.id, type: 'result', value: await (fn as (args: unknown) => Promise<unknown>)(job.args) });
  } catch (error) {
    post({ id: job.id, type: 'error', error: serializeError(error) });
  }
}

port.on('message', (job: WarmJobMessage) => {
  queue = queue.then(() => handle(job));
});
