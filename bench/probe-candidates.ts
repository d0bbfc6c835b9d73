import * as fs from 'node:fs';
import { Command } from 'commander';
import { innerSplits, type InnerSplit } from '../src/engine/auto-finetune';
import { crossValidate } from '../src/numeric/cross-validate';
import { selectRows, type Matrix } from '../src/numeric/matrix';
import type { ClassifierPlugin } from '../src/plugins/contract';
import type { PluginRegistry } from '../src/plugins/registry';
import { BASELINE_PLUGINS, tunedBaselineParams } from '../src/plugins/models/baselines';
import { probeParams, scoreProbe } from '../src/plugins/models/cnn/probe-head';
import { createWorkerRegistry } from '../src/services/experiments/fold-runner';
import { planFolds } from '../src/services/experiments/experiment-spec';
import { parseSpectraCsv } from '../src/services/datasets/spectra-csv';
import { pretrainEncoder, studySslClassifier } from './diagnostics.support';

/**
 * Which probe heads the automatic mode could offer: per outer fold, pre-trains the encoder on the
 * training fold's spectra (one fixed scaling), then scores every baseline on the frozen encoder's
 * blocks and on the raw spectra, on the automatic mode's own inner splits of the labelled training
 * rows (pooled validation accuracy). Training rows only; the test fold is never touched.
 * usage: node dist/bench/probe-candidates.js CSV --fraction 1 [--folds 0,1] [--scaling autoscale]
 */
/** The baseline on the raw spectra: pooled accuracy over the inner splits' validation rows. */
async function rawScore(registry: PluginRegistry, plugin: string, x: Matrix, y: Int32Array, nClasses: number, splits: readonly InnerSplit[]): Promise<number> {
  const { folds } = await crossValidate({
    x,
    y,
    nClasses,
    folds: splits.map((split) => ({ train: split.fit, test: split.validation })),
    createModel: () => registry.create<ClassifierPlugin>(plugin, tunedBaselineParams(plugin)),
  });
  const hits = folds.reduce((n, f) => n + Math.round(f.report.accuracy * f.testSize), 0);
  return hits / folds.reduce((n, f) => n + f.testSize, 0);
}

async function main(): Promise<void> {
  const program = new Command()
    .argument('<csv>')
    .requiredOption('--fraction <f>', 'share of each training fold whose labels are used', Number)
    .option('--folds <list>', 'outer folds', (v) => v.split(',').map(Number), [0, 1, 2, 3, 4])
    .option('--scaling <mode>', 'input scaling of the pre-training', 'autoscale')
    .option('--probes <list>', 'baselines to try as probes', (v) => v.split(','), BASELINE_PLUGINS.map((p) => p.name))
    .option('--group-column <name>', 'column of the CSV naming each spectrum\'s sample (folds keep a sample together)')
    .parse();
  const [csv] = program.args;
  const o = program.opts<{ fraction: number; folds: number[]; scaling: string; probes: string[]; groupColumn?: string }>();
  const { x, y, classes, groups } = parseSpectraCsv(fs.readFileSync(csv, 'utf8'), { groupColumn: o.groupColumn ?? null });
  const useGroups = groups !== null;
  const plans = planFolds({ folds: 5, seed: 0, useGroups, labelFraction: o.fraction >= 1 ? null : o.fraction, repeats: 1 }, y, classes.length, groups, x);
  const registry = createWorkerRegistry({ directory: null, packages: [] });
  for (const k of o.folds) {
    const plan = plans[k];
    const xLabelled = selectRows(x, plan.labelled);
    const yLabelled = Int32Array.from(plan.labelled, (row) => y[row]);
    const classifier = studySslClassifier(registry, o.scaling);
    const started = Date.now();
    const encoder = await pretrainEncoder(registry, classifier, selectRows(x, plan.train));
    const groupsLabelled = useGroups ? Array.from(plan.labelled, (row) => (groups as string[])[row]) : null;
    const splits = innerSplits(yLabelled, classifier.autoSettings, groupsLabelled);
    const line: string[] = [`fold ${k + 1} (pre-trained in ${((Date.now() - started) / 1000).toFixed(0)} s)`];
    for (const probe of o.probes) {
      const raw = await rawScore(registry, probe, xLabelled, yLabelled, classes.length, splits);
      const scores: string[] = [];
      for (const depth of [1, 2, 3]) {
        const score = await scoreProbe(probeParams(classifier.params, probe, depth), encoder, xLabelled, yLabelled, classes.length, splits);
        scores.push(score.valAccuracy.toFixed(3));
      }
      line.push(`${probe}: raw ${raw.toFixed(3)}, blocks 1-3 ${scores.join(' ')}`);
    }
    console.log(line.join('\n  '));
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
