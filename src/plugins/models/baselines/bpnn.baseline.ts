import { Rng } from '../../../numeric/rng';
import { defineBaseline, type FitContext, type TrainingData } from './base';
import { multiply, multiplyTransposed, softmaxRows, transpose } from './linalg';

/**
 * Back-propagation neural network: one hidden layer and a softmax output trained with Adam on
 * cross-entropy plus an L2 penalty, in mini-batches, stopping when the training loss has not
 * improved by `tolerance` for `patience` epochs (scikit-learn's MLPClassifier defaults, which
 * the reference uses with max_iter=2000). Plain typed-array loops: for a network this small they
 * beat tfjs's per-op overhead on a 2-core CPU.
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

async function trainMlp(data: TrainingData, params: Readonly<Record<string, unknown>>, context: FitContext): Promise<MlpModel> {
  const { cols, nClasses: c, rows: n, x, y } = data;
  const h = params.hidden as number;
  const activation = params.activation as Activation;
  const l2 = params.l2 as number;
  const rng = new Rng(params.seed as number);
  const model = {
    cols,
    hidden: h,
    nClasses: c,
    activation,
    w1: glorot(rng, cols, h, cols * h),
    b1: glorot(rng, cols, h, h),
    w2: glorot(rng, h, c, h * c),
    b2: glorot(rng, h, c, c),
  };
  const rate = params.learningRate as number;
  const optimisers = [new Adam(model.w1, rate), new Adam(model.b1, rate), new Adam(model.w2, rate), new Adam(model.b2, rate)];
  const batchSize = Math.min(params.batchSize as number, n);
  const gW1 = new Float64Array(cols * h);
  const gB1 = new Float64Array(h);
  const gW2 = new Float64Array(h * c);
  const gB2 = new Float64Array(c);
  const xb = new Float64Array(batchSize * cols);
  const hiddenOut = new Float64Array(batchSize * h);
  const out = new Float64Array(batchSize * c);
  const dHidden = new Float64Array(batchSize * h);
  const dHiddenT = new Float64Array(batchSize * h);
  const xbT = new Float64Array(batchSize * cols);
  const order = Array.from({ length: n }, (_, i) => i);

  let bestLoss = Infinity;
  let stale = 0;
  let epoch = 0;
  const maxEpochs = params.maxEpochs as number;
  while (epoch < maxEpochs) {
    epoch++;
    rng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      for (let b = 0; b < size; b++) xb.set(x.subarray(order[start + b] * cols, (order[start + b] + 1) * cols), b * cols);
      forward(model, xb, size, hiddenOut, out);
      // Output gradient of mean cross-entropy: (softmax - onehot) / batch.
      for (let b = 0; b < size; b++) {
        const label = y[order[start + b]];
        lossSum -= Math.log(Math.max(out[b * c + label], 1e-300));
        for (let j = 0; j < c; j++) out[b * c + j] = (out[b * c + j] - (j === label ? 1 : 0)) / size;
      }
      gW2.fill(0);
      gB2.fill(0);
      dHidden.fill(0);
      for (let b = 0; b < size; b++) {
        for (let u = 0; u < h; u++) {
          const a = hiddenOut[b * h + u];
          let back = 0;
          for (let j = 0; j < c; j++) {
            const d = out[b * c + j];
            gW2[u * c + j] += a * d;
            back += model.w2[u * c + j] * d;
          }
          dHidden[b * h + u] = activation === 'relu' ? (a > 0 ? back : 0) : back * (1 - a * a);
        }
        for (let j = 0; j < c; j++) gB2[j] += out[b * c + j];
      }
      // dW1 (hidden x cols) = dHidden^T Xb, as a product of row-contiguous transposes.
      multiplyTransposed(transpose(dHidden, size, h, dHiddenT), h, size, transpose(xb, size, cols, xbT), cols, gW1);
      gB1.fill(0);
      for (let b = 0; b < size; b++) for (let u = 0; u < h; u++) gB1[u] += dHidden[b * h + u];
      const penalty = l2 / size;
      for (let i = 0; i < gW1.length; i++) gW1[i] += penalty * model.w1[i];
      for (let i = 0; i < gW2.length; i++) gW2[i] += penalty * model.w2[i];
      optimisers[0].apply(gW1);
      optimisers[1].apply(gB1);
      optimisers[2].apply(gW2);
      optimisers[3].apply(gB2);
      // Per batch, scikit-learn adds 0.5 * alpha * |W|^2 / batch to the mean loss, i.e. 0.5 * alpha * |W|^2 to the sum.
      lossSum += 0.5 * l2 * (squaredSum(model.w1) + squaredSum(model.w2));
    }
    const loss = lossSum / n;
    context.progress({ epoch, epochs: maxEpochs, loss });
    if (loss > bestLoss - (params.tolerance as number)) stale++;
    else stale = 0;
    bestLoss = Math.min(bestLoss, loss);
    if (stale >= (params.patience as number)) break;
    if (epoch % 20 === 0) await context.checkpoint();
  }
  return { ...model, epochs: epoch };
}

function squaredSum(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return sum;
}
