import { UserInputError } from '../../../errors';
import { defineBaseline, TUNING_PARAMS } from './base';
import { columnMeans, multiply, oneHot, softmaxRows, transposeMultiply } from './linalg';

/**
 * PLS-DA: PLS2 regression (NIPALS, as scikit-learn's PLSRegression with scale=False) of one-hot
 * labels on centred spectra; the class is the argmax of the predicted responses. Written here
 * because ml-pls is ESM-only. Probabilities are the softmax of the predicted responses: they
 * rank classes like the regression does but are not calibrated.
 */
interface PlsModel {
  readonly cols: number;
  readonly nClasses: number;
  /** Latent variables actually extracted (capped by the rank of the centred data). */
  readonly components: number;
  readonly xMean: Float64Array;
  readonly yMean: Float64Array;
  /** cols x nClasses regression coefficients on centred spectra. */
  readonly coefficients: Float64Array;
}

export const plsDaBaseline = defineBaseline<PlsModel>({
  name: 'pls-da',
  description: 'PLS discriminant analysis: PLS2 regression on one-hot labels, class = argmax',
  params: {
    components: {
      type: 'integer',
      default: 10,
      min: 1,
      max: 500,
      description: 'number of latent variables (capped by the rank of the centred training data)',
    },
    tuneComponents: {
      type: 'integerArray',
      default: [2, 4, 6, 8, 10, 12, 15, 20],
      min: 1,
      max: 500,
      minLength: 1,
      description: 'candidate numbers of latent variables compared when tune is on',
    },
    ...TUNING_PARAMS,
  },
  tuningCandidates: (params) => (params.tuneComponents as number[]).map((components) => ({ components })),
  fit: (data, params) => {
    const targets = oneHot(data.y, data.nClasses);
    return { ...fitPls2(data.x, targets, data.rows, data.cols, data.nClasses, params.components as number), nClasses: data.nClasses };
  },
  predictProba: (model, x, rows) => softmaxRows(predictPls(model, x, rows), rows, model.nClasses),
  // One extraction with the most components scores every candidate: tuning costs one fit per
  // inner fold instead of one per candidate and fold.
  fitPath: (data, _params, candidates) => {
    const extracted = extractPls2(data.x, oneHot(data.y, data.nClasses), data.rows, data.cols, data.nClasses, Math.max(...candidates.map((c) => c.components as number)));
    const models = candidates.map((c) => plsCoefficients(extracted, c.components as number));
    return (x, rows) => models.map((model) => softmaxRows(predictPls(model, x, rows), rows, data.nClasses));
  },
});

export interface Pls2Fit {
  readonly cols: number;
  readonly components: number;
  readonly xMean: Float64Array;
  readonly yMean: Float64Array;
  readonly coefficients: Float64Array;
}

const NIPALS_TOLERANCE = 1e-6;
const NIPALS_MAX_ITERATIONS = 500;
/** Residual variance below this share of the original means the data's rank is exhausted. */
const RANK_TOLERANCE = 1e-12;

/** The latent variables of a PLS2 fit, before they are combined into regression coefficients. */
interface Pls2Components {
  readonly cols: number;
  readonly xMean: Float64Array;
  readonly yMean: Float64Array;
  readonly weights: Float64Array[];
  readonly xLoadings: Float64Array[];
  readonly yLoadings: Float64Array[];
}

/** PLS2 by NIPALS with deflation in regression mode; coefficients B = W (P^T W)^-1 Q^T. */
export function fitPls2(x: Float64Array, targets: Float64Array, rows: number, cols: number, nTargets: number, maxComponents: number): Pls2Fit {
  return plsCoefficients(extractPls2(x, targets, rows, cols, nTargets, maxComponents), maxComponents);
}

/**
 * NIPALS extraction of up to `maxComponents` latent variables. The first k do not depend on how
 * many more are extracted, so one extraction serves every smaller number of components.
 */
function extractPls2(x: Float64Array, targets: Float64Array, rows: number, cols: number, nTargets: number, maxComponents: number): Pls2Components {
  const xMean = columnMeans(x, rows, cols);
  const yMean = columnMeans(targets, rows, nTargets);
  const xk = new Float64Array(rows * cols);
  const yk = new Float64Array(rows * nTargets);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) xk[i * cols + j] = x[i * cols + j] - xMean[j];
    for (let c = 0; c < nTargets; c++) yk[i * nTargets + c] = targets[i * nTargets + c] - yMean[c];
  }
  const initialX = sumSquares(xk);
  const initialY = sumSquares(yk);
  const limit = Math.min(maxComponents, rows - 1, cols);
  const weights: Float64Array[] = [];
  const xLoadings: Float64Array[] = [];
  const yLoadings: Float64Array[] = [];
  for (let a = 0; a < limit; a++) {
    if (sumSquares(xk) <= RANK_TOLERANCE * initialX || sumSquares(yk) <= RANK_TOLERANCE * initialY) break;
    const w = firstWeightVector(xk, yk, rows, cols, nTargets);
    const t = multiply(xk, rows, cols, w, 1);
    const tt = dot(t, t);
    if (tt <= RANK_TOLERANCE * initialX) break;
    const p = new Float64Array(cols);
    const q = new Float64Array(nTargets);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) p[j] += t[i] * xk[i * cols + j];
      for (let c = 0; c < nTargets; c++) q[c] += t[i] * yk[i * nTargets + c];
    }
    for (let j = 0; j < cols; j++) p[j] /= tt;
    for (let c = 0; c < nTargets; c++) q[c] /= tt;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) xk[i * cols + j] -= t[i] * p[j];
      for (let c = 0; c < nTargets; c++) yk[i * nTargets + c] -= t[i] * q[c];
    }
    weights.push(w);
    xLoadings.push(p);
    yLoadings.push(q);
  }
  if (weights.length === 0) throw new UserInputError('PLS: the centred training spectra or labels have no variance');
  return { cols, xMean, yMean, weights, xLoadings, yLoadings };
}

/** Regression coefficients from the first `maxComponents` latent variables (all there are, if fewer). */
function plsCoefficients(extracted: Pls2Components, maxComponents: number): Pls2Fit {
  const { cols, xMean, yMean } = extracted;
  const nTargets = yMean.length;
  const components = Math.min(maxComponents, extracted.weights.length);
  const weights = extracted.weights.slice(0, components);
  const xLoadings = extracted.xLoadings.slice(0, components);
  const yLoadings = extracted.yLoadings.slice(0, components);
  // R = W (P^T W)^-1, then B = R Q^T.
  const ptw = new Float64Array(components * components);
  for (let r = 0; r < components; r++) for (let c = 0; c < components; c++) ptw[r * components + c] = dot(xLoadings[r], weights[c]);
  const inverse = invertSmall(ptw, components);
  const coefficients = new Float64Array(cols * nTargets);
  for (let a = 0; a < components; a++) {
    for (let b = 0; b < components; b++) {
      const factor = inverse[a * components + b];
      if (factor === 0) continue;
      for (let j = 0; j < cols; j++) {
        const rja = weights[a][j] * factor;
        for (let c = 0; c < nTargets; c++) coefficients[j * nTargets + c] += rja * yLoadings[b][c];
      }
    }
  }
  return { cols, components, xMean, yMean, coefficients };
}

export function predictPls(model: Pls2Fit, x: Float64Array, rows: number): Float64Array {
  const nTargets = model.yMean.length;
  const centred = new Float64Array(rows * model.cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < model.cols; j++) centred[i * model.cols + j] = x[i * model.cols + j] - model.xMean[j];
  const out = multiply(centred, rows, model.cols, model.coefficients, nTargets);
  for (let i = 0; i < rows; i++) for (let c = 0; c < nTargets; c++) out[i * nTargets + c] += model.yMean[c];
  return out;
}

/**
 * NIPALS power iteration for the first pair of X and Y weight vectors (w normalised). One round
 * is w <- X^T u, t = X w, c = Y^T t, u = Y c, i.e. w <- M M^T w up to scale with M = X^T Y
 * (cols x targets): iterated on M, each round costs cols x targets instead of two passes over X,
 * with the same iterates (w is normalised every round, so the scalars drop out).
 */
function firstWeightVector(xk: Float64Array, yk: Float64Array, rows: number, cols: number, nTargets: number): Float64Array {
  let start = 0;
  for (let c = 0; c < nTargets; c++) {
    let ss = 0;
    for (let i = 0; i < rows; i++) ss += yk[i * nTargets + c] ** 2;
    if (ss > 0) {
      start = c;
      break;
    }
  }
  const m = transposeMultiply(xk, rows, cols, yk, nTargets);
  let w: Float64Array = new Float64Array(cols);
  const s = new Float64Array(nTargets);
  s[start] = 1;
  for (let iteration = 0; iteration < NIPALS_MAX_ITERATIONS; iteration++) {
    const next = multiply(m, cols, nTargets, s, 1);
    const norm = Math.sqrt(dot(next, next)) || 1;
    for (let j = 0; j < cols; j++) next[j] /= norm;
    let change = 0;
    for (let j = 0; j < cols; j++) change += (next[j] - w[j]) ** 2;
    w = next;
    if (nTargets === 1 || change < NIPALS_TOLERANCE) break;
    s.set(transposeMultiply(m, cols, nTargets, w, 1));
  }
  return w;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function sumSquares(a: Float64Array): number {
  return dot(a, a);
}

/** Gauss-Jordan inverse with partial pivoting, for the small components x components matrix. */
function invertSmall(a: Float64Array, n: number): Float64Array {
  const work = Float64Array.from(a);
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inverse[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(work[r * n + col]) > Math.abs(work[pivot * n + col])) pivot = r;
    if (work[pivot * n + col] === 0) throw new UserInputError('PLS: singular loading matrix; use fewer components');
    for (let c = 0; c < n; c++) {
      [work[col * n + c], work[pivot * n + c]] = [work[pivot * n + c], work[col * n + c]];
      [inverse[col * n + c], inverse[pivot * n + c]] = [inverse[pivot * n + c], inverse[col * n + c]];
    }
    const scale = work[col * n + col];
    for (let c = 0; c < n; c++) {
      work[col * n + c] /= scale;
      inverse[col * n + c] /= scale;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = work[r * n + col];
      if (factor === 0) continue;
      for (let c = 0; c < n; c++) {
        work[r * n + c] -= factor * work[col * n + c];
        inverse[r * n + c] -= factor * inverse[col * n + c];
      }
    }
  }
  return inverse;
}
