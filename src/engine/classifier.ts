import * as tf from '@tensorflow/tfjs-core';
import { UserInputError } from '../errors';
import { globalMeanStd, matrix, type Matrix } from '../numeric/matrix';
import { argmaxRows } from '../numeric/metrics';
import { Rng } from '../numeric/rng';
import type { FitOptions } from './training';
import { DEFAULT_ADAM, type AdamOptions } from './adam';
import { augmentBatch, type Augmentation } from './augmentation';
import { DEFAULT_ENCODER, Encoder, HeadStack, ParameterStore, embeddingSize, type EncoderConfig } from './cnn';
import { softmaxCrossEntropy, type BatchStats } from './ops';
import { applyScaler, fitScaler, scaleRowsInPlace, type ScalerState, type ScalingMode } from './scaling';
import { trainLoop, type EarlyStopping, type EpochMeter, type LoopResult, type StoppingRule, type TrainingTask } from './train-loop';
import { bytesToArrays, loadArraysIntoStore, storeToBytes } from './weights';

/**
 * Stage 2 of METHOD.md: the encoder (pre-trained weights, or random when none) plus
 * Dense(256)-ReLU-Dropout-Dense(64)-ReLU-Dropout-Dense(C), softmax cross-entropy.
 */
export interface ClassifierConfig {
  readonly encoder: EncoderConfig;
  readonly hidden: readonly number[];
  readonly dropout: number;
  /** Keep the pre-trained encoder fixed (inference-mode batch norm) and train the head only. */
  readonly freezeEncoder: boolean;
  readonly scaling: ScalingMode;
  readonly epochs: number;
  readonly batchSize: number;
  readonly adam: AdamOptions;
  readonly seed: number;
  readonly earlyStopping: EarlyStopping | null;
  /** Random offset, slope and gain on each training batch (raw spectra, before scaling); null: none. */
  readonly augmentation: Augmentation | null;
}

export const DEFAULT_CLASSIFIER: ClassifierConfig = {
  encoder: DEFAULT_ENCODER,
  hidden: [256, 64],
  dropout: 0.5,
  freezeEncoder: false,
  scaling: 'global',
  epochs: 250,
  batchSize: 32,
  adam: DEFAULT_ADAM,
  seed: 0,
  earlyStopping: null,
  augmentation: null,
};

export interface ClassifierFitOptions extends FitOptions {
  /** Encoder weights from PretextModel.encoderBytes() (same encoder configuration and length). */
  readonly pretrainedEncoder?: Uint8Array | null;
  /** Labelled held-out spectra scored each epoch (valLoss, valAccuracy). */
  readonly validation?: { x: Matrix; y: Int32Array };
  /** Progress stage name (default "finetune"; inner-validation runs report "select"). */
  readonly stage?: string;
  /** Replaces the configuration's early stopping (a rule shared with other runs); best weights are restored. */
  readonly stopping?: StoppingRule;
}

export class ClassifierModel {
  readonly store = new ParameterStore();
  readonly encoder: Encoder;
  readonly head: HeadStack;

  private constructor(
    readonly config: ClassifierConfig,
    readonly inputLength: number,
    readonly nClasses: number,
    public scaler: ScalerState,
  ) {
    this.encoder = new Encoder(config.encoder, inputLength, this.store);
    this.head = new HeadStack(embeddingSize(config.encoder, inputLength), 1, config.hidden, nClasses, config.dropout, this.store, 'classifier');
    const rng = new Rng(config.seed);
    this.encoder.initialise(rng);
    this.head.initialise(rng);
  }

  static async train(
    x: Matrix,
    y: Int32Array,
    nClasses: number,
    config: ClassifierConfig,
    options: ClassifierFitOptions = {},
  ): Promise<{ model: ClassifierModel; result: LoopResult }> {
    if (y.length !== x.rows) throw new UserInputError(`${x.rows} spectra but ${y.length} labels`);
    for (const label of y) {
      if (!(label >= 0 && label < nClasses)) throw new UserInputError(`label ${label} outside 0..${nClasses - 1}`);
    }
    const model = new ClassifierModel(config, x.cols, nClasses, fitScaler(config.scaling, x));
    try {
      if (options.pretrainedEncoder) model.loadEncoder(options.pretrainedEncoder);
      else if (config.freezeEncoder) throw new UserInputError('freezeEncoder needs pre-trained encoder weights');
      const result = await model.fit(x, y, options);
      return { model, result };
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  loadEncoder(bytes: Uint8Array): void {
    const arrays = bytesToArrays(bytes);
    const foreign = arrays.entries.filter((e) => !e.name.startsWith(`${this.encoder.prefix}.`));
    if (foreign.length > 0) throw new UserInputError(`encoder weights contain non-encoder entries (${foreign[0].name})`);
    loadArraysIntoStore(this.store, arrays);
  }

  private async fit(x: Matrix, y: Int32Array, options: ClassifierFitOptions): Promise<LoopResult> {
    const rng = new Rng(this.config.seed + 1);
    const frozen = this.config.freezeEncoder;
    let validate: (() => { loss: number; accuracy: number }) | undefined;
    if (options.validation) {
      const { x: vx, y: vy } = options.validation;
      validate = () => {
        const proba = this.predictProba(vx);
        const predicted = argmaxRows(proba.data, proba.rows, proba.cols);
        let hits = 0;
        let loss = 0;
        for (let i = 0; i < vy.length; i++) {
          if (predicted[i] === vy[i]) hits++;
          loss -= Math.log(Math.max(proba.data[i * proba.cols + vy[i]], 1e-12));
        }
        return { loss: loss / Math.max(1, vy.length), accuracy: hits / Math.max(1, vy.length) };
      };
    }
    const task: TrainingTask = {
      trainable: this.store.select(frozen ? [`${this.head.prefix}.`] : undefined),
      forward: (xb, batchRng, collect: BatchStats[]) =>
        this.head.forward(this.encoder.forward(xb, !frozen, frozen ? null : collect), batchRng),
      loss: (logits, labels) => softmaxCrossEntropy(logits, tf.cast(tf.oneHot(labels, this.nClasses), 'float32') as tf.Tensor2D),
      afterStep: (collected, size) => this.encoder.updateRunningStats(collected, size),
      newMeter: () => new AccuracyMeter(this.nClasses),
      snapshot: () => this.toBytes(),
      restore: (bytes) => this.loadBytes(bytes),
    };
    const augmentation = this.config.augmentation;
    // With augmentation the loop sees raw spectra and each batch is augmented, then scaled.
    const std = augmentation ? globalMeanStd(x).std : 0;
    const transformBatch = augmentation
      ? (batch: Float32Array, rows: number, cols: number, batchRng: Rng): void => {
          augmentBatch(batch, rows, cols, augmentation, std, batchRng);
          scaleRowsInPlace(this.scaler, batch, rows, cols);
        }
      : undefined;
    return trainLoop(task, augmentation ? x : applyScaler(this.scaler, x), y, {
      stage: options.stage ?? 'finetune',
      epochs: this.config.epochs,
      batchSize: this.config.batchSize,
      adam: this.config.adam,
      rng,
      earlyStopping: this.config.earlyStopping,
      stopping: options.stopping,
      validate,
      transformBatch,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  }

  /** Class probabilities (rows sum to 1), inference mode. */
  predictProba(x: Matrix, batch = 256): Matrix {
    this.checkLength(x);
    const scaled = applyScaler(this.scaler, x);
    const out = new Float32Array(x.rows * this.nClasses);
    for (let start = 0; start < x.rows; start += batch) {
      const size = Math.min(batch, x.rows - start);
      const values = tf.tidy(() => {
        const xb = tf.tensor2d(scaled.data.subarray(start * x.cols, (start + size) * x.cols), [size, x.cols]);
        return tf.softmax(this.head.forward(this.encoder.forward(xb, false, null), null)).dataSync();
      });
      out.set(values, start * this.nClasses);
    }
    return matrix(x.rows, this.nClasses, out);
  }

  predict(x: Matrix): Int32Array {
    const proba = this.predictProba(x);
    return argmaxRows(proba.data, proba.rows, proba.cols);
  }

  /** Flattened features after encoder block `depth` (1-based), inference mode. */
  embed(x: Matrix, depth: number, batch = 256): Matrix {
    return embedWith(this.encoder, this.scaler, x, depth, batch);
  }

  private checkLength(x: Matrix): void {
    if (x.cols !== this.inputLength) throw new UserInputError(`model expects spectra of ${this.inputLength} points, got ${x.cols}`);
  }

  toBytes(): Uint8Array {
    return storeToBytes(this.store);
  }

  loadBytes(bytes: Uint8Array): void {
    loadArraysIntoStore(this.store, bytesToArrays(bytes));
  }

  static fromBytes(config: ClassifierConfig, inputLength: number, nClasses: number, scaler: ScalerState, bytes: Uint8Array): ClassifierModel {
    const model = new ClassifierModel(config, inputLength, nClasses, scaler);
    model.loadBytes(bytes);
    return model;
  }

  dispose(): void {
    this.store.dispose();
    this.head.dispose();
  }
}

/** Embeddings of any encoder (pre-trained or fine-tuned) at block `depth`. */
export function embedWith(encoder: Encoder, scaler: ScalerState, x: Matrix, depth: number, batch = 256): Matrix {
  if (!(Number.isInteger(depth) && depth >= 1 && depth <= encoder.config.blocks)) {
    throw new UserInputError(`embedding depth must be 1..${encoder.config.blocks}, got ${depth}`);
  }
  const scaled = applyScaler(scaler, x);
  const width = embeddingSize(encoder.config, x.cols, depth);
  const out = new Float32Array(x.rows * width);
  for (let start = 0; start < x.rows; start += batch) {
    const size = Math.min(batch, x.rows - start);
    const values = tf.tidy(() => {
      const xb = tf.tensor2d(scaled.data.subarray(start * x.cols, (start + size) * x.cols), [size, x.cols]);
      return encoder.forward(xb, false, null, depth).dataSync();
    });
    out.set(values, start * width);
  }
  return matrix(x.rows, width, out);
}

class AccuracyMeter implements EpochMeter {
  private hits = 0;
  private count = 0;

  constructor(private readonly nClasses: number) {}

  add(logits: Float32Array, labels: Int32Array): void {
    const predicted = argmaxRows(logits, labels.length, this.nClasses);
    for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) this.hits++;
    this.count += labels.length;
  }

  summary(): { accuracy: number } {
    return { accuracy: this.count > 0 ? this.hits / this.count : 0 };
  }
}
