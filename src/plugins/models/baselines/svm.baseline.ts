import { Rng } from '../../../numeric/rng';
import { defineBaseline, TUNING_PARAMS, type TrainingData } from './base';
import { multiplyTransposedFloat32, rowSquaredNorms } from './linalg';

/**
 * C-support vector classification, one-vs-one, as libsvm / scikit-learn's SVC: an SMO solver
 * with libsvm's second-order working-set selection, Platt sigmoids fitted on an inner 5-fold
 * cross-validation of each pair, and Wu-Lin-Weng pairwise coupling for class probabilities.
 * Written here rather than through libsvm-js because libsvm's probability folds draw from C's
 * rand(), whose state the wasm/asm module keeps across fits and does not let us seed: two fits
 * of the same data gave different probabilities. Class = one-vs-one votes, as scikit-learn's
 * predict(): with a few labelled spectra per class, the Platt sigmoids are fitted on one or two
 * held-out decisions per fold and can come out inverted, and the argmax of the coupled
 * probabilities then picks the least likely class (seen: 0.04-0.08 accuracy on four classes).
 */
type Kernel = 'rbf' | 'linear';

interface PairModel {
  readonly positive: number;
  readonly negative: number;
  /** Indices into the support vectors, and their y_i alpha_i. */
  readonly support: Int32Array;
  readonly coefficients: Float64Array;
  readonly rho: number;
  readonly sigmoidA: number;
  readonly sigmoidB: number;
}

interface SvmModel {
  readonly kernel: Kernel;
  readonly gamma: number;
  readonly cols: number;
  readonly nClasses: number;
  /** Support vectors, rows x cols. */
  readonly vectors: Float64Array;
  readonly pairs: PairModel[];
}

export const svmBaseline = defineBaseline<SvmModel>({
  name: 'svm',
  description: 'support vector machine (one-vs-one C-SVC, RBF or linear kernel, Platt probabilities)',
  params: {
    kernel: { type: 'enum', default: 'rbf', values: ['rbf', 'linear'], description: 'kernel function' },
    C: { type: 'number', default: 10, min: 0, exclusiveMin: true, description: 'penalty of margin violations' },
    gamma: {
      type: 'number',
      default: null,
      nullable: true,
      min: 0,
      exclusiveMin: true,
      description: "RBF width; null means scikit-learn's 'scale': 1 / (variables x variance of the training values)",
    },
    tolerance: { type: 'number', default: 1e-3, min: 0, exclusiveMin: true, description: 'stopping tolerance of the SMO solver' },
    probabilityFolds: {
      type: 'integer',
      default: 5,
      min: 2,
      max: 10,
      description: 'inner folds used to fit the Platt sigmoid of each class pair',
    },
    seed: { type: 'integer', default: 0, description: 'seed of the Platt cross-validation folds' },
    tuneC: {
      type: 'numberArray',
      default: [0.1, 1, 10, 100],
      min: 0,
      minLength: 1,
      description: 'candidate values of C compared when tune is on',
    },
    tuneGammaFactors: {
      type: 'numberArray',
      default: [0.1, 0.3, 1, 3],
      min: 0,
      minLength: 1,
      description: "candidate RBF widths, as multiples of the configured gamma (or of 'scale'), compared when tune is on",
    },
    ...TUNING_PARAMS,
  },
  tuningCandidates: (params, data) => {
    const Cs = params.tuneC as number[];
    if (params.kernel === 'linear') return Cs.map((C) => ({ C }));
    const base = (params.gamma as number | null) ?? scaleGamma(data);
    return Cs.flatMap((C) => (params.tuneGammaFactors as number[]).map((factor) => ({ C, gamma: base * factor })));
  },
  fit: (data, params) => fitSvm(data, {
    kernel: params.kernel as Kernel,
    C: params.C as number,
    gamma: (params.gamma as number | null) ?? scaleGamma(data),
    tolerance: params.tolerance as number,
    probabilityFolds: params.probabilityFolds as number,
    seed: params.seed as number,
  }),
  predictProba: (model, x, rows) => svmOutputs(model, x, rows).scores,
  predictWithClasses: (model, x, rows) => svmOutputs(model, x, rows),
});

/**
 * Coupled class probabilities and one-vs-one votes of every row, from one pass over the decision
 * values. A class absent from training gets probability 0 and no votes.
 */
function svmOutputs(model: SvmModel, x: Float64Array, rows: number): { scores: Float64Array; classes: Int32Array } {
  const decisions = decisionValues(model, x, rows);
  const nPairs = model.pairs.length;
  // Couple over the classes seen in training only.
  const seen = [...new Set(model.pairs.flatMap((pair) => [pair.positive, pair.negative]))].sort((a, b) => a - b);
  const position = new Map(seen.map((c, k) => [c, k]));
  const k = seen.length;
  const scores = new Float64Array(rows * model.nClasses);
  const classes = new Int32Array(rows);
  const pairwise = new Float64Array(k * k);
  const votes = new Int32Array(model.nClasses);
  for (let i = 0; i < rows; i++) {
    votes.fill(0);
    model.pairs.forEach((pair, p) => {
      const decision = decisions[i * nPairs + p];
      votes[decision > 0 ? pair.positive : pair.negative]++;
      const probability = clampProbability(sigmoid(decision, pair.sigmoidA, pair.sigmoidB));
      const a = position.get(pair.positive) as number;
      const b = position.get(pair.negative) as number;
      pairwise[a * k + b] = probability;
      pairwise[b * k + a] = 1 - probability;
    });
    const coupled = couplePairwise(pairwise, k);
    seen.forEach((c, t) => (scores[i * model.nClasses + c] = coupled[t]));
    // libsvm's tie rule: the lowest class index among the most voted.
    let best = 0;
    for (let c = 1; c < model.nClasses; c++) if (votes[c] > votes[best]) best = c;
    classes[i] = best;
  }
  return { scores, classes };
}

/** The decision value of every row for every class pair (positive: the pair's positive class), rows x pairs. */
function decisionValues(model: SvmModel, x: Float64Array, rows: number): Float64Array {
  const nSupport = model.vectors.length / model.cols;
  const kernel = kernelMatrix(model.kernel, model.gamma, x, rows, model.vectors, nSupport, model.cols);
  const out = new Float64Array(rows * model.pairs.length);
  for (let i = 0; i < rows; i++) {
    model.pairs.forEach((pair, p) => {
      let decision = -pair.rho;
      for (let s = 0; s < pair.support.length; s++) decision += pair.coefficients[s] * kernel[i * nSupport + pair.support[s]];
      out[i * model.pairs.length + p] = decision;
    });
  }
  return out;
}

/** scikit-learn's gamma='scale': 1 / (n_features * X.var()). */
export function scaleGamma(data: Pick<TrainingData, 'x' | 'cols'>): number {
  let sum = 0;
  for (let i = 0; i < data.x.length; i++) sum += data.x[i];
  const mean = sum / data.x.length;
  let ss = 0;
  for (let i = 0; i < data.x.length; i++) ss += (data.x[i] - mean) ** 2;
  const variance = ss / data.x.length;
  return variance > 0 ? 1 / (data.cols * variance) : 1;
}

/**
 * The dot products in float32 SIMD: their rounding (1e-7 relative, ~1e-4 on a squared distance of
 * autoscaled spectra) moves RBF values by ~gamma 1e-4, far below what the solver resolves.
 */
function kernelMatrix(kernel: Kernel, gamma: number, a: Float64Array, n: number, b: Float64Array, m: number, p: number): Float64Array {
  const dots = multiplyTransposedFloat32(a, n, p, b, m);
  if (kernel === 'linear') return dots;
  const aNorms = rowSquaredNorms(a, n, p);
  const bNorms = rowSquaredNorms(b, m, p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) dots[i * m + j] = Math.exp(-gamma * Math.max(0, aNorms[i] + bNorms[j] - 2 * dots[i * m + j]));
  }
  return dots;
}

interface SvmSettings {
  readonly kernel: Kernel;
  readonly C: number;
  readonly gamma: number;
  readonly tolerance: number;
  readonly probabilityFolds: number;
  readonly seed: number;
}

function fitSvm(data: TrainingData, settings: SvmSettings): SvmModel {
  const n = data.rows;
  const gram = kernelMatrix(settings.kernel, settings.gamma, data.x, n, data.x, n, data.cols);
  const rng = new Rng(settings.seed);
  const rowsOfClass: number[][] = Array.from({ length: data.nClasses }, () => []);
  for (let i = 0; i < n; i++) rowsOfClass[data.y[i]].push(i);

  const supportIndex = new Map<number, number>();
  const fitted: { positive: number; negative: number; rows: number[]; alphaY: Float64Array; rho: number; a: number; b: number }[] = [];
  for (let positive = 0; positive < data.nClasses; positive++) {
    for (let negative = positive + 1; negative < data.nClasses; negative++) {
      // A class absent from this training set cannot win a pair: leave the pair out.
      if (rowsOfClass[positive].length === 0 || rowsOfClass[negative].length === 0) continue;
      const rows = [...rowsOfClass[positive], ...rowsOfClass[negative]];
      const signs = rows.map((r) => (data.y[r] === positive ? 1 : -1));
      const { a, b } = plattSigmoid(gram, n, rows, signs, settings, rng);
      const { alpha, rho } = solveSmo(gram, n, rows, signs, settings.C, settings.tolerance);
      const alphaY = alpha.map((v, k) => v * signs[k]);
      rows.forEach((r, k) => {
        if (alpha[k] > 0 && !supportIndex.has(r)) supportIndex.set(r, supportIndex.size);
      });
      fitted.push({ positive, negative, rows, alphaY, rho, a, b });
    }
  }
  const vectors = new Float64Array(supportIndex.size * data.cols);
  for (const [r, s] of supportIndex) vectors.set(data.x.subarray(r * data.cols, (r + 1) * data.cols), s * data.cols);
  const pairs = fitted.map((f): PairModel => {
    const used = f.rows.flatMap((r, k) => (f.alphaY[k] !== 0 ? [k] : []));
    return {
      positive: f.positive,
      negative: f.negative,
      support: Int32Array.from(used, (k) => supportIndex.get(f.rows[k]) as number),
      coefficients: Float64Array.from(used, (k) => f.alphaY[k]),
      rho: f.rho,
      sigmoidA: f.a,
      sigmoidB: f.b,
    };
  });
  return { kernel: settings.kernel, gamma: settings.gamma, cols: data.cols, nClasses: data.nClasses, vectors, pairs };
}

const TAU = 1e-12;

/**
 * libsvm's Solver for min 1/2 a^T Q a - e^T a, 0 <= a <= C, y^T a = 0, with Q_ij = y_i y_j K_ij,
 * on the given rows of a precomputed kernel (stride n). Returns alpha and the bias rho.
 */
export function solveSmo(
  gram: Float64Array,
  n: number,
  rows: readonly number[],
  signs: readonly number[],
  C: number,
  tolerance: number,
): { alpha: Float64Array; rho: number } {
  const m = rows.length;
  const q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) q[i * m + j] = signs[i] * signs[j] * gram[rows[i] * n + rows[j]];
  const alpha = new Float64Array(m);
  const gradient = new Float64Array(m).fill(-1);
  const upper = (t: number) => alpha[t] >= C;
  const lower = (t: number) => alpha[t] <= 0;
  const maxIterations = Math.max(10_000_000, 100 * m);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    // Working set: i maximises -y G over the "up" set; j minimises the second-order objective.
    let gMax = -Infinity;
    let gMax2 = -Infinity;
    let i = -1;
    let j = -1;
    for (let t = 0; t < m; t++) {
      if (signs[t] === 1) {
        if (!upper(t) && -gradient[t] >= gMax) {
          gMax = -gradient[t];
          i = t;
        }
      } else if (!lower(t) && gradient[t] >= gMax) {
        gMax = gradient[t];
        i = t;
      }
    }
    let objectiveMin = Infinity;
    for (let t = 0; t < m; t++) {
      const inLow = signs[t] === 1 ? !lower(t) : !upper(t);
      if (!inLow) continue;
      const yG = signs[t] * gradient[t];
      if (yG >= gMax2) gMax2 = yG;
      if (i < 0) continue;
      const gradDiff = gMax + yG;
      if (gradDiff > 0) {
        const quad = q[i * m + i] + q[t * m + t] - 2 * signs[i] * signs[t] * q[i * m + t];
        const objective = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
        if (objective <= objectiveMin) {
          objectiveMin = objective;
          j = t;
        }
      }
    }
    if (gMax + gMax2 < tolerance || i < 0 || j < 0) break;
    const oldI = alpha[i];
    const oldJ = alpha[j];
    const qij = q[i * m + j];
    if (signs[i] !== signs[j]) {
      const quad = Math.max(q[i * m + i] + q[j * m + j] + 2 * qij, TAU);
      const delta = (-gradient[i] - gradient[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += delta;
      alpha[j] += delta;
      if (diff > 0) {
        if (alpha[j] < 0) {
          alpha[j] = 0;
          alpha[i] = diff;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = -diff;
      }
      if (diff > 0) {
        if (alpha[i] > C) {
          alpha[i] = C;
          alpha[j] = C - diff;
        }
      } else if (alpha[j] > C) {
        alpha[j] = C;
        alpha[i] = C + diff;
      }
    } else {
      const quad = Math.max(q[i * m + i] + q[j * m + j] - 2 * qij, TAU);
      const delta = (gradient[i] - gradient[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= delta;
      alpha[j] += delta;
      if (sum > C) {
        if (alpha[i] > C) {
          alpha[i] = C;
          alpha[j] = sum - C;
        }
      } else if (alpha[j] < 0) {
        alpha[j] = 0;
        alpha[i] = sum;
      }
      if (sum > C) {
        if (alpha[j] > C) {
          alpha[j] = C;
          alpha[i] = sum - C;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = sum;
      }
    }
    const deltaI = alpha[i] - oldI;
    const deltaJ = alpha[j] - oldJ;
    for (let t = 0; t < m; t++) gradient[t] += q[i * m + t] * deltaI + q[j * m + t] * deltaJ;
  }
  return { alpha, rho: bias(alpha, gradient, signs, C) };
}

function bias(alpha: Float64Array, gradient: Float64Array, signs: readonly number[], C: number): number {
  let upperBound = Infinity;
  let lowerBound = -Infinity;
  let freeSum = 0;
  let free = 0;
  for (let t = 0; t < alpha.length; t++) {
    const yG = signs[t] * gradient[t];
    if (alpha[t] >= C) {
      if (signs[t] === -1) upperBound = Math.min(upperBound, yG);
      else lowerBound = Math.max(lowerBound, yG);
    } else if (alpha[t] <= 0) {
      if (signs[t] === 1) upperBound = Math.min(upperBound, yG);
      else lowerBound = Math.max(lowerBound, yG);
    } else {
      free++;
      freeSum += yG;
    }
  }
  return free > 0 ? freeSum / free : (upperBound + lowerBound) / 2;
}

/** Decision values of held-out rows from an inner k-fold, then Platt's sigmoid fit on them (libsvm's svm_binary_svc_probability). */
function plattSigmoid(
  gram: Float64Array,
  n: number,
  rows: readonly number[],
  signs: readonly number[],
  settings: SvmSettings,
  rng: Rng,
): { a: number; b: number } {
  const m = rows.length;
  const folds = settings.probabilityFolds;
  const order = rng.permutation(m);
  const decisions = new Float64Array(m);
  for (let f = 0; f < folds; f++) {
    const begin = Math.floor((f * m) / folds);
    const end = Math.floor(((f + 1) * m) / folds);
    const held = order.slice(begin, end);
    const kept = [...order.slice(0, begin), ...order.slice(end)];
    const keptSigns = kept.map((k) => signs[k]);
    const positives = keptSigns.filter((s) => s === 1).length;
    if (positives === 0 || positives === kept.length) {
      const constant = kept.length === 0 ? 0 : positives > 0 ? 1 : -1;
      for (const k of held) decisions[k] = constant;
      continue;
    }
    const keptRows = kept.map((k) => rows[k]);
    const { alpha, rho } = solveSmo(gram, n, keptRows, keptSigns, settings.C, settings.tolerance);
    for (const k of held) {
      let decision = -rho;
      for (let s = 0; s < kept.length; s++) if (alpha[s] > 0) decision += alpha[s] * keptSigns[s] * gram[rows[k] * n + keptRows[s]];
      decisions[k] = decision;
    }
  }
  return fitSigmoid(decisions, signs);
}

/** Platt scaling by Newton's method with backtracking (Lin, Lin and Weng 2007), as in libsvm. */
export function fitSigmoid(decisions: ArrayLike<number>, signs: readonly number[]): { a: number; b: number } {
  const positives = signs.filter((s) => s === 1).length;
  const negatives = signs.length - positives;
  const hiTarget = (positives + 1) / (positives + 2);
  const loTarget = 1 / (negatives + 2);
  const targets = signs.map((s) => (s === 1 ? hiTarget : loTarget));
  const objective = (a: number, b: number): number => {
    let value = 0;
    for (let i = 0; i < targets.length; i++) {
      const fApB = decisions[i] * a + b;
      value += fApB >= 0 ? targets[i] * fApB + Math.log1p(Math.exp(-fApB)) : (targets[i] - 1) * fApB + Math.log1p(Math.exp(fApB));
    }
    return value;
  };
  let a = 0;
  let b = Math.log((negatives + 1) / (positives + 1));
  let value = objective(a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let h11 = 1e-12;
    let h22 = 1e-12;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < targets.length; i++) {
      const fApB = decisions[i] * a + b;
      const p = fApB >= 0 ? Math.exp(-fApB) / (1 + Math.exp(-fApB)) : 1 / (1 + Math.exp(fApB));
      const q = 1 - p;
      const d2 = p * q;
      h11 += decisions[i] * decisions[i] * d2;
      h22 += d2;
      h21 += decisions[i] * d2;
      const d1 = targets[i] - p;
      g1 += decisions[i] * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < 1e-5 && Math.abs(g2) < 1e-5) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const slope = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= 1e-10) {
      const nextValue = objective(a + step * dA, b + step * dB);
      if (nextValue < value + 1e-4 * step * slope) {
        a += step * dA;
        b += step * dB;
        value = nextValue;
        break;
      }
      step /= 2;
    }
    if (step < 1e-10) break;
  }
  return { a, b };
}

function sigmoid(decision: number, a: number, b: number): number {
  const fApB = decision * a + b;
  return fApB >= 0 ? Math.exp(-fApB) / (1 + Math.exp(-fApB)) : 1 / (1 + Math.exp(fApB));
}

function clampProbability(p: number): number {
  return Math.min(Math.max(p, 1e-7), 1 - 1e-7);
}

/** Class probabilities from pairwise ones, r[i][j] = P(i | i or j), by Wu, Lin and Weng's second method (libsvm's multiclass_probability). */
export function couplePairwise(r: Float64Array, k: number): Float64Array {
  const q = new Float64Array(k * k);
  for (let t = 0; t < k; t++) {
    for (let j = 0; j < k; j++) {
      if (j === t) continue;
      q[t * k + t] += r[j * k + t] * r[j * k + t];
      q[t * k + j] = -r[j * k + t] * r[t * k + j];
    }
  }
  const p = new Float64Array(k).fill(1 / k);
  const qp = new Float64Array(k);
  const eps = 0.005 / k;
  for (let iteration = 0; iteration < Math.max(100, k); iteration++) {
    let pQp = 0;
    for (let t = 0; t < k; t++) {
      qp[t] = 0;
      for (let j = 0; j < k; j++) qp[t] += q[t * k + j] * p[j];
      pQp += p[t] * qp[t];
    }
    let maxError = 0;
    for (let t = 0; t < k; t++) maxError = Math.max(maxError, Math.abs(qp[t] - pQp));
    if (maxError < eps) break;
    for (let t = 0; t < k; t++) {
      const diff = (-qp[t] + pQp) / q[t * k + t];
      p[t] += diff;
      pQp = (pQp + diff * (diff * q[t * k + t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        qp[j] = (qp[j] + diff * q[t * k + j]) / (1 + diff);
        p[j] /= 1 + diff;
      }
    }
  }
  return p;
}
