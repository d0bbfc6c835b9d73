import { backendInfoOrNull } from '../../engine/backend';
import { selectRows, type Matrix } from '../../numeric/matrix';
import { classificationReport, type ClassificationReport } from '../../numeric/metrics';
import { Rng } from '../../numeric/rng';
import { builtinPlugins } from '../../plugins/builtin';
import type { ClassifierPlugin, TrainingProgress } from '../../plugins/contract';
import { loadCustomPlugins } from '../../plugins/loader';
import { CnnClassifierPlugin } from '../../plugins/models/cnn/cnn-classifier.plugin';
import type { TransformationRecognitionPlugin } from '../../plugins/models/cnn/transformation-recognition.plugin';
import { PluginRegistry } from '../../plugins/registry';
import { TransformPipeline, type PipelineStep } from '../../plugins/transforms/pipeline';
import type { PretextMetrics } from '../../engine/pretext';
import type { ModelSpec } from './experiment-spec';

/**
 * Runs one fold: pre-processing fitted on the training rows, the model fitted on the labelled
 * training rows (SSL pre-training on all training rows), evaluation on the test rows. Runs in a
 * worker thread (runInWorker); knows nothing of the database.
 */
export interface FoldJob {
  readonly x: Matrix;
  readonly y: Int32Array;
  readonly nClasses: number;
  readonly train: Int32Array;
  readonly labelled: Int32Array;
  readonly test: Int32Array;
  readonly preprocessing: readonly PipelineStep[];
  readonly model: ModelSpec;
  readonly seed: number;
  /** Custom plugins to load in the worker, as the server did. */
  readonly plugins: { readonly directory: string | null; readonly packages: readonly string[] };
  /** Also return the fitted model (pipeline + classifier state), for a final model. */
  readonly keepModel?: boolean;
}

export interface FoldOutcome {
  readonly report: ClassificationReport;
  readonly pretext: PretextMetrics | null;
  /** Per-epoch loss/accuracy of every training stage. */
  readonly curves: TrainingProgress[];
  readonly trainSize: number;
  readonly labelledSize: number;
  readonly testSize: number;
  readonly wallMs: number;
  /** The compute backend, when the model used one. */
  readonly backend: string | null;
  /** Serialised pipeline and classifier when keepModel was asked. */
  readonly model: { pipeline: unknown; classifier: unknown } | null;
}

export type FoldProgress = TrainingProgress;

export async function runFoldJob(job: FoldJob, report: (p: FoldProgress) => void = () => undefined): Promise<FoldOutcome> {
  const started = performance.now();
  const registry = createWorkerRegistry(job.plugins);
  const curves: TrainingProgress[] = [];
  const onProgress = (p: TrainingProgress): void => {
    curves.push(p);
    report(p);
  };

  const pipeline = TransformPipeline.fromSteps(registry, job.preprocessing);
  const xTrainRaw = selectRows(job.x, job.train);
  const xTrain = pipeline.fitTransform(xTrainRaw, new Rng(job.seed));
  const trainPosition = new Map(Array.from(job.train, (row, k) => [row, k]));
  const labelledPositions = Int32Array.from(job.labelled, (row) => trainPosition.get(row) as number);
  const xLabelled = job.labelled === job.train ? xTrain : selectRows(xTrain, labelledPositions);
  const yLabelled = Int32Array.from(job.labelled, (row) => job.y[row]);
  const xTest = pipeline.transform(selectRows(job.x, job.test), new Rng(job.seed + 1));
  const yTest = Int32Array.from(job.test, (row) => job.y[row]);

  const classifier = registry.create<ClassifierPlugin>(job.model.plugin, job.model.params);
  let pretext: PretextMetrics | null = null;
  try {
    if (classifier instanceof CnnClassifierPlugin && classifier.params.ssl) {
      // Pre-training needs no labels: it uses the whole training fold, fine-tuning only the labelled rows.
      const recogniser = registry.create<TransformationRecognitionPlugin>('transformation-recognition', classifier.pretextParams());
      try {
        await recogniser.fit(xTrain, { onProgress });
        pretext = await recogniser.evaluate(xTest);
        classifier.setPretrainedEncoder(await recogniser.encoderState());
      } finally {
        recogniser.dispose();
      }
    }
    await classifier.fit(xLabelled, yLabelled, job.nClasses, { onProgress });
    const predicted = await classifier.predict(xTest);
    return {
      report: classificationReport(yTest, predicted, job.nClasses),
      pretext,
      curves,
      trainSize: job.train.length,
      labelledSize: job.labelled.length,
      testSize: job.test.length,
      wallMs: performance.now() - started,
      backend: backendInfoOrNull()?.name ?? null,
      model: job.keepModel ? { pipeline: pipeline.toJSON(), classifier: registry.serialize(classifier) } : null,
    };
  } finally {
    (classifier as Partial<{ dispose(): void }>).dispose?.();
  }
}

export function createWorkerRegistry(plugins: FoldJob['plugins']): PluginRegistry {
  const registry = new PluginRegistry(builtinPlugins());
  if (plugins.directory || plugins.packages.length > 0) {
    loadCustomPlugins(registry, { directory: plugins.directory ?? undefined, packages: [...plugins.packages] });
  }
  return registry;
}
