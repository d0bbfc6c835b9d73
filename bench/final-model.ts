import * as fs from 'node:fs';
import { Command } from 'commander';
import { autoBatchSize, autoFinetune, innerSplits, refitWinner, stepsPerEpoch } from '../src/engine/auto-finetune';
import type { ClassifierModel } from '../src/engine/classifier';
import { selectRows, type Matrix } from '../src/numeric/matrix';
import { argmaxRows } from '../src/numeric/metrics';
import { innerKFold } from '../src/numeric/splits';
import { base64ToBytes } from '../src/plugins/models/cnn/shared';
import { createWorkerRegistry } from '../src/services/experiments/fold-runner';
import { planFolds } from '../src/services/experiments/experiment-spec';
import { parseSpectraCsv } from '../src/services/datasets/spectra-csv';
import { pretrainEncoder, studySslClassifier } from './diagnostics.support';

/**
 * Which final model the automatic mode should predict with, judged one level of nesting down so
 * that no test fold is looked at: per outer fold, the labelled training rows are split again into
 * "middle" folds; on each, the automatic mode fine-tunes the fold's pre-trained encoder on the other
 * middle folds (its own inner splits and choices), and the middle fold it did not see scores the
 * candidates for the final model:
 * - cross-fit: the mean of the winner's inner networks (autoEnsemble; each saw 2/3 of the rows);
 * - refit (epochs): the winner trained on every row for its best inner epoch (the default);
 * - refit (steps): the same, for as many optimiser steps as that epoch took on an inner run;
 * - cross-fit + refit: the mean of the inner networks and the refit (epochs).
 * The encoder is pre-trained once per outer fold on the outer training fold's spectra (no labels),
 * so it has seen the middle folds' spectra, as it sees the unlabelled rows in a study; that is
 * the same for every candidate.
 * usage: node dist/bench/final-model.js CSV --fraction 1 [--folds 0,1] [--middle 4] [--scaling autoscale] [--group-column sample]
 */
export interface FinalScores {
  readonly [candidate: string]: number;
}

/** Mean of the members' class probabilities. */
export function meanProbabilities(members: readonly Matrix[]): Matrix {
  const [first] = members;
  const data = new Float32Array(first.data.length);
  for (const member of members) {
    for (let i = 0; i < data.length; i++) data[i] += member.data[i] / members.length;
  }
  return { rows: first.rows, cols: first.cols, data };
}

/** Rows whose most probable class is their label. */
export function hits(probabilities: Matrix, y: Int32Array): number {
  return argmaxRows(probabilities.data, probabilities.rows, probabilities.cols).reduce((n, label, r) => n + (label === y[r] ? 1 : 0), 0);
}

/** Held-out rows each final-model candidate classifies correctly, from the inner networks and the two refits. */
export function scoreFinals(inner: readonly Matrix[], refitEpochs: Matrix, refitSteps: Matrix, y: Int32Array): FinalScores {
  return {
    'one inner network (mean)': inner.reduce((n, p) => n + hits(p, y), 0) / inner.length,
    'cross-fit': hits(meanProbabilities(inner), y),
    'refit (epochs)': hits(refitEpochs, y),
    'refit (steps)': hits(refitSteps, y),
    'cross-fit + refit': hits(meanProbabilities([...inner, refitEpochs]), y),
  };
}

/** Epochs on `rows` rows that take as many optimiser steps as `epochs` epochs on `fitRows` rows did. */
export function epochsInSteps(epochs: number, fitRows: number, fitBatch: number, rows: number, batch: number): number {
  return Math.max(1, Math.round((epochs * stepsPerEpoch(fitRows, fitBatch)) / stepsPerEpoch(rows, batch)));
}

function predictAll(models: readonly ClassifierModel[], x: Matrix): Matrix[] {
  return models.map((model) => model.predictProba(x));
}

async function main(): Promise<void> {
  const program = new Command()
    .argument('<csv>')
    .requiredOption('--fraction <f>', 'share of each training fold whose labels are used', Number)
    .option('--folds <list>', 'outer folds', (v) => v.split(',').map(Number), [0, 1])
    .option('--middle <k>', 'middle folds of the labelled training rows', Number, 4)
    .option('--scaling <mode>', 'input scaling (pre-training and fine-tuning)', 'autoscale')
    .option('--group-column <name>', 'column of the CSV naming each spectrum\'s sample (folds keep a sample together)')
    .option('--out <file>', 'JSON of every middle fold\'s scores')
    .parse();
  const [csv] = program.args;
  const o = program.opts<{ fraction: number; folds: number[]; middle: number; scaling: string; groupColumn?: string; out?: string }>();
  const { x, y, classes, groups } = parseSpectraCsv(fs.readFileSync(csv, 'utf8'), { groupColumn: o.groupColumn ?? null });
  const useGroups = groups !== null;
  const plans = planFolds({ folds: 5, seed: 0, useGroups, labelFraction: o.fraction >= 1 ? null : o.fraction, repeats: 1 }, y, classes.length, groups, x);
  const registry = createWorkerRegistry({ directory: null, packages: [] });
  const totals: Record<string, number> = {};
  let heldOut = 0;
  const records: unknown[] = [];
  for (const k of o.folds) {
    const plan = plans[k];
    const classifier = studySslClassifier(registry, o.scaling);
    const started = Date.now();
    const encoder = base64ToBytes((await pretrainEncoder(registry, classifier, selectRows(x, plan.train))).weights, 'final-model');
    console.log(`fold ${k + 1}: encoder pre-trained in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const labelled = plan.labelled;
    const yLabelled = Int32Array.from(labelled, (row) => y[row]);
    const groupsLabelled = useGroups ? Array.from(labelled, (row) => (groups as string[])[row]) : null;
    // The cross-fit networks are what the refits are compared with, whatever the default final model.
    const settings = { ...classifier.autoSettings, ensemble: true };
    const base = classifier.config;
    for (const [m, middle] of innerKFold(yLabelled, o.middle, settings.seed + 101, groupsLabelled).entries()) {
      const fitRows = Array.from(middle.train, (i) => labelled[i]);
      const heldRows = Array.from(middle.test, (i) => labelled[i]);
      const xFit = selectRows(x, fitRows);
      const yFit = Int32Array.from(fitRows, (row) => y[row]);
      const xHeld = selectRows(x, heldRows);
      const yHeld = Int32Array.from(heldRows, (row) => y[row]);
      const splits = innerSplits(yFit, settings, useGroups ? fitRows.map((row) => (groups as string[])[row]) : null);
      const tuned = await autoFinetune(xFit, yFit, classes.length, base, encoder, settings, splits);
      const epochs = tuned.choices.epochs!;
      const stepped = epochsInSteps(epochs, tuned.choices.fitRows, tuned.choices.batchSize, xFit.rows, autoBatchSize(xFit.rows, base.batchSize));
      const refitE = await refitWinner(xFit, yFit, classes.length, tuned.winner, base.batchSize, epochs, encoder);
      const refitS = await refitWinner(xFit, yFit, classes.length, tuned.winner, base.batchSize, stepped, encoder);
      const scores = scoreFinals(predictAll(tuned.models, xHeld), refitE.model.predictProba(xHeld), refitS.model.predictProba(xHeld), yHeld);
      for (const model of [...tuned.models, refitE.model, refitS.model]) model.dispose();
      for (const [name, correct] of Object.entries(scores)) totals[name] = (totals[name] ?? 0) + correct;
      heldOut += yHeld.length;
      records.push({ fold: k + 1, middle: m + 1, rows: yHeld.length, learningRate: tuned.winner.adam.learningRate, epochs, stepped, scores });
      const line = Object.entries(scores).map(([name, n]) => `${name} ${Number.isInteger(n) ? n : n.toFixed(1)}`).join(', ');
      console.log(`  middle ${m + 1} (${yHeld.length} held out; lr ${tuned.winner.adam.learningRate}, ${epochs} epochs or ${stepped} in steps): ${line}`);
    }
  }
  console.log(`pooled over ${heldOut} held-out spectra:`);
  for (const [name, n] of Object.entries(totals)) console.log(`  ${name}: ${n.toFixed(name.startsWith('one') ? 1 : 0)} (${(n / heldOut).toFixed(3)})`);
  if (o.out) fs.writeFileSync(o.out, JSON.stringify({ csv, fraction: o.fraction, scaling: o.scaling, middle: o.middle, records, totals, heldOut }, null, 2));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
