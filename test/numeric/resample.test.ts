import { fromRows } from '../../src/numeric/matrix';
import { resampleRows, sameAxis } from '../../src/numeric/resample';

describe('resampling spectra onto another axis', () => {
  it('interpolates linearly, exactly for linear spectra', () => {
    const from = [1000, 1010, 1020, 1030];
    const x = fromRows([from.map((w) => 2 * w + 1)]);
    const to = [1005, 1012.5, 1030];
    expect(Array.from(resampleRows(x, from, to).data)).toEqual(to.map((w) => 2 * w + 1));
  });

  it('handles descending source and target axes', () => {
    const from = [30, 20, 10, 0];
    const x = fromRows([[3, 2, 1, 0]]);
    const out = resampleRows(x, from, [25, 5]);
    expect(Array.from(out.data)).toEqual([2.5, 0.5]);
  });

  it('rejects a target range the spectra do not cover, and bad axes', () => {
    const x = fromRows([[1, 2, 3]]);
    expect(() => resampleRows(x, [1000, 1100, 1200], [950, 1000], ' nm')).toThrow(/cover 1000..1200 nm, but the model needs 950..1000 nm/);
    expect(() => resampleRows(x, [1000, 1000, 1200], [1000])).toThrow(/strictly increasing or decreasing/);
    expect(() => resampleRows(x, [1000, 1200], [1000])).toThrow(/2 values but the spectra have 3 points/);
  });

  it('compares axes', () => {
    expect(sameAxis([1, 2, 3], [1, 2, 3 + 1e-12])).toBe(true);
    expect(sameAxis([1, 2, 3], [1, 2, 3.1])).toBe(false);
  });
});
