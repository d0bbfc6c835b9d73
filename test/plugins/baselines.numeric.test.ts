import { CancelledError } from '../../src/errors';
import { crossValidate } from '../../src/numeric/cross-validate';
import { fromRows, matrix } from '../../src/numeric/matrix';
import { accuracy } from '../../src/numeric/metrics';
import { stratifiedKFold } from '../../src/numeric/splits';
import { Rng } from '../../src/numeric/rng';
import type { ClassifierPlugin } from '../../src/plugins/contract';
import { BASELINE_PLUGINS } from '../../src/plugins/models/baselines';
import { randomLayer, ridgeOutputWeights } from '../../src/plugins/models/baselines/elm.baseline';
import { choleskySolve, gramRows, multiply, multiplyTransposed, multiplyTransposedFloat32, transposeMultiply } from '../../src/plugins/models/baselines/linalg';
import { fitPls2, predictPls } from '../../src/plugins/models/baselines/pls-da.baseline';
import { RowSorter } from '../../src/plugins/models/baselines/random-forest.baseline';
import { couplePairwise, solveSmo } from '../../src/plugins/models/baselines/svm.baseline';
import { PluginRegistry } from '../../src/plugins/registry';

const registry = new PluginRegistry(BASELINE_PLUGINS);

function randomArray(length: number, rng: Rng): Float64Array {
  return Float64Array.from({ length }, () => rng.normal());
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tolerance);
}

describe('dense kernels', () => {
  it('agree with the textbook triple loop on odd sizes', () => {
    const rng = new Rng(1);
    const [n, p, m] = [7, 5, 6];
    const a = randomArray(n * p, rng);
    const b = randomArray(p * m, rng);
    const naive = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let k = 0; k < p; k++) naive[i * m + j] += a[i * p + k] * b[k * m + j];
    const bTransposed = Float64Array.from({ length: m * p }, (_, idx) => b[(idx % p) * m + Math.floor(idx / p)]);
    expectClose(multiply(a, n, p, b, m), naive, 1e-12);
    expectClose(multiplyTransposed(a, n, p, bTransposed, m), naive, 1e-12);
    const aTransposed = Float64Array.from({ length: p * n }, (_, idx) => a[(idx % n) * p + Math.floor(idx / n)]);
    expectClose(transposeMultiply(aTransposed, p, n, b, m), naive, 1e-12);
  });

  it('the Gram matrix of half the work equals the full product exactly, on sizes around the 4 x 4 blocks', () => {
    const rng = new Rng(4);
    for (const [n, p] of [[1, 3], [4, 5], [7, 9], [13, 6], [16, 11]]) {
      const a = randomArray(n * p, rng);
      expect(Array.from(gramRows(a, n, p))).toEqual(Array.from(multiplyTransposed(a, n, p, a, n)));
    }
  });

  it('the float32 SIMD product agrees with float64 to float32 rounding, whichever operand is transposed', () => {
    const rng = new Rng(2);
    for (const [n, p, m] of [[37, 45, 13], [9, 70, 41]]) {
      const a = randomArray(n * p, rng);
      const b = randomArray(m * p, rng);
      expectClose(multiplyTransposedFloat32(a, n, p, b, m), multiplyTransposed(a, n, p, b, m), 1e-4);
    }
  });
});

describe('BPNN numerics', () => {
  it('trains with a hidden size the SIMD products must pad (5 units) and predicts the same after a state round trip', async () => {
    const rng = new Rng(3);
    const rows = Array.from({ length: 60 }, (_, i) => [rng.normal() + (i % 3) * 3, rng.normal() - (i % 3) * 2, rng.normal()]);
    const labels = Int32Array.from(rows, (_, i) => i % 3);
    const model = registry.create<ClassifierPlugin>('bpnn', { hidden: 5, learningRate: 1e-2, maxEpochs: 300 });
    await model.fit(fromRows(rows), labels, 3);
    const predicted = await model.predict(fromRows(rows));
    expect(predicted.filter((c, i) => c === labels[i]).length).toBeGreaterThanOrEqual(57);
    const restored = registry.create<ClassifierPlugin>('bpnn', { hidden: 5 });
    restored.setState(JSON.parse(JSON.stringify(model.getState())));
    expect(await restored.predict(fromRows(rows))).toEqual(predicted);
  });
});

describe('PLS-DA numerics', () => {
  it('with as many components as the rank, reproduces least squares with an intercept', () => {
    const rng = new Rng(2);
    const [n, p, c] = [40, 5, 3];
    const x = randomArray(n * p, rng);
    const y = Float64Array.from({ length: n * c }, (_, idx) => (idx % c === Math.floor(idx / c) % c ? 1 : 0));
    const pls = fitPls2(x, y, n, p, c, 10);
    expect(pls.components).toBe(p);
    // Least squares on centred data: B = (Xc^T Xc)^-1 Xc^T Yc.
    const xMean = pls.xMean;
    const yMean = pls.yMean;
    const xc = Float64Array.from(x, (v, idx) => v - xMean[idx % p]);
    const yc = Float64Array.from(y, (v, idx) => v - yMean[idx % c]);
    const coefficients = choleskySolve(transposeMultiply(xc, n, p, xc, p), p, transposeMultiply(xc, n, p, yc, c), c);
    expectClose(pls.coefficients, coefficients, 1e-8);
    const fitted = predictPls(pls, x, n);
    const expected = multiply(xc, n, p, coefficients, c).map((v, idx) => v + yMean[idx % c]);
    expectClose(fitted, expected, 1e-8);
  });

  it('caps the number of components by the rank of the centred data', () => {
    const rng = new Rng(3);
    const [n, p] = [6, 20];
    const x = randomArray(n * p, rng);
    const y = Float64Array.from([1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]);
    expect(fitPls2(x, y, n, p, 2, 15).components).toBe(n - 1);
  });
});

describe('ELM numerics', () => {
  it('the dual ridge solution equals the primal one', () => {
    const rng = new Rng(4);
    const [n, hidden, c] = [30, 50, 3];
    const h = randomArray(n * hidden, rng).map(Math.tanh);
    const targets = Float64Array.from({ length: n * c }, (_, idx) => (idx % c === Math.floor(idx / c) % c ? 1 : 0));
    const primal = ridgeOutputWeights(h, n, hidden, targets, c, 1e-2, 'primal');
    const dual = ridgeOutputWeights(h, n, hidden, targets, c, 1e-2, 'dual');
    expectClose(dual, primal, 1e-8);
  });
});

describe('kNN numerics', () => {
  it('votes like a brute-force sort of the distances', async () => {
    const rng = new Rng(5);
    const train = Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => rng.normal()));
    const labels = Int32Array.from({ length: 40 }, (_, i) => i % 3);
    const queries = Array.from({ length: 15 }, () => Array.from({ length: 6 }, () => rng.normal()));
    const model = registry.create<ClassifierPlugin>('knn', { k: 5 });
    await model.fit(fromRows(train), labels, 3);
    const proba = await model.predictProba(fromRows(queries));
    queries.forEach((q, i) => {
      const nearest = train
        .map((t, j) => ({ j, d: t.reduce((s, v, k) => s + (v - Math.fround(q[k])) ** 2, 0) }))
        .sort((a, b) => a.d - b.d)
        .slice(0, 5);
      const votes = [0, 0, 0];
      for (const { j } of nearest) votes[labels[j]] += 1 / 5;
      expectClose(proba.data.subarray(i * 3, i * 3 + 3), votes, 1e-6);
    });
  });
});

describe('SVM numerics', () => {
  it('finds the maximum-margin solution of two symmetric points', () => {
    // Linear kernel on x = -1 (negative) and x = +1 (positive): w = 1, b = 0, alpha = 1/2 each.
    const gram = Float64Array.from([1, -1, -1, 1]);
    const { alpha, rho } = solveSmo(gram, 2, [0, 1], [-1, 1], 100, 1e-6);
    expectClose(alpha, [0.5, 0.5], 1e-9);
    expect(Math.abs(rho)).toBeLessThan(1e-9);
  });

  it('gives no probability to a class absent from training', async () => {
    const rng = new Rng(7);
    const x = fromRows(Array.from({ length: 30 }, (_, i) => [rng.normal() + (i % 2) * 3, rng.normal()]));
    const y = Int32Array.from({ length: 30 }, (_, i) => (i % 2) * 2);
    const model = registry.create<ClassifierPlugin>('svm');
    await model.fit(x, y, 3);
    const proba = await model.predictProba(x);
    for (let i = 0; i < proba.rows; i++) expect(proba.data[i * 3 + 1]).toBe(0);
  });

  it('predicts by one-vs-one votes: with two labelled spectra per class, inverted Platt sigmoids do not flip its classes', async () => {
    // Four separated classes, two training spectra each: every Platt fold holds out one or two
    // decisions, and on this draw the argmax of the coupled probabilities gets 0.45.
    const rng = new Rng(4);
    const cols = 20;
    const centres = Array.from({ length: 4 }, () => Array.from({ length: cols }, () => rng.normal()));
    const draw = (n: number) => {
      const y = Int32Array.from({ length: n }, (_, i) => i % 4);
      return { x: matrix(n, cols, Float32Array.from({ length: n * cols }, (_, k) => centres[y[Math.floor(k / cols)]][k % cols] + 0.8 * rng.normal())), y };
    };
    const train = draw(8);
    const test = draw(40);
    const model = registry.create<ClassifierPlugin>('svm');
    await model.fit(train.x, train.y, 4);
    expect(accuracy(test.y, await model.predict(test.x))).toBe(1);
    const proba = await model.predictProba(test.x);
    expect(Array.from(model.classesOf!(test.x, proba))).toEqual(Array.from(await model.predict(test.x)));
  });

  it('pairwise coupling of two classes returns the pairwise probability', () => {
    const r = Float64Array.from([0, 0.8, 0.2, 0]);
    expectClose(couplePairwise(r, 2), [0.8, 0.2], 1e-3);
  });
});

describe('random forest numerics', () => {
  it('sorts rows by a feature exactly as the comparator would: negatives, zeros of both signs, ties by row', () => {
    const values = [3.5, -1, 0, -0, -1, 2.25, -7.5, 3.5, 0, -0.125, 1e-30, -1e-30, Infinity, -Infinity].map(Math.fround);
    const rows = values.length;
    const columns = Float64Array.from([...values, ...values.map((v) => -v)]); // two features, column-major
    const sorter = new RowSorter(columns, rows);
    for (const feature of [0, 1]) {
      const keys = columns.subarray(feature * rows, (feature + 1) * rows);
      const expected = Int32Array.from({ length: rows }, (_, i) => rows - 1 - i).sort((a, b) => keys[a] - keys[b] || a - b);
      const actual = Int32Array.from({ length: rows }, (_, i) => rows - 1 - i);
      sorter.sort(actual, feature, Float64Array.from(keys));
      expect(Array.from(actual)).toEqual(Array.from(expected));
    }
  });

  it('falls back to the comparator for values that are not float32', () => {
    const columns = Float64Array.from([0.1, -0.3, 0.2, 0.1]);
    const rows = Int32Array.from([3, 2, 1, 0]);
    new RowSorter(columns, 4).sort(rows, 0, columns);
    expect(Array.from(rows)).toEqual([1, 0, 3, 2]);
  });
});

describe('nested tuning and cancellation', () => {
  const rng = new Rng(6);
  const rows = 60;
  const x = matrix(rows, 4, Float32Array.from({ length: rows * 4 }, (_, idx) => rng.normal() + ((idx % 4) === Math.floor(idx / 4) % 3 ? 1.5 : 0)));
  const y = Int32Array.from({ length: rows }, (_, i) => i % 3);

  it('picks a value from the grid by inner CV and keeps it through serialisation', async () => {
    const model = registry.create<ClassifierPlugin & { tuned: Record<string, unknown> }>('knn', { tune: true, tuneK: [1, 3, 5] });
    await model.fit(x, y, 3);
    expect([1, 3, 5]).toContain(model.tuned.k);
    const restored = registry.restore<ClassifierPlugin & { tuned: Record<string, unknown> }>(JSON.parse(JSON.stringify(registry.serialize(model))));
    expect(restored.tuned).toEqual(model.tuned);
    expect(Array.from(await restored.predict(x))).toEqual(Array.from(await model.predict(x)));
  });

  it('PLS-DA scores every number of components from one extraction per inner fold, choosing what one fit per candidate would', async () => {
    const prng = new Rng(11);
    const [n, p] = [90, 30];
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    // Class signal spread thinly over many directions, under noise: accuracy changes with the number of components.
    const data = Float32Array.from({ length: n * p }, (_, idx) => prng.normal() * 2 + 0.35 * Math.cos((labels[Math.floor(idx / p)] + 1) * (idx % p)));
    const xs = matrix(n, p, data);
    await expectTuningLikeBruteForce('pls-da', 'components', 'tuneComponents', [1, 2, 3, 5, 8, 12], xs, labels);
  });

  it('kNN scores every k from one distance matrix per inner fold, choosing what one fit per candidate would', async () => {
    const prng = new Rng(12);
    const [n, p] = [75, 12];
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const xs = matrix(n, p, Float32Array.from({ length: n * p }, (_, idx) => prng.normal() + 0.6 * ((idx % p) % 3 === labels[Math.floor(idx / p)] ? 1 : 0)));
    await expectTuningLikeBruteForce('knn', 'k', 'tuneK', [1, 3, 5, 9, 15, 40], xs, labels);
  });

  it('ELM scores every hidden size from one projection per inner fold, choosing what one fit per candidate would', async () => {
    const prng = new Rng(13);
    const [n, p] = [90, 20];
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const xs = matrix(n, p, Float32Array.from({ length: n * p }, (_, idx) => prng.normal() + 0.5 * Math.sin((labels[Math.floor(idx / p)] + 1) * (idx % p))));
    await expectTuningLikeBruteForce('elm', 'hidden', 'tuneHidden', [2, 5, 20, 60, 200], xs, labels);
  });

  it("ELM's random layer of h units is the first h units of a larger one, drawn again or cached", () => {
    const small = randomLayer(7, 11, 5);
    const copy = { inputWeights: Float64Array.from(small.inputWeights), biases: Float64Array.from(small.biases) };
    const large = randomLayer(7, 11, 40);
    expect(Array.from(large.inputWeights.subarray(0, 55))).toEqual(Array.from(copy.inputWeights));
    expect(Array.from(large.biases.subarray(0, 5))).toEqual(Array.from(copy.biases));
    expect(Array.from(randomLayer(7, 11, 5).biases)).toEqual(Array.from(copy.biases));
    expect(Array.from(randomLayer(8, 11, 5).biases)).not.toEqual(Array.from(copy.biases));
  });

  it('stops with CancelledError when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const model = registry.create<ClassifierPlugin>('random-forest', { trees: 5 });
    await expect(model.fit(x, y, 3, { signal: controller.signal })).rejects.toThrow(CancelledError);
    expect(model.isFitted).toBe(false);
  });
});

/** A tuned baseline picks the candidate that one fit per candidate and inner fold would (first best on ties), and the candidates differ. */
async function expectTuningLikeBruteForce(plugin: string, param: string, gridParam: string, grid: number[], xs: ReturnType<typeof matrix>, labels: Int32Array): Promise<void> {
  const splits = stratifiedKFold(labels, 3, 0);
  const bruteForce: number[] = [];
  for (const value of grid) {
    const result = await crossValidate({ x: xs, y: labels, nClasses: 3, folds: splits, createModel: () => registry.create<ClassifierPlugin>(plugin, { [param]: value }) });
    bruteForce.push(result.accuracy.mean);
  }
  expect(new Set(bruteForce).size).toBeGreaterThan(2);
  const expected = grid[bruteForce.findIndex((score) => score === Math.max(...bruteForce))];
  const tuned = registry.create<ClassifierPlugin & { tuned: Record<string, unknown> }>(plugin, { tune: true, [gridParam]: grid });
  await tuned.fit(xs, labels, 3);
  expect(tuned.tuned).toEqual({ [param]: expected });
}
