import { UserInputError } from '../../src/errors';
import { columnMeanStd, fromRows, globalMeanStd, matrix, toRows, type Matrix } from '../../src/numeric/matrix';
import { Rng } from '../../src/numeric/rng';
import type { TransformPlugin } from '../../src/plugins/contract';
import { ParamError, type Params } from '../../src/plugins/params';
import { PluginRegistry } from '../../src/plugins/registry';
import { TRANSFORM_PLUGINS, SSL_TRANSFORM_NAMES } from '../../src/plugins/transforms';
import { NotFittedError } from '../../src/plugins/transforms/base';
import { fillStandardNormal } from '../../src/plugins/transforms/gaussian';
import { segmentStarts } from '../../src/plugins/transforms/permutation.transform';
import { savitzkyGolayWeights } from '../../src/plugins/transforms/savitzky-golay.transform';

/** Each transformation against values worked out independently of its implementation. */
const registry = new PluginRegistry(TRANSFORM_PLUGINS);

function create(name: string, params: Params = {}): TransformPlugin {
  return registry.create<TransformPlugin>(name, params, 'transform');
}

/** Rows of Gaussian values around a per-column level, so columns differ in mean and spread. */
function randomBatch(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = 1 + (i % cols) * 0.05 + (0.2 + (i % 7) * 0.1) * rng.normal();
  return matrix(rows, cols, data);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

function rowStats(values: ArrayLike<number>): { mean: number; std: number } {
  return globalMeanStd(matrix(1, values.length, Float32Array.from(values)));
}

describe('SSL transformations', () => {
  const batch = randomBatch(40, 30, 1);

  it('registers the six of the paper, tagged ssl, with the paper defaults', () => {
    const ssl = registry.list('transform').filter((d) => d.tags?.includes('ssl'));
    expect(ssl.map((d) => d.name).sort()).toEqual([...SSL_TRANSFORM_NAMES].sort());
    expect(create('add-noise').params).toEqual({ sigmaFactor: 0.1, seed: 0 });
    expect(create('offset').params).toEqual({ amplitudeFactor: 0.1, minFraction: 0, seed: 0 });
    expect(create('multiplication').params).toEqual({ amplitude: 0.1, minFraction: 0, seed: 0 });
    expect(create('permutation').params).toEqual({ segments: 8, seed: 0 });
  });

  it('horizontal flip reverses each spectrum, and twice is the identity', () => {
    const flip = create('horizontal-flip');
    expect(toRows(flip.transform(fromRows([[1, 2, 3], [4, 5, 6]])))).toEqual([[3, 2, 1], [6, 5, 4]]);
    expect(flip.transform(flip.transform(batch)).data).toEqual(batch.data);
  });

  it('vertical flip negates', () => {
    expect(toRows(create('vertical-flip').transform(fromRows([[1, -2, 0.5]])))).toEqual([[-1, 2, -0.5]]);
  });

  it('noise has the requested std: sigmaFactor x the training set global std', () => {
    const train = randomBatch(50, 40, 2);
    const trainStd = globalMeanStd(train).std;
    const big = randomBatch(400, 250, 3);
    for (const sigmaFactor of [0.1, 0.5]) {
      const out = create('add-noise', { sigmaFactor }).fit(train).transform(big, new Rng(4));
      const noise = out.data.map((v, i) => v - big.data[i]);
      const { mean, std } = globalMeanStd(matrix(1, noise.length, noise));
      expect(std / (sigmaFactor * trainStd)).toBeCloseTo(1, 1.5);
      expect(Math.abs(mean)).toBeLessThan(0.01 * sigmaFactor * trainStd);
    }
  });

  it('draws noise from a standard normal: moments and tail fractions (ziggurat sampler)', () => {
    const n = 1_000_000;
    const z = new Float64Array(n);
    fillStandardNormal(new Rng(21), z);
    let sum = 0;
    for (const v of z) sum += v;
    const mean = sum / n;
    let squares = 0;
    let fourth = 0;
    for (const v of z) {
      squares += (v - mean) ** 2;
      fourth += (v - mean) ** 4;
    }
    const variance = squares / n;
    const fraction = (test: (v: number) => boolean): number => z.filter(test).length / n;
    // Tolerances are about 4 standard errors for a million draws.
    expect(Math.abs(mean)).toBeLessThan(0.004);
    expect(Math.abs(variance - 1)).toBeLessThan(0.006);
    expect(Math.abs(fourth / n / variance ** 2 - 3)).toBeLessThan(0.025);
    expect(Math.abs(fraction((v) => Math.abs(v) < 1) - 0.682689)).toBeLessThan(0.002);
    expect(Math.abs(fraction((v) => Math.abs(v) > 3) - 0.0026998)).toBeLessThan(0.00022);
    expect(Math.abs(fraction((v) => v > 0) - 0.5)).toBeLessThan(0.002);
    expect(fraction((v) => Math.abs(v) > 4)).toBeGreaterThan(0);
  });

  it('offset shifts each spectrum by one constant within +-amplitudeFactor x training std', () => {
    const train = randomBatch(50, 40, 5);
    const bound = 0.3 * globalMeanStd(train).std;
    const out = create('offset', { amplitudeFactor: 0.3 }).fit(train).transform(batch, new Rng(6));
    const shifts = toRows(out).map((row, r) => row.map((v, j) => v - batch.data[r * batch.cols + j]));
    for (const shift of shifts) {
      expect(Math.abs(shift[0])).toBeLessThanOrEqual(bound * (1 + 1e-5));
      for (const s of shift) expect(s).toBeCloseTo(shift[0], 5);
    }
    // The draws cover the interval rather than sitting at one value.
    const firsts = shifts.map((s) => s[0]);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(bound);
  });

  it('offset and multiplication with minFraction keep every draw at least that share of the half-width away from raw', () => {
    const train = randomBatch(50, 40, 5);
    const bound = 2 * globalMeanStd(train).std;
    const shifted = create('offset', { amplitudeFactor: 2, minFraction: 0.5 }).fit(train).transform(batch, new Rng(6));
    const shifts = toRows(shifted).map((row, r) => row[0] - batch.data[r * batch.cols]);
    for (const s of shifts) expect(Math.abs(s)).toBeGreaterThanOrEqual(0.5 * bound * (1 - 1e-4));
    expect(shifts.some((s) => s < 0) && shifts.some((s) => s > 0)).toBe(true);
    const scaled = create('multiplication', { amplitude: 0.4, minFraction: 0.5 }).transform(batch, new Rng(7));
    for (const [r, row] of toRows(scaled).entries()) expect(Math.abs(row[0] / batch.data[r * batch.cols] - 1)).toBeGreaterThanOrEqual(0.2 * (1 - 1e-4));
  });

  it('multiplication scales each spectrum by one factor in (1 - b, 1 + b)', () => {
    const out = create('multiplication', { amplitude: 0.25 }).transform(batch, new Rng(7));
    const factors = toRows(out).map((row, r) => row.map((v, j) => v / batch.data[r * batch.cols + j]));
    for (const factor of factors) {
      expect(Math.abs(factor[0] - 1)).toBeLessThanOrEqual(0.25 * (1 + 1e-5));
      for (const f of factor) expect(f).toBeCloseTo(factor[0], 4);
    }
    const firsts = factors.map((f) => f[0]);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(0.25);
  });

  it.each([
    [64, 8],
    [67, 8],
    [10, 3],
    [9, 2],
  ])('permutation of %i points in %i segments moves whole segments and is never the identity', (cols, segments) => {
    const rows = 300;
    // Each value encodes its own position, so the output tells where every point came from.
    const x = matrix(rows, cols, Float32Array.from({ length: rows * cols }, (_, i) => i % cols));
    const out = create('permutation', { segments }).transform(x, new Rng(8));
    const starts = Array.from(segmentStarts(cols, segments));
    expect(starts[segments]).toBe(cols);
    for (let r = 0; r < rows; r++) {
      const source = Array.from(out.data.subarray(r * cols, (r + 1) * cols));
      const order: number[] = [];
      for (let p = 0; p < cols; ) {
        const segment = starts.indexOf(source[p]);
        expect(segment).toBeGreaterThanOrEqual(0);
        const length = starts[segment + 1] - starts[segment];
        expect(source.slice(p, p + length)).toEqual(Array.from({ length }, (_, k) => starts[segment] + k));
        order.push(segment);
        p += length;
      }
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: segments }, (_, s) => s));
      expect(order).not.toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('permutation splits like numpy.array_split when L is not a multiple of m', () => {
    expect(Array.from(segmentStarts(10, 3))).toEqual([0, 4, 7, 10]);
    expect(() => create('permutation', { segments: 8 }).transform(matrix(1, 7))).toThrow(/at least 8 wavelengths/);
  });
});

describe('pre-processing', () => {
  const train = randomBatch(60, 25, 11);
  const test = randomBatch(20, 25, 12);

  it('SNV gives every spectrum mean 0 and std 1', () => {
    for (const row of toRows(create('snv').transform(test))) {
      const { mean, std } = rowStats(row);
      expect(mean).toBeCloseTo(0, 5);
      expect(std).toBeCloseTo(1, 5);
    }
    expect(toRows(create('snv').transform(fromRows([[2, 2, 2]])))).toEqual([[0, 0, 0]]);
  });

  it('autoscale gives every training column mean 0 and std 1, and only centres a constant column', () => {
    const withConstant = matrix(train.rows, train.cols, train.data.map((v, i) => (i % train.cols === 3 ? 7.1 : v)));
    const out = create('autoscale').fit(withConstant).transform(withConstant);
    const { mean, std } = columnMeanStd(out);
    expectClose(mean, new Array(train.cols).fill(0));
    expectClose(std, train.data.subarray(0, train.cols).map((_, j) => (j === 3 ? 0 : 1)));
    expect(toRows(out).every((row) => Math.abs(row[3]) < 1e-6)).toBe(true);
  });

  it('autoscale applies the training statistics to test data', () => {
    const plugin = create('autoscale').fit(train);
    const { mean, std } = columnMeanStd(train);
    const out = plugin.transform(test);
    expect(out.data[5 * test.cols + 4]).toBeCloseTo((test.data[5 * test.cols + 4] - mean[4]) / std[4], 5);
  });

  it('global scale gives the training set one mean 0 and one std 1, keeping each spectrum shape', () => {
    const out = create('global-scale').fit(train).transform(train);
    const { mean, std } = globalMeanStd(out);
    expect(mean).toBeCloseTo(0, 5);
    expect(std).toBeCloseTo(1, 5);
    const { mean: m, std: s } = globalMeanStd(train);
    expect(out.data[17]).toBeCloseTo((train.data[17] - m) / s, 5);
  });

  it('min-max maps the training data to [0, 1] with 0 and 1 reached in every column', () => {
    const out = create('min-max').fit(train).transform(train);
    for (let j = 0; j < out.cols; j++) {
      const column = toRows(out).map((row) => row[j]);
      expect(Math.min(...column)).toBeCloseTo(0, 6);
      expect(Math.max(...column)).toBeCloseTo(1, 6);
    }
  });

  it('MSC turns spectra a * ref + b back into the reference (the training mean)', () => {
    const shape = Array.from({ length: 30 }, (_, j) => 0.4 + Math.exp(-(((j - 12) / 4) ** 2)));
    const scatter = [
      [1, 0],
      [1.3, -0.2],
      [0.7, 0.15],
      [1.1, 0.05],
    ];
    const spectra = fromRows(scatter.map(([a, b]) => shape.map((v) => a * v + b)));
    const plugin = create('msc').fit(spectra);
    const reference = columnMeanStd(spectra).mean;
    for (const row of toRows(plugin.transform(spectra))) expectClose(row, reference, 4);
    const unseen = fromRows([shape.map((v) => 0.5 * v + 1)]);
    expectClose(toRows(plugin.transform(unseen))[0], reference, 4);
  });

  it('MSC refuses a flat training mean', () => {
    expect(() => create('msc').fit(fromRows([[1, 1, 1], [3, 3, 3]]))).toThrow(/flat/);
  });

  it('detrend removes a linear trend and leaves a residual orthogonal to it', () => {
    const line = fromRows([Array.from({ length: 20 }, (_, j) => 3 - 0.25 * j)]);
    expectClose(create('detrend').transform(line).data, new Array(20).fill(0));
    const residual = create('detrend').transform(test);
    for (const row of toRows(residual)) {
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 4);
      expect(row.reduce((s, v, j) => s + v * j, 0)).toBeCloseTo(0, 3);
    }
    const quadratic = fromRows([Array.from({ length: 20 }, (_, j) => 1 + 0.1 * j - 0.02 * j * j)]);
    expectClose(create('detrend', { order: 2 }).transform(quadratic).data, new Array(20).fill(0));
    expect(Math.max(...create('detrend', { order: 1 }).transform(quadratic).data.map(Math.abs))).toBeGreaterThan(0.1);
  });
});

describe('Savitzky-Golay', () => {
  const centre = (window: number, polyOrder: number, derivative: number): number[] => {
    const weights = savitzkyGolayWeights({ window, polyOrder, derivative });
    const half = (window - 1) / 2;
    return Array.from(weights.subarray(half * window, (half + 1) * window));
  };

  it('matches the published convolution coefficients', () => {
    expectClose(centre(5, 2, 0), [-3, 12, 17, 12, -3].map((v) => v / 35), 12);
    expectClose(centre(5, 2, 1), [-2, -1, 0, 1, 2].map((v) => v / 10), 12);
    expectClose(centre(7, 2, 2), [5, 0, -3, -4, -3, 0, 5].map((v) => v / 42), 12);
    // Savitzky & Golay (1964), 7 points, cubic smoothing: [-2, 3, 6, 7, 6, 3, -2] / 21.
    expectClose(centre(7, 3, 0), [-2, 3, 6, 7, 6, 3, -2].map((v) => v / 21), 12);
    // First point of a 5-point quadratic window (the end-point formula).
    expectClose(savitzkyGolayWeights({ window: 5, polyOrder: 2, derivative: 0 }).subarray(0, 5), [31, 9, -3, -5, 3].map((v) => v / 35), 12);
  });

  it("matches scipy.signal.savgol_filter (mode='interp') edges included", () => {
    // Reference values from scipy 1.17.1.
    const x = fromRows([[0.3, 1.2, 0.7, 2.5, 1.9, 3.3, 2.1, 0.4, 1.1, 0.9]]);
    const run = (params: Params): Float32Array => create('savitzky-golay', params).transform(x).data;
    expectClose(run({ window: 5, polyOrder: 2 }), [0.32, 0.92, 1.42, 1.72, 2.6714285714, 2.7257142857, 2.0314285714, 0.9314285714, 0.6657142857, 1.0285714286]);
    expectClose(
      run({ window: 7, polyOrder: 3, derivative: 1, delta: 0.5 }),
      [-0.0666666667, 0.9071428571, 1.380952381, 1.3547619048, 1.2523809524, -1.0944444444, -1.480952381, -1.25, -0.319047619, 1.3119047619],
    );
    expectClose(run({ window: 5, polyOrder: 2, derivative: 2 }), [-0.1, -0.1, -0.1, 0.2, -0.5714285714, -0.6857142857, -0.2714285714, 0.6285714286, 0.6285714286, 0.6285714286]);
  });

  it('reproduces a polynomial of degree <= order and its derivatives exactly', () => {
    const cubic = (t: number): number => 0.5 - 0.3 * t + 0.02 * t * t + 0.001 * t ** 3;
    const x = fromRows([Array.from({ length: 40 }, (_, j) => cubic(j))]);
    const run = (derivative: number): Float32Array =>
      create('savitzky-golay', { window: 9, polyOrder: 3, derivative }).transform(x).data;
    expectClose(run(0), x.data, 4);
    expectClose(run(1), Array.from({ length: 40 }, (_, t) => -0.3 + 0.04 * t + 0.003 * t * t), 4);
    expectClose(run(2), Array.from({ length: 40 }, (_, t) => 0.04 + 0.006 * t), 4);
  });

  it('rejects inconsistent parameters', () => {
    expect(() => create('savitzky-golay', { window: 6 })).toThrow(/"window" must be odd/);
    expect(() => create('savitzky-golay', { window: 5, polyOrder: 5 })).toThrow(/"polyOrder" must be < window/);
    expect(() => create('savitzky-golay', { polyOrder: 1, derivative: 2 })).toThrow(ParamError);
    expect(() => create('savitzky-golay', { window: 11 }).transform(matrix(2, 9))).toThrow(/at least 11 wavelengths/);
  });
});

describe('input and state checks', () => {
  it('names the spectrum and point of a non-finite value', () => {
    const x = matrix(3, 4, new Float32Array(12).fill(1));
    x.data[6] = Number.POSITIVE_INFINITY;
    expect(() => create('snv').transform(x)).toThrow(/non-finite value \(Infinity\) in spectrum 1 at point 2/);
  });

  it('rejects ragged and empty batches', () => {
    const ragged = { rows: 2, cols: 3, data: new Float32Array(5) };
    expect(() => create('vertical-flip').transform(ragged)).toThrow(/ragged: 5 values for 2 spectra x 3 wavelengths/);
    expect(() => create('vertical-flip').transform(matrix(2, 0))).toThrow(/empty \(2 x 0\)/);
  });

  it('refuses a batch with another number of wavelengths than the fitted one', () => {
    const plugin = create('autoscale').fit(randomBatch(5, 10, 1));
    expect(() => plugin.transform(randomBatch(5, 11, 2))).toThrow(/fitted on 10 wavelengths, got 11/);
  });

  it('throws NotFittedError before fit and rejects malformed state', () => {
    expect(() => create('global-scale').transform(randomBatch(2, 3, 1))).toThrow(NotFittedError);
    expect(() => create('global-scale').setState({ mean: 1 })).toThrow(/"std" must be a finite number/);
    expect(() => create('autoscale').setState({ mean: [1, 'a'], scale: [1, 1] })).toThrow(UserInputError);
    expect(() => create('snv').setState({ x: 1 })).toThrow(/no fitted state/);
    const restored = create('global-scale');
    restored.setState({ mean: 1, std: 2 });
    expect(Array.from(restored.transform(fromRows([[3, 5]])).data)).toEqual([1, 2]);
  });
});
