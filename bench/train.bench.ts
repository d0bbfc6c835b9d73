import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/engine/backend';
import { ClassifierModel, DEFAULT_CLASSIFIER } from '../src/engine/classifier';
import { DEFAULT_PRETEXT, PretextModel } from '../src/engine/pretext';
import { fitScaler } from '../src/engine/scaling';
import { matrix } from '../src/numeric/matrix';
import { Rng } from '../src/numeric/rng';

/**
 * Training speed of the pretext network (METHOD.md defaults, batch 32) in ms per training sample,
 * best of 3 epochs after a warm-up, and classifier inference in ms per spectrum (batches of 256),
 * for each backend that loads, next to PyTorch (shared/reference/bench_torch.py, one thread) when
 * /usr/bin/python3 has torch. One JSON line per measurement.
 * usage: node dist/bench/train.bench.js [L ...]   (default 404 1557)
 *        BENCH_BACKENDS=wasm,cpu limits the backends tried (default: all four)
 */
const lengths = process.argv.slice(2).map(Number).filter((n) => n > 0);
const LENGTHS = lengths.length > 0 ? lengths : [404, 1557];
/** Spectra per epoch: 32 spectra x 7 variants = 224 samples, as bench_torch.py. */
const SPECTRA = 32;

function emit(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record));
}

function randomSpectra(rows: number, cols: number, seed: number) {
  const rng = new Rng(seed);
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.normal()));
}

async function benchTraining(backend: BackendName, length: number, spectra: number, runs: number): Promise<number> {
  const x = randomSpectra(spectra, length, 1);
  const config = { ...DEFAULT_PRETEXT, epochs: 1 };
  const model = PretextModel.create(config, length, fitScaler('global', x));
  try {
    await model.fit(x);
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await model.fit(x);
      best = Math.min(best, performance.now() - t0);
    }
    return best / (spectra * 7);
  } finally {
    model.dispose();
  }
}

async function benchInference(length: number, spectra: number): Promise<number> {
  const x = randomSpectra(8, length, 2);
  const { model } = await ClassifierModel.train(x, Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), 4, { ...DEFAULT_CLASSIFIER, epochs: 1 });
  try {
    const batch = randomSpectra(spectra, length, 3);
    model.predictProba(batch);
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      model.predictProba(batch);
      best = Math.min(best, performance.now() - t0);
    }
    return best / spectra;
  } finally {
    model.dispose();
  }
}

function torchReference(script: string, args: string[]): Record<string, unknown> | null {
  // shared/ sits beside the checkout: two levels up from bench/, three from dist/bench/.
  const file = ['../../shared', '../../../shared'].map((d) => path.join(__dirname, d, 'reference', script)).find((f) => fs.existsSync(f)) ?? '';
  const python = '/usr/bin/python3';
  if (!fs.existsSync(file) || !fs.existsSync(python)) return null;
  try {
    const out = execFileSync(python, [file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 600_000 });
    return JSON.parse(out.trim().split('\n').pop() as string) as Record<string, unknown>;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  for (const length of LENGTHS) {
    const torch = torchReference('bench_torch.py', [String(length), '1']);
    if (torch) emit({ bench: 'train', impl: 'pytorch', L: length, threads: 1, msPerSample: torch.msPerSample, version: torch.version, date });
    else emit({ bench: 'train', impl: 'pytorch', L: length, skipped: 'no /usr/bin/python3 with torch' });
    const inference = torchReference('infer_torch.py', [String(length)]);
    if (inference) {
      emit({ bench: 'inference', impl: 'pytorch', L: length, msPerSpectrum: 1000 / (inference.spectraPerSecond as number), date });
    }
  }
  const backends = (process.env.BENCH_BACKENDS ?? 'tensorflow-gpu,tensorflow,wasm,cpu').split(',') as BackendName[];
  for (const backend of backends) {
    let info;
    try {
      info = await initBackend(backend);
    } catch (error) {
      emit({ bench: 'train', impl: 'tfjs', backend, skipped: `not loadable: ${(error as Error).message.slice(0, 120)}` });
      continue;
    }
    for (const length of LENGTHS) {
      // The pure-JS cpu backend needs about a second and a half per sample: one small epoch at
      // the short length shows the order of magnitude; the long length would take hours.
      if (backend === 'cpu' && length > 500) {
        emit({ bench: 'train', impl: 'tfjs', backend, L: length, skipped: 'cpu backend too slow (>1 s per sample)' });
        continue;
      }
      const slow = backend === 'cpu';
      const spectra = slow ? 3 : SPECTRA;
      const ms = await benchTraining(backend, length, spectra, slow ? 1 : 3);
      emit({ bench: 'train', impl: 'tfjs', backend, version: info.version, threads: info.threads, L: length, batch: Math.min(32, spectra * 7), msPerSample: Number(ms.toFixed(3)), date });
      const inferMs = await benchInference(length, slow ? 64 : 1024);
      emit({ bench: 'inference', impl: 'tfjs', backend, L: length, batch: 256, msPerSpectrum: Number(inferMs.toFixed(4)), date });
    }
    if (tf.memory().numTensors !== 0) emit({ warning: `tensors left after ${backend}: ${tf.memory().numTensors}` });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
