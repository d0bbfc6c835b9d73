import { UserInputError } from '../errors';
import { Rng } from './rng';

/**
 * Cross-validation splits: stratified k-fold, group-aware stratified k-fold, and the stratified
 * label-fraction subset of a training fold (the paper's label-fraction sweep). Indices are row
 * numbers of the dataset; every split is a pure function of its seed.
 */
export interface Fold {
  /** Sorted row indices used for fitting. */
  readonly train: Int32Array;
  /** Sorted row indices held out. */
  readonly test: Int32Array;
}

function toRng(seed: number | Rng): Rng {
  return typeof seed === 'number' ? new Rng(seed) : seed;
}

function checkFoldCount(k: number): void {
  if (!Number.isInteger(k) || k < 2) throw new UserInputError(`cross-validation needs an integer number of folds >= 2, got ${k}`);
}

/** Rows per class (labels must be integers >= 0). */
export function classCounts(y: ArrayLike<number>): number[] {
  const counts: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    if (!Number.isInteger(label) || label < 0) throw new UserInputError(`label at row ${i} must be a class index >= 0, got ${label}`);
    while (counts.length <= label) counts.push(0);
    counts[label]++;
  }
  return counts;
}

function foldsFromTestSets(n: number, testSets: number[][]): Fold[] {
  return testSets.map((test) => {
    const inTest = new Uint8Array(n);
    for (const i of test) inTest[i] = 1;
    const train: number[] = [];
    for (let i = 0; i < n; i++) if (!inTest[i]) train.push(i);
    return { train: Int32Array.from(train), test: Int32Array.from(test).sort() };
  });
}

/**
 * Stratified k-fold: one seeded shuffle of all rows, then the rows of each class, in shuffled
 * order, are dealt round-robin into the k folds. The deal continues across classes (class c
 * starts where class c-1 stopped) so that fold sizes differ by at most one, as in scikit-learn's
 * StratifiedKFold(shuffle=True).
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, seed: number | Rng): Fold[] {
  checkFoldCount(k);
  const counts = classCounts(y);
  const present = counts.filter((c) => c > 0);
  if (present.length === 0) throw new UserInputError('cannot split an empty dataset');
  const smallest = Math.min(...present);
  if (k > smallest) {
    const cls = counts.indexOf(smallest);
    throw new UserInputError(`${k}-fold stratified cross-validation needs at least ${k} rows per class; class ${cls} has ${smallest}`);
  }
  const order = toRng(seed).permutation(y.length);
  const testSets: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (let c = 0; c < counts.length; c++) {
    for (const i of order) {
      if (y[i] !== c) continue;
      testSets[next].push(i);
      next = (next + 1) % k;
    }
  }
  return foldsFromTestSets(y.length, testSets);
}

/**
 * Group-aware stratified k-fold: all rows of a group (e.g. repeated scans of one sample) land in
 * the same fold. Groups are shuffled (seeded), taken largest first, and each goes to the fold
 * where it keeps the per-class proportions most even across folds (ties: the smaller fold).
 */
export function groupStratifiedKFold(
  y: ArrayLike<number>,
  groups: ArrayLike<string | number>,
  k: number,
  seed: number | Rng,
): Fold[] {
  checkFoldCount(k);
  if (groups.length !== y.length) throw new UserInputError(`${y.length} labels but ${groups.length} group keys`);
  const nClasses = classCounts(y).length;
  const rowsOfGroup = new Map<string | number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const rows = rowsOfGroup.get(groups[i]);
    if (rows) rows.push(i);
    else rowsOfGroup.set(groups[i], [i]);
  }
  if (k > rowsOfGroup.size) throw new UserInputError(`${k}-fold group cross-validation needs at least ${k} groups, got ${rowsOfGroup.size}`);

  const groupRows = toRng(seed).shuffle([...rowsOfGroup.values()]);
  // Stable sort: the shuffle decides among groups of equal size.
  groupRows.sort((a, b) => b.length - a.length);
  const classTotals = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) classTotals[y[i]]++;
  const foldClassCounts = Array.from({ length: k }, () => new Float64Array(nClasses));
  const foldSizes = new Array<number>(k).fill(0);
  const testSets: number[][] = Array.from({ length: k }, () => []);

  for (const rows of groupRows) {
    const groupCounts = new Float64Array(nClasses);
    for (const i of rows) groupCounts[y[i]]++;
    let bestFold = foldSizes.indexOf(0);
    if (bestFold < 0) {
      let bestCost = Infinity;
      for (let f = 0; f < k; f++) {
        const cost = proportionSpread(foldClassCounts, classTotals, f, groupCounts);
        if (cost < bestCost - 1e-12 || (Math.abs(cost - bestCost) <= 1e-12 && foldSizes[f] < foldSizes[bestFold])) {
          bestCost = cost;
          bestFold = f;
        }
      }
    }
    for (let c = 0; c < nClasses; c++) foldClassCounts[bestFold][c] += groupCounts[c];
    foldSizes[bestFold] += rows.length;
    testSets[bestFold].push(...rows);
  }
  return foldsFromTestSets(y.length, testSets);
}

/** Sum over classes of the variance, across folds, of each fold's share of the class, if `extra` joined fold `target`. */
function proportionSpread(counts: Float64Array[], totals: Float64Array, target: number, extra: Float64Array): number {
  const k = counts.length;
  let spread = 0;
  for (let c = 0; c < totals.length; c++) {
    if (totals[c] === 0) continue;
    let sum = 0;
    let sumSquares = 0;
    for (let f = 0; f < k; f++) {
      const share = (counts[f][c] + (f === target ? extra[c] : 0)) / totals[c];
      sum += share;
      sumSquares += share * share;
    }
    spread += sumSquares / k - (sum / k) ** 2;
  }
  return spread;
}

/**
 * A stratified subset holding `fraction` of a training fold (the label-fraction sweep): each
 * class of the fold keeps its share (largest remainders), and at least one row. A class the fold
 * lacks (a grouped dataset whose class has a single sample, all in the test fold) stays absent,
 * as it is from the whole fold at 100 %.
 */
export function labelFractionSubset(
  train: ArrayLike<number>,
  y: ArrayLike<number>,
  fraction: number,
  seed: number | Rng,
  nClasses?: number,
): Int32Array {
  if (!(fraction > 0 && fraction <= 1)) throw new UserInputError(`label fraction must be in (0, 1], got ${fraction}`);
  const byClass: number[][] = [];
  for (let t = 0; t < train.length; t++) {
    const label = y[train[t]];
    if (!Number.isInteger(label) || label < 0) throw new UserInputError(`label of row ${train[t]} must be a class index >= 0, got ${label}`);
    while (byClass.length <= label) byClass.push([]);
    byClass[label].push(train[t]);
  }
  const classes = Math.max(nClasses ?? 0, byClass.length);
  while (byClass.length < classes) byClass.push([]);
  const present = byClass.filter((rows) => rows.length > 0).length;
  const total = Math.max(present, Math.round(fraction * train.length));
  const quotas = byClass.map((rows) => Math.min(rows.length, Math.max(1, Math.floor(fraction * rows.length))));
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = byClass
    .map((rows, c) => ({ c, remainder: fraction * rows.length - Math.floor(fraction * rows.length) }))
    .sort((a, b) => b.remainder - a.remainder || a.c - b.c);
  for (let r = 0; left > 0 && r < byRemainder.length; r++) {
    const c = byRemainder[r].c;
    if (quotas[c] < byClass[c].length) {
      quotas[c]++;
      left--;
    }
  }
  const rng = toRng(seed);
  const chosen: number[] = [];
  byClass.forEach((rows, c) => chosen.push(...rng.shuffle([...rows]).slice(0, quotas[c])));
  return Int32Array.from(chosen).sort();
}

/**
 * One stratified hold-out split of a training set (inner validation): about `fraction` of each
 * class goes to `test`, never its last row (or group), so every class stays trainable; a class
 * of one row (or group) is not validated on. With `groups`, a group's rows stay together (a group
 * counts for the class of its first row). Pure function of the seed.
 */
export function stratifiedHoldout(y: ArrayLike<number>, fraction: number, seed: number | Rng, groups?: ArrayLike<string | number> | null): Fold {
  if (!(fraction > 0 && fraction < 1)) throw new UserInputError(`hold-out fraction must be in (0, 1), got ${fraction}`);
  const byClass = unitsByClass(y, groups);
  const rng = toRng(seed);
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const classUnits = rng.shuffle(byClass.get(label) as number[][]);
    const classRows = classUnits.reduce((n, rows) => n + rows.length, 0);
    const target = Math.round(fraction * classRows);
    let taken = 0;
    for (let u = 0; u < classUnits.length - 1 && taken < target; u++) {
      test.push(...classUnits[u]);
      taken += classUnits[u].length;
    }
  }
  return foldsFromTestSets(y.length, [test])[0];
}

/**
 * Stratified k-fold for inner validation, tolerant of small classes: the units (rows, or groups
 * when given; a group counts for the class of its first row) of each class are shuffled and dealt
 * round-robin into the k held-out sets, the deal continuing across classes. A class of one unit is
 * never held out, so every class stays trainable in every fold. Folds that would hold out nothing
 * are left out (fewer than k when the set is tiny). Pure function of the seed.
 */
export function innerKFold(y: ArrayLike<number>, k: number, seed: number | Rng, groups?: ArrayLike<string | number> | null): Fold[] {
  checkFoldCount(k);
  const byClass = unitsByClass(y, groups);
  const rng = toRng(seed);
  const testSets: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const classUnits = rng.shuffle(byClass.get(label) as number[][]);
    if (classUnits.length < 2) continue;
    for (const rows of classUnits) {
      testSets[next].push(...rows);
      next = (next + 1) % k;
    }
  }
  return foldsFromTestSets(y.length, testSets.filter((test) => test.length > 0));
}

/** Rows of each unit (a group, or a single row without groups), units listed by class of their first row. */
function unitsByClass(y: ArrayLike<number>, groups?: ArrayLike<string | number> | null): Map<number, number[][]> {
  const units = new Map<string | number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const key = groups ? groups[i] : i;
    const rows = units.get(key);
    if (rows) rows.push(i);
    else units.set(key, [i]);
  }
  const byClass = new Map<number, number[][]>();
  for (const rows of units.values()) {
    const label = y[rows[0]];
    const list = byClass.get(label);
    if (list) list.push(rows);
    else byClass.set(label, [rows]);
  }
  return byClass;
}

/**
 * Kennard-Stone selection order of the rows of `x` (row-major, `cols` values per row): first
 * the two rows farthest apart (Euclidean), then repeatedly the row whose distance to its nearest
 * selected row is largest. Ties go to the lower row number, so the order is deterministic.
 */
export function kennardStoneOrder(x: ArrayLike<number>, rows: number, cols: number): number[] {
  if (rows === 0) return [];
  if (rows === 1) return [0];
  const distance = (a: number, b: number): number => {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[a * cols + j] - x[b * cols + j];
      s += d * d;
    }
    return s;
  };
  let first = 0;
  let second = 1;
  let farthest = -1;
  for (let a = 0; a < rows; a++) {
    for (let b = a + 1; b < rows; b++) {
      const d = distance(a, b);
      if (d > farthest) {
        farthest = d;
        first = a;
        second = b;
      }
    }
  }
  const order = [first, second];
  const chosen = new Uint8Array(rows);
  chosen[first] = chosen[second] = 1;
  const nearest = new Float64Array(rows);
  for (let i = 0; i < rows; i++) nearest[i] = Math.min(distance(i, first), distance(i, second));
  while (order.length < rows) {
    let next = -1;
    for (let i = 0; i < rows; i++) if (!chosen[i] && (next < 0 || nearest[i] > nearest[next])) next = i;
    order.push(next);
    chosen[next] = 1;
    for (let i = 0; i < rows; i++) if (!chosen[i]) nearest[i] = Math.min(nearest[i], distance(i, next));
  }
  return order;
}

function checkTestFraction(fraction: number): void {
  if (!(fraction > 0 && fraction < 1)) throw new UserInputError(`testFraction must be in (0, 1), got ${fraction}`);
}

/** Rows kept for training out of n when `fraction` is held out: at least 2 and at least 1 tested. */
function trainCount(n: number, fraction: number): number {
  return Math.min(n - 1, Math.max(2, n - Math.round(fraction * n)));
}

/**
 * Kennard-Stone train/test split: the first rows of the Kennard-Stone order (which span the
 * spectral space, the extremes included) train, the last `testFraction` of them test. One split,
 * no randomness. `x` holds one row of `cols` values per label.
 */
export function kennardStoneSplit(x: ArrayLike<number>, cols: number, y: ArrayLike<number>, testFraction: number): Fold {
  checkTestFraction(testFraction);
  const n = y.length;
  if (n < 3) throw new UserInputError(`a Kennard-Stone split needs at least 3 rows, got ${n}`);
  const order = kennardStoneOrder(x, n, cols);
  const test = order.slice(trainCount(n, testFraction));
  return foldsFromTestSets(n, [test])[0];
}

/**
 * Class-wise Kennard-Stone: the split is made within each class (each class keeps its share of
 * training and test rows), on that class's rows only.
 */
export function classwiseKennardStoneSplit(x: ArrayLike<number>, cols: number, y: ArrayLike<number>, testFraction: number): Fold {
  checkTestFraction(testFraction);
  const counts = classCounts(y);
  const test: number[] = [];
  counts.forEach((count, c) => {
    if (count === 0) return;
    if (count < 3) throw new UserInputError(`a class-wise Kennard-Stone split needs at least 3 rows per class; class ${c} has ${count}`);
    const members: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) members.push(i);
    const sub = new Float64Array(count * cols);
    members.forEach((row, k) => {
      for (let j = 0; j < cols; j++) sub[k * cols + j] = x[row * cols + j];
    });
    const order = kennardStoneOrder(sub, count, cols);
    for (const k of order.slice(trainCount(count, testFraction))) test.push(members[k]);
  });
  return foldsFromTestSets(y.length, [test])[0];
}

/**
 * An explicit split: train on `trainRows` (every other row when null), test on `testRows`.
 * Rows must be within 0..n-1, unique and not in both lists.
 */
export function explicitSplit(n: number, testRows: readonly number[], trainRows: readonly number[] | null): Fold {
  const check = (list: readonly number[], name: string) => {
    const seen = new Set<number>();
    for (const i of list) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new UserInputError(`${name} has row ${i}, outside 0..${n - 1}`);
      if (seen.has(i)) throw new UserInputError(`${name} lists row ${i} twice`);
      seen.add(i);
    }
    return seen;
  };
  if (testRows.length === 0) throw new UserInputError('an explicit split needs at least one test row');
  const test = check(testRows, 'testRows');
  const train = trainRows ? check(trainRows, 'trainRows') : null;
  if (train) {
    for (const i of train) if (test.has(i)) throw new UserInputError(`row ${i} is in both trainRows and testRows`);
  }
  const trainList = train ? [...train] : Array.from({ length: n }, (_, i) => i).filter((i) => !test.has(i));
  if (trainList.length < 2) throw new UserInputError('an explicit split needs at least 2 training rows');
  return { train: Int32Array.from(trainList).sort(), test: Int32Array.from(test).sort() };
}
