import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { runInWorker } from '../src/engine/worker-host';
import type { TrainingProgress } from '../src/engine/training';
import { planFolds } from '../src/services/experiments/experiment-spec';
import type { FoldJob, FoldOutcome } from '../src/services/experiments/fold-runner';
import { parseSpectraCsv } from '../src/services/datasets/spectra-csv';
import type { CurvePoint } from './stopping-rules';

/**
 * The automatic mode's inner-validation curves, per outer fold: runs the study's "SSL, automatic
 * mode" fold jobs (the real fold runner, in worker threads) and prints, for every candidate the
 * mode trained on the inner folds, the validation loss and accuracy at each epoch, averaged over the
 * inner folds (unweighted: their validation rows differ by one at most). Training rows only: this
 * is what a stopping rule may look at. Model parameters can be overridden
 * (--params '{"autoPatience":200}') to see the curves past the current stopping point.
 * usage: node dist/bench/inner-curves.js CSV --fraction 0.1 [--folds 0,1,2,3,4] [--params JSON] [--out FILE]
 * (the --out file, with every inner run's curve, is what bench/stopping-rules.ts compares rules on)
 */
interface CandidateCurve {
  readonly index: number;
  readonly epochs: CurvePoint[];
  /** Each inner run's own curve (by inner fold), with its validation rows. */
  readonly runs: { rows: number; epochs: CurvePoint[] }[];
}

/** Splits the "select" progress (inner runs interleaved epoch by epoch) into candidates and averages each epoch over the inner runs. */
export function pooledCurves(curves: readonly TrainingProgress[]): CandidateCurve[] {
  const candidates: TrainingProgress[][] = [];
  let previousEpoch = Infinity;
  for (const p of curves) {
    if (p.stage !== 'select') continue;
    if (p.epoch < previousEpoch) candidates.push([]);
    previousEpoch = p.epoch;
    candidates[candidates.length - 1].push(p);
  }
  return candidates.map((records, index) => {
    const byEpoch = new Map<number, TrainingProgress[]>();
    for (const p of records) byEpoch.set(p.epoch, [...(byEpoch.get(p.epoch) ?? []), p]);
    const mean = (list: TrainingProgress[], key: string): number => list.reduce((s, p) => s + (p.extra?.[key] ?? NaN), 0) / list.length;
    const runs: { rows: number; epochs: CurvePoint[] }[] = [];
    for (const p of records) {
      const k = p.extra?.innerFold ?? 0;
      runs[k] ??= { rows: p.extra?.innerRows ?? 0, epochs: [] };
      runs[k].epochs.push({ epoch: p.epoch, valLoss: p.extra?.valLoss ?? NaN, valAccuracy: p.extra?.valAccuracy ?? NaN });
    }
    return {
      index,
      epochs: [...byEpoch].map(([epoch, list]) => ({ epoch, valLoss: mean(list, 'valLoss'), valAccuracy: mean(list, 'valAccuracy') })),
      runs,
    };
  });
}

async function main(): Promise<void> {
  const program = new Command()
    .argument('<csv>')
    .requiredOption('--fraction <f>', 'share of each training fold whose labels are used', Number)
    .option('--folds <list>', 'outer folds to run', (v) => v.split(',').map(Number), [0, 1, 2, 3, 4])
    .option('--params <json>', 'cnn-classifier parameters over the study\'s automatic SSL ones', '{}')
    .option('--pretext-epochs <n>', 'pre-training epochs', Number, 30)
    .option('--finetune-epochs <n>', 'fine-tuning epochs', Number, 200)
    .option('--parallel <n>', 'folds at once', Number, 2)
    .option('--out <file>', 'also write every fold\'s curves as JSON')
    .option('--group-column <name>', 'column of the CSV naming each spectrum\'s sample (folds keep a sample together)')
    .parse();
  const [csv] = program.args;
  const o = program.opts<{ fraction: number; folds: number[]; params: string; pretextEpochs: number; finetuneEpochs: number; parallel: number; out?: string; groupColumn?: string }>();
  const { x, y, classes, groups } = parseSpectraCsv(fs.readFileSync(csv, 'utf8'), { groupColumn: o.groupColumn ?? null });
  const useGroups = groups !== null;
  const plans = planFolds({ folds: 5, seed: 0, useGroups, labelFraction: o.fraction >= 1 ? null : o.fraction, repeats: 1 }, y, classes.length, groups, x);
  const model = {
    plugin: 'cnn-classifier',
    params: { auto: true, ssl: true, epochs: o.finetuneEpochs, pretext: { epochs: o.pretextEpochs }, ...JSON.parse(o.params) },
  };
  const results: unknown[] = [];
  const queue = [...o.folds];
  const worker = async (): Promise<void> => {
    for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
      const plan = plans[k];
      const job: FoldJob = {
        x,
        y,
        nClasses: classes.length,
        train: plan.train,
        labelled: plan.labelled,
        test: plan.test,
        preprocessing: [],
        model,
        seed: 0,
        plugins: { directory: null, packages: [] },
        groups: useGroups ? groups : null,
      };
      const started = Date.now();
      const outcome = await runInWorker<FoldOutcome>(path.join(__dirname, '../src/services/experiments/fold-runner'), 'runFoldJob', job);
      const candidates = pooledCurves(outcome.curves);
      // No test-fold score: what these curves are for (a stopping rule) may only see training rows.
      results.push({ fold: k, choices: outcome.choices, warnings: outcome.warnings, candidates });
      console.log(JSON.stringify({ fold: k, minutes: +((Date.now() - started) / 60000).toFixed(1), labelled: plan.labelled.length, choices: outcome.choices }));
      for (const c of candidates) {
        const line = c.epochs
          .filter((e) => e.epoch <= 5 || e.epoch % 10 === 0 || e.epoch === c.epochs.length)
          .map((e) => `${e.epoch}:${e.valAccuracy.toFixed(2)}/${e.valLoss.toFixed(2)}`)
          .join(' ');
        console.log(`  fold ${k} candidate ${c.index} (acc/loss): ${line}`);
      }
    }
  };
  await Promise.all(Array.from({ length: o.parallel }, worker));
  if (o.out) fs.writeFileSync(o.out, JSON.stringify(results));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
