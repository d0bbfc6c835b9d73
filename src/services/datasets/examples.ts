import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths';
import type { ImportDatasetRequest } from './datasets.service';

/**
 * The example datasets shipped in examples/datasets/<name>/: <name>.csv (label, then the
 * spectra), <name>_meta.csv (per-row metadata, same order) and README.md (provenance).
 */
export const EXAMPLES_DIR = path.join(PROJECT_ROOT, 'examples/datasets');
export const SHIPPED_EXAMPLES = ['tablet', 'mango'] as const;

/** The import request for one example: spectra and metadata joined into one table. */
export function exampleImportRequest(name: string, dir = path.join(EXAMPLES_DIR, name)): ImportDatasetRequest {
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const spectra = fs.readFileSync(path.join(dir, `${name}.csv`), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const metaFile = path.join(dir, `${name}_meta.csv`);
  let lines = spectra;
  if (fs.existsSync(metaFile)) {
    const meta = fs.readFileSync(metaFile, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    if (meta.length !== spectra.length) throw new Error(`${metaFile} has ${meta.length} lines, ${name}.csv has ${spectra.length}`);
    // Keep the metadata columns other than the row number and the (repeated) label.
    const header = meta[0].split(',');
    const keep = header.map((_, i) => i).filter((i) => header[i] !== 'row' && header[i] !== 'label');
    lines = spectra.map((line, k) => {
      const fields = meta[k].split(',');
      const [label, ...values] = line.split(',');
      return [label, ...keep.map((i) => cleanValue(fields[i])), ...values].join(',');
    });
  }
  return {
    name,
    table: { content: lines.join('\n') },
    description: readme.split('\n')[0].replace(/^#\s*/, ''),
    source: readme,
  };
}

/** The metadata files were written from numpy: "np.float64(5.47)" -> "5.47". */
function cleanValue(value: string): string {
  return value.replace(/^np\.\w+\((.*)\)$/, '$1');
}
