import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

/** The first `perClass` spectra of each class of an example dataset, as CSV text. */
export function exampleSliceCsv(name: 'tablet' | 'mango', perClass: number): string {
  const lines = fs.readFileSync(path.join(PROJECT_ROOT, 'examples/datasets', name, `${name}.csv`), 'utf8').trim().split('\n');
  const taken = new Map<string, number>();
  const kept = lines.slice(1).filter((line) => {
    const label = line.slice(0, line.indexOf(','));
    const n = taken.get(label) ?? 0;
    taken.set(label, n + 1);
    return n < perClass;
  });
  return [lines[0], ...kept].join('\n');
}

export const IMPORT_DATASET = 'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }';
