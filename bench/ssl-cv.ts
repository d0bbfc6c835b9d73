import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CLASSIFIER, type ClassifierConfig } from '../src/engine/classifier';
import type { FoldJobArgs, FoldJobResult } from './ssl-fold-job';
import { DEFAULT_PRETEXT, type PretextConfig } from '../src/engine/pretext';
import type { ScalingMode } from '../src/engine/scaling';
import { runInWorker } from '../src/engine/worker-host';
import { stratifiedKFold } from '../src/numeric/splits';
import { parseSpectraCsv } from '../src/services/datasets/spectra-csv';

/**
 * 5-fold stratified cross-validation of the SSL method (pre-train + fine-tune) and, with
 * --mode both|scratch, of the same network trained from scratch, on a spectra CSV. Folds run in
 * worker threads (--parallel, default 2: one per core). Prints one JSON line per fold, then the
 * means.
 * usage: node dist/bench/ssl-cv.js CSV [--pre 100] [--ft 250] [--folds 5] [--seed 0]
 *        [--mode ssl|scratch|both] [--scale global|autoscale] [--parallel 2] [--filters 32,64,128]
 */
interface Options {
  csv: string;
  pre: number;
  ft: number;
  folds: number;
  seed: number;
  mode: 'ssl' | 'scratch' | 'both';
  scale: ScalingMode;
  parallel: number;
  filters: number[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { csv: '', pre: 100, ft: 250, folds: 5, seed: 0, mode: 'ssl', scale: 'global', parallel: 2, filters: [32, 64, 128] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--pre') o.pre = Number(next());
    else if (a === '--ft') o.ft = Number(next());
    else if (a === '--folds') o.folds = Number(next());
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--mode') o.mode = next() as Options['mode'];
    else if (a === '--scale') o.scale = next() as ScalingMode;
    else if (a === '--parallel') o.parallel = Math.max(1, Number(next()));
    else if (a === '--filters') o.filters = next().split(',').map(Number);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.csv = a;
  }
  if (!o.csv) throw new Error('usage: ssl-cv CSV [--pre N] [--ft N] [--folds K] [--seed S] [--mode ssl|scratch|both] [--scale global|autoscale]');
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const parsed = parseSpectraCsv(fs.readFileSync(o.csv, 'utf8'));
  const { x, y, classes } = parsed;
  const folds = stratifiedKFold(y, o.folds, o.seed);
  const encoder = { ...DEFAULT_PRETEXT.encoder, filters: o.filters };
  const pretext: PretextConfig = { ...DEFAULT_PRETEXT, encoder, epochs: o.pre, seed: o.seed, scaling: o.scale };
  const classifier: ClassifierConfig = { ...DEFAULT_CLASSIFIER, encoder, epochs: o.ft, seed: o.seed, scaling: o.scale };
  const modes = o.mode === 'both' ? (['ssl', 'scratch'] as const) : ([o.mode] as const);
  const jobs = modes.flatMap((mode) => folds.map((fold, k) => ({ mode, k, fold })));
  const jobsModule = path.join(__dirname, 'ssl-fold-job');
  const results: { mode: string; k: number; result: FoldJobResult }[] = [];
  console.log(JSON.stringify({ rows: x.rows, cols: x.cols, classes: classes.length, ...o, started: new Date().toISOString() }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const { mode, k, fold } = jobs[next++];
      const t0 = Date.now();
      const args: FoldJobArgs = {
        x: { rows: x.rows, cols: x.cols, data: x.data },
        y,
        nClasses: classes.length,
        train: fold.train,
        test: fold.test,
        pretext: mode === 'ssl' ? pretext : null,
        classifier,
      };
      const result = await runInWorker<FoldJobResult>(jobsModule, 'sslFoldJob', args);
      results.push({ mode, k, result });
      const pretextSummary = result.pretext
        ? {
            pretextAccuracy: result.pretext.accuracy,
            pretextPerTransform: Object.fromEntries(
              Object.entries(result.pretext.perTransform).map(([name, m]) => [name, { accuracy: round(m.accuracy), f1: round(m.f1) }]),
            ),
          }
        : {};
      console.log(
        JSON.stringify({
          mode,
          fold: k,
          accuracy: round(result.accuracy),
          macroF1: round(result.macroF1),
          ...pretextSummary,
          pretextSeconds: result.pretextSeconds,
          finetuneSeconds: result.finetuneSeconds,
          wallSeconds: (Date.now() - t0) / 1000,
          backend: result.backend,
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, jobs.length) }, worker));
  for (const mode of modes) {
    const mine = results.filter((r) => r.mode === mode).map((r) => r.result);
    const mean = (f: (r: FoldJobResult) => number): number => round(mine.reduce((s, r) => s + f(r), 0) / mine.length);
    const sd = (f: (r: FoldJobResult) => number): number => {
      const m = mine.reduce((s, r) => s + f(r), 0) / mine.length;
      return round(Math.sqrt(mine.reduce((s, r) => s + (f(r) - m) ** 2, 0) / Math.max(1, mine.length - 1)));
    };
    console.log(
      JSON.stringify({
        summary: mode,
        folds: mine.length,
        accuracyMean: mean((r) => r.accuracy),
        accuracySd: sd((r) => r.accuracy),
        macroF1Mean: mean((r) => r.macroF1),
        pretextAccuracyMean: mode === 'ssl' ? mean((r) => r.pretext?.accuracy ?? 0) : null,
        finished: new Date().toISOString(),
      }),
    );
  }
}

function round(v: number): number {
  return Math.round(v * 10000) / 10000;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
