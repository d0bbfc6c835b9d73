import { Rng } from '../../../numeric/rng';
import { defineBaseline, TUNING_PARAMS } from './base';
import {
  choleskySolve,
  gramRows,
  multiply,
  multiplyTransposedFloat32,
  oneHot,
  softmaxRows,
  transposeMultiply,
} from './linalg';

/**
 * Extreme learning machine: a fixed random hidden layer H = g(X W + b), W ~ N(0, 1/p),
 * b ~ N(0, 1), and ridge least-squares output weights on one-hot targets. Class probabilities
 * are the softmax of the outputs (same argmax as the least-squares scores).
 */
const ACTIVATIONS = {
  tanh: Math.tanh,
  sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
  relu: (v: number) => (v > 0 ? v : 0),
} as const;
type Activation = keyof typeof ACTIVATIONS;

interface ElmModel {
  readonly cols: number;
  readonly hidden: number;
  readonly nClasses: number;
  readonly activation: Activation;
  /** hidden x cols input weights (one row per unit). */
  readonly inputWeights: Float64Array;
  readonly biases: Float64Array;
  /** hidden x nClasses output weights. */
  readonly outputWeights: Float64Array;
}

export const elmBaseline = defineBaseline<ElmModel>({
  name: 'elm',
  description: 'extreme learning machine: random hidden layer, ridge least-squares output',
  params: {
    hidden: { type: 'integer', default: 500, min: 1, max: 20000, description: 'number of random hidden units' },
    ridge: { type: 'number', default: 1e-2, min: 0, description: 'ridge penalty lambda on the output weights' },
    activation: { type: 'enum', default: 'tanh', values: Object.keys(ACTIVATIONS), description: 'hidden activation' },
    seed: { type: 'integer', default: 0, description: 'seed of the random hidden layer' },
    tuneHidden: {
      type: 'integerArray',
      default: [100, 250, 500, 1000],
      min: 1,
      max: 20000,
      minLength: 1,
      description: 'candidate hidden sizes compared when tune is on',
    },
    ...TUNING_PARAMS,
  },
  tuningCandidates: (params) => (params.tuneHidden as number[]).map((hidden) => ({ hidden })),
  fit: (data, params) => {
    const hidden = params.hidden as number;
    const model = { ...randomLayer(params.seed as number, data.cols, hidden), nClasses: data.nClasses, activation: params.activation as Activation };
    const h = hiddenLayer(model, data.x, data.rows);
    const targets = oneHot(data.y, data.nClasses);
    return { ...model, outputWeights: ridgeOutputWeights(h, data.rows, hidden, targets, data.nClasses, params.ridge as number) };
  },
  // The hidden layer of h units is the first h units of a larger one (randomLayer), so one
  // projection with the largest candidate serves every hidden size; each gets its own ridge fit.
  fitPath: (data, params, candidates) => {
    const sizes = candidates.map((c) => c.hidden as number);
    const largest = { ...randomLayer(params.seed as number, data.cols, Math.max(...sizes)), activation: params.activation as Activation };
    const hTrain = hiddenLayer(largest, data.x, data.rows);
    const targets = oneHot(data.y, data.nClasses);
    const outputWeights = sizes.map((size) => {
      const h = leadingColumns(hTrain, data.rows, largest.hidden, size);
      return ridgeOutputWeights(h, data.rows, size, targets, data.nClasses, params.ridge as number);
    });
    return (x, rows) => {
      const hTest = hiddenLayer(largest, x, rows);
      return sizes.map((size, c) => {
        const scores = multiply(leadingColumns(hTest, rows, largest.hidden, size), rows, size, outputWeights[c], data.nClasses);
        return softmaxRows(scores, rows, data.nClasses);
      });
    };
  },
  predictProba: (model, x, rows) => {
    const scores = multiply(hiddenLayer(model, x, rows), rows, model.hidden, model.outputWeights, model.nClasses);
    return softmaxRows(scores, rows, model.nClasses);
  },
});

type RandomLayer = Pick<ElmModel, 'cols' | 'hidden' | 'inputWeights' | 'biases'>;

// Tuning, the outer folds and a study's experiments ask for the same layer again and again;
// drawing 10^5-10^6 normals each time was most of the ELM's time.
let lastLayer: { seed: number; layer: RandomLayer } | null = null;

/**
 * The random hidden layer of `seed`: W ~ N(0, 1/cols), b ~ N(0, 1), drawn unit by unit (its
 * weights, then its bias), so that the layer of h units is the first h units of any larger one.
 * The most recent largest layer is kept, and a smaller request is a view of it.
 */
export function randomLayer(seed: number, cols: number, hidden: number): RandomLayer {
  const cached = lastLayer;
  if (cached && cached.seed === seed && cached.layer.cols === cols && cached.layer.hidden >= hidden) {
    const { inputWeights, biases } = cached.layer;
    return { cols, hidden, inputWeights: inputWeights.subarray(0, hidden * cols), biases: biases.subarray(0, hidden) };
  }
  const rng = new Rng(seed);
  const scale = 1 / Math.sqrt(cols);
  const inputWeights = new Float64Array(cols * hidden);
  const biases = new Float64Array(hidden);
  for (let unit = 0; unit < hidden; unit++) {
    for (let c = unit * cols; c < (unit + 1) * cols; c++) inputWeights[c] = rng.normal() * scale;
    biases[unit] = rng.normal();
  }
  const layer = { cols, hidden, inputWeights, biases };
  lastLayer = { seed, layer };
  return layer;
}

/** The first `keep` columns of a rows x cols matrix. */
function leadingColumns(m: Float64Array, rows: number, cols: number, keep: number): Float64Array {
  if (keep === cols) return m;
  const out = new Float64Array(rows * keep);
  for (let i = 0; i < rows; i++) out.set(m.subarray(i * cols, i * cols + keep), i * keep);
  return out;
}

function hiddenLayer(model: Pick<ElmModel, 'cols' | 'hidden' | 'activation' | 'inputWeights' | 'biases'>, x: Float64Array, rows: number): Float64Array {
  // The random projection in float32 SIMD: its rounding is far below the random weights' own spread.
  const h = multiplyTransposedFloat32(x, rows, model.cols, model.inputWeights, model.hidden);
  const g = ACTIVATIONS[model.activation];
  for (let i = 0; i < rows; i++) for (let j = 0; j < model.hidden; j++) h[i * model.hidden + j] = g(h[i * model.hidden + j] + model.biases[j]);
  return h;
}

/**
 * Ridge solution beta = (H^T H + lambda I)^-1 H^T T (primal, hidden x hidden system) or, equal
 * to it, H^T (H H^T + lambda I)^-1 T (dual, n x n system). 'auto' solves the smaller system:
 * with a few hundred spectra and 500 units the dual is several times faster.
 */
export function ridgeOutputWeights(
  h: Float64Array,
  rows: number,
  hidden: number,
  targets: Float64Array,
  nClasses: number,
  ridge: number,
  form: 'auto' | 'primal' | 'dual' = 'auto',
): Float64Array {
  const dual = form === 'dual' || (form === 'auto' && rows < hidden);
  if (dual) {
    const gram = gramRows(h, rows, hidden);
    for (let i = 0; i < rows; i++) gram[i * rows + i] += ridge;
    return transposeMultiply(h, rows, hidden, choleskySolve(gram, rows, targets, nClasses), nClasses);
  }
  const gram = transposeMultiply(h, rows, hidden, h, hidden);
  for (let i = 0; i < hidden; i++) gram[i * hidden + i] += ridge;
  return choleskySolve(gram, hidden, transposeMultiply(h, rows, hidden, targets, nClasses), nClasses);
}
