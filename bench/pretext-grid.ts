import * as fs from 'node:fs';
import { initBackend } from '../src/engine/backend';
import { ClassifierModel, DEFAULT_CLASSIFIER } from '../src/engine/classifier';
import { DEFAULT_PRETEXT, PretextModel, type PretextConfig } from '../src/engine/pretext';
import type { ScalingMode } from '../src/engine/scaling';
import { runInWorker } from '../src/engine/worker-host';
import { matrix, selectRows } from '../src/numeric/matrix';
import { classificationReport } from '../src/numeric/metrics';
import { stratifiedKFold } from '../src/numeric/splits';
import { parseSpectraCsv } from '../src/services/datasets/spectra-csv';
import { createSslTransform } from '../src/plugins/transforms';

/**
 * Which offset and multiplication magnitudes make the pretext task teach? Measured on training
 * rows only: for outer fold k of the 5-fold protocol, its training rows are split again (80/20,
 * stratified); the pretext network is trained on the 80 % and its per-transform F1 scored on
 * variants of the held-out 20 %; a short fine-tuning on the 80 % and its accuracy on the 20 %
 * say whether the encoder helps the downstream task. Test folds are never read.
 * usage: node dist/bench/pretext-grid.js CSV [--outer 0] [--pre 30] [--ft 40] [--parallel 2]
 *        [--levels 0.1:0.1:0,2:0.5:0.5] [--scalings global,autoscale]
 * A level is offset factor : multiplication half-width : minFraction (the smallest |u| as a share).
 */
interface GridArgs {
  readonly x: { rows: number; cols: number; data: Float32Array };
  readonly y: Int32Array;
  readonly nClasses: number;
  readonly fit: Int32Array;
  readonly held: Int32Array;
  readonly scaling: ScalingMode;
  readonly offset: number;
  readonly multiplication: number;
  readonly minFraction: number;
  readonly pre: number;
  readonly ft: number;
}

export async function gridJob(args: GridArgs): Promise<Record<string, unknown>> {
  await initBackend();
  const x = matrix(args.x.rows, args.x.cols, args.x.data);
  const xFit = selectRows(x, args.fit);
  const xHeld = selectRows(x, args.held);
  const config: PretextConfig = {
    ...DEFAULT_PRETEXT,
    scaling: args.scaling,
    epochs: args.pre,
    transformParams: {
      offset: { amplitudeFactor: args.offset, minFraction: args.minFraction },
      multiplication: { amplitude: args.multiplication, minFraction: args.minFraction },
    },
  };
  const t0 = Date.now();
  const { model } = await PretextModel.train(xFit, config, createSslTransform);
  let encoder: Uint8Array;
  let metrics;
  try {
    metrics = model.evaluate(xHeld);
    encoder = model.encoderBytes();
  } finally {
    model.dispose();
  }
  const t1 = Date.now();
  const yFit = Int32Array.from(args.fit, (i) => args.y[i]);
  const yHeld = Int32Array.from(args.held, (i) => args.y[i]);
  const classifierConfig = { ...DEFAULT_CLASSIFIER, scaling: args.scaling, epochs: args.ft };
  const { model: classifier } = await ClassifierModel.train(xFit, yFit, args.nClasses, classifierConfig, { pretrainedEncoder: encoder });
  let downstream: number;
  try {
    downstream = classificationReport(yHeld, classifier.predict(xHeld), args.nClasses).accuracy;
  } finally {
    classifier.dispose();
  }
  return {
    scaling: args.scaling,
    offset: args.offset,
    multiplication: args.multiplication,
    minFraction: args.minFraction,
    pretextAccuracy: round(metrics.accuracy),
    f1: Object.fromEntries(Object.entries(metrics.perTransform).map(([name, m]) => [name, round(m.f1)])),
    downstreamAccuracy: round(downstream),
    pretextSeconds: (t1 - t0) / 1000,
    finetuneSeconds: (Date.now() - t1) / 1000,
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const csv = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--')));
  if (!csv) throw new Error('usage: pretext-grid CSV [--outer 0] [--pre 30] [--ft 40] [--levels a:b,...] [--scalings global,autoscale]');
  const outer = Number(option('outer', '0'));
  const pre = Number(option('pre', '30'));
  const ft = Number(option('ft', '40'));
  const parallel = Number(option('parallel', '2'));
  const levels = option('levels', '0.1:0.1:0,2:0.5:0,1:0.3:0.5,2:0.5:0.5').split(',').map((level) => level.split(':').map(Number));
  const scalings = option('scalings', 'global,autoscale').split(',') as ScalingMode[];
  const { x, y, classes } = parseSpectraCsv(fs.readFileSync(csv, 'utf8'));
  const train = stratifiedKFold(y, 5, 0)[outer].train;
  const yTrain = Int32Array.from(train, (i) => y[i]);
  const inner = stratifiedKFold(yTrain, 5, 1)[0];
  const fit = Int32Array.from(inner.train, (i) => train[i]);
  const held = Int32Array.from(inner.test, (i) => train[i]);
  console.log(JSON.stringify({ csv, rows: x.rows, cols: x.cols, outer, fit: fit.length, held: held.length, pre, ft, started: new Date().toISOString() }));
  const jobs = scalings.flatMap((scaling) => levels.map(([offset, multiplication, minFraction = 0]) => ({ scaling, offset, multiplication, minFraction })));
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const args: GridArgs = { x: { rows: x.rows, cols: x.cols, data: x.data }, y, nClasses: classes.length, fit, held, pre, ft, ...job };
      console.log(JSON.stringify(await runInWorker<Record<string, unknown>>(__filename, 'gridJob', args)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, run));
  console.log(JSON.stringify({ finished: new Date().toISOString() }));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
