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
 * batch is split by rows across the cores: this thread predicts the first part while further
 * worker threads (each with its own wasm backend) predict the others; rows keep their order.
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

export async function predictJob(job: PredictJob): Promise<PredictOutcome> {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const threads = Math.max(1, Math.min(job.threads ?? (job.x.rows >= SPLIT_MIN_ROWS ? Math.min(cores, MAX_THREADS) : 1), job.x.rows));
  if (threads === 1) return predictHere(job);
  const { x } = job;
  const bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * x.rows) / threads));
  const part = (i: number): Matrix => matrix(bounds[i + 1] - bounds[i], x.cols, x.data.slice(bounds[i] * x.cols, bounds[i + 1] * x.cols));
  // Start the other threads first, then compute the first part here while they run.
  const others = bounds.slice(1, -1).map((_, i) =>
    runInWorker<PredictOutcome>(__filename.replace(/\.(t|j)s$/, ''), 'predictJob', { ...job, x: part(i + 1), threads: 1 }),
  );
  const settled = await Promise.allSettled([predictHere({ ...job, x: part(0) }), ...others]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const outcomes = settled.map((s) => (s as PromiseFulfilledResult<PredictOutcome>).value);
  const cols = outcomes[0].probabilities.cols;
  const data = new Float32Array(x.rows * cols);
  outcomes.forEach((o, i) => data.set(o.probabilities.data, bounds[i] * cols));
  return { probabilities: matrix(x.rows, cols, data), backend: outcomes[0].backend };
}

async function predictHere(job: PredictJob): Promise<PredictOutcome> {
  const registry = createWorkerRegistry(job.plugins);
  const state = JSON.parse(job.state) as StoredModelState;
  const pipeline = TransformPipeline.fromJSON(registry, state.pipeline);
  const classifier = registry.restore<ClassifierPlugin>(state.classifier as SerializedPlugin);
  try {
    const probabilities = await classifier.predictProba(pipeline.transform(job.x));
    return { probabilities, backend: backendInfoOrNull()?.name ?? null };
  } finally {
    (classifier as Partial<{ dispose(): void }>).dispose?.();
  }
}
