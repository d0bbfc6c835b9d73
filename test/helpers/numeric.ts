/** Largest absolute difference relative to the largest reference value: a kernel's error in units of its output's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`lengths differ: ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    norm = Math.max(norm, Math.abs(expected[i]));
  }
  return diff / Math.max(norm, 1e-30);
}
