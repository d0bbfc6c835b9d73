import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crossValidate } from '../src/numeric/cross-validate';
import { stratifiedKFold } from '../src/numeric/splits';
import type { ClassifierPlugin } from '../src/plugins/contract';
import { BASELINE_PLUGINS } from '../src/plugins/models/baselines';
import { PluginRegistry } from '../src/plugins/registry';
import { ColumnAutoscaler, readLabelledCsv } from './baselines.support';

/**
 * The paper's baseline protocol: 5-fold stratified CV (seed 0, one shuffle), per-wavelength
 * autoscaling fitted on each training fold, every baseline at its paper-style defaults.
 * Prints one JSON line per dataset and model, then the total time per dataset. With --tune, the
 * tunable baselines (svm, knn, elm, pls-da) choose their hyper-parameters by inner CV on each
 * training fold instead.
 * With --folds-dir DIR, the test indices of each fold are written to DIR/<dataset>.folds.json, for
 * bench/baselines_same_folds.py to run scikit-learn on exactly these folds.
 * usage (from the repository root): node dist/bench/baselines.bench.js [--tune] [--folds-dir DIR] [dataset.csv ...]
 */
const ROOT = process.cwd();
const DEFAULT_DATASETS = ['examples/datasets/tablet/tablet.csv', 'examples/datasets/mango/mango.csv'];

async function main(): Promise<void> {
  const registry = new PluginRegistry(BASELINE_PLUGINS);
  const args = process.argv.slice(2);
  const tune = args.includes('--tune');
  const foldsDirIndex = args.indexOf('--folds-dir');
  const foldsDir = foldsDirIndex >= 0 ? args[foldsDirIndex + 1] : null;
  const given = args.filter((a, i) => a !== '--tune' && i !== foldsDirIndex && (foldsDirIndex < 0 || i !== foldsDirIndex + 1));
  const paths = given.length > 0 ? given : DEFAULT_DATASETS.map((p) => join(ROOT, p));
  for (const path of paths) {
    const { x, y, classes } = readLabelledCsv(path);
    const folds = stratifiedKFold(y, 5, 0);
    const dataset = path.split('/').pop() as string;
    if (foldsDir) writeFileSync(join(foldsDir, dataset.replace(/\.csv$/, '.folds.json')), JSON.stringify(folds.map((f) => Array.from(f.test))));
    let total = 0;
    for (const definition of registry.list('baseline')) {
      const tunable = 'tune' in definition.params;
      if (tune && !tunable) continue;
      const result = await crossValidate({
        x,
        y,
        nClasses: classes.length,
        folds,
        createModel: () => registry.create<ClassifierPlugin>(definition.name, tune ? { tune: true } : {}),
        createPreprocessing: () => new ColumnAutoscaler(),
      });
      total += result.seconds;
      console.log(
        JSON.stringify({
          dataset,
          model: definition.name,
          tuned: tune,
          accuracy: round(result.accuracy.mean),
          accuracyStd: round(result.accuracy.std),
          macroF1: round(result.macroF1.mean),
          seconds: round(result.seconds, 2),
        }),
      );
    }
    console.log(JSON.stringify({ dataset, model: 'all', seconds: round(total, 2) }));
  }
}

function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
