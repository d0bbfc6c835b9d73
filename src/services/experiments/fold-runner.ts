import { backendInfoOrNull } from '../../engine/backend';
import { matrix, selectRows, type Matrix } from '../../numeric/matrix';
import { classificationReport, type ClassificationReport } from '../../numeric/metrics';
import { fitDomain, type DomainModel } from '../../numeric/pca-domain';
import { Rng } from '../../numeric/rng';
import { builtinPlugins } from '../../plugins/builtin';
import type { ClassifierPlugin, TrainingProgress } from '../../plugins/contract';
import { loadCustomPlugins } from '../../plugins/loader';
import { isSslPretrainable, type SslPretrainable } from '../../plugins/models/cnn/ssl-pretrainable';
import type { TransformationRecognitionPlugin } from '../../plugins/models/cnn/transformation-recognition.plugin';
import { PluginRegistry } from '../../plugins/registry';
import { TransformPipeline, type PipelineStep } from '../../plugins/transforms/pipeline';
import type { PretextMetrics } from '../../engine/pretext';
import type { EncoderState } from '../../plugins/models/cnn/cnn-encoder.plugin';
import type { ModelSpec } from './experiment-spec';
import { collapsedPredictionWarning } from './fold-warnings';

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
  /** An encoder already pre-trained on exactly these training rows (SSL), or a stored one: pre-training is skipped. */
  readonly pretrained?: PretrainedEncoderData | null;
  /** Set when `pretrained` is a stored encoder (pretrainEncoder) rather than this fold's cache entry. */
  readonly storedEncoder?: { readonly id: string; readonly spectra: number; readonly unlabelled: number; readonly transductive: boolean } | null;
  /** Group of every dataset row when the protocol keeps groups together (inner splits do too). */
  readonly groups?: readonly string[] | null;
  /** Dataset rows without a label: pre-training data only (never fine-tuned on nor scored). */
  readonly unlabelled?: Int32Array;
  /** Spectra of extra pre-training datasets, already on the dataset's axis (labels ignored). */
  readonly extra?: Matrix | null;
  /** Pre-training also sees the test rows' spectra (never their labels). */
  readonly transductive?: boolean;
}

/** An SSL pre-training result that other experiments on the same fold can reuse. */
export interface PretrainedEncoderData {
  readonly state: EncoderState;
  /** Pretext metrics on the fold's test rows (null for a final model, which has none). */
  readonly metrics: PretextMetrics | null;
  readonly curves: TrainingProgress[];
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
  /** Serialised pipeline and classifier, and the PCA applicability domain of the pre-processed training rows, when keepModel was asked. */
  readonly model: { pipeline: unknown; classifier: unknown; domain: DomainModel | null } | null;
  /** The encoder this fold pre-trained (SSL without a reusable one), for others to reuse. */
  readonly pretrainedEncoder: PretrainedEncoderData | null;
  /** What the model chose on the training rows (inner validation, tuning). */
  readonly choices: Record<string, unknown>;
  /** Problems the user must see (e.g. a network that learned nothing). */
  readonly warnings: readonly string[];
  /** What SSL pre-training used (null when the model does not pre-train). */
  readonly pretraining: PretrainingUse | null;
}

/** The spectra a fold's SSL pre-training saw. */
export interface PretrainingUse {
  /** All spectra pre-trained on. */
  readonly spectra: number;
  /** Of them, spectra whose labels fine-tuning did not use: hidden training labels, unlabelled rows, extra datasets (and test spectra when transductive). */
  readonly unlabelled: number;
  /** The test fold's spectra were among them. */
  readonly transductive: boolean;
  /** The stored encoder the fold started from, when it did not pre-train itself. */
  readonly encoderId: string | null;
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
  // A final model has no test rows (and transforms refuse empty input).
  const xTest = job.test.length > 0 ? pipeline.transform(selectRows(job.x, job.test), new Rng(job.seed + 1)) : matrix(0, xTrain.cols);
  const yTest = Int32Array.from(job.test, (row) => job.y[row]);

  const groups = job.groups ? Array.from(job.labelled, (row) => (job.groups as readonly string[])[row]) : null;
  const classifier = registry.create<ClassifierPlugin>(job.model.plugin, job.model.params);
  let pretext: PretextMetrics | null = null;
  let pretrainedEncoder: PretrainedEncoderData | null = null;
  let pretraining: PretrainingUse | null = null;
  try {
    if (isSslPretrainable(classifier) && classifier.usesSslPretraining()) {
      let encoder = job.pretrained ?? null;
      if (encoder) {
        curves.push(...encoder.curves);
      } else {
        await classifier.prepare?.(xLabelled, yLabelled, job.nClasses, { onProgress, groups });
      }
      const stored = job.storedEncoder ?? null;
      if (stored) {
        pretraining = { spectra: stored.spectra, unlabelled: stored.unlabelled, transductive: stored.transductive, encoderId: stored.id };
      } else {
        const transductive = job.transductive === true && xTest.rows > 0;
        const spectra = xTrain.rows + (job.unlabelled?.length ?? 0) + (job.extra?.rows ?? 0) + (transductive ? xTest.rows : 0);
        pretraining = { spectra, unlabelled: spectra - job.labelled.length, transductive, encoderId: null };
        // A cached encoder of this fold saw the same spectra: they are only counted, not built.
        if (!encoder) encoder = pretrainedEncoder = await pretrain(registry, classifier, pretrainingInput(job, pipeline, xTrain, xTest), xTest, onProgress);
      }
      if (!encoder) throw new Error('a fold given a stored encoder received no encoder state');
      pretext = encoder.metrics;
      classifier.setPretrainedEncoder(encoder.state);
    }
    await classifier.fit(xLabelled, yLabelled, job.nClasses, { onProgress, groups });
    const summary = classifier.fitSummary?.() ?? { choices: {}, warnings: [] };
    // A final model is trained on every row: nothing is held out to score.
    const predicted = job.test.length > 0 ? await classifier.predict(xTest) : new Int32Array(0);
    const collapsed = collapsedPredictionWarning(predicted, yLabelled);
    return {
      report: classificationReport(yTest, predicted, job.nClasses),
      pretext,
      pretrainedEncoder,
      choices: summary.choices,
      warnings: collapsed ? [...summary.warnings, collapsed] : summary.warnings,
      pretraining,
      curves,
      trainSize: job.train.length,
      labelledSize: job.labelled.length,
      testSize: job.test.length,
      wallMs: performance.now() - started,
      backend: backendInfoOrNull()?.name ?? null,
      model: job.keepModel ? { pipeline: pipeline.toJSON(), classifier: registry.serialize(classifier), domain: fitDomainOrNull(xTrain) } : null,
    };
  } finally {
    (classifier as Partial<{ dispose(): void }>).dispose?.();
  }
}

/** The PCA applicability domain of a model's pre-processed training rows; null when they cannot carry one (fewer than 3, no variance). */
function fitDomainOrNull(x: Matrix): DomainModel | null {
  try {
    return fitDomain(x);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

/**
 * What pre-training sees: the whole training fold (its hidden labels' spectra included), the
 * dataset's unlabelled rows and the extra datasets' spectra, all through the pipeline fitted on
 * the training fold; the test spectra only when the experiment is transductive.
 */
export function pretrainingInput(job: Pick<FoldJob, 'x' | 'unlabelled' | 'extra' | 'transductive' | 'seed'>, pipeline: TransformPipeline, xTrain: Matrix, xTest: Matrix): Matrix {
  const parts: Matrix[] = [xTrain];
  if (job.unlabelled && job.unlabelled.length > 0) parts.push(pipeline.transform(selectRows(job.x, job.unlabelled), new Rng(job.seed + 2)));
  if (job.extra && job.extra.rows > 0) parts.push(pipeline.transform(job.extra, new Rng(job.seed + 3)));
  if (job.transductive && xTest.rows > 0) parts.push(xTest);
  return stackRows(parts);
}

function stackRows(parts: readonly Matrix[]): Matrix {
  if (parts.length === 1) return parts[0];
  const cols = parts[0].cols;
  const rows = parts.reduce((n, m) => n + m.rows, 0);
  const data = new Float32Array(rows * cols);
  let offset = 0;
  for (const m of parts) {
    data.set(m.data.subarray(0, m.rows * cols), offset);
    offset += m.rows * cols;
  }
  return matrix(rows, cols, data);
}

/** A named encoder's pre-training (pretrainEncoder): every given spectrum, no labels, no folds. */
export interface PretrainJob {
  /** The spectra to pre-train on (a dataset's rows and extra datasets', on one axis). */
  readonly x: Matrix;
  /** Rows held out to measure the pretext task (never pre-trained on). */
  readonly heldOut: Int32Array;
  readonly preprocessing: readonly PipelineStep[];
  /** The SSL classifier whose encoder and pretext settings are pre-trained (cnn-classifier). */
  readonly model: ModelSpec;
  readonly seed: number;
  readonly plugins: FoldJob['plugins'];
}

export async function runPretrainJob(job: PretrainJob, report: (p: FoldProgress) => void = () => undefined): Promise<PretrainedEncoderData & { spectra: number; wallMs: number; backend: string | null }> {
  const started = performance.now();
  const registry = createWorkerRegistry(job.plugins);
  const held = new Set(job.heldOut);
  const trainRows = Int32Array.from({ length: job.x.rows }, (_, i) => i).filter((i) => !held.has(i));
  const pipeline = TransformPipeline.fromSteps(registry, job.preprocessing);
  const xTrain = pipeline.fitTransform(selectRows(job.x, trainRows), new Rng(job.seed));
  const xHeld = job.heldOut.length > 0 ? pipeline.transform(selectRows(job.x, job.heldOut), new Rng(job.seed + 1)) : matrix(0, xTrain.cols);
  const classifier = registry.create<ClassifierPlugin>(job.model.plugin, job.model.params);
  try {
    if (!isSslPretrainable(classifier) || !classifier.usesSslPretraining()) throw new Error(`${job.model.plugin} does not pre-train an encoder`);
    const data = await pretrain(registry, classifier, xTrain, xHeld, report);
    return { ...data, spectra: xTrain.rows, wallMs: performance.now() - started, backend: backendInfoOrNull()?.name ?? null };
  } finally {
    (classifier as Partial<{ dispose(): void }>).dispose?.();
  }
}

/** Pre-training needs no labels; fine-tuning uses only the labelled rows. */
async function pretrain(
  registry: PluginRegistry,
  classifier: SslPretrainable,
  xTrain: Matrix,
  xTest: Matrix,
  onProgress: (p: TrainingProgress) => void,
): Promise<PretrainedEncoderData> {
  const recogniser = registry.create<TransformationRecognitionPlugin>('transformation-recognition', classifier.pretextParams());
  const curves: TrainingProgress[] = [];
  try {
    await recogniser.fit(xTrain, {
      onProgress: (p) => {
        curves.push(p);
        onProgress(p);
      },
    });
    return {
      state: await recogniser.encoderState(),
      metrics: xTest.rows > 0 ? await recogniser.evaluate(xTest) : null,
      curves,
    };
  } finally {
    recogniser.dispose();
  }
}

export function createWorkerRegistry(plugins: FoldJob['plugins']): PluginRegistry {
  const registry = new PluginRegistry(builtinPlugins());
  if (plugins.directory || plugins.packages.length > 0) {
    loadCustomPlugins(registry, { directory: plugins.directory ?? undefined, packages: [...plugins.packages] });
  }
  return registry;
}
