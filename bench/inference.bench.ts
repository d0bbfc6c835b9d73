import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/engine/backend';
import { matrix } from '../src/numeric/matrix';
import { Rng } from '../src/numeric/rng';
import type { ClassifierPlugin } from '../src/plugins/contract';
import { TransformPipeline } from '../src/plugins/transforms/pipeline';
import { createWorkerRegistry } from '../src/services/experiments/fold-runner';
import { WarmWorkers } from '../src/engine/warm-workers';
import { predictOnPool } from '../src/services/models/predict-runner';

/**
 * End-to-end prediction speed of a stored SSL classifier (cnn-classifier, METHOD.md network):
 * 10,000 random spectra at L = 404 by default, next to PyTorch (infer_torch.py, one thread) in
 * the same run, on the server's path (predictOnPool: worker threads that stay warm). One JSON
 * line per measurement:
 * - `cold`: a model's first prediction on fresh threads (they start and rebuild the model);
 * - `warm`: every prediction after it (the threads hold their backend and the model).
 * usage: node dist/bench/inference.bench.js [L] [spectra]
 */
const L = Number(process.argv[2] ?? 404);
const SPECTRA = Number(process.argv[3] ?? 10_000);

function randomSpectra(rows: number, cols: number, seed: number) {
  const rng = new Rng(seed);
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.normal()));
}

function torchSpectraPerSecond(): number | null {
  // bench/ under ts-node-style runs, dist/bench/ when compiled.
  const file = ['../../shared', '../../../shared'].map((d) => path.join(__dirname, d, 'reference/infer_torch.py')).find((f) => fs.existsSync(f));
  if (!file || !fs.existsSync('/usr/bin/python3')) return null;
  try {
    const out = execFileSync('/usr/bin/python3', [file, String(L)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return (JSON.parse(out.trim().split('\n').pop() as string) as { spectraPerSecond: number }).spectraPerSecond;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const torch = torchSpectraPerSecond();
  console.log(JSON.stringify({ bench: 'predict', impl: 'pytorch', L, threads: 1, spectraPerSecond: torch, date }));
  await initBackend('wasm');
  const plugins = { directory: null, packages: [] as string[] };
  const registry = createWorkerRegistry(plugins);
  const classifier = registry.create<ClassifierPlugin>('cnn-classifier', { epochs: 1, ssl: false });
  const train = randomSpectra(16, L, 1);
  await classifier.fit(train, Int32Array.from({ length: 16 }, (_, i) => i % 4), 4);
  const pipeline = TransformPipeline.fromSteps(registry, []);
  const state = JSON.stringify({ pipeline: pipeline.toJSON(), classifier: registry.serialize(classifier) });
  const x = randomSpectra(SPECTRA, L, 2);
  const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const job = { modelKey: 'bench', state: new Uint8Array(Buffer.from(state, 'utf8')), plugins, x };
  for (const threads of [1, Math.min(2, os.availableParallelism())]) {
    const pool = new WarmWorkers(threads);
    try {
      // The first call starts the threads and rebuilds the model in each; later calls find both.
      for (const mode of ['cold', 'warm']) {
        const t0 = performance.now();
        const { probabilities } = await predictOnPool(pool, job);
        const seconds = (performance.now() - t0) / 1000;
        if (probabilities.rows !== SPECTRA) throw new Error(`got ${probabilities.rows} rows`);
        console.log(JSON.stringify({ bench: 'predict', impl: 'tfjs-wasm', mode, L, spectra: SPECTRA, threads, seconds: Number(seconds.toFixed(2)), spectraPerSecond: Math.round(SPECTRA / seconds), load: load(), date }));
      }
    } finally {
      await pool.close();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
