/**
 * Least-squares polynomials on a fixed grid, shared by Savitzky-Golay and detrend. The fit goes
 * through an orthonormal polynomial basis (Gram-Schmidt on the monomials, done twice for
 * stability), so no normal equations are solved and high orders stay well conditioned.
 */
export interface OrthonormalBasis {
  readonly order: number;
  readonly points: number;
  /** values[k * points + i] = q_k(u_i); the columns are orthonormal over the grid. */
  readonly values: Float64Array;
  /** coefficients[k * (order + 1) + p] = coefficient of u^p in q_k. */
  readonly coefficients: Float64Array;
}

/** Orthonormal polynomials q_0..q_order over the grid u (needs more distinct points than order). */
export function orthonormalBasis(u: Float64Array, order: number): OrthonormalBasis {
  const n = u.length;
  const size = order + 1;
  const values = new Float64Array(size * n);
  const coefficients = new Float64Array(size * size);
  for (let k = 0; k < size; k++) {
    const v = values.subarray(k * n, (k + 1) * n);
    const c = coefficients.subarray(k * size, (k + 1) * size);
    for (let i = 0; i < n; i++) v[i] = u[i] ** k;
    c[k] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        const q = values.subarray(j * n, (j + 1) * n);
        const qc = coefficients.subarray(j * size, (j + 1) * size);
        let r = 0;
        for (let i = 0; i < n; i++) r += q[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= r * q[i];
        for (let p = 0; p < size; p++) c[p] -= r * qc[p];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-10)) throw new RangeError(`a polynomial of order ${order} needs more than ${n} distinct points`);
    for (let i = 0; i < n; i++) v[i] /= norm;
    for (let p = 0; p < size; p++) c[p] /= norm;
  }
  return { order, points: n, values, coefficients };
}

/** The derivative-th derivative of basis polynomial k at u. */
export function basisDerivative(basis: OrthonormalBasis, k: number, derivative: number, u: number): number {
  const size = basis.order + 1;
  let sum = 0;
  for (let p = derivative; p < size; p++) {
    let factor = 1;
    for (let f = p - derivative + 1; f <= p; f++) factor *= f;
    sum += basis.coefficients[k * size + p] * factor * u ** (p - derivative);
  }
  return sum;
}

/** n points spread evenly over [-1, 1] (a single point sits at 0). */
export function unitGrid(n: number): Float64Array {
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = n === 1 ? 0 : (2 * i) / (n - 1) - 1;
  return u;
}
