import type { Rng } from '../../numeric/rng';
import { defineTransform } from './base';

interface PermutationParams {
  readonly segments: number;
}

/**
 * SSL variant 6: cuts each spectrum into m segments and shuffles their order, never the
 * identity. When L is not a multiple of m the segments differ by one point, the first L mod m
 * being the longer ones (numpy.array_split), so every point is moved with its segment and none is
 * dropped.
 */
export const permutationTransform = defineTransform<PermutationParams>({
  name: 'permutation',
  description: 'Cuts each spectrum into m near-equal segments and shuffles them (never the identity)',
  tags: ['ssl'],
  params: {
    segments: { type: 'integer', default: 8, min: 2, description: 'Number of segments m' },
  },
  random: true,
  minCols: (params) => params.segments,
  apply: (x, out, { params, rng }) => {
    const { rows, cols, data } = x;
    const m = params.segments;
    const starts = segmentStarts(cols, m);
    const order = new Int32Array(m);
    for (let r = 0; r < rows; r++) {
      shuffleNonIdentity(order, rng);
      const rowStart = r * cols;
      let target = rowStart;
      for (let s = 0; s < m; s++) {
        const from = rowStart + starts[order[s]];
        const length = starts[order[s] + 1] - starts[order[s]];
        out.set(data.subarray(from, from + length), target);
        target += length;
      }
    }
  },
});

/** starts[s] is the first point of segment s; starts[m] = L. */
export function segmentStarts(length: number, segments: number): Int32Array {
  const starts = new Int32Array(segments + 1);
  const base = Math.floor(length / segments);
  const longer = length % segments;
  for (let s = 0; s < segments; s++) starts[s + 1] = starts[s] + base + (s < longer ? 1 : 0);
  return starts;
}

/** A uniformly drawn permutation other than the identity (rejection), written into order. */
function shuffleNonIdentity(order: Int32Array, rng: Rng): void {
  let identity = true;
  while (identity) {
    for (let i = 0; i < order.length; i++) order[i] = i;
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    identity = order.every((v, i) => v === i);
  }
}
