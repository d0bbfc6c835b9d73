import * as tf from '@tensorflow/tfjs-core';
import { CancelledError } from '../errors';
import type { Matrix } from '../numeric/matrix';
import type { Rng } from '../numeric/rng';
import type { FitOptions, TrainingProgress } from './training';
import { Adam, type AdamOptions } from './adam';
import type { BatchStats } from './ops';

/**
 * The mini-batch loop shared by the pretext task and the classifier: seeded shuffles, Adam,
 * per-epoch progress, cancellation between batches, optional early stopping. Everything a batch
 * allocates is disposed before the next one (tf.memory().numTensors stays flat).
 */
export interface EpochMeter {
  /** Adds one batch: logits row-major [labels.length x outputs]. */
  add(logits: Float32Array, labels: Int32Array): void;
  summary(): { accuracy: number; extra?: Record<string, number> };
}

export interface TrainingTask {
  readonly trainable: tf.Variable[];
  /** Training-mode logits; pushes batch-norm statistics to `collect`. */
  forward(x: tf.Tensor2D, rng: Rng, collect: BatchStats[]): tf.Tensor2D;
  loss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar;
  /** Called after each optimiser step with the batch's statistics (it disposes them). */
  afterStep(collected: BatchStats[], batchSize: number): void;
  newMeter(): EpochMeter;
  /** Weights snapshot and restore, for early stopping's best epoch. */
  snapshot(): Uint8Array;
  restore(bytes: Uint8Array): void;
}

export interface EarlyStopping {
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** Smallest decrease of the monitored loss that counts as improvement. */
  readonly minDelta: number;
  /** Monitors the validation loss when validation data is given, else the training loss. */
  readonly restoreBest: boolean;
}

/** What a stopping rule is told after each epoch: the validation loss and accuracy, else the training ones. */
export interface EpochScore {
  readonly loss: number;
  readonly accuracy: number;
}

export interface EpochVerdict {
  /** This epoch is the best so far: its weights are kept (and restored at the end). */
  readonly best: boolean;
  readonly stop: boolean;
}

/**
 * Decides after each epoch whether it is the best so far and whether to stop. May answer
 * asynchronously: a rule shared by several loops (pooled inner folds) answers once all have
 * reported the epoch.
 */
export interface StoppingRule {
  judge(epoch: number, score: EpochScore): EpochVerdict | Promise<EpochVerdict>;
}

/** Patience on one loop's monitored loss. */
export function patienceRule(stopping: EarlyStopping): StoppingRule {
  let best = Infinity;
  let sinceBest = 0;
  return {
    judge(_epoch, { loss }) {
      if (loss < best - stopping.minDelta) {
        best = loss;
        sinceBest = 0;
        return { best: true, stop: false };
      }
      return { best: false, stop: ++sinceBest >= stopping.patience };
    },
  };
}

export interface LoopOptions extends FitOptions {
  readonly stage: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly adam: AdamOptions;
  readonly rng: Rng;
  readonly earlyStopping?: EarlyStopping | null;
  /** Overrides earlyStopping's patience rule (best weights are then always restored). */
  readonly stopping?: StoppingRule;
  /** Held-out loss and metrics per epoch (only when early stopping or progress needs them). */
  readonly validate?: () => { loss: number; accuracy: number; extra?: Record<string, number> };
  /**
   * Assembles a batch itself instead of copying rows of x (x.data is then not read): writes the
   * given rows, row-major, into `out`. Lets a caller generate rows on demand (streamed variants).
   */
  readonly fillBatch?: (rows: Int32Array, out: Float32Array) => void;
  /** Rewrites each assembled batch in place (row-major, `rows` x x.cols) before it is trained on. */
  readonly transformBatch?: (batch: Float32Array, rows: number, cols: number, rng: Rng) => void;
}

export interface LoopResult {
  readonly epochsRun: number;
  readonly finalLoss: number;
  readonly bestEpoch: number;
  readonly history: TrainingProgress[];
}

/** Smallest batch trained on: a final batch of one spectrum is skipped, as the reference does. */
export const MIN_BATCH = 2;

export async function trainLoop(task: TrainingTask, x: Matrix, labels: Int32Array, options: LoopOptions): Promise<LoopResult> {
  const adam = new Adam(options.adam);
  try {
    return await runLoop(task, x, labels, options, adam);
  } finally {
    adam.dispose();
  }
}

async function runLoop(task: TrainingTask, x: Matrix, labels: Int32Array, options: LoopOptions, adam: Adam): Promise<LoopResult> {
  const { epochs, batchSize, rng, signal, onProgress } = options;
  const byName = new Map(task.trainable.map((v) => [v.name, v]));
  const history: TrainingProgress[] = [];
  const rule = options.stopping ?? (options.earlyStopping ? patienceRule(options.earlyStopping) : null);
  const restoreBest = options.stopping ? true : options.earlyStopping?.restoreBest ?? false;
  let bestEpoch = 0;
  let bestWeights: Uint8Array | null = null;
  let epochsRun = 0;
  let finalLoss = NaN;
  const batchX = new Float32Array(batchSize * x.cols);
  const batchLabels = new Int32Array(batchSize);
  const batchRows = new Int32Array(batchSize);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = rng.permutation(x.rows);
    const meter = task.newMeter();
    let lossSum = 0;
    let seen = 0;
    for (let start = 0; start < x.rows; start += batchSize) {
      const size = Math.min(batchSize, x.rows - start);
      if (size < MIN_BATCH) continue;
      if (signal?.aborted) throw new CancelledError(`${options.stage} cancelled at epoch ${epoch}`);
      for (let i = 0; i < size; i++) {
        const row = order[start + i];
        if (!options.fillBatch) batchX.set(x.data.subarray(row * x.cols, (row + 1) * x.cols), i * x.cols);
        batchRows[i] = row;
        batchLabels[i] = labels[row];
      }
      options.fillBatch?.(batchRows.subarray(0, size), batchX.subarray(0, size * x.cols));
      options.transformBatch?.(batchX.subarray(0, size * x.cols), size, x.cols, rng);
      const collected: BatchStats[] = [];
      let logitsKept: tf.Tensor2D | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const xb = tf.tensor2d(batchX.subarray(0, size * x.cols), [size, x.cols]);
        const yb = tf.tensor1d(batchLabels.subarray(0, size), 'int32');
        const logits = task.forward(xb, rng, collected);
        logitsKept = tf.keep(logits);
        return task.loss(logits, yb);
      }, task.trainable);
      const gradMap = new Map<tf.Variable, tf.Tensor>();
      for (const [name, g] of Object.entries(grads)) gradMap.set(byName.get(name) as tf.Variable, g);
      adam.apply(gradMap);
      for (const g of Object.values(grads)) g.dispose();
      const loss = (value.dataSync() as Float32Array)[0];
      value.dispose();
      const logits = logitsKept as unknown as tf.Tensor2D;
      meter.add(logits.dataSync() as Float32Array, batchLabels.subarray(0, size));
      logits.dispose();
      task.afterStep(collected, size);
      lossSum += loss * size;
      seen += size;
      // Let timers and messages (abort signals, progress consumers) run between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    epochsRun = epoch;
    finalLoss = seen > 0 ? lossSum / seen : NaN;
    const { accuracy, extra } = meter.summary();
    const validation = options.validate?.();
    const progress: TrainingProgress = {
      stage: options.stage,
      epoch,
      epochs,
      loss: finalLoss,
      accuracy,
      extra: {
        ...extra,
        ...(validation ? { valLoss: validation.loss, valAccuracy: validation.accuracy, ...prefixKeys(validation.extra) } : {}),
      },
    };
    history.push(progress);
    onProgress?.(progress);
    if (rule) {
      const verdict = await rule.judge(epoch, validation ?? { loss: finalLoss, accuracy });
      if (verdict.best) {
        bestEpoch = epoch;
        if (restoreBest) bestWeights = task.snapshot();
      }
      if (verdict.stop) break;
    }
  }
  if (bestWeights && bestEpoch !== epochsRun) task.restore(bestWeights);
  return { epochsRun, finalLoss, bestEpoch: bestEpoch || epochsRun, history };
}

function prefixKeys(extra: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(extra ?? {})) out[`val${k[0].toUpperCase()}${k.slice(1)}`] = v;
  return out;
}
