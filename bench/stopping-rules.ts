import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';

/**
 * Early-stopping rules compared on inner-validation curves alone: each inner run is held out in
 * turn, the rule picks the epoch on the pooled curve of the other runs, and the held-out run is
 * scored at that epoch. Selecting on the same rows it is scored on would flatter whichever rule
 * monitors the score itself (the accuracy rule); holding a run out does not.
 */
export interface CurvePoint {
  readonly epoch: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
}

/** One inner run's validation curve and its validation rows. */
export interface RunCurve {
  readonly rows: number;
  readonly epochs: readonly CurvePoint[];
}

export const STOPPING_RULES = ['loss', 'accuracy, then loss', 'full budget'] as const;
export type StoppingRuleName = (typeof STOPPING_RULES)[number];

/** Validation loss and accuracy per epoch, weighted by each run's validation rows (as PooledStopping pools them). */
export function pooledCurve(runs: readonly RunCurve[]): { loss: number; accuracy: number }[] {
  const epochs = Math.min(...runs.map((r) => r.epochs.length));
  const rows = runs.reduce((n, r) => n + r.rows, 0);
  return Array.from({ length: epochs }, (_, e) => ({
    loss: runs.reduce((s, r) => s + r.epochs[e].valLoss * r.rows, 0) / rows,
    accuracy: runs.reduce((s, r) => s + r.epochs[e].valAccuracy * r.rows, 0) / rows,
  }));
}

/** The index of the epoch a rule restores: its best before `patience` epochs pass without a better one. */
export function stoppingEpoch(rule: StoppingRuleName, curve: readonly { loss: number; accuracy: number }[], patience: number): number {
  if (rule === 'full budget') return curve.length - 1;
  let pick = 0;
  let sinceBest = 0;
  for (let e = 1; e < curve.length; e++) {
    const a = curve[e];
    const b = curve[pick];
    const better = rule === 'loss' ? a.loss < b.loss : a.accuracy > b.accuracy + 1e-9 || (Math.abs(a.accuracy - b.accuracy) <= 1e-9 && a.loss < b.loss);
    if (better) {
      pick = e;
      sinceBest = 0;
    } else if (++sinceBest >= patience) {
      break;
    }
  }
  return pick;
}

/** Each run scored at the epoch the rule picks on the other runs' pooled curve. */
export function heldOutScore(rule: StoppingRuleName, runs: readonly RunCurve[], patience: number): { hits: number; rows: number; loss: number; epochs: number[] } {
  let hits = 0;
  let rows = 0;
  let loss = 0;
  const epochs: number[] = [];
  runs.forEach((run, h) => {
    const e = Math.min(stoppingEpoch(rule, pooledCurve(runs.filter((_, k) => k !== h)), patience), run.epochs.length - 1);
    epochs.push(run.epochs[e].epoch);
    hits += Math.round(run.epochs[e].valAccuracy * run.rows);
    loss += run.epochs[e].valLoss * run.rows;
    rows += run.rows;
  });
  return { hits, rows, loss: loss / Math.max(1, rows), epochs };
}

interface CurvesFile {
  fold: number;
  candidates: { index: number; runs?: RunCurve[] }[];
}

/** usage: node dist/bench/stopping-rules.js CURVES.json... [--patience 20] (files from inner-curves --out) */
function main(): void {
  const program = new Command()
    .argument('<files...>')
    .option('--patience <n>', 'epochs without a better pooled epoch before a rule stops', Number, 20)
    .parse();
  const { patience } = program.opts<{ patience: number }>();
  const totals = new Map(STOPPING_RULES.map((rule) => [rule, { hits: 0, rows: 0, loss: 0 }]));
  for (const file of program.args) {
    for (const fold of JSON.parse(fs.readFileSync(file, 'utf8')) as CurvesFile[]) {
      for (const candidate of fold.candidates) {
        const runs = (candidate.runs ?? []).filter(Boolean);
        if (runs.length < 2) continue;
        const cells = STOPPING_RULES.map((rule) => {
          const score = heldOutScore(rule, runs, patience);
          const total = totals.get(rule)!;
          total.hits += score.hits;
          total.rows += score.rows;
          total.loss += score.loss * score.rows;
          return `${rule}: ${score.hits}/${score.rows}, loss ${score.loss.toFixed(3)}, epochs ${score.epochs.join(' ')}`;
        });
        console.log(`${path.basename(file)} fold ${fold.fold + 1} candidate ${candidate.index}: ${cells.join(' | ')}`);
      }
    }
  }
  for (const [rule, t] of totals) {
    console.log(`all: ${rule}: ${t.hits}/${t.rows} = ${(t.hits / Math.max(1, t.rows)).toFixed(4)}, loss ${(t.loss / Math.max(1, t.rows)).toFixed(3)}`);
  }
}

if (require.main === module) main();
