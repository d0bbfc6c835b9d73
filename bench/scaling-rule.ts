import * as fs from 'node:fs';
import { Command } from 'commander';
import { bestCandidate, chooseScaling, innerSplits, type CandidateScore } from '../src/engine/auto-finetune';
import type { ScalingMode } from '../src/engine/scaling';
import { selectRows } from '../src/numeric/matrix';
import { labelFractionSubset } from '../src/numeric/splits';
import type { EncoderState } from '../src/plugins/models/cnn/cnn-encoder.plugin';
import { createWorkerRegistry } from '../src/services/experiments/fold-runner';
import { planFolds } from '../src/services/experiments/experiment-spec';
import { parseSpectraCsv } from '../src/services/datasets/spectra-csv';
import { pretrainEncoder, studySslClassifier } from './diagnostics.support';

/**
 * How the automatic mode should pick the input scaling when few spectra are labelled, judged on
 * training rows only: per outer fold, the whole training fold is pre-trained on (no labels) once
 * per scaling; then, several times, a label-fraction subset of the training fold is drawn as a
 * study at that fraction draws it, the scaling choice's networks from scratch are trained on the
 * subset (the mode's own inner splits), the automatic SSL mode is fitted on the subset with each
 * scaling, and the rest of the training fold (labelled, never trained on) scores each. Each rule
 * then picks a scaling from the scratch networks' pooled scores alone:
 * - accuracy first (today): higher pooled validation accuracy, then lower pooled loss;
 * - loss first: lower pooled validation loss.
 * usage: node dist/bench/scaling-rule.js CSV --fraction 0.1 [--folds 0,1] [--draws 2] [--from-draw 2] [--group-column sample]
 */
export type ScalingRule = 'accuracy first' | 'loss first';

/** The candidate a rule picks from pooled scores (a candidate that learned beats one that did not). */
export function pickByRule(rule: ScalingRule, scores: readonly CandidateScore[]): number {
  if (rule === 'accuracy first') return bestCandidate(scores);
  let best = 0;
  for (let i = 1; i < scores.length; i++) {
    const a = scores[i];
    const b = scores[best];
    if (a.learned !== b.learned ? a.learned : a.valLoss < b.valLoss) best = i;
  }
  return best;
}

const SCALINGS: readonly ScalingMode[] = ['global', 'autoscale'];
const RULES: readonly ScalingRule[] = ['accuracy first', 'loss first'];

async function main(): Promise<void> {
  const program = new Command()
    .argument('<csv>')
    .requiredOption('--fraction <f>', 'share of each training fold drawn as labelled', Number)
    .option('--folds <list>', 'outer folds', (v) => v.split(',').map(Number), [0, 1])
    .option('--draws <n>', 'last label-fraction subset drawn per outer fold (draws --from-draw to --draws run)', Number, 2)
    .option('--from-draw <n>', 'first draw to run (1 is the study\'s own; later ones add draws to an earlier run)', Number, 1)
    .option('--group-column <name>', 'column of the CSV naming each spectrum\'s sample (folds keep a sample together)')
    .option('--out <file>', 'JSON of every draw')
    .parse();
  const [csv] = program.args;
  const o = program.opts<{ fraction: number; folds: number[]; draws: number; fromDraw: number; groupColumn?: string; out?: string }>();
  const { x, y, classes, groups } = parseSpectraCsv(fs.readFileSync(csv, 'utf8'), { groupColumn: o.groupColumn ?? null });
  const useGroups = groups !== null;
  const plans = planFolds({ folds: 5, seed: 0, useGroups, labelFraction: null, repeats: 1 }, y, classes.length, groups, x);
  const registry = createWorkerRegistry({ directory: null, packages: [] });
  const totals = { rows: 0, ...Object.fromEntries([...SCALINGS, ...RULES].map((name) => [name, 0])) } as Record<string, number>;
  const records: unknown[] = [];
  for (const k of o.folds) {
    const train = plans[k].train;
    const encoders = new Map<ScalingMode, EncoderState>();
    for (const scaling of SCALINGS) {
      const started = Date.now();
      encoders.set(scaling, await pretrainEncoder(registry, studySslClassifier(registry, scaling), selectRows(x, train)));
      console.log(`fold ${k + 1}: ${scaling} encoder pre-trained in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    for (let draw = o.fromDraw - 1; draw < o.draws; draw++) {
      // Draw 0 is the subset a study at this fraction labels (planFolds' seed); the others are new draws.
      const labelled = labelFractionSubset(train, y, o.fraction, draw === 0 ? k : 1000 * (draw + 1) + k, classes.length);
      const chosen = new Set(labelled);
      const heldOut = Array.from(train).filter((row) => !chosen.has(row));
      const xFit = selectRows(x, labelled);
      const yFit = Int32Array.from(labelled, (row) => y[row]);
      const xHeld = selectRows(x, heldOut);
      const yHeld = Int32Array.from(heldOut, (row) => y[row]);
      const fitGroups = useGroups ? Array.from(labelled, (row) => (groups as string[])[row]) : null;
      const chooser = studySslClassifier(registry, 'global', SCALINGS);
      const settings = chooser.autoSettings;
      const { candidates } = await chooseScaling(xFit, yFit, classes.length, chooser.config, settings, innerSplits(yFit, settings, fitGroups));
      const correct = new Map<ScalingMode, number>();
      for (const scaling of SCALINGS) {
        const classifier = studySslClassifier(registry, scaling);
        classifier.setPretrainedEncoder(encoders.get(scaling)!);
        await classifier.fit(xFit, yFit, classes.length, { groups: fitGroups });
        const predicted = await classifier.predict(xHeld);
        correct.set(scaling, predicted.reduce((n, label, i) => n + (label === yHeld[i] ? 1 : 0), 0));
        classifier.dispose();
      }
      const picks = Object.fromEntries(RULES.map((rule) => [rule, SCALINGS[pickByRule(rule, candidates)]])) as Record<ScalingRule, ScalingMode>;
      totals.rows += yHeld.length;
      for (const scaling of SCALINGS) totals[scaling] += correct.get(scaling)!;
      for (const rule of RULES) totals[rule] += correct.get(picks[rule])!;
      const scratch = candidates.map((c) => `${c.candidate} acc ${c.valAccuracy.toFixed(3)} loss ${c.valLoss.toFixed(3)}`).join(', ');
      const held = SCALINGS.map((s) => `${s} ${correct.get(s)}`).join(', ');
      console.log(`  draw ${draw + 1} (${yFit.length} labelled, ${yHeld.length} held out): scratch ${scratch}; SSL held out ${held}; picks ${RULES.map((r) => `${r}: ${picks[r]}`).join(', ')}`);
      records.push({ fold: k + 1, draw: draw + 1, labelled: yFit.length, heldOut: yHeld.length, candidates, correct: Object.fromEntries(correct), picks });
    }
  }
  console.log(`pooled over ${totals.rows} held-out spectra: ${[...SCALINGS, ...RULES].map((name) => `${name} ${totals[name]} (${(totals[name] / totals.rows).toFixed(3)})`).join(', ')}`);
  if (o.out) fs.writeFileSync(o.out, JSON.stringify({ csv, fraction: o.fraction, records, totals }, null, 2));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
