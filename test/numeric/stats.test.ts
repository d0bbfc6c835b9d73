import { logGamma, pairedTTest, studentTTwoSided, summarize } from '../../src/numeric/stats';

describe('statistics for experiment comparison', () => {
  it('summarises with the sample standard deviation', () => {
    const s = summarize([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it('log-gamma matches factorials', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('Student t two-sided p-values match tables (scipy.stats.t.sf * 2)', () => {
    expect(studentTTwoSided(2, 4)).toBeCloseTo(0.116117, 5);
    expect(studentTTwoSided(2.776445, 4)).toBeCloseTo(0.05, 5);
    expect(studentTTwoSided(1, 1)).toBeCloseTo(0.5, 10);
    expect(studentTTwoSided(0, 7)).toBeCloseTo(1, 12);
  });

  it('paired t-test of per-fold accuracies (scipy.stats.ttest_rel)', () => {
    // scipy 1.10: ttest_rel([0.9, 0.92, 0.88, 0.95, 0.91], [0.85, 0.9, 0.86, 0.9, 0.88]) -> t = 5.013027, p = 0.0074218
    const r = pairedTTest([0.9, 0.92, 0.88, 0.95, 0.91], [0.85, 0.9, 0.86, 0.9, 0.88]);
    expect(r.meanDifference).toBeCloseTo(0.034, 12);
    expect(r.t).toBeCloseTo(5.013027, 5);
    expect(r.pValue).toBeCloseTo(0.0074218, 6);
    expect(pairedTTest([1, 1], [1, 1]).pValue).toBe(1);
  });
});
