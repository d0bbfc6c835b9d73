'use strict';
/**
 * Rubber-band baseline correction, an example nir-ssl custom transform in plain CommonJS.
 *
 * The baseline is the lower convex hull of the spectrum (a rubber band stretched under it from
 * below); subtracting it removes sloping and curved baselines while keeping absorption bands.
 * With `ranges` > 0 only the lowest point of each of that many equal ranges (plus both ends) can
 * carry the band, which makes the baseline stiffer against noise (as OPUS' "baseline points").
 */

/** Candidate anchor indices: every point, or each range's minimum plus both ends. */
function anchorCandidates(spectrum, ranges) {
  const length = spectrum.length;
  if (ranges === 0 || ranges >= length) return Array.from({ length }, (_, i) => i);
  const candidates = [0];
  for (let r = 0; r < ranges; r++) {
    const start = Math.floor((r * length) / ranges);
    const end = Math.floor(((r + 1) * length) / ranges);
    let lowest = start;
    for (let i = start + 1; i < end; i++) if (spectrum[i] < spectrum[lowest]) lowest = i;
    if (lowest !== candidates[candidates.length - 1]) candidates.push(lowest);
  }
  if (candidates[candidates.length - 1] !== length - 1) candidates.push(length - 1);
  return candidates;
}

/** Lower convex hull of the points (i, spectrum[i]) over ascending candidate indices. */
function lowerHull(spectrum, candidates) {
  const hull = [];
  for (const p of candidates) {
    while (hull.length >= 2) {
      const o = hull[hull.length - 2];
      const a = hull[hull.length - 1];
      const cross = (a - o) * (spectrum[p] - spectrum[o]) - (spectrum[a] - spectrum[o]) * (p - o);
      if (cross > 0) break;
      hull.pop();
    }
    hull.push(p);
  }
  return hull;
}

function checkBatch(x) {
  if (!x || !(x.data instanceof Float32Array) || !(x.rows > 0 && x.cols > 0) || x.data.length !== x.rows * x.cols) {
    throw new Error('transform "rubber-band": input must be a non-empty float32 matrix');
  }
  if (!x.data.every(Number.isFinite)) throw new Error('transform "rubber-band": input has a non-finite value');
}

const definition = {
  name: 'rubber-band',
  kind: 'transform',
  description: 'Rubber-band baseline correction: subtracts the lower convex hull of each spectrum',
  tags: ['preprocessing', 'baseline', 'custom'],
  params: {
    ranges: {
      type: 'integer',
      default: 0,
      min: 0,
      description: 'Anchor the band on the minimum of this many equal ranges (0: on every point)',
    },
  },
  create(params) {
    return {
      meta: definition,
      params,
      requiresFit: false,
      isFitted: true,
      getState: () => null,
      setState(state) {
        if (state !== null && state !== undefined) throw new Error('transform "rubber-band" has no fitted state');
      },
      fit(x) {
        checkBatch(x);
        return this;
      },
      transform(x) {
        checkBatch(x);
        const out = new Float32Array(x.data.length);
        for (let r = 0; r < x.rows; r++) {
          const spectrum = x.data.subarray(r * x.cols, (r + 1) * x.cols);
          const hull = lowerHull(spectrum, anchorCandidates(spectrum, params.ranges));
          const target = out.subarray(r * x.cols, (r + 1) * x.cols);
          target[0] = spectrum[0] - spectrum[hull[0]];
          for (let h = 1; h < hull.length; h++) {
            const left = hull[h - 1];
            const right = hull[h];
            const slope = (spectrum[right] - spectrum[left]) / (right - left);
            for (let i = left; i <= right; i++) target[i] = spectrum[i] - (spectrum[left] + slope * (i - left));
          }
        }
        return { rows: x.rows, cols: x.cols, data: out };
      },
    };
  },
};

module.exports = { plugin: definition };
