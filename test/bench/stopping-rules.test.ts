import { heldOutScore, pooledCurve, stoppingEpoch, type RunCurve } from '../../bench/stopping-rules';

/** A run whose curve is given as [valLoss, valAccuracy] per epoch. */
function run(rows: number, points: [number, number][]): RunCurve {
  return { rows, epochs: points.map(([valLoss, valAccuracy], e) => ({ epoch: e + 1, valLoss, valAccuracy })) };
}

describe('stopping rules on inner curves', () => {
  it('pools the runs weighted by their validation rows', () => {
    const pooled = pooledCurve([run(1, [[1, 0]]), run(3, [[0.2, 1]])]);
    expect(pooled[0].loss).toBeCloseTo(0.4);
    expect(pooled[0].accuracy).toBeCloseTo(0.75);
  });

  it('the loss rule stops after its patience and restores the lowest loss; the accuracy rule breaks ties on loss', () => {
    const curve = [
      { loss: 1.0, accuracy: 0.5 },
      { loss: 0.5, accuracy: 0.7 },
      { loss: 0.6, accuracy: 0.8 },
      { loss: 0.4, accuracy: 0.8 },
      { loss: 0.7, accuracy: 0.8 },
    ];
    expect(stoppingEpoch('loss', curve, 2)).toBe(3);
    expect(stoppingEpoch('loss', curve, 1)).toBe(1);
    expect(stoppingEpoch('accuracy, then loss', curve, 1)).toBe(3);
    expect(stoppingEpoch('full budget', curve, 1)).toBe(4);
  });

  it('scores each run at the epoch chosen on the others, not on itself', () => {
    // Runs a and b are best at epoch 1; run c alone is best at epoch 2. Held out, c is scored at epoch 1.
    const a = run(10, [[0.2, 0.9], [0.8, 0.5]]);
    const b = run(10, [[0.2, 0.9], [0.8, 0.5]]);
    const c = run(10, [[0.5, 0.6], [0.3, 1.0]]);
    const score = heldOutScore('loss', [a, b, c], 5);
    expect(score.epochs).toEqual([1, 1, 1]);
    expect(score.hits).toBe(9 + 9 + 6);
    expect(score.rows).toBe(30);
  });
});
