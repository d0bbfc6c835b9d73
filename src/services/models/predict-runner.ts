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
 * Threads take chunks of rows from a shared counter until none is left, so a thread that starts
 * late (loading a backend takes about half a second) or is busy simply takes fewer.
 *
 * - The server uses warm threads (WarmWorkers running predictCachedChunks): each keeps its
 *   backend and the models it rebuilt, so a prediction pays for neither.
 * - predictJob is the one-shot form (in-process use, benchmarks): it rebuilds the model from its
 *   serialised state here and in fresh worker threads.
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
export const CHUNK_ROWS = 256;

export interface ChunkQueue {
  /** The spectra on shared memory. */
  readonly x: Matrix;
  /** [next row to take], advanced atomically by every thread. */
  readonly next: Int32Array;
}

export interface ChunkResults {
  readonly parts: { readonly start: number; readonly probabilities: Matrix }[];
  readonly backend: string | null;
}

export async function predictJob(job: PredictJob): Promise<PredictOutcome> {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const threads = Math.max(1, Math.min(job.threads ?? (job.x.rows >= SPLIT_MIN_ROWS ? Math.min(cores, MAX_THREADS) : 1), Math.ceil(job.x.rows / CHUNK_ROWS)));
  if (threads === 1) {
    const model = loadModel(job.state, job.plugins);
    try {
      return { probabilities: await model.predict(job.x), backend: backendInfoOrNull()?.name ?? null };
    } finally {
      model.dispose();
    }
  }
  const queue = chunkQueue(job.x);
  const chunkJob = { state: job.state, plugins: job.plugins, queue };
  // Start the other threads first, then take chunks here while they start.
  const others = Array.from({ length: threads - 1 }, () => runInWorker<ChunkResults>(__filename.replace(/\.(t|j)s$/, ''), 'predictChunks', chunkJob));
  const settled = await Promise.allSettled([predictChunks(chunkJob), ...others]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return joinChunks(job.x.rows, settled.map((s) => (s as PromiseFulfilledResult<ChunkResults>).value));
}

/** The spectra copied to shared memory with a fresh counter, for threads to take chunks from. */
export function chunkQueue(x: Matrix): ChunkQueue {
  const shared = new Float32Array(new SharedArrayBuffer(x.data.byteLength));
  shared.set(x.data);
  return { x: matrix(x.rows, x.cols, shared), next: new Int32Array(new SharedArrayBuffer(4)) };
}

/** The probabilities of every row, from the chunks the threads returned. */
export function joinChunks(rows: number, results: readonly ChunkResults[]): PredictOutcome {
  const parts = results.flatMap((r) => r.parts);
  const cols = parts.find((part) => part.probabilities.rows > 0)?.probabilities.cols ?? 0;
  const data = new Float32Array(rows * cols);
  for (const part of parts) data.set(part.probabilities.data, part.start * cols);
  return { probabilities: matrix(rows, cols, data), backend: results[0]?.backend ?? null };
}

/** Takes chunks of rows from the queue until none is left (exported for the worker threads). */
export async function predictChunks(job: { state: string; plugins: FoldJob['plugins']; queue: ChunkQueue }): Promise<ChunkResults> {
  const model = loadModel(job.state, job.plugins);
  try {
    return await takeChunks(job.queue, model);
  } finally {
    model.dispose();
  }
}

/**
 * A job for a warm worker thread (WarmWorkers): the model is named by `modelKey` and rebuilt
 * only when this thread does not hold it yet; its state travels as UTF-8 bytes on shared
 * memory, decoded only then.
 */
export interface CachedPredictJob {
  readonly modelKey: string;
  readonly state: Uint8Array;
  readonly plugins: FoldJob['plugins'];
  readonly queue: ChunkQueue;
}

/** Models rebuilt in this thread by key, least recently used first. */
const cachedModels = new Map<string, LoadedModel>();
const CACHED_MODELS = 4;

/** predictChunks with the thread's model cache (exported for warm worker threads). */
export async function predictCachedChunks(job: CachedPredictJob): Promise<ChunkResults> {
  let model = cachedModels.get(job.modelKey);
  if (model) cachedModels.delete(job.modelKey);
  else model = loadModel(Buffer.from(job.state).toString('utf8'), job.plugins);
  cachedModels.set(job.modelKey, model);
  for (const [key, old] of cachedModels) {
    if (cachedModels.size <= CACHED_MODELS) break;
    cachedModels.delete(key);
    old.dispose();
  }
  return takeChunks(job.queue, model);
}

interface LoadedModel {
  predict(x: Matrix): Promise<Matrix>;
  dispose(): void;
}

async function takeChunks({ x, next }: ChunkQueue, model: LoadedModel): Promise<ChunkResults> {
  const parts: ChunkResults['parts'][number][] = [];
  for (let start = Atomics.add(next, 0, CHUNK_ROWS); start < x.rows; start = Atomics.add(next, 0, CHUNK_ROWS)) {
    const end = Math.min(x.rows, start + CHUNK_ROWS);
    parts.push({ start, probabilities: await model.predict(matrix(end - start, x.cols, x.data.subarray(start * x.cols, end * x.cols))) });
  }
  return { parts, backend: backendInfoOrNull()?.name ?? null };
}

/** Rebuilds a model in this thread from its stored state. */
function loadModel(stateJson: string, plugins: FoldJob['plugins']): LoadedModel {
  const registry = createWorkerRegistry(plugins);
  const state = JSON.parse(stateJson) as StoredModelState;
  const pipeline = TransformPipeline.fromJSON(registry, state.pipeline);
  const classifier = registry.restore<ClassifierPlugin>(state.classifier as SerializedPlugin);
  return {
    predict: (x) => classifier.predictProba(pipeline.transform(x)),
    dispose: () => (classifier as Partial<{ dispose(): void }>).dispose?.(),
  };
}
