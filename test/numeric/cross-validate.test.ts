import { crossValidate, meanStd } from '../../src/numeric/cross-validate';
import { matrix, type Matrix } from '../../src/numeric/matrix';
import { stratifiedKFold } from '../../src/numeric/splits';

describe('crossValidate', () => {
  // Row i holds the value i, so a model can see exactly which rows reached it.
  const n = 20;
  const x = matrix(n, 1, Float32Array.from({ length: n }, (_, i) => i));
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const folds = stratifiedKFold(y, 4, 0);

  it('fits pre-processing and model on training rows only and scores the held-out rows', async () => {
    const fittedOn: number[][] = [];
    const result = await crossValidate({
      x,
      y,
      nClasses: 2,
      folds,
      createPreprocessing: () => ({
        fit: (m: Matrix) => fittedOn.push(Array.from(m.data)),
        transform: (m: Matrix) => m,
      }),
      // Predicts the parity of the row value: right on every row.
      createModel: () => ({ fit: () => undefined, predict: (m: Matrix) => Int32Array.from(m.data, (v) => v % 2) }),
    });
    folds.forEach((fold, f) => expect(fittedOn[f]).toEqual(Array.from(fold.train)));
    expect(result.folds.map((r) => r.testSize)).toEqual(folds.map((f) => f.test.length));
    expect(result.accuracy).toEqual({ mean: 1, std: 0 });
    expect(result.macroF1.mean).toBe(1);
    expect(result.folds.every((r) => r.seconds >= 0)).toBe(true);
  });

  it('reports the mean and population spread over folds', async () => {
    let call = 0;
    // Fold 0 predicts everything as class 0 (accuracy = its share of class 0), the others are perfect.
    const result = await crossValidate({
      x,
      y,
      nClasses: 2,
      folds,
      createModel: () => {
        const fold = call++;
        return { fit: () => undefined, predict: (m: Matrix) => Int32Array.from(m.data, (v) => (fold === 0 ? 0 : v % 2)) };
      },
    });
    const first = Array.from(folds[0].test).filter((i) => y[i] === 0).length / folds[0].test.length;
    expect(result.folds[0].report.accuracy).toBe(first);
    const mean = (first + 3) / 4;
    expect(result.accuracy.mean).toBeCloseTo(mean, 12);
    expect(result.accuracy.std).toBeCloseTo(Math.sqrt(((first - mean) ** 2 + 3 * (1 - mean) ** 2) / 4), 12);
    expect(meanStd([1, 3])).toEqual({ mean: 2, std: 1 });
  });
});
