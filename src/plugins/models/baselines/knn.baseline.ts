import { squaredDistances } from './linalg';
import { defineBaseline, TUNING_PARAMS } from './base';

/**
 * k-nearest neighbours, brute force in Euclidean distance (scikit-learn's KNeighborsClassifier
 * with uniform weights: the probability of a class is its share among the k neighbours).
 * ml-knn builds a k-d tree, which does not prune anything in hundreds of dimensions; a distance
 * matrix is simpler and faster here.
 */
interface KnnModel {
  readonly k: number;
  readonly nClasses: number;
  readonly cols: number;
  readonly x: Float64Array;
  readonly y: Int32Array;
}

export const knnBaseline = defineBaseline<KnnModel>({
  name: 'knn',
  description: 'k-nearest neighbours (Euclidean, majority vote)',
  params: {
    k: { type: 'integer', default: 5, min: 1, description: 'number of neighbours (capped by the training set size)' },
    tuneK: {
      type: 'integerArray',
      default: [1, 3, 5, 7, 9, 11],
      min: 1,
      minLength: 1,
      description: 'candidate values of k compared when tune is on',
    },
    ...TUNING_PARAMS,
  },
  tuningCandidates: (params) => (params.tuneK as number[]).map((k) => ({ k })),
  fit: (data, params) => ({
    k: Math.min(params.k as number, data.rows),
    nClasses: data.nClasses,
    cols: data.cols,
    x: data.x,
    y: data.y,
  }),
  predictProba: (model, x, rows) => nearestNeighbourVotes(model, x, rows),
  // One distance matrix and one selection of the most neighbours score every candidate k.
  fitPath: (data, _params, candidates) => {
    const ks = candidates.map((c) => Math.min(c.k as number, data.rows));
    return (x, rows) => votesForEachK({ nClasses: data.nClasses, cols: data.cols, x: data.x, y: data.y }, ks, x, rows);
  },
});

/** Vote shares among the k nearest training rows; distance ties go to the earlier training row, as in a stable sort. */
export function nearestNeighbourVotes(model: KnnModel, x: Float64Array, rows: number): Float64Array {
  return votesForEachK(model, [model.k], x, rows)[0];
}

/**
 * The vote shares for several k from one distance matrix and one selection: the s-th nearest
 * neighbour does not depend on how many more are selected, so each k sums the first k of them.
 */
function votesForEachK(model: Omit<KnnModel, 'k'>, ks: readonly number[], x: Float64Array, rows: number): Float64Array[] {
  const n = model.y.length;
  const kMax = Math.max(...ks);
  const distances = squaredDistances(x, rows, model.x, n, model.cols);
  const outs = ks.map(() => new Float64Array(rows * model.nClasses));
  const order = new Int32Array(n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < n; j++) order[j] = j;
    const base = i * n;
    // Partial selection of the k smallest: k is small, so k passes over n beat a full sort.
    for (let s = 0; s < kMax; s++) {
      let best = s;
      for (let j = s + 1; j < n; j++) {
        const dj = distances[base + order[j]];
        const db = distances[base + order[best]];
        if (dj < db || (dj === db && order[j] < order[best])) best = j;
      }
      const chosen = order[best];
      order[best] = order[s];
      order[s] = chosen;
      for (let c = 0; c < ks.length; c++) if (s < ks[c]) outs[c][i * model.nClasses + model.y[chosen]] += 1 / ks[c];
    }
  }
  return outs;
}
