import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../numeric/rng';
import { bnReluPool, conv1d, dense, type BatchStats } from './ops';

/**
 * The network of METHOD.md on tfjs-core: the 1-D CNN encoder and the dense head stacks of the
 * pretext task and the classifier. Parameters are tf.Variables in a ParameterStore keyed by
 * name; batch-norm running statistics live beside them as plain arrays.
 */
export interface EncoderConfig {
  /** Number of blocks (METHOD.md: 3). */
  readonly blocks: number;
  /** Filters per block; the last value repeats when there are more blocks than values. */
  readonly filters: readonly number[];
  readonly kernelSize: number;
  /** Padding of each block's second convolution (the reference code pads both: "same"). */
  readonly secondConvPadding: 'same' | 'valid';
  readonly batchNormEpsilon: number;
  /** Weight of the new batch in the running statistics (PyTorch's 0.1). */
  readonly batchNormMomentum: number;
}

export const DEFAULT_ENCODER: EncoderConfig = {
  blocks: 3,
  filters: [32, 64, 128],
  kernelSize: 3,
  secondConvPadding: 'same',
  batchNormEpsilon: 1e-5,
  batchNormMomentum: 0.1,
};

export function blockFilters(config: EncoderConfig, block: number): number {
  return config.filters[Math.min(block, config.filters.length - 1)];
}

/** Length after each block, for an input of `length` points. */
export function blockLengths(config: EncoderConfig, length: number): number[] {
  const out: number[] = [];
  let current = length;
  for (let b = 0; b < config.blocks; b++) {
    const afterConv = config.secondConvPadding === 'same' ? current : current - config.kernelSize + 1;
    current = Math.floor(afterConv / 2);
    if (current < 1) {
      throw new RangeError(`spectra of ${length} points are too short for ${config.blocks} blocks (block ${b + 1} leaves ${current})`);
    }
    out.push(current);
  }
  return out;
}

/** Flattened feature count after `depth` blocks. */
export function embeddingSize(config: EncoderConfig, length: number, depth = config.blocks): number {
  return blockLengths(config, length)[depth - 1] * blockFilters(config, depth - 1);
}

export interface RunningStats {
  mean: Float32Array;
  variance: Float32Array;
}

/** Named trainable variables plus batch-norm running statistics. */
export class ParameterStore {
  readonly variables = new Map<string, tf.Variable>();
  readonly running = new Map<string, RunningStats>();

  add(name: string, shape: number[], values: Float32Array): tf.Variable {
    if (this.variables.has(name)) throw new Error(`parameter ${name} defined twice`);
    const initial = tf.tensor(values, shape);
    const variable = tf.variable(initial, true, `${name}_${nextVariableId++}`);
    initial.dispose();
    this.variables.set(name, variable);
    return variable;
  }

  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new Error(`unknown parameter ${name}`);
    return v;
  }

  /** Variables whose names start with one of the prefixes (all when none is given). */
  select(prefixes?: readonly string[]): tf.Variable[] {
    return [...this.variables.entries()]
      .filter(([name]) => !prefixes || prefixes.some((p) => name.startsWith(p)))
      .map(([, v]) => v);
  }

  nameOf(variable: tf.Variable): string {
    for (const [name, v] of this.variables) if (v === variable) return name;
    throw new Error('variable not in this store');
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
    this.running.clear();
  }
}

let nextVariableId = 0;

/** PyTorch's default initialisation: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weights and biases. */
function uniformInit(rng: Rng, size: number, fanIn: number): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

export class Encoder {
  constructor(
    readonly config: EncoderConfig,
    readonly inputLength: number,
    readonly store: ParameterStore,
    readonly prefix = 'encoder',
  ) {
    blockLengths(config, inputLength);
  }

  /** Creates the parameters with seeded initial values. */
  initialise(rng: Rng): this {
    const { kernelSize: k } = this.config;
    let channels = 1;
    for (let b = 0; b < this.config.blocks; b++) {
      const filters = blockFilters(this.config, b);
      const p = `${this.prefix}.${b}`;
      this.store.add(`${p}.conv1.w`, [1, k, channels, filters], uniformInit(rng, k * channels * filters, k * channels));
      this.store.add(`${p}.conv1.b`, [filters], uniformInit(rng, filters, k * channels));
      // No bias on the second convolution: batch norm subtracts the batch mean, which cancels it.
      this.store.add(`${p}.conv2.w`, [1, k, filters, filters], uniformInit(rng, k * filters * filters, k * filters));
      this.store.add(`${p}.bn.gamma`, [filters], new Float32Array(filters).fill(1));
      this.store.add(`${p}.bn.beta`, [filters], new Float32Array(filters));
      this.store.running.set(`${p}.bn`, { mean: new Float32Array(filters), variance: new Float32Array(filters).fill(1) });
      channels = filters;
    }
    return this;
  }

  /**
   * [batch, length] -> flattened features of block `depth`. In training mode each block's batch
   * statistics are pushed to `collect` (kept out of the surrounding tidy) for updateRunningStats.
   */
  forward(x: tf.Tensor2D, training: boolean, collect: BatchStats[] | null, depth = this.config.blocks): tf.Tensor2D {
    let h = tf.reshape(x, [x.shape[0], 1, x.shape[1], 1]) as tf.Tensor4D;
    for (let b = 0; b < depth; b++) {
      const p = `${this.prefix}.${b}`;
      h = conv1d(h, this.store.get(`${p}.conv1.w`) as tf.Tensor4D, this.store.get(`${p}.conv1.b`) as tf.Tensor1D, 'same');
      const gamma = this.store.get(`${p}.bn.gamma`) as tf.Tensor1D;
      const beta = this.store.get(`${p}.bn.beta`) as tf.Tensor1D;
      const conv2 = this.store.get(`${p}.conv2.w`) as tf.Tensor4D;
      if (!training) {
        // Inference: batch norm with running statistics is an affine map per channel, folded
        // into the second convolution (scaled filter, shifted bias) with a fused ReLU; max-pool
        // commutes with ReLU. One convolution and a stock pool instead of conv + a pass of BN.
        const { scale, shift } = foldBatchNorm(gamma, beta, this.store.running.get(`${p}.bn`) as RunningStats, this.config.batchNormEpsilon);
        const filter = tf.mul(conv2, tf.tensor1d(scale)) as tf.Tensor4D;
        h = tf.fused.conv2d({ x: h, filter, bias: tf.tensor1d(shift), strides: 1, pad: this.config.secondConvPadding, activation: 'relu' });
        h = tf.maxPool(h, [1, 2], [1, 2], 'valid');
        continue;
      }
      h = conv1d(h, conv2, null, this.config.secondConvPadding);
      const { y, batch } = bnReluPool(h, gamma, beta, this.config.batchNormEpsilon, null);
      if (batch && collect) collect.push({ mean: tf.keep(batch.mean), variance: tf.keep(batch.variance) });
      h = y;
    }
    return tf.reshape(h, [h.shape[0], h.shape[1] * h.shape[2] * h.shape[3]]) as tf.Tensor2D;
  }

  /** running = (1 - momentum) running + momentum batch (unbiased variance, as PyTorch); disposes `batches`. */
  updateRunningStats(batches: BatchStats[], batchSize: number): void {
    const lengths = blockLengths(this.config, this.inputLength);
    batches.forEach((stats, b) => {
      const running = this.store.running.get(`${this.prefix}.${b}.bn`) as RunningStats;
      const preNormLength = b === 0 ? this.inputLength : lengths[b - 1];
      const convLength = this.config.secondConvPadding === 'same' ? preNormLength : preNormLength - this.config.kernelSize + 1;
      const count = batchSize * convLength;
      const unbias = count > 1 ? count / (count - 1) : 1;
      const momentum = this.config.batchNormMomentum;
      const mean = stats.mean.dataSync();
      const variance = stats.variance.dataSync();
      for (let c = 0; c < running.mean.length; c++) {
        running.mean[c] = (1 - momentum) * running.mean[c] + momentum * mean[c];
        running.variance[c] = (1 - momentum) * running.variance[c] + momentum * variance[c] * unbias;
      }
      stats.mean.dispose();
      stats.variance.dispose();
    });
  }
}

/** Batch norm in inference mode as y = x scale + shift per channel (float64 arithmetic). */
export function foldBatchNorm(gamma: tf.Tensor1D, beta: tf.Tensor1D, running: RunningStats, epsilon: number): { scale: Float32Array; shift: Float32Array } {
  const g = gamma.dataSync();
  const b = beta.dataSync();
  const scale = new Float32Array(g.length);
  const shift = new Float32Array(g.length);
  for (let c = 0; c < g.length; c++) {
    const s = g[c] / Math.sqrt(running.variance[c] + epsilon);
    scale[c] = s;
    shift[c] = b[c] - running.mean[c] * s;
  }
  return { scale, shift };
}

/**
 * `groups` independent MLPs on the same input (the pretext task's heads; one group for the
 * classifier). The first layers of all groups run as one wide layer; later layers are
 * block-diagonal matrices multiplied by a fixed 0/1 mask, so that every group keeps its own
 * weights and gradients (the mask zeroes the cross-group gradients, and Adam leaves a weight
 * with zero gradient history at zero).
 */
export class HeadStack {
  private readonly masks: (tf.Tensor2D | null)[] = [];

  constructor(
    readonly inputSize: number,
    readonly groups: number,
    readonly hidden: readonly number[],
    readonly outputsPerGroup: number,
    readonly dropout: number,
    readonly store: ParameterStore,
    readonly prefix = 'head',
  ) {
    const sizes = this.layerSizes();
    for (let l = 0; l < sizes.length - 1; l++) {
      this.masks.push(l === 0 || groups === 1 ? null : blockDiagonalMask(groups, sizes[l], sizes[l + 1]));
    }
  }

  private layerSizes(): number[] {
    return [this.inputSize, ...this.hidden, this.outputsPerGroup];
  }

  initialise(rng: Rng): this {
    const sizes = this.layerSizes();
    for (let l = 0; l < sizes.length - 1; l++) {
      const inPerGroup = sizes[l];
      const outPerGroup = sizes[l + 1];
      const rows = l === 0 ? inPerGroup : inPerGroup * this.groups;
      const cols = outPerGroup * this.groups;
      const weight = new Float32Array(rows * cols);
      for (let g = 0; g < this.groups; g++) {
        const block = uniformInit(rng, inPerGroup * outPerGroup, inPerGroup);
        const rowOffset = l === 0 ? 0 : g * inPerGroup;
        for (let i = 0; i < inPerGroup; i++) {
          for (let j = 0; j < outPerGroup; j++) weight[(rowOffset + i) * cols + g * outPerGroup + j] = block[i * outPerGroup + j];
        }
      }
      const bias = new Float32Array(cols);
      for (let g = 0; g < this.groups; g++) bias.set(uniformInit(rng, outPerGroup, inPerGroup), g * outPerGroup);
      this.store.add(`${this.prefix}.${l}.w`, [rows, cols], weight);
      this.store.add(`${this.prefix}.${l}.b`, [cols], bias);
    }
    return this;
  }

  /** [batch, inputSize] -> [batch, groups x outputsPerGroup]; dropout masks come from `rng` when training. */
  forward(x: tf.Tensor2D, rng: Rng | null): tf.Tensor2D {
    let h = x;
    const layers = this.masks.length;
    for (let l = 0; l < layers; l++) {
      let weight = this.store.get(`${this.prefix}.${l}.w`) as tf.Tensor2D;
      const mask = this.masks[l];
      if (mask) weight = tf.mul(weight, mask);
      const last = l === layers - 1;
      h = dense(h, weight, this.store.get(`${this.prefix}.${l}.b`) as tf.Tensor1D, !last);
      if (!last && rng && this.dropout > 0) h = tf.mul(h, dropoutMask(rng, h.shape[0], h.shape[1], this.dropout));
    }
    return h;
  }

  dispose(): void {
    for (const m of this.masks) m?.dispose();
  }
}

function blockDiagonalMask(groups: number, inPerGroup: number, outPerGroup: number): tf.Tensor2D {
  const rows = groups * inPerGroup;
  const cols = groups * outPerGroup;
  const values = new Float32Array(rows * cols);
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < inPerGroup; i++) values.fill(1, (g * inPerGroup + i) * cols + g * outPerGroup, (g * inPerGroup + i) * cols + (g + 1) * outPerGroup);
  }
  return tf.tensor2d(values, [rows, cols]);
}

/** Inverted dropout: each unit kept with probability 1 - p and scaled by 1 / (1 - p). */
export function dropoutMask(rng: Rng, rows: number, cols: number, p: number): tf.Tensor2D {
  const values = new Float32Array(rows * cols);
  const keep = 1 / (1 - p);
  for (let i = 0; i < values.length; i++) values[i] = rng.next() >= p ? keep : 0;
  return tf.tensor2d(values, [rows, cols]);
}
