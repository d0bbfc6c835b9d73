import { defineTransform } from './base';
import { orthonormalBasis, unitGrid } from './polynomial';

interface DetrendParams {
  readonly order: number;
}

/** Subtracts from each spectrum its own least-squares polynomial trend over the wavelength index. */
export const detrendTransform = defineTransform<DetrendParams>({
  name: 'detrend',
  description: 'Subtracts a per-spectrum least-squares polynomial baseline of the given order',
  tags: ['preprocessing', 'baseline'],
  params: {
    order: { type: 'integer', default: 1, min: 0, max: 10, description: 'Order of the polynomial trend (1 = linear)' },
  },
  minCols: (params) => params.order + 1,
  apply: (x, out, { params }) => {
    const { rows, cols, data } = x;
    const basis = orthonormalBasis(unitGrid(cols), params.order);
    const residual = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const start = r * cols;
      for (let j = 0; j < cols; j++) residual[j] = data[start + j];
      // Projections on an orthonormal basis: subtracting each one removes the fitted trend.
      for (let k = 0; k <= params.order; k++) {
        const q = basis.values.subarray(k * cols, (k + 1) * cols);
        let projection = 0;
        for (let j = 0; j < cols; j++) projection += q[j] * residual[j];
        for (let j = 0; j < cols; j++) residual[j] -= projection * q[j];
      }
      for (let j = 0; j < cols; j++) out[start + j] = residual[j];
    }
  },
});
