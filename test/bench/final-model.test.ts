import { epochsInSteps, hits, meanProbabilities, scoreFinals } from '../../bench/final-model';
import { matrix } from '../../src/numeric/matrix';

/** Two-class probabilities, one row per value of p(class 1). */
function probs(...p1: number[]) {
  return matrix(p1.length, 2, Float32Array.from(p1.flatMap((p) => [1 - p, p])));
}

describe('final-model diagnostic', () => {
  it('averages the members and counts the rows whose most probable class is the label', () => {
    const mean = meanProbabilities([probs(0.9, 0.2), probs(0.3, 0.4)]);
    expect(Array.from(mean.data)).toEqual([expect.closeTo(0.4), expect.closeTo(0.6), expect.closeTo(0.7), expect.closeTo(0.3)]);
    expect(hits(mean, Int32Array.from([1, 0]))).toBe(2);
    expect(hits(mean, Int32Array.from([0, 0]))).toBe(1);
  });

  it('scores each final model on the same held-out rows', () => {
    const y = Int32Array.from([1, 0, 1]);
    const scores = scoreFinals([probs(0.9, 0.6, 0.4), probs(0.8, 0.1, 0.45)], probs(0.1, 0.9, 0.9), probs(0.6, 0.4, 0.6), y);
    expect(scores['one inner network (mean)']).toBe(1.5);
    expect(scores['cross-fit']).toBe(2);
    expect(scores['refit (epochs)']).toBe(1);
    expect(scores['refit (steps)']).toBe(3);
    // (0.9 + 0.8 + 0.1) / 3 = 0.6, (0.6 + 0.1 + 0.9) / 3 = 0.53, (0.4 + 0.45 + 0.9) / 3 = 0.58
    expect(scores['cross-fit + refit']).toBe(2);
  });

  it('counts a refit in optimiser steps: more rows per epoch, fewer epochs', () => {
    // 165 rows in batches of 32: 6 steps an epoch; 248 rows: 8.
    expect(epochsInSteps(40, 165, 32, 248, 32)).toBe(30);
    expect(epochsInSteps(1, 4, 8, 100, 8)).toBe(1);
  });
});
