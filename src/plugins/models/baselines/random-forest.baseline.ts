import { Rng } from '../../../numeric/rng';
import { defineBaseline, type TrainingData } from './base';

/**
 * Random forest of CART trees (Gini impurity, bootstrap rows, a fresh random subset of features
 * at every split, grown until pure), as scikit-learn's RandomForestClassifier. Probabilities are
 * the mean over trees of the leaf class shares. Written here because ml-random-forest draws one
 * feature subset per tree rather than per split and its tree search is quadratic in the node
 * size: 5 trees took 0.3 s on one Tablet fold, so 500 trees would take ~30 s per fold.
 */
interface ForestModel {
  readonly cols: number;
  readonly nClasses: number;
  readonly trees: number;
  /** Node arrays over all trees; feature -1 marks a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** Left child, or for a leaf the index of its class distribution in leafValues. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Root node of each tree. */
  readonly roots: Int32Array;
  /** nClasses shares per leaf. */
  readonly leafValues: Float64Array;
}

const FEATURE_RULES = {
  sqrt: (p: number) => Math.max(1, Math.floor(Math.sqrt(p))),
  log2: (p: number) => Math.max(1, Math.floor(Math.log2(p))),
  all: (p: number) => p,
} as const;

export const randomForestBaseline = defineBaseline<ForestModel>({
  name: 'random-forest',
  description: 'random forest of Gini CART trees with bootstrap and per-split feature sampling',
  params: {
    trees: { type: 'integer', default: 500, min: 1, max: 10000, description: 'number of trees' },
    maxFeatures: {
      type: 'enum',
      default: 'sqrt',
      values: Object.keys(FEATURE_RULES),
      description: 'features tried at each split: sqrt(p), log2(p) or all p',
    },
    maxDepth: { type: 'integer', default: null, nullable: true, min: 1, description: 'maximum tree depth (null: grow until pure)' },
    minSamplesLeaf: { type: 'integer', default: 1, min: 1, description: 'minimum training rows in a leaf' },
    bootstrap: { type: 'boolean', default: true, description: 'train each tree on a bootstrap sample of the rows' },
    seed: { type: 'integer', default: 0, description: 'seed of the bootstrap and feature sampling' },
  },
  fit: async (data, params, context) => {
    const rng = new Rng(params.seed as number);
    const builder = new ForestBuilder(data, {
      featuresPerSplit: FEATURE_RULES[params.maxFeatures as keyof typeof FEATURE_RULES](data.cols),
      maxDepth: (params.maxDepth as number | null) ?? Infinity,
      minSamplesLeaf: params.minSamplesLeaf as number,
    });
    const trees = params.trees as number;
    for (let t = 0; t < trees; t++) {
      builder.addTree(rng, params.bootstrap as boolean);
      if ((t + 1) % 25 === 0 || t + 1 === trees) {
        context.progress({ epoch: t + 1, epochs: trees, loss: 0 });
        await context.checkpoint();
      }
    }
    return builder.build();
  },
  predictProba: (model, x, rows) => {
    const c = model.nClasses;
    const out = new Float64Array(rows * c);
    for (let i = 0; i < rows; i++) {
      const offset = i * model.cols;
      for (let t = 0; t < model.trees; t++) {
        let node = model.roots[t];
        while (model.feature[node] >= 0) {
          node = x[offset + model.feature[node]] <= model.threshold[node] ? model.left[node] : model.right[node];
        }
        const leaf = model.left[node] * c;
        for (let k = 0; k < c; k++) out[i * c + k] += model.leafValues[leaf + k];
      }
      for (let k = 0; k < c; k++) out[i * c + k] /= model.trees;
    }
    return out;
  },
});

interface TreeOptions {
  readonly featuresPerSplit: number;
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
}

interface Split {
  feature: number;
  threshold: number;
  /** Rows of the node going left, once its rows are sorted by the split feature. */
  leftCount: number;
}

/** Grows trees into shared growable node arrays. */
class ForestBuilder {
  private readonly feature: number[] = [];
  private readonly threshold: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly roots: number[] = [];
  private readonly leafValues: number[] = [];
  private readonly featureOrder: Int32Array;
  private readonly keys: Float64Array;
  private readonly sortBuffer: Int32Array;
  private readonly sorter: RowSorter;
  /** x column by column: a split search reads one feature of many rows. */
  private readonly columns: Float64Array;

  constructor(
    private readonly data: TrainingData,
    private readonly options: TreeOptions,
  ) {
    this.featureOrder = Int32Array.from({ length: data.cols }, (_, j) => j);
    this.keys = new Float64Array(data.rows);
    this.sortBuffer = new Int32Array(data.rows);
    this.columns = transpose(data.x, data.rows, data.cols);
    this.sorter = new RowSorter(this.columns, data.rows);
  }

  addTree(rng: Rng, bootstrap: boolean): void {
    const n = this.data.rows;
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = bootstrap ? rng.int(n) : i;
    this.roots.push(this.grow(rows, 0, n, 0, rng));
  }

  build(): ForestModel {
    return {
      cols: this.data.cols,
      nClasses: this.data.nClasses,
      trees: this.roots.length,
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      roots: Int32Array.from(this.roots),
      leafValues: Float64Array.from(this.leafValues),
    };
  }

  /** Grows the subtree over rows[start, end) and returns its node index. */
  private grow(rows: Int32Array, start: number, end: number, depth: number, rng: Rng): number {
    const node = this.feature.length;
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(0);
    this.right.push(0);
    const counts = this.classCounts(rows, start, end);
    const size = end - start;
    const pure = counts.filter((c) => c > 0).length <= 1;
    const split =
      pure || depth >= this.options.maxDepth || size < 2 * this.options.minSamplesLeaf ? null : this.bestSplit(rows, start, end, counts, rng);
    if (!split) {
      this.left[node] = this.leafValues.length / this.data.nClasses;
      for (const c of counts) this.leafValues.push(c / size);
      return node;
    }
    this.sortByFeature(rows, start, end, split.feature);
    this.feature[node] = split.feature;
    this.threshold[node] = split.threshold;
    const middle = start + split.leftCount;
    this.left[node] = this.grow(rows, start, middle, depth + 1, rng);
    this.right[node] = this.grow(rows, middle, end, depth + 1, rng);
    return node;
  }

  private classCounts(rows: Int32Array, start: number, end: number): number[] {
    const counts = new Array<number>(this.data.nClasses).fill(0);
    for (let k = start; k < end; k++) counts[this.data.y[rows[k]]]++;
    return counts;
  }

  /** Sorts rows[start, end) by one feature's value, ties by row index. */
  private sortByFeature(rows: Int32Array, start: number, end: number, feature: number): void {
    const column = this.columns.subarray(feature * this.data.rows, (feature + 1) * this.data.rows);
    const slice = rows.subarray(start, end);
    for (let k = 0; k < slice.length; k++) this.keys[slice[k]] = column[slice[k]];
    this.sorter.sort(slice, feature, this.keys);
  }

  /**
   * Tries random features until featuresPerSplit have been examined and a valid split exists
   * (like scikit-learn, constant features do not use up the budget of a node that has none).
   */
  private bestSplit(rows: Int32Array, start: number, end: number, parentCounts: number[], rng: Rng): Split | null {
    const { y, nClasses, cols } = this.data;
    const size = end - start;
    const minLeaf = this.options.minSamplesLeaf;
    const order = this.featureOrder;
    const leftCounts = new Float64Array(nClasses);
    const rightCounts = new Float64Array(nClasses);
    let best: Split | null = null;
    let bestScore = -Infinity;
    const buffer = this.sortBuffer.subarray(0, size);
    for (let drawn = 0; drawn < cols && (drawn < this.options.featuresPerSplit || best === null); drawn++) {
      const pick = drawn + rng.int(cols - drawn);
      const feature = order[pick];
      order[pick] = order[drawn];
      order[drawn] = feature;

      buffer.set(rows.subarray(start, end));
      const column = this.columns.subarray(feature * this.data.rows, (feature + 1) * this.data.rows);
      for (let k = 0; k < size; k++) this.keys[buffer[k]] = column[buffer[k]];
      const keys = this.keys;
      this.sorter.sort(buffer, feature, keys);
      if (keys[buffer[0]] === keys[buffer[size - 1]]) continue;

      leftCounts.fill(0);
      for (let c = 0; c < nClasses; c++) rightCounts[c] = parentCounts[c];
      // Maximising sum(left^2)/nLeft + sum(right^2)/nRight is minimising the weighted Gini impurity.
      let leftSquares = 0;
      let rightSquares = 0;
      for (let c = 0; c < nClasses; c++) rightSquares += rightCounts[c] * rightCounts[c];
      for (let k = 0; k < size - 1; k++) {
        const label = y[buffer[k]];
        leftSquares += 2 * leftCounts[label] + 1;
        rightSquares -= 2 * rightCounts[label] - 1;
        leftCounts[label]++;
        rightCounts[label]--;
        const nLeft = k + 1;
        if (nLeft < minLeaf || size - nLeft < minLeaf) continue;
        const here = keys[buffer[k]];
        const next = keys[buffer[k + 1]];
        if (here === next) continue;
        const score = leftSquares / nLeft + rightSquares / (size - nLeft);
        if (score > bestScore) {
          bestScore = score;
          let threshold = (here + next) / 2;
          if (threshold >= next) threshold = here;
          best = { feature, threshold, leftCount: nLeft };
        }
      }
    }
    return best;
  }
}

function transpose(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}

/** Row indices fit in the low 21 bits of a packed sort key (2^32 x 2^21 = 2^53, exact in a double). */
const ROW_BITS = 2 ** 21;

/**
 * Sorts row indices by one feature's value, ties by row index. Sorting with a comparator calls
 * back into JavaScript for every comparison, which made the tree search several times slower than
 * scikit-learn's; so where every value is a float32 (as a Matrix gives) and the rows fit in 21
 * bits, each row is packed into one double, (order-preserving integer of its float32) x 2^21 +
 * row, and a plain numeric sort orders them exactly as the comparator would.
 */
export class RowSorter {
  /** Per value of x: its order-preserving integer times 2^21, or null where packing does not apply. */
  private readonly packedKeys: Float64Array | null;
  private readonly packed: Float64Array;

  /** `columns`: the values feature by feature (feature * rows + row). */
  constructor(columns: Float64Array, private readonly rows: number) {
    this.packedKeys = rows < ROW_BITS ? orderedFloat32Keys(columns) : null;
    this.packed = new Float64Array(rows);
  }

  sort(rows: Int32Array, feature: number, keys: Float64Array): void {
    const packedKeys = this.packedKeys;
    if (packedKeys === null) {
      rows.sort((a, b) => keys[a] - keys[b] || a - b);
      return;
    }
    const offset = feature * this.rows;
    const packed = this.packed.subarray(0, rows.length);
    for (let k = 0; k < rows.length; k++) packed[k] = packedKeys[offset + rows[k]] + rows[k];
    packed.sort();
    for (let k = 0; k < rows.length; k++) rows[k] = packed[k] % ROW_BITS;
  }
}

/**
 * Each value's float32 bit pattern mapped so that integer order is numeric order (negative values
 * flipped, positive ones offset by 2^31; -0 as +0), times 2^21; null if some value is not a
 * float32 or is NaN.
 */
function orderedFloat32Keys(x: Float64Array): Float64Array | null {
  const bits = new Uint32Array(1);
  const float = new Float32Array(bits.buffer);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const value = x[i] === 0 ? 0 : x[i];
    if (Math.fround(value) !== value) return null;
    float[0] = value;
    const b = bits[0];
    out[i] = (b >= 0x80000000 ? 0xffffffff - b : b + 0x80000000) * ROW_BITS;
  }
  return out;
}
