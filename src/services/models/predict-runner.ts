import * as os from 'node:os';
import { backendInfoOrNull } from '../../engine/backend';
import { runInWorker } from '../../engine/worker-host';
import { matrix, type Matrix } from '../../numeric/matrix';
import type { ClassifierPlugin, SerializedPlugin } from '../../plugins/contract';
import { TransformPipeline } from '../../plugins/transforms/pipeline';
import { createWorkerRegistry, type FoldJob } from '../experiments/fold-runner';
import type { StoredModelState } from './model-config';

/**
 * Class probabilities of a stored model for a batch of spectra already on the model's axis.
 * Runs in a worker thread (runInWorker); the model is rebuilt from its serialised state. A large
 * batch is shared by rows across the cores: this thread and further worker threads (each with
 * its own wasm backend) take chunks of rows from a shared counter until none is left, so a
 * thread that starts late (loading a backend takes about half a second) simply takes fewer.
 */
export interface PredictJob {
  /** StoredModelState as JSON text (it crosses threads as one string). */
  readonly state: string;
  readonly x: Matrix;
  readonly plugins: FoldJob['plugins'];
  /** Threads to split the rows over; default: one per core (at most 2) from SPLIT_MIN_ROWS rows on. */
  readonly threads?: number;
}

export interface PredictOutcome {
  readonly probabilities: Matrix;
  readonly backend: string | null;
}

/** Below this many spectra a second thread's start-up (about half a second) outweighs the gain. */
export const SPLIT_MIN_ROWS = 2000;
const MAX_THREADS = 2;

/** Rows per chunk taken from the shared counter. */
const CHUNK_ROWS = 256;

interface ChunkQueue {
  /** The spectra on shared memory. */
  readonly x: Matrix;
  /** [next row to take], advanced atomically by every thread. */
  readonly next: Int32Array;
}

interface ChunkResults {
  readonly parts: { readonly start: number; readonly probabilities: Matrix }[];
  readonly backend: string | null;
}

export async function predictJob(job: PredictJob): Promise<PredictOutcome> {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const threads = Math.max(1, Math.min(job.threads ?? (job.x.rows >= SPLIT_MIN_ROWS ? Math.min(cores, MAX_THREADS) : 1), Math.ceil(job.x.rows / CHUNK_ROWS)));
  if (threads === 1) return withModel(job, async (predict) => ({ probabilities: await predict(job.x), backend: backendInfoOrNull()?.name ?? null }));
  const { x } = job;
  const shared = new Float32Array(new SharedArrayBuffer(x.data.byteLength));
  shared.set(x.data);
  const queue: ChunkQueue = { x: matrix(x.rows, x.cols, shared), next: new Int32Array(new SharedArrayBuffer(4)) };
  const chunkJob = { state: job.state, plugins: job.plugins, queue };
  // Start the other threads first, then take chunks here while they start.
  const others = Array.from({ length: threads - 1 }, () => runInWorker<ChunkResults>(__filename.replace(/\.(t|j)s$/, ''), 'predictChunks', chunkJob));
  const settled = await Promise.allSettled([predictChunks(chunkJob), ...others]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const results = settled.map((s) => (s as PromiseFulfilledResult<ChunkResults>).value);
  const parts = results.flatMap((r) => r.parts);
  const cols = parts[0].probabilities.cols;
  const data = new Float32Array(x.rows * cols);
  for (const part of parts) data.set(part.probabilities.data, part.start * cols);
  return { probabilities: matrix(x.rows, cols, data), backend: results[0].backend };
}

/** Takes chunks of rows from the queue until none is left (exported for the worker threads). */
export async function predictChunks(job: { state: string; plugins: FoldJob['plugins']; queue: ChunkQueue }): Promise<ChunkResults> {
  const { x, next } = job.queue;
  return withModel(job, async (predict) => {
    const parts: ChunkResults['parts'][number][] = [];
    for (let start = Atomics.add(next, 0, CHUNK_ROWS); start < x.rows; start = Atomics.add(next, 0, CHUNK_ROWS)) {
      const end = Math.min(x.rows, start + CHUNK_ROWS);
      parts.push({ start, probabilities: await predict(matrix(end - start, x.cols, x.data.subarray(start * x.cols, end * x.cols))) });
    }
    return { parts, backend: backendInfoOrNull()?.name ?? null };
  });
}

/** Rebuilds the model in this thread, runs `use` with its prediction function, then frees it. */
async function withModel<T>(job: Pick<PredictJob, 'state' | 'plugins'>, use: (predict: (x: Matrix) => Promise<Matrix>) => Promise<T>): Promise<T> {
  const registry = createWorkerRegistry(job.plugins);
  const state = JSON.parse(job.state) as StoredModelState;
  const pipeline = TransformPipeline.fromJSON(registry, state.pipeline);
  const classifier = registry.restore<ClassifierPlugin>(state.classifier as SerializedPlugin);
  try {
    return await use((x) => classifier.predictProba(pipeline.transform(x)));
  } finally {
    (classifier as Partial<{ dispose(): void }>).dispose?.();
  }
}
