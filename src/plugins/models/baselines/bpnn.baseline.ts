import { Rng } from '../../../numeric/rng';
import { defineBaseline, type FitContext, type TrainingData } from './base';
import { SimdArena, type ArenaBuffer } from '../../../engine/kernels/wasm/arena';
import { gemm } from '../../../engine/kernels/wasm/heap';
import { multiply, multiplyTransposed, softmaxRows } from './linalg';

/**
 * Back-propagation neural network: one hidden layer and a softmax output trained with Adam on
 * cross-entropy plus an L2 penalty, in mini-batches, stopping when the training loss has not
 * improved by `tolerance` for `patience` epochs (scikit-learn's MLPClassifier defaults, which
 * the reference uses with max_iter=2000). Trained on the engine's SIMD kernels directly (see
 * trainMlp): for a network this small tfjs's per-op overhead would dominate.
 */
const ACTIVATIONS = ['relu', 'tanh'] as const;
type Activation = (typeof ACTIVATIONS)[number];

interface MlpModel {
  readonly cols: number;
  readonly hidden: number;
  readonly nClasses: number;
  readonly activation: Activation;
  /** Layer weights: w1 is hidden x cols (transposed, for the fast product), b1 hidden, w2 hidden x nClasses, b2 nClasses. */
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  readonly b2: Float64Array;
  /** Epochs actually run. */
  readonly epochs: number;
}

export const bpnnBaseline = defineBaseline<MlpModel>({
  name: 'bpnn',
  description: 'back-propagation neural network: one hidden layer, softmax output, Adam',
  params: {
    hidden: { type: 'integer', default: 128, min: 1, max: 4096, description: 'hidden units' },
    activation: { type: 'enum', default: 'relu', values: ACTIVATIONS, description: 'hidden activation' },
    learningRate: { type: 'number', default: 1e-3, min: 0, exclusiveMin: true, description: 'Adam learning rate' },
    l2: { type: 'number', default: 1e-4, min: 0, description: 'L2 penalty on the weights (scikit-learn alpha)' },
    batchSize: { type: 'integer', default: 200, min: 1, description: 'mini-batch size (capped by the training set size)' },
    maxEpochs: { type: 'integer', default: 2000, min: 1, max: 100000, description: 'maximum passes over the training set' },
    tolerance: { type: 'number', default: 1e-4, min: 0, description: 'minimum improvement of the training loss that resets the patience' },
    patience: { type: 'integer', default: 10, min: 1, description: 'epochs without improvement before stopping' },
    seed: { type: 'integer', default: 0, description: 'seed of the initial weights and the batch shuffles' },
  },
  fit: (data, params, context) => trainMlp(data, params, context),
  predictProba: (model, x, rows) => {
    const hidden = new Float64Array(rows * model.hidden);
    const out = new Float64Array(rows * model.nClasses);
    forward(model, x, rows, hidden, out);
    return out;
  },
});

/** Hidden activations and softmax outputs of a batch, into the given buffers. */
function forward(model: Omit<MlpModel, 'epochs'>, x: Float64Array, rows: number, hidden: Float64Array, out: Float64Array): void {
  const { cols, hidden: h, nClasses: c, b1, b2 } = model;
  multiplyTransposed(x, rows, cols, model.w1, h, hidden);
  const relu = model.activation === 'relu';
  for (let i = 0; i < rows; i++) {
    for (let u = 0; u < h; u++) {
      const z = hidden[i * h + u] + b1[u];
      hidden[i * h + u] = relu ? (z > 0 ? z : 0) : Math.tanh(z);
    }
  }
  multiply(hidden, rows, h, model.w2, c, out);
  for (let i = 0; i < rows; i++) for (let j = 0; j < c; j++) out[i * c + j] += b2[j];
  softmaxRows(out, rows, c);
}

class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;

  constructor(
    private readonly values: Float64Array,
    private readonly rate: number,
  ) {
    this.m = new Float64Array(values.length);
    this.v = new Float64Array(values.length);
  }

  apply(gradient: Float64Array): void {
    this.step++;
    const corrected = (this.rate * Math.sqrt(1 - 0.999 ** this.step)) / (1 - 0.9 ** this.step);
    for (let i = 0; i < gradient.length; i++) {
      this.m[i] = 0.9 * this.m[i] + 0.1 * gradient[i];
      this.v[i] = 0.999 * this.v[i] + 0.001 * gradient[i] * gradient[i];
      this.values[i] -= (corrected * this.m[i]) / (Math.sqrt(this.v[i]) + 1e-8);
    }
  }
}

/** Glorot-uniform initialisation (weights and biases), factor 6 as scikit-learn uses for relu and tanh. */
function glorot(rng: Rng, fanIn: number, fanOut: number, length: number): Float64Array {
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  return Float64Array.from({ length }, () => rng.uniform(-bound, bound));
}

/** The SIMD gemm needs a multiple of 8 columns: hidden units and classes are padded with units that stay zero. */
const GEMM_WIDTH = 8;

const padded = (count: number): number => Math.ceil(count / GEMM_WIDTH) * GEMM_WIDTH;

/** A weight matrix with its gradient and Adam moments, in the arena. */
interface Layer {
  readonly w: ArenaBuffer;
  readonly g: ArenaBuffer;
  readonly m: ArenaBuffer;
  readonly v: ArenaBuffer;
}

function layer(arena: SimdArena, size: number): Layer {
  return { w: arena.allocate(size), g: arena.allocate(size), m: arena.allocate(size), v: arena.allocate(size) };
}

/**
 * Adam on cross-entropy + L2, as scikit-learn's MLPClassifier. Every product of a batch runs in
 * float32 on the engine's kernels (native where the addon loads, else WebAssembly SIMD; 10-20x
 * the float64 loops): X W1 and H W2 forward, H^T dOut, dOut W2^T and X^T dH backward, and both
 * weight matrices' Adam steps. The biases stay in float64 here. Padded units and classes have
 * zero weights, get zero gradients and so stay zero (a padded unit's activation and its
 * back-propagated gradient are 0 for relu and tanh alike; a padded class's output gradient is 0).
 */
async function trainMlp(data: TrainingData, params: Readonly<Record<string, unknown>>, context: FitContext): Promise<MlpModel> {
  const { cols, nClasses: c, rows: n, x, y } = data;
  const h = params.hidden as number;
  const hp = padded(h);
  const cp = padded(c);
  const activation = params.activation as Activation;
  const l2 = params.l2 as number;
  const rng = new Rng(params.seed as number);
  const initialW1 = glorot(rng, cols, h, cols * h);
  const b1 = glorot(rng, cols, h, h);
  const initialW2 = glorot(rng, h, c, h * c);
  const b2 = glorot(rng, h, c, c);
  const batchSize = Math.min(params.batchSize as number, n);

  const arena = new SimdArena([n * cols, batchSize * cols, 4 * cols * hp, 5 * hp * cp, 2 * batchSize * hp, batchSize * cp]);
  const xAll = arena.allocate(n * cols);
  const xb = arena.allocate(batchSize * cols);
  // W1 as cols x hp and W2 as hp x cp (the gemm's right operands, row-major); W2^T (cp x hp) for the backward product.
  const first = layer(arena, cols * hp);
  const second = layer(arena, hp * cp);
  const w2Transposed = arena.allocate(cp * hp);
  const hidden = arena.allocate(batchSize * hp);
  const dHidden = arena.allocate(batchSize * hp);
  const dOut = arena.allocate(batchSize * cp);
  xAll.view.set(x);
  for (let u = 0; u < h; u++) for (let k = 0; k < cols; k++) first.w.view[k * hp + u] = initialW1[u * cols + k];
  for (let u = 0; u < h; u++) for (let j = 0; j < c; j++) second.w.view[u * cp + j] = initialW2[u * c + j];

  const rate = params.learningRate as number;
  const biasOptimisers = [new Adam(b1, rate), new Adam(b2, rate)];
  const gB1 = new Float64Array(h);
  const gB2 = new Float64Array(c);
  const probabilities = new Float64Array(batchSize * c);
  const order = Array.from({ length: n }, (_, i) => i);
  const relu = activation === 'relu';

  let bestLoss = Infinity;
  let stale = 0;
  let epoch = 0;
  let step = 0;
  const maxEpochs = params.maxEpochs as number;
  while (epoch < maxEpochs) {
    epoch++;
    rng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      for (let b = 0; b < size; b++) xb.view.set(xAll.view.subarray(order[start + b] * cols, (order[start + b] + 1) * cols), b * cols);
      // Forward: hidden = g(Xb W1 + b1), out = softmax(hidden W2 + b2).
      gemm(arena.kernels, size, hp, cols, xb.address, cols, 1, first.w.address, hidden.address, false);
      const a = hidden.view;
      for (let b = 0; b < size; b++) {
        for (let u = 0; u < h; u++) {
          const z = a[b * hp + u] + b1[u];
          a[b * hp + u] = relu ? (z > 0 ? z : 0) : Math.tanh(z);
        }
      }
      gemm(arena.kernels, size, cp, hp, hidden.address, hp, 1, second.w.address, dOut.address, false);
      const o = dOut.view;
      for (let b = 0; b < size; b++) for (let j = 0; j < c; j++) probabilities[b * c + j] = o[b * cp + j] + b2[j];
      softmaxRows(probabilities, size, c);
      // Output gradient of mean cross-entropy: (softmax - onehot) / batch, over dOut's first c columns.
      gB2.fill(0);
      for (let b = 0; b < size; b++) {
        const label = y[order[start + b]];
        lossSum -= Math.log(Math.max(probabilities[b * c + label], 1e-300));
        for (let j = 0; j < c; j++) {
          const dj = (probabilities[b * c + j] - (j === label ? 1 : 0)) / size;
          o[b * cp + j] = dj;
          gB2[j] += dj;
        }
      }
      // Back to the hidden layer: gW2 = H^T dOut, dH = (dOut W2^T) * g'(H).
      gemm(arena.kernels, hp, cp, size, hidden.address, 1, hp, dOut.address, second.g.address, false);
      transposeInto(second.w.view, hp, cp, w2Transposed.view);
      gemm(arena.kernels, size, hp, cp, dOut.address, cp, 1, w2Transposed.address, dHidden.address, false);
      gB1.fill(0);
      const d = dHidden.view;
      for (let b = 0; b < size; b++) {
        for (let u = 0; u < h; u++) {
          const activated = a[b * hp + u];
          const du = relu ? (activated > 0 ? d[b * hp + u] : 0) : d[b * hp + u] * (1 - activated * activated);
          d[b * hp + u] = du;
          gB1[u] += du;
        }
      }
      // dW1 (cols x hp) = Xb^T dHidden: Xb read transposed through the gemm's strides.
      gemm(arena.kernels, cols, hp, size, xb.address, 1, cols, dHidden.address, first.g.address, false);
      const penalty = l2 / size;
      // Per batch, scikit-learn adds 0.5 * alpha * |W|^2 / batch to the mean loss, i.e. 0.5 * alpha * |W|^2 to the sum
      // (|W|^2 before this step's update, as the loss is computed before it).
      lossSum += 0.5 * l2 * (addPenalty(first, penalty) + addPenalty(second, penalty));
      step++;
      adamStep(arena, first, rate, step);
      adamStep(arena, second, rate, step);
      biasOptimisers[0].apply(gB1);
      biasOptimisers[1].apply(gB2);
    }
    const loss = lossSum / n;
    context.progress({ epoch, epochs: maxEpochs, loss });
    if (loss > bestLoss - (params.tolerance as number)) stale++;
    else stale = 0;
    bestLoss = Math.min(bestLoss, loss);
    if (stale >= (params.patience as number)) break;
    if (epoch % 20 === 0) await context.checkpoint();
  }
  const w1 = new Float64Array(h * cols);
  for (let u = 0; u < h; u++) for (let k = 0; k < cols; k++) w1[u * cols + k] = first.w.view[k * hp + u];
  const w2 = new Float64Array(h * c);
  for (let u = 0; u < h; u++) for (let j = 0; j < c; j++) w2[u * c + j] = second.w.view[u * cp + j];
  return { cols, hidden: h, nClasses: c, activation, w1, b1, w2, b2, epochs: epoch };
}

/** g += penalty * w over a layer; returns |w|^2. */
function addPenalty(layer: Layer, penalty: number): number {
  const w = layer.w.view;
  const g = layer.g.view;
  let squares = 0;
  for (let i = 0; i < w.length; i++) {
    squares += w[i] * w[i];
    g[i] += penalty * w[i];
  }
  return squares;
}

function transposeInto(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
}

/**
 * scikit-learn's Adam step (w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)) with the
 * engine's SIMD kernel, whose form is w -= stepSize m / (sqrt(v) c + eps'), c = 1 / sqrt(1 - b2^t):
 * the same step with eps' = eps c. In place.
 */
function adamStep(arena: SimdArena, { w, g, m, v }: Layer, rate: number, step: number): void {
  const secondCorrection = 1 / Math.sqrt(1 - 0.999 ** step);
  const stepSize = rate / (1 - 0.9 ** step);
  arena.kernels.adam(w.address, g.address, m.address, v.address, w.address, w.view.length, stepSize, secondCorrection, 0.9, 0.999, 1e-8 * secondCorrection, 0.1, 0.001);
}
