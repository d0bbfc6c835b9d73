import { backendInfoOrNull } from '../../engine/backend';
import type { WarmWorkers } from '../../engine/warm-workers';
import { matrix, type Matrix } from '../../numeric/matrix';
import { argmaxRows } from '../../numeric/metrics';
import { domainScores } from '../../numeric/pca-domain';
import type { ClassifierPlugin, SerializedPlugin } from '../../plugins/contract';
import { TransformPipeline } from '../../plugins/transforms/pipeline';
import { createWorkerRegistry, type FoldJob } from '../experiments/fold-runner';
import type { StoredModelState } from './model-config';
import { RecentlyUsed } from './recently-used';

/**
 * Class probabilities and classes of a stored model for a batch of spectra already on the model's axis, on
 * warm worker threads (WarmWorkers running predictCachedChunks): each keeps its backend and the
 * models it rebuilt, so a prediction pays for neither after the first. Threads take chunks of
 * rows from a shared counter until none is left, so one that starts late (loading a backend
 * takes about half a second) or is busy simply takes fewer.
 */

/** This module, as the worker threads load it. */
const RUNNER = __filename.replace(/\.(t|j)s$/, '');

export interface PredictOutcome {
  readonly probabilities: Matrix;
  /** The predicted class of every row (the classifier's own rule: not always the argmax of its probabilities). */
  readonly classes: Int32Array;
  /** Hotelling's T² and Q residual of every row (T² at 2i, Q at 2i + 1); null when the model has no applicability domain. */
  readonly domain: Float64Array | null;
  readonly backend: string | null;
}

/** Rows per chunk taken from the shared counter. */
const CHUNK_ROWS = 256;

interface ChunkQueue {
  /** The spectra on shared memory. */
  readonly x: Matrix;
  /** [next row to take], advanced atomically by every thread. */
  readonly next: Int32Array;
}

interface ChunkResults {
  readonly parts: { readonly start: number; readonly probabilities: Matrix; readonly classes: Int32Array; readonly domain: Float64Array | null }[];
  readonly backend: string | null;
}

/**
 * Class probabilities of the model `modelKey` (its stored state in `state`, UTF-8 JSON) on the
 * pool's warm threads: one chunk of rows goes to the least busy thread, more are shared by all.
 */
export async function predictOnPool(pool: WarmWorkers, job: { modelKey: string; state: Uint8Array; plugins: FoldJob['plugins']; x: Matrix }): Promise<PredictOutcome> {
  // The state crosses to every thread on shared memory; a thread that holds the model skips it.
  let state = job.state;
  if (!(state.buffer instanceof SharedArrayBuffer)) {
    state = new Uint8Array(new SharedArrayBuffer(job.state.byteLength));
    state.set(job.state);
  }
  const cached: CachedPredictJob = { modelKey: job.modelKey, state, plugins: job.plugins, queue: chunkQueue(job.x) };
  const threads = job.x.rows > CHUNK_ROWS ? pool.size : 1;
  return joinChunks(job.x.rows, await pool.runOnMany<ChunkResults>(threads, RUNNER, 'predictCachedChunks', cached));
}

/** The spectra copied to shared memory with a fresh counter, for threads to take chunks from. */
export function chunkQueue(x: Matrix): ChunkQueue {
  const shared = new Float32Array(new SharedArrayBuffer(x.data.byteLength));
  shared.set(x.data);
  return { x: matrix(x.rows, x.cols, shared), next: new Int32Array(new SharedArrayBuffer(4)) };
}

/** The probabilities of every row, from the chunks the threads returned. */
function joinChunks(rows: number, results: readonly ChunkResults[]): PredictOutcome {
  const parts = results.flatMap((r) => r.parts);
  const cols = parts.find((part) => part.probabilities.rows > 0)?.probabilities.cols ?? 0;
  const data = new Float32Array(rows * cols);
  const classes = new Int32Array(rows);
  for (const part of parts) {
    data.set(part.probabilities.data, part.start * cols);
    classes.set(part.classes, part.start);
  }
  const withDomain = parts.length > 0 && parts.every((part) => part.domain !== null);
  const domain = withDomain ? new Float64Array(rows * 2) : null;
  if (domain) for (const part of parts) domain.set(part.domain as Float64Array, part.start * 2);
  return { probabilities: matrix(rows, cols, data), classes, domain, backend: results[0]?.backend ?? null };
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

/** The last four models rebuilt in this thread, by key. */
const cachedModels = new RecentlyUsed<string, LoadedModel>(4, (model) => model.dispose());

/** Takes chunks of rows from the queue with this thread's copy of the model (exported for the warm threads). */
export async function predictCachedChunks(job: CachedPredictJob): Promise<ChunkResults> {
  const model = await cachedModels.use(job.modelKey, () => loadModel(Buffer.from(job.state).toString('utf8'), job.plugins));
  return takeChunks(job.queue, model);
}

interface LoadedModel {
  predict(x: Matrix): Promise<{ probabilities: Matrix; classes: Int32Array; domain: Float64Array | null }>;
  dispose(): void;
}

async function takeChunks({ x, next }: ChunkQueue, model: LoadedModel): Promise<ChunkResults> {
  const parts: ChunkResults['parts'][number][] = [];
  for (let start = Atomics.add(next, 0, CHUNK_ROWS); start < x.rows; start = Atomics.add(next, 0, CHUNK_ROWS)) {
    const end = Math.min(x.rows, start + CHUNK_ROWS);
    parts.push({ start, ...(await model.predict(matrix(end - start, x.cols, x.data.subarray(start * x.cols, end * x.cols)))) });
  }
  return { parts, backend: backendInfoOrNull()?.name ?? null };
}

/** Rebuilds a model in this thread from its stored state. */
function loadModel(stateJson: string, plugins: FoldJob['plugins']): LoadedModel {
  const registry = createWorkerRegistry(plugins);
  const state = JSON.parse(stateJson) as StoredModelState;
  const pipeline = TransformPipeline.fromJSON(registry, state.pipeline);
  const classifier = registry.restore<ClassifierPlugin>(state.classifier as SerializedPlugin);
  const domain = state.domain ?? null;
  return {
    predict: async (x) => {
      const z = pipeline.transform(x);
      const probabilities = await classifier.predictProba(z);
      const classes = classifier.classesOf?.(z, probabilities) ?? argmaxRows(probabilities.data, probabilities.rows, probabilities.cols);
      return { probabilities, classes, domain: domain ? interleave(domainScores(domain, z)) : null };
    },
    dispose: () => (classifier as Partial<{ dispose(): void }>).dispose?.(),
  };
}

/** T² and Q of each row side by side (one buffer to send back). */
function interleave({ t2, q }: { t2: Float64Array; q: Float64Array }): Float64Array {
  const out = new Float64Array(t2.length * 2);
  for (let i = 0; i < t2.length; i++) {
    out[2 * i] = t2[i];
    out[2 * i + 1] = q[i];
  }
  return out;
}
