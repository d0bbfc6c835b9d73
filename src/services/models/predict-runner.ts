import { backendInfoOrNull } from '../../engine/backend';
import type { Matrix } from '../../numeric/matrix';
import type { ClassifierPlugin, SerializedPlugin } from '../../plugins/contract';
import { TransformPipeline } from '../../plugins/transforms/pipeline';
import { createWorkerRegistry, type FoldJob } from '../experiments/fold-runner';
import type { StoredModelState } from './model-config';

/**
 * Class probabilities of a stored model for a batch of spectra already on the model's axis.
 * Runs in a worker thread (runInWorker); the model is rebuilt from its serialised state.
 */
export interface PredictJob {
  /** StoredModelState as JSON text (it crosses threads as one string). */
  readonly state: string;
  readonly x: Matrix;
  readonly plugins: FoldJob['plugins'];
}

export interface PredictOutcome {
  readonly probabilities: Matrix;
  readonly backend: string | null;
}

export async function predictJob(job: PredictJob): Promise<PredictOutcome> {
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
