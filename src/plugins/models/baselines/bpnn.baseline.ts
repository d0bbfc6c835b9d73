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

/** The SIMD gemm needs a multiple of 8 columns: hidden units are padded with units that stay zero. */
const GEMM_WIDTH = 8;

/**
 * Adam on cross-entropy + L2, as scikit-learn's MLPClassifier. The two large products per batch,
 * X W1 forward and X^T dH for W1's gradient (rows x cols x hidden each), and W1's Adam step run
 * in float32 on the engine's kernels, native where the addon loads, else WebAssembly SIMD
 * (10-20x the float64 loops); the small output layer stays in float64 here. Padded units have zero weights, get zero gradients and so
 * stay zero (their activation and its back-propagated gradient are 0 for relu and tanh alike).
 */
async function trainMlp(data: TrainingData, params: Readonly<Record<string, unknown>>, context: FitContext): Promise<MlpModel> {
  const { cols, nClasses: c, rows: n, x, y } = data;
  const h = params.hidden as number;
  const hp = Math.ceil(h / GEMM_WIDTH) * GEMM_WIDTH;
  const activation = params.activation as Activation;
  const l2 = params.l2 as number;
  const rng = new Rng(params.seed as number);
  const initialW1 = glorot(rng, cols, h, cols * h);
  const b1 = glorot(rng, cols, h, h);
  const w2 = glorot(rng, h, c, h * c);
  const b2 = glorot(rng, h, c, c);
  const batchSize = Math.min(params.batchSize as number, n);

  const arena = new SimdArena([n * cols, batchSize * cols, 4 * cols * hp, 2 * batchSize * hp]);
  const xAll = arena.allocate(n * cols);
  const xb = arena.allocate(batchSize * cols);
  // W1 as cols x hp (the gemm's right operand, row-major), its gradient and Adam moments.
  const w1 = arena.allocate(cols * hp);
  const g1 = arena.allocate(cols * hp);
  const m1 = arena.allocate(cols * hp);
  const v1 = arena.allocate(cols * hp);
  const hidden = arena.allocate(batchSize * hp);
  const dHidden = arena.allocate(batchSize * hp);
  xAll.view.set(x);
  for (let u = 0; u < h; u++) for (let k = 0; k < cols; k++) w1.view[k * hp + u] = initialW1[u * cols + k];

  const rate = params.learningRate as number;
  const optimisers = [new Adam(b1, rate), new Adam(w2, rate), new Adam(b2, rate)];
  const gB1 = new Float64Array(h);
  const gW2 = new Float64Array(h * c);
  const gB2 = new Float64Array(c);
  const out = new Float64Array(batchSize * c);
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
      gemm(arena.kernels, size, hp, cols, xb.address, cols, 1, w1.address, hidden.address, false);
      const a = hidden.view;
      for (let b = 0; b < size; b++) {
        for (let u = 0; u < h; u++) {
          const z = a[b * hp + u] + b1[u];
          a[b * hp + u] = relu ? (z > 0 ? z : 0) : Math.tanh(z);
        }
        for (let j = 0; j < c; j++) {
          let sum = b2[j];
          for (let u = 0; u < h; u++) sum += a[b * hp + u] * w2[u * c + j];
          out[b * c + j] = sum;
        }
      }
      softmaxRows(out, size, c);
      // Output gradient of mean cross-entropy: (softmax - onehot) / batch; then back to the hidden layer.
      gW2.fill(0);
      gB2.fill(0);
      gB1.fill(0);
      const d = dHidden.view;
      for (let b = 0; b < size; b++) {
        const label = y[order[start + b]];
        lossSum -= Math.log(Math.max(out[b * c + label], 1e-300));
        for (let j = 0; j < c; j++) {
          out[b * c + j] = (out[b * c + j] - (j === label ? 1 : 0)) / size;
          gB2[j] += out[b * c + j];
        }
        for (let u = 0; u < h; u++) {
          const activated = a[b * hp + u];
          let back = 0;
          for (let j = 0; j < c; j++) {
            const dj = out[b * c + j];
            gW2[u * c + j] += activated * dj;
            back += w2[u * c + j] * dj;
          }
          const du = relu ? (activated > 0 ? back : 0) : back * (1 - activated * activated);
          d[b * hp + u] = du;
          gB1[u] += du;
        }
      }
      // dW1 (cols x hp) = Xb^T dHidden: Xb read transposed through the gemm's strides.
      gemm(arena.kernels, cols, hp, size, xb.address, 1, cols, dHidden.address, g1.address, false);
      const penalty = l2 / size;
      let w1Squares = 0;
      const w = w1.view;
      const g = g1.view;
      for (let i = 0; i < w.length; i++) {
        w1Squares += w[i] * w[i];
        g[i] += penalty * w[i];
      }
      for (let i = 0; i < gW2.length; i++) gW2[i] += penalty * w2[i];
      step++;
      adamW1(arena, w1, g1, m1, v1, rate, step);
      optimisers[0].apply(gB1);
      optimisers[1].apply(gW2);
      optimisers[2].apply(gB2);
      // Per batch, scikit-learn adds 0.5 * alpha * |W|^2 / batch to the mean loss, i.e. 0.5 * alpha * |W|^2 to the sum
      // (|W1|^2 before this step's update, as the loss is computed before it).
      lossSum += 0.5 * l2 * (w1Squares + squaredSum(w2));
    }
    const loss = lossSum / n;
    context.progress({ epoch, epochs: maxEpochs, loss });
    if (loss > bestLoss - (params.tolerance as number)) stale++;
    else stale = 0;
    bestLoss = Math.min(bestLoss, loss);
    if (stale >= (params.patience as number)) break;
    if (epoch % 20 === 0) await context.checkpoint();
  }
  const finalW1 = new Float64Array(h * cols);
  for (let u = 0; u < h; u++) for (let k = 0; k < cols; k++) finalW1[u * cols + k] = w1.view[k * hp + u];
  return { cols, hidden: h, nClasses: c, activation, w1: finalW1, b1, w2, b2, epochs: epoch };
}

/**
 * scikit-learn's Adam step (w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)) with the
 * engine's SIMD kernel, whose form is w -= stepSize m / (sqrt(v) c + eps'), c = 1 / sqrt(1 - b2^t):
 * the same step with eps' = eps c. In place.
 */
function adamW1(arena: SimdArena, w: ArenaBuffer, g: ArenaBuffer, m: ArenaBuffer, v: ArenaBuffer, rate: number, step: number): void {
  const secondCorrection = 1 / Math.sqrt(1 - 0.999 ** step);
  const stepSize = rate / (1 - 0.9 ** step);
  arena.kernels.adam(w.address, g.address, m.address, v.address, w.address, w.view.length, stepSize, secondCorrection, 0.9, 0.999, 1e-8 * secondCorrection, 0.1, 0.001);
}

function squaredSum(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return sum;
}
