import { chiSquareQuantile, fQuantile, normalQuantile } from '../../src/numeric/distributions';
import { matrix, type Matrix } from '../../src/numeric/matrix';
import { domainScores, fitDomain, isOutlier, principalComponentScores, qLimit, t2Limit } from '../../src/numeric/pca-domain';
import { PCA } from 'ml-pca';
import { Rng } from '../../src/numeric/rng';

/** n rows in L dimensions: three strong latent directions plus small isotropic noise. */
function latentData(n: number, L: number, rng: Rng, noise = 0.05): Matrix {
  const directions = [0, 1, 2].map((a) => Array.from({ length: L }, (_, j) => Math.sin(((a + 1) * (j + 1) * Math.PI) / (L + 1))));
  const scales = [3, 2, 1];
  const data = new Float32Array(n * L);
  for (let i = 0; i < n; i++) {
    const t = scales.map((s) => s * rng.normal());
    for (let j = 0; j < L; j++) {
      data[i * L + j] = 5 + directions.reduce((sum, d, a) => sum + t[a] * d[j], 0) + noise * rng.normal();
    }
  }
  return matrix(n, L, data);
}

describe('distributions for the domain limits (values from scipy.stats)', () => {
  it('normal, F and chi-square quantiles', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 8);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 8);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263478740408408, 8);
    expect(fQuantile(0.95, 3, 20)).toBeCloseTo(3.098391212140781, 7);
    expect(fQuantile(0.99, 2, 10)).toBeCloseTo(7.559432157547899, 7);
    expect(fQuantile(0.99, 5, 100)).toBeCloseTo(3.2058717714230007, 7);
    // Wilson-Hilferty: within 0.5 % of chi2.ppf.
    expect(chiSquareQuantile(0.95, 10) / 18.307038053275146).toBeCloseTo(1, 2);
  });
});

describe('PCA applicability-domain limits', () => {
  it('T² limit: k (n - 1) / (n - k) F(p; k, n - k)', () => {
    expect(t2Limit(3, 30, 0.95)).toBeCloseTo(9.5389098037697, 6);
    expect(t2Limit(3, 30, 0.99)).toBeCloseTo(14.825144438356249, 6);
    expect(() => t2Limit(5, 5, 0.95)).toThrow(RangeError);
  });

  it('Q limit: Jackson-Mudholkar from the residual eigenvalues (hand-checked; Monte Carlo 9.86 and 15.43)', () => {
    // θ1 = 3.5, θ2 = 5.25, θ3 = 9.125, h0 = 0.2275.
    expect(qLimit([2, 1, 0.5], 0.95)).toEqual({ limit: expect.closeTo(10.047093330653123, 6), method: 'jackson-mudholkar' });
    expect(qLimit([2, 1, 0.5], 0.99).limit).toBeCloseTo(16.079738597903045, 6);
    expect(qLimit([], 0.99).limit).toBe(0);
  });

  it('chooses components by explained variance on the training rows and flags what lies outside', () => {
    const rng = new Rng(7);
    const L = 40;
    const train = latentData(300, L, rng);
    const model = fitDomain(train);
    expect(model.components).toBe(3);
    expect(model.explainedVariance).toBeGreaterThan(0.95);
    expect(model.loadings).toHaveLength(3);
    expect(model.t2Limit99).toBeGreaterThan(model.t2Limit95);
    expect(model.qLimit99).toBeGreaterThan(model.qLimit95);

    // New rows from the same distribution: about 5 % above each 95 % limit, about 1 % above 99 %.
    const fresh = latentData(2000, L, rng);
    const { t2, q } = domainScores(model, fresh);
    const share = (v: Float64Array, limit: number) => v.filter((x) => x > limit).length / v.length;
    expect(share(t2, model.t2Limit95)).toBeGreaterThan(0.02);
    expect(share(t2, model.t2Limit95)).toBeLessThan(0.09);
    expect(share(q, model.qLimit95)).toBeGreaterThan(0.02);
    expect(share(q, model.qLimit95)).toBeLessThan(0.09);
    expect(share(t2, model.t2Limit99)).toBeLessThan(0.03);
    expect(share(q, model.qLimit99)).toBeLessThan(0.03);

    // A baseline offset on one half of the axis leaves the PCA model (Q), a far score leaves its ellipse (T²).
    const shifted = matrix(1, L, Float32Array.from(fresh.data.subarray(0, L), (v, j) => v + (j < L / 2 ? 1 : 0)));
    const s = domainScores(model, shifted);
    expect(s.q[0]).toBeGreaterThan(model.qLimit99);
    expect(isOutlier(model, s.t2[0], s.q[0])).toBe(true);
    const far = matrix(1, L, Float32Array.from(model.mean, (m, j) => m + 100 * model.loadings[0][j]));
    const f = domainScores(model, far);
    expect(f.t2[0]).toBeGreaterThan(model.t2Limit99);
    expect(f.q[0]).toBeLessThan(model.qLimit95);
    const centre = domainScores(model, matrix(1, L, Float32Array.from(model.mean)));
    expect(isOutlier(model, centre.t2[0], centre.q[0])).toBe(false);
  });

  it.each([
    ['more rows than variables (XᵀX)', 120, 30],
    ['fewer rows than variables (Gram matrix)', 25, 60],
  ])('agrees with ml-pca: %s', (_path, n, L) => {
    const x = latentData(n, L, new Rng(3), 0.2);
    const model = fitDomain(x, { varianceTarget: 0.999 });
    const rows = Array.from({ length: n }, (_, i) => Array.from(x.data.subarray(i * L, (i + 1) * L)));
    const reference = new PCA(rows, { method: 'SVD', center: true, scale: false });
    const eigenvalues = reference.getEigenvalues();
    model.eigenvalues.forEach((v, a) => expect(v / eigenvalues[a]).toBeCloseTo(1, 6));
    const vectors = reference.getEigenvectors();
    model.loadings.forEach((p, a) => {
      const q = vectors.getColumn(a);
      expect(Math.abs(p.reduce((s, v, j) => s + v * q[j], 0))).toBeCloseTo(1, 6);
    });
  });

  it('gives the principal component scores ml-pca gives (up to sign) and their share of the variance', () => {
    const [n, L] = [40, 25];
    const x = latentData(n, L, new Rng(5), 0.3);
    const { scores, explainedVariance, components } = principalComponentScores(x, 2);
    expect(components).toBe(2);
    const rows = Array.from({ length: n }, (_, i) => Array.from(x.data.subarray(i * L, (i + 1) * L)));
    const reference = new PCA(rows, { method: 'SVD', center: true, scale: false });
    const expected = reference.predict(rows, { nComponents: 2 }).to2DArray();
    for (let a = 0; a < 2; a++) {
      const sign = Math.sign(scores[a]) === Math.sign(expected[0][a]) ? 1 : -1;
      for (let i = 0; i < n; i++) expect(sign * scores[i * 2 + a]).toBeCloseTo(expected[i][a], 4);
      expect(explainedVariance[a]).toBeCloseTo(reference.getExplainedVariance()[a], 6);
    }
  });

  it('keeps at least one residual component and refuses too few rows', () => {
    const rng = new Rng(1);
    const small = latentData(5, 10, rng, 0);
    const model = fitDomain(small);
    expect(model.components).toBeLessThanOrEqual(3);
    expect(() => fitDomain(matrix(2, 4, new Float32Array(8).fill(1)))).toThrow(RangeError);
  });
});
