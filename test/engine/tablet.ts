import * as fs from 'node:fs';
import * as path from 'node:path';
import { matrix, type Matrix } from '../../src/numeric/matrix';

/** The Tablet example set: label column first, then 404 absorbances (labels mapped to 0..C-1). */
export function loadTablet(): { x: Matrix; y: Int32Array; classes: string[] } {
  const file = path.join(__dirname, '../../examples/datasets/tablet/tablet.csv');
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1);
  const labels = lines.map((l) => l.slice(0, l.indexOf(',')));
  const classes = [...new Set(labels)].sort();
  const cols = lines[0].split(',').length - 1;
  const data = new Float32Array(lines.length * cols);
  lines.forEach((line, r) => {
    const values = line.split(',');
    for (let c = 0; c < cols; c++) data[r * cols + c] = Number(values[c + 1]);
  });
  return { x: matrix(lines.length, cols, data), y: Int32Array.from(labels, (l) => classes.indexOf(l)), classes };
}

/** A seeded stratified split: every k-th spectrum of each class (after a shuffle) goes to the test set. */
export function splitEvery(y: Int32Array, k: number, offset = 0): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  const seen = new Map<number, number>();
  y.forEach((label, i) => {
    const n = seen.get(label) ?? 0;
    seen.set(label, n + 1);
    ((n + offset) % k === 0 ? test : train).push(i);
  });
  return { train, test };
}
