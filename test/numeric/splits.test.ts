import { UserInputError } from '../../src/errors';
import { groupStratifiedKFold, labelFractionSubset, stratifiedKFold, type Fold } from '../../src/numeric/splits';

/** 0..nClasses-1 with the given counts, interleaved. */
function labels(counts: number[]): Int32Array {
  const out: number[] = [];
  counts.forEach((count, c) => out.push(...Array<number>(count).fill(c)));
  return Int32Array.from(out.reverse());
}

function expectPartition(folds: Fold[], n: number): void {
  const seen = new Array<number>(n).fill(0);
  for (const { train, test } of folds) {
    for (const i of test) seen[i]++;
    expect(train.length + test.length).toBe(n);
    const inTest = new Set(test);
    for (const i of train) expect(inTest.has(i)).toBe(false);
  }
  expect(seen.every((count) => count === 1)).toBe(true);
}

describe('stratifiedKFold', () => {
  const y = labels([40, 25, 13]);

  it('puts every row in exactly one test fold, with balanced fold sizes and class shares', () => {
    const folds = stratifiedKFold(y, 5, 0);
    expect(folds).toHaveLength(5);
    expectPartition(folds, y.length);
    const sizes = folds.map((f) => f.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const c of [0, 1, 2]) {
      const perFold = folds.map((f) => Array.from(f.test).filter((i) => y[i] === c).length);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
  });

  it('is determined by its seed', () => {
    expect(stratifiedKFold(y, 5, 7)).toEqual(stratifiedKFold(y, 5, 7));
    expect(stratifiedKFold(y, 5, 7)).not.toEqual(stratifiedKFold(y, 5, 8));
  });

  it('refuses k < 2 and k larger than the smallest class', () => {
    expect(() => stratifiedKFold(y, 1, 0)).toThrow(UserInputError);
    expect(() => stratifiedKFold(y, 14, 0)).toThrow(/at least 14 rows per class; class 2 has 13/);
    expect(() => stratifiedKFold(new Int32Array(0), 2, 0)).toThrow(/empty/);
  });
});

describe('groupStratifiedKFold', () => {
  // 30 samples scanned 1-4 times each; the label belongs to the sample.
  const groups: string[] = [];
  const y: number[] = [];
  for (let s = 0; s < 30; s++) {
    for (let r = 0; r < 1 + (s % 4); r++) {
      groups.push(`sample-${s}`);
      y.push(s % 3);
    }
  }

  it('keeps all rows of a group in one fold and covers every row once', () => {
    const folds = groupStratifiedKFold(y, groups, 4, 0);
    expectPartition(folds, y.length);
    for (const { test } of folds) {
      const inFold = new Set(Array.from(test, (i) => groups[i]));
      for (let i = 0; i < groups.length; i++) expect(Array.from(test).includes(i)).toBe(inFold.has(groups[i]));
    }
  });

  it('balances the classes across folds and is seeded', () => {
    const folds = groupStratifiedKFold(y, groups, 3, 1);
    for (const c of [0, 1, 2]) {
      const perFold = folds.map((f) => Array.from(f.test).filter((i) => y[i] === c).length);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(4);
      expect(Math.min(...perFold)).toBeGreaterThan(0);
    }
    expect(groupStratifiedKFold(y, groups, 3, 1)).toEqual(folds);
  });

  it('refuses more folds than groups and mismatched lengths', () => {
    expect(() => groupStratifiedKFold(y, groups, 31, 0)).toThrow(/at least 31 groups, got 30/);
    expect(() => groupStratifiedKFold(y, groups.slice(1), 3, 0)).toThrow(UserInputError);
  });
});

describe('labelFractionSubset', () => {
  const y = labels([50, 30, 20]);
  const train = Int32Array.from({ length: 80 }, (_, i) => i * 1.25).map(Math.floor);

  it('keeps the requested share of each class, from the training fold only', () => {
    const subset = labelFractionSubset(train, y, 0.2, 0);
    expect(subset.length).toBe(Math.round(0.2 * train.length));
    const trainSet = new Set(train);
    expect(Array.from(subset).every((i) => trainSet.has(i))).toBe(true);
    expect(new Set(subset).size).toBe(subset.length);
    for (const c of [0, 1, 2]) {
      const inTrain = Array.from(train).filter((i) => y[i] === c).length;
      const inSubset = Array.from(subset).filter((i) => y[i] === c).length;
      expect(Math.abs(inSubset - 0.2 * inTrain)).toBeLessThanOrEqual(1);
    }
    expect(labelFractionSubset(train, y, 0.2, 0)).toEqual(subset);
  });

  it('keeps at least one row per class even at tiny fractions', () => {
    const subset = labelFractionSubset(train, y, 0.01, 3);
    expect(new Set(Array.from(subset, (i) => y[i])).size).toBe(3);
  });

  it('refuses bad fractions', () => {
    expect(() => labelFractionSubset(train, y, 0, 0)).toThrow(/\(0, 1\]/);
    expect(() => labelFractionSubset(train, y, 1.5, 0)).toThrow(UserInputError);
  });

  it('leaves out a class the training fold lacks, as the whole fold does (one-sample class of a grouped set)', () => {
    const noClassTwo = Array.from(train).filter((i) => y[i] !== 2);
    const subset = labelFractionSubset(noClassTwo, y, 0.2, 0, 3);
    expect(new Set(Array.from(subset, (i) => y[i]))).toEqual(new Set([0, 1]));
    expect(subset.length).toBe(Math.round(0.2 * noClassTwo.length));
  });
});
