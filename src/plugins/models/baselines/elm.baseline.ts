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
    const rng = new Rng(params.seed as number);
    const scale = 1 / Math.sqrt(data.cols);
    const inputWeights = new Float64Array(data.cols * hidden);
    for (let i = 0; i < inputWeights.length; i++) inputWeights[i] = rng.normal() * scale;
    const biases = new Float64Array(hidden);
    for (let i = 0; i < hidden; i++) biases[i] = rng.normal();
    const activation = params.activation as Activation;
    const model = { cols: data.cols, hidden, nClasses: data.nClasses, activation, inputWeights, biases, outputWeights: new Float64Array(0) };
    const h = hiddenLayer(model, data.x, data.rows);
    const targets = oneHot(data.y, data.nClasses);
    return { ...model, outputWeights: ridgeOutputWeights(h, data.rows, hidden, targets, data.nClasses, params.ridge as number) };
  },
  predictProba: (model, x, rows) => {
    const scores = multiply(hiddenLayer(model, x, rows), rows, model.hidden, model.outputWeights, model.nClasses);
    return softmaxRows(scores, rows, model.nClasses);
  },
});

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
