import * as tf from '@tensorflow/tfjs-core';
import { UserInputError } from '../errors';
import { matrix, type Matrix } from '../numeric/matrix';
import { argmaxRows, binaryMetrics, type BinaryMetrics } from '../numeric/metrics';
import { Rng } from '../numeric/rng';
import type { FitOptions } from './training';
import { DEFAULT_ENCODER, Encoder, HeadStack, ParameterStore, embeddingSize, type EncoderConfig } from './cnn';
import { DEFAULT_ADAM, type AdamOptions } from './adam';
import { weightedBinaryCrossEntropy, type BatchStats } from './ops';
import { applyScaler, fitScaler, type ScalerState, type ScalingMode } from './scaling';
import { trainLoop, type EarlyStopping, type EpochMeter, type LoopResult, type TrainingTask } from './train-loop';
import { bytesToArrays, loadArraysIntoStore, storeToBytes } from './weights';

/**
 * The six spectral transformations of METHOD.md, in the paper's label order (1..6; label 0 is the
 * raw spectrum). Their implementations are the caller's (a TransformFactory), not the engine's.
 */
export const SSL_TRANSFORM_NAMES = ['add-noise', 'offset', 'multiplication', 'horizontal-flip', 'vertical-flip', 'permutation'] as const;

/**
 * Stage 1 of METHOD.md: transformation recognition. Every training spectrum yields the raw
 * variant (label 0) and one variant per selected transform (labels 1..); one binary head per
 * variant answers "is this variant j?", trained with sum_j alpha_j BCE-with-logits.
 */
export type SslTransformName = (typeof SSL_TRANSFORM_NAMES)[number];

/** A spectral transformation as pre-training uses it: fitted on training spectra, then applied. */
export interface SpectralTransform {
  readonly requiresFit: boolean;
  fit(x: Matrix): this;
  /** Transforms a batch, drawing any randomness from `rng`; the input is not modified. */
  transform(x: Matrix, rng?: Rng): Matrix;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Creates the transformation of that name with those (unvalidated) parameters; throws for an unknown name. */
export type TransformFactory = (name: SslTransformName, params: Readonly<Record<string, unknown>>) => SpectralTransform;

export interface PretextConfig {
  readonly encoder: EncoderConfig;
  /** Transforms that take part, in label order after "raw" (single-task ablations pass one). */
  readonly transforms: readonly SslTransformName[];
  /** Parameters per transform, e.g. { offset: { amplitudeFactor: 1 } }. */
  readonly transformParams: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Loss weight per head (raw first); null: 1 / number of heads each. */
  readonly lossWeights: readonly number[] | null;
  readonly headHidden: readonly number[];
  readonly dropout: number;
  readonly scaling: ScalingMode;
  readonly epochs: number;
  readonly batchSize: number;
  readonly adam: AdamOptions;
  readonly seed: number;
  readonly earlyStopping: EarlyStopping | null;
  /**
   * Generate each batch's variants when it is trained on instead of holding every variant of
   * every spectrum (7 copies of the training set). Omitted: streamed when those copies would take
   * more than STREAM_VARIANTS_BYTES. Streamed variants are drawn per (spectrum, variant) from the
   * seed, so they are the same every epoch, as the held ones are.
   */
  readonly streamVariants?: boolean;
}

/** Above this size of the materialised variant set, pre-training streams the variants by batch. */
export const STREAM_VARIANTS_BYTES = 128 * 1024 * 1024;

/** True when pre-training on `rows` spectra of `cols` points would stream its variants. */
export function streamsVariants(config: Pick<PretextConfig, 'transforms' | 'streamVariants'>, rows: number, cols: number): boolean {
  return config.streamVariants ?? (config.transforms.length + 1) * rows * cols * 4 > STREAM_VARIANTS_BYTES;
}

/**
 * Writes the variants of the given virtual rows into `out`: row r is variant floor(r / n) of
 * spectrum r % n (variant 0 raw, j the j-th transform), transformed with a generator seeded by
 * (seed, spectrum, variant) alone, so a row is the same whichever batch it falls in.
 */
export function fillVariantRows(x: Matrix, transforms: readonly SpectralTransform[], seed: number, rows: Int32Array, out: Float32Array): void {
  const n = x.rows;
  const cols = x.cols;
  for (let k = 0; k < rows.length; k++) {
    const variant = Math.floor(rows[k] / n);
    const spectrum = rows[k] % n;
    const source = x.data.subarray(spectrum * cols, (spectrum + 1) * cols);
    if (variant === 0) {
      out.set(source, k * cols);
      continue;
    }
    const rng = new Rng(((seed * 0x9e3779b1) ^ (spectrum * 0x85ebca6b) ^ (variant * 0xc2b2ae35)) >>> 0);
    out.set(transforms[variant - 1].transform(matrix(1, cols, source.slice()), rng).data, k * cols);
  }
}

export const DEFAULT_PRETEXT: PretextConfig = {
  encoder: DEFAULT_ENCODER,
  transforms: [...SSL_TRANSFORM_NAMES],
  transformParams: {},
  lossWeights: null,
  headHidden: [128, 64],
  dropout: 0.5,
  scaling: 'global',
  epochs: 100,
  batchSize: 32,
  adam: DEFAULT_ADAM,
  seed: 0,
  earlyStopping: null,
};

export function variantNames(config: Pick<PretextConfig, 'transforms'>): string[] {
  return ['raw', ...config.transforms];
}

/**
 * Creates the selected transformations and fits them on (scaled) training spectra, or restores
 * their fitted states (from an earlier fit) when `states` is given.
 */
export function fitTransforms(
  config: Pick<PretextConfig, 'transforms' | 'transformParams'>,
  create: TransformFactory,
  xTrain: Matrix,
  states?: readonly unknown[] | null,
): SpectralTransform[] {
  for (const name of Object.keys(config.transformParams)) {
    if (!config.transforms.includes(name as SslTransformName)) {
      throw new UserInputError(`transform parameters given for "${name}", which is not among the pretext transforms`);
    }
  }
  return config.transforms.map((name) => {
    const plugin = create(name, config.transformParams[name] ?? {});
    const index = config.transforms.indexOf(name);
    if (states && states[index] !== null && states[index] !== undefined) {
      plugin.setState(states[index]);
      return plugin;
    }
    return plugin.requiresFit ? plugin.fit(xTrain) : plugin;
  });
}

/** The variants of every spectrum, grouped by variant (all raw rows, then all of transform 1, ...). */
export function buildVariants(x: Matrix, transforms: readonly SpectralTransform[], rng: Rng): { x: Matrix; labels: Int32Array } {
  const variants = [x, ...transforms.map((t) => t.transform(x, rng))];
  const data = new Float32Array(variants.length * x.data.length);
  const labels = new Int32Array(variants.length * x.rows);
  variants.forEach((v, j) => {
    data.set(v.data, j * x.data.length);
    labels.fill(j, j * x.rows, (j + 1) * x.rows);
  });
  return { x: matrix(variants.length * x.rows, x.cols, data), labels };
}

export interface PretextMetrics {
  /** Argmax over the heads equals the variant. */
  readonly accuracy: number;
  /** Head j's binary decision (logit > 0) against "is variant j", per variant name. */
  readonly perTransform: Record<string, BinaryMetrics>;
  /** confusion[true variant][argmax variant]. */
  readonly confusion: number[][];
}

export function pretextMetrics(logits: Float32Array, labels: Int32Array, names: readonly string[]): PretextMetrics {
  const heads = names.length;
  const rows = labels.length;
  const predicted = argmaxRows(logits, rows, heads);
  const confusion = names.map(() => new Array<number>(heads).fill(0));
  let hits = 0;
  for (let i = 0; i < rows; i++) {
    confusion[labels[i]][predicted[i]]++;
    if (predicted[i] === labels[i]) hits++;
  }
  const perTransform: Record<string, BinaryMetrics> = {};
  names.forEach((name, j) => {
    const truth: boolean[] = new Array(rows);
    const decision: boolean[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      truth[i] = labels[i] === j;
      decision[i] = logits[i * heads + j] > 0;
    }
    perTransform[name] = binaryMetrics(truth, decision);
  });
  return { accuracy: rows > 0 ? hits / rows : 0, perTransform, confusion };
}

export interface PretextFitOptions extends FitOptions {
  /** Spectra (unscaled) whose variants are scored each epoch as valLoss/valAccuracy. */
  readonly validation?: Matrix;
}

/** A pretext network (encoder + heads) with its input scaler. */
export class PretextModel {
  readonly store = new ParameterStore();
  readonly encoder: Encoder;
  readonly heads: HeadStack;
  private alpha: tf.Tensor1D;
  /** Fitted states of the transform plugins (fitted on the training spectra). */
  transformStates: unknown[] | null = null;

  private constructor(
    readonly config: PretextConfig,
    readonly inputLength: number,
    public scaler: ScalerState,
    private readonly createTransform: TransformFactory,
  ) {
    const names = variantNames(config);
    if (config.lossWeights && config.lossWeights.length !== names.length) {
      throw new UserInputError(`lossWeights needs ${names.length} values (raw + ${config.transforms.length} transforms)`);
    }
    this.encoder = new Encoder(config.encoder, inputLength, this.store);
    this.heads = new HeadStack(
      embeddingSize(config.encoder, inputLength),
      names.length,
      config.headHidden,
      1,
      config.dropout,
      this.store,
    );
    this.alpha = tf.tensor1d(config.lossWeights ? [...config.lossWeights] : names.map(() => 1 / names.length));
  }

  get variantNames(): string[] {
    return variantNames(this.config);
  }

  static create(config: PretextConfig, inputLength: number, scaler: ScalerState, transforms: TransformFactory): PretextModel {
    const model = new PretextModel(config, inputLength, scaler, transforms);
    const rng = new Rng(config.seed);
    model.encoder.initialise(rng);
    model.heads.initialise(rng);
    return model;
  }

  /** Fits the scaler and the network on unlabelled spectra. */
  static async train(
    x: Matrix,
    config: PretextConfig,
    transforms: TransformFactory,
    options: PretextFitOptions = {},
  ): Promise<{ model: PretextModel; result: LoopResult }> {
    const scaler = fitScaler(config.scaling, x);
    const model = PretextModel.create(config, x.cols, scaler, transforms);
    try {
      const result = await model.fit(x, options);
      return { model, result };
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  async fit(x: Matrix, options: PretextFitOptions = {}): Promise<LoopResult> {
    const rng = new Rng(this.config.seed + 1);
    const scaled = applyScaler(this.scaler, x);
    const transforms = fitTransforms(this.config, this.createTransform, scaled);
    this.transformStates = transforms.map((t) => t.getState());
    const names = this.variantNames;
    // Held: every variant of every spectrum at once. Streamed: a virtual matrix of the same rows,
    // each batch's variants generated when it is trained on.
    const streamed = streamsVariants(this.config, scaled.rows, scaled.cols);
    const variantSeed = this.config.seed + 3;
    const variants = streamed
      ? { x: { rows: names.length * scaled.rows, cols: scaled.cols, data: new Float32Array(0) }, labels: Int32Array.from({ length: names.length * scaled.rows }, (_, r) => Math.floor(r / scaled.rows)) }
      : buildVariants(scaled, transforms, rng);
    let validate: (() => { loss: number; accuracy: number; extra?: Record<string, number> }) | undefined;
    if (options.validation) {
      const held = buildVariants(applyScaler(this.scaler, options.validation), transforms, rng.fork());
      validate = () => {
        const logits = this.logitsScaled(held.x);
        const metrics = pretextMetrics(logits, held.labels, names);
        return { loss: this.lossOf(logits, held.labels), accuracy: metrics.accuracy };
      };
    }
    const task: TrainingTask = {
      trainable: this.store.select(),
      forward: (xb, batchRng, collect: BatchStats[]) => this.heads.forward(this.encoder.forward(xb, true, collect), batchRng),
      loss: (logits, labels) => weightedBinaryCrossEntropy(logits, tf.cast(tf.oneHot(labels, names.length), 'float32') as tf.Tensor2D, this.alpha),
      afterStep: (collected, size) => this.encoder.updateRunningStats(collected, size),
      newMeter: () => new PretextMeter(names),
      snapshot: () => this.toBytes(),
      restore: (bytes) => this.loadBytes(bytes),
    };
    return trainLoop(task, variants.x, variants.labels, {
      stage: 'pretext',
      epochs: this.config.epochs,
      batchSize: this.config.batchSize,
      adam: this.config.adam,
      rng,
      earlyStopping: this.config.earlyStopping,
      validate,
      signal: options.signal,
      onProgress: options.onProgress,
      fillBatch: streamed ? (rows, out) => fillVariantRows(scaled, transforms, variantSeed, rows, out) : undefined,
    });
  }

  /**
   * Held-out evaluation: variants of x drawn with `seed` (transforms as fitted on the training
   * spectra), scored by every head.
   */
  evaluate(x: Matrix, seed = this.config.seed + 2): PretextMetrics {
    const scaled = applyScaler(this.scaler, x);
    const transforms = fitTransforms(this.config, this.createTransform, scaled, this.transformStates);
    const held = buildVariants(scaled, transforms, new Rng(seed));
    return pretextMetrics(this.logitsScaled(held.x), held.labels, this.variantNames);
  }

  /** Inference-mode logits [rows x heads] of already scaled spectra. */
  logitsScaled(x: Matrix, batch = 256): Float32Array {
    const heads = this.variantNames.length;
    const out = new Float32Array(x.rows * heads);
    for (let start = 0; start < x.rows; start += batch) {
      const size = Math.min(batch, x.rows - start);
      const values = tf.tidy(() => {
        const xb = tf.tensor2d(x.data.subarray(start * x.cols, (start + size) * x.cols), [size, x.cols]);
        return this.heads.forward(this.encoder.forward(xb, false, null), null).dataSync();
      });
      out.set(values, start * heads);
    }
    return out;
  }

  private lossOf(logits: Float32Array, labels: Int32Array): number {
    return tf.tidy(() => {
      const heads = this.variantNames.length;
      const z = tf.tensor2d(logits, [labels.length, heads]);
      const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), heads), 'float32') as tf.Tensor2D;
      return weightedBinaryCrossEntropy(z, y, this.alpha).dataSync()[0];
    });
  }

  toBytes(): Uint8Array {
    return storeToBytes(this.store);
  }

  loadBytes(bytes: Uint8Array): void {
    loadArraysIntoStore(this.store, bytesToArrays(bytes));
  }

  /** The encoder's weights alone (what the classifier starts from). */
  encoderBytes(): Uint8Array {
    return storeToBytes(this.store, [`${this.encoder.prefix}.`]);
  }

  static fromBytes(config: PretextConfig, inputLength: number, scaler: ScalerState, bytes: Uint8Array, transforms: TransformFactory): PretextModel {
    const model = new PretextModel(config, inputLength, scaler, transforms);
    const rng = new Rng(config.seed);
    model.encoder.initialise(rng);
    model.heads.initialise(rng);
    model.loadBytes(bytes);
    return model;
  }

  dispose(): void {
    this.store.dispose();
    this.heads.dispose();
    this.alpha.dispose();
  }
}

class PretextMeter implements EpochMeter {
  private readonly logits: number[] = [];
  private readonly labels: number[] = [];

  constructor(private readonly names: readonly string[]) {}

  add(logits: Float32Array, labels: Int32Array): void {
    for (const v of logits) this.logits.push(v);
    for (const v of labels) this.labels.push(v);
  }

  summary(): { accuracy: number; extra: Record<string, number> } {
    const m = pretextMetrics(Float32Array.from(this.logits), Int32Array.from(this.labels), this.names);
    const extra: Record<string, number> = {};
    for (const [name, metrics] of Object.entries(m.perTransform)) extra[`acc:${name}`] = metrics.accuracy;
    return { accuracy: m.accuracy, extra };
  }
}
