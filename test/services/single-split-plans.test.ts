import { fromRows } from '../../src/numeric/matrix';
import { DEFAULT_PROTOCOL, planFolds, type Protocol } from '../../src/services/experiments/experiment-spec';

/** Single-split plans on a dataset with unlabelled rows: row numbers are the dataset's, unlabelled rows are in no fold. */
describe('single-split fold plans', () => {
  // Rows 0..9 on a line; rows 2 and 7 unlabelled (-1).
  const x = fromRows(Array.from({ length: 10 }, (_, i) => [i, 0]));
  const y = Int32Array.from([0, 0, -1, 0, 1, 1, 1, -1, 1, 0]);
  const protocol = (p: Partial<Protocol>): Protocol => ({ ...DEFAULT_PROTOCOL, folds: 1, ...p });

  it('Kennard-Stone over the labelled rows only, in dataset row numbers', () => {
    const [plan, ...rest] = planFolds(protocol({ split: 'kennard-stone', testFraction: 0.25 }), y, 2, null, x);
    expect(rest).toEqual([]);
    // Labelled rows 0,1,3,4,5,6,8,9: the order starts 0, 9, then 4 or 5 ...; 8 - round(2) = 6 train.
    expect(plan.train.length).toBe(6);
    expect(plan.test.length).toBe(2);
    for (const row of [...plan.train, ...plan.test]) expect(y[row]).toBeGreaterThanOrEqual(0);
    expect(Array.from(plan.train)).toEqual(expect.arrayContaining([0, 9]));
    expect(plan.labelled).toEqual(plan.train);
  });

  it('class-wise Kennard-Stone keeps every class in training', () => {
    const [plan] = planFolds(protocol({ split: 'kennard-stone-classwise', testFraction: 0.25 }), y, 2, null, x);
    expect(new Set(Array.from(plan.train, (r) => y[r]))).toEqual(new Set([0, 1]));
    expect(new Set(Array.from(plan.test, (r) => y[r]))).toEqual(new Set([0, 1]));
  });

  it('an explicit split leaves unlabelled rows out of training and refuses them as test rows', () => {
    const [plan] = planFolds(protocol({ split: 'explicit', testRows: [0, 8] }), y, 2, null, x);
    expect(Array.from(plan.test)).toEqual([0, 8]);
    expect(Array.from(plan.train)).toEqual([1, 3, 4, 5, 6, 9]);
    expect(() => planFolds(protocol({ split: 'explicit', testRows: [2] }), y, 2, null, x)).toThrow(/row 2 has no label/);
    const half = planFolds(protocol({ split: 'explicit', testRows: [0, 8], labelFraction: 0.5 }), y, 2, null, x)[0];
    expect(half.labelled.length).toBe(3);
  });
});
