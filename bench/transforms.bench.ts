/**
 * Transform timings on a Coal-sized batch (5016 spectra x 1499 wavelengths, the paper's largest
 * dataset). Prints one JSON line per measurement: the six SSL transforms one by one and together
 * (what generating the pretext variants costs per epoch), then fit + transform of each
 * pre-processing step. Run: npm run build && node dist/bench/transforms.bench.js
 */
import { cpus } from 'node:os';
import { matrix, type Matrix } from '../src/numeric/matrix';
import { Rng } from '../src/numeric/rng';
import type { TransformPlugin } from '../src/plugins/contract';
import { PluginRegistry } from '../src/plugins/registry';
import { SSL_TRANSFORM_NAMES, TRANSFORM_PLUGINS } from '../src/plugins/transforms';

const ROWS = 5016;
const COLS = 1499;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** NIR-like spectra: baseline, two bands, scatter and noise. */
function coalSizedBatch(): Matrix {
  const rng = new Rng(0);
  const data = new Float32Array(ROWS * COLS);
  for (let r = 0; r < ROWS; r++) {
    const scale = rng.uniform(0.8, 1.2);
    const shift = rng.uniform(-0.1, 0.1);
    for (let j = 0; j < COLS; j++) {
      const bands = Math.exp(-(((j - 400) / 60) ** 2)) + 0.6 * Math.exp(-(((j - 1100) / 90) ** 2));
      data[r * COLS + j] = scale * (0.5 + bands) + shift + 0.01 * rng.normal();
    }
  }
  return matrix(ROWS, COLS, data);
}

/** Best wall time of RUNS calls, in milliseconds. */
function bestOf(work: () => void): number {
  let best = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    work();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return Math.round(best * 10) / 10;
}

function report(name: string, group: string, ms: number): void {
  console.log(JSON.stringify({ bench: 'transforms', group, name, rows: ROWS, cols: COLS, runs: RUNS, bestMs: ms }));
}

function main(): void {
  console.log(
    JSON.stringify({ bench: 'transforms', node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, date: new Date().toISOString() }),
  );
  const registry = new PluginRegistry(TRANSFORM_PLUGINS);
  const batch = coalSizedBatch();
  const ssl = SSL_TRANSFORM_NAMES.map((name) => registry.create<TransformPlugin>(name, {}, 'transform').fit(batch));
  const rng = new Rng(1);
  ssl.forEach((plugin) => report(plugin.meta.name, 'ssl', bestOf(() => plugin.transform(batch, rng))));
  report('all-six-ssl', 'ssl', bestOf(() => ssl.forEach((plugin) => plugin.transform(batch, rng))));
  for (const definition of registry.list('transform').filter((d) => d.tags?.includes('preprocessing'))) {
    report(definition.name, 'preprocessing (fit + transform)', bestOf(() => {
      registry.create<TransformPlugin>(definition.name, {}, 'transform').fit(batch).transform(batch);
    }));
  }
}

main();
