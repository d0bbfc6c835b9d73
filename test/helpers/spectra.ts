import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

/** An example dataset's table: axis, labels and spectra (label column first, then the axis). */
export function readExample(name: 'tablet' | 'mango'): { axis: number[]; labels: string[]; spectra: number[][] } {
  const lines = fs.readFileSync(path.join(PROJECT_ROOT, 'examples/datasets', name, `${name}.csv`), 'utf8').trim().split('\n');
  const axis = lines[0].split(',').slice(1).map(Number);
  const rows = lines.slice(1).map((line) => line.split(','));
  return { axis, labels: rows.map((r) => r[0]), spectra: rows.map((r) => r.slice(1).map(Number)) };
}

/** The table of the given rows of an example dataset, as CSV text. */
export function exampleRowsCsv(name: 'tablet' | 'mango', keep: (row: number) => boolean): string {
  const lines = fs.readFileSync(path.join(PROJECT_ROOT, 'examples/datasets', name, `${name}.csv`), 'utf8').trim().split('\n');
  return [lines[0], ...lines.slice(1).filter((_, i) => keep(i))].join('\n') + '\n';
}

/** Linear interpolation of (xs, ys) at x; constant beyond the ends (xs ascending or descending). */
export function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  const ascending = xs[0] < xs[xs.length - 1];
  const at = (k: number) => (ascending ? xs[k] : xs[xs.length - 1 - k]);
  const val = (k: number) => (ascending ? ys[k] : ys[ys.length - 1 - k]);
  const n = xs.length;
  if (x <= at(0)) return val(0);
  if (x >= at(n - 1)) return val(n - 1);
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (at(mid) <= x) lo = mid;
    else hi = mid;
  }
  const t = (x - at(lo)) / (at(hi) - at(lo));
  return val(lo) + t * (val(hi) - val(lo));
}
