import { accuracy, argmaxRows, binaryMetrics, classificationReport, confusionMatrix } from '../../src/numeric/metrics';

describe('classification metrics', () => {
  // Worked by hand: classes 0,1,2; truth [0,0,1,1,2,2], prediction [0,1,1,1,2,0].
  const yTrue = [0, 0, 1, 1, 2, 2];
  const yPred = [0, 1, 1, 1, 2, 0];

  it('confusion matrix counts truth x prediction', () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
  });

  it('matches hand-computed precision, recall, F1 (same as scikit-learn)', () => {
    const r = classificationReport(yTrue, yPred, 3);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    // class 0: p = 1/2, r = 1/2, f1 = 1/2; class 1: p = 2/3, r = 1, f1 = 0.8; class 2: p = 1, r = 1/2, f1 = 2/3
    expect(r.perClass[0]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.perClass[1].f1).toBeCloseTo(0.8, 12);
    expect(r.perClass[2].f1).toBeCloseTo(2 / 3, 12);
    expect(r.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });

  it('binary metrics of a decision, and the always-no baseline of the pretext task', () => {
    const truth = [true, false, false, false, false, false, false];
    const never = truth.map(() => false);
    const m = binaryMetrics(truth, never);
    expect(m.accuracy).toBeCloseTo(6 / 7, 12);
    expect(m.f1).toBe(0);
    expect(accuracy([1, 2], [1, 3])).toBe(0.5);
  });

  it('argmax over rows', () => {
    expect(Array.from(argmaxRows([0.1, 0.9, 0.7, 0.3], 2, 2))).toEqual([1, 0]);
  });
});
