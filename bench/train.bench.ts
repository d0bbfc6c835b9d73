import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendInfo, type BackendName } from '../src/engine/backend';
import { ClassifierModel, DEFAULT_CLASSIFIER } from '../src/engine/classifier';
import { DEFAULT_PRETEXT, PretextModel } from '../src/engine/pretext';
import { fitScaler } from '../src/engine/scaling';
import { matrix } from '../src/numeric/matrix';
import { Rng } from '../src/numeric/rng';
import { createSslTransform } from '../src/plugins/transforms';

/**
 * Training speed of the pretext network (METHOD.md defaults, batch 32) in ms per training sample,
 * best epoch after a warm-up epoch, and classifier inference in ms per spectrum (batches of 256),
 * for each backend that loads, next to PyTorch (shared/reference/bench_torch.py and
 * infer_torch.py, one thread) when /usr/bin/python3 has torch.
 *
 * The machine is shared, so the implementations take turns (rounds: PyTorch, then each backend)
 * and each keeps its best round; besides wall time each reports CPU time (the process's user +
 * system time; PyTorch's scripts run with time.time as time.process_time), which load inflates
 * far less. One JSON line per measurement, then a side-by-side table.
 * usage: node dist/bench/train.bench.js [L ...]   (default 404 1557)
 *        BENCH_BACKENDS=native,wasm limits the backends tried (default: all five)
 *        BENCH_ROUNDS=3 (default 2)
 * On one core, as the native-kernel issue compares them ("the same core"): `taskset -c 1 node
 * dist/bench/train.bench.js`; PyTorch inherits the affinity. Unpinned, PyTorch's "one thread"
 * keeps a second core busy (its CPU time is up to twice its wall time), our engine one.
 */
const lengths = process.argv.slice(2).map(Number).filter((n) => n > 0);
const LENGTHS = lengths.length > 0 ? lengths : [404, 1557];
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
/** Spectra per epoch: 32 spectra x 7 variants = 224 samples, as bench_torch.py. */
const SPECTRA = 32;

function emit(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record));
}

function randomSpectra(rows: number, cols: number, seed: number) {
  const rng = new Rng(seed);
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.normal()));
}

interface Timing {
  wall: number;
  cpu: number;
}
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const best = (timings: Timing[]): Timing => ({ wall: Math.min(...timings.map((t) => t.wall)), cpu: Math.min(...timings.map((t) => t.cpu)) });

/**
 * Best epoch of one training run (the first epoch is the warm-up), as bench_torch.py times its
 * epochs: the optimiser's state and the pretext variants are built once, not per timed epoch.
 */
async function benchTraining(length: number, spectra: number, epochs: number): Promise<Timing> {
  const x = randomSpectra(spectra, length, 1);
  const model = PretextModel.create({ ...DEFAULT_PRETEXT, epochs: 1 + epochs }, length, fitScaler('global', x), createSslTransform);
  try {
    const ends: Timing[] = [];
    await model.fit(x, { onProgress: () => ends.push({ wall: performance.now(), cpu: cpuMs() }) });
    const samples = spectra * 7;
    return best(ends.slice(1).map((end, i) => ({ wall: (end.wall - ends[i].wall) / samples, cpu: (end.cpu - ends[i].cpu) / samples })));
  } finally {
    model.dispose();
  }
}

async function benchInference(length: number, spectra: number): Promise<Timing> {
  const x = randomSpectra(8, length, 2);
  const { model } = await ClassifierModel.train(x, Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), 4, { ...DEFAULT_CLASSIFIER, epochs: 1 });
  try {
    const batch = randomSpectra(spectra, length, 3);
    model.predictProba(batch);
    const runs: Timing[] = [];
    for (let r = 0; r < 3; r++) {
      const wall = performance.now();
      const cpu = cpuMs();
      model.predictProba(batch);
      runs.push({ wall: (performance.now() - wall) / spectra, cpu: (cpuMs() - cpu) / spectra });
    }
    return best(runs);
  } finally {
    model.dispose();
  }
}

const PYTHON = '/usr/bin/python3';
function referenceScript(script: string): string | null {
  // shared/ sits beside the checkout: two levels up from bench/, three from dist/bench/.
  const file = ['../../shared', '../../../shared'].map((d) => path.join(__dirname, d, 'reference', script)).find((f) => fs.existsSync(f));
  return file && fs.existsSync(PYTHON) ? file : null;
}

/** The reference script's JSON line; with `cpuTime`, its timer reads process CPU time instead of the clock. */
function runReference(file: string, args: string[], cpuTime: boolean): Record<string, number> | null {
  const runner = `import sys, time\n${cpuTime ? 'time.time = time.process_time\n' : ''}sys.argv = sys.argv[1:]\nexec(compile(open(sys.argv[0]).read(), sys.argv[0], 'exec'))`;
  try {
    const out = execFileSync(PYTHON, ['-c', runner, file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 600_000 });
    return JSON.parse(out.trim().split('\n').pop() as string) as Record<string, number>;
  } catch {
    return null;
  }
}

function torchTraining(length: number): Timing | null {
  const file = referenceScript('bench_torch.py');
  if (!file) return null;
  const [wall, cpu] = [false, true].map((cpuTime) => runReference(file, [String(length), '1'], cpuTime));
  return wall && cpu ? { wall: wall.msPerSample, cpu: cpu.msPerSample } : null;
}

function torchInference(length: number): Timing | null {
  const file = referenceScript('infer_torch.py');
  if (!file) return null;
  const [wall, cpu] = [false, true].map((cpuTime) => runReference(file, [String(length)], cpuTime));
  return wall && cpu ? { wall: 1000 / wall.spectraPerSecond, cpu: 1000 / cpu.spectraPerSecond } : null;
}

/** The cores this process may run on (Linux: taskset's affinity), or null where the kernel does not say. */
function cpusAllowed(): string | null {
  try {
    return /^Cpus_allowed_list:\s*(.+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  emit({ bench: 'machine', cpus: os.cpus().length, cpusAllowed: cpusAllowed(), model: os.cpus()[0]?.model, loadAverage: os.loadavg(), node: process.version, date });
  const requested = (process.env.BENCH_BACKENDS ?? 'tensorflow-gpu,tensorflow,native,wasm,cpu').split(',') as BackendName[];
  const backends: BackendInfo[] = [];
  for (const name of requested) {
    try {
      backends.push(await initBackend(name));
    } catch (error) {
      emit({ bench: 'train', impl: 'tfjs', backend: name, skipped: `not loadable: ${(error as Error).message.slice(0, 160)}` });
    }
  }
  const torchVersion = (() => {
    try {
      return execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  })();
  const table: { length: number; impl: string; train: Timing | null; infer: Timing | null }[] = [];
  for (const length of LENGTHS) {
    const rows = new Map<string, { train: Timing[]; infer: Timing[] }>();
    const record = (impl: string, train: Timing | null, infer: Timing | null) => {
      const row = rows.get(impl) ?? { train: [], infer: [] };
      if (train) row.train.push(train);
      if (infer) row.infer.push(infer);
      rows.set(impl, row);
    };
    for (let round = 0; round < ROUNDS; round++) {
      if (torchVersion) record('pytorch', torchTraining(length), torchInference(length));
      for (const info of backends) {
        // The pure-JS cpu backend needs about a second and a half per sample: one small epoch at
        // the short length shows the order of magnitude; the long length would take hours.
        if (info.name === 'cpu' && (length > 500 || round > 0)) continue;
        await initBackend(info.name);
        const slow = info.name === 'cpu';
        record(info.name, await benchTraining(length, slow ? 3 : SPECTRA, slow ? 1 : 2), await benchInference(length, slow ? 64 : 1024));
      }
    }
    if (!torchVersion) emit({ bench: 'train', impl: 'pytorch', L: length, skipped: `no ${PYTHON} with torch` });
    for (const [impl, row] of rows) {
      const train = row.train.length > 0 ? best(row.train) : null;
      const infer = row.infer.length > 0 ? best(row.infer) : null;
      const info = backends.find((b) => b.name === impl);
      const about = impl === 'pytorch' ? { impl, version: torchVersion, threads: 1 } : { impl: 'tfjs', backend: impl, version: info?.version, threads: info?.threads, features: info?.features };
      if (train) emit({ bench: 'train', ...about, L: length, batch: 32, msPerSample: round3(train.wall), cpuMsPerSample: round3(train.cpu), rounds: row.train.length, date });
      if (infer) emit({ bench: 'inference', ...about, L: length, batch: 256, msPerSpectrum: round4(infer.wall), cpuMsPerSpectrum: round4(infer.cpu), date });
      table.push({ length, impl, train, infer });
    }
  }
  emit({ bench: 'machine', loadAverageAtEnd: os.loadavg() });
  printTable(table);
  if (tf.memory().numTensors !== 0) emit({ warning: `tensors left: ${tf.memory().numTensors}` });
}

const round3 = (x: number) => Number(x.toFixed(3));
const round4 = (x: number) => Number(x.toFixed(4));

/** Side by side, with each implementation's time as a multiple of PyTorch's (wall; CPU time in brackets). */
function printTable(rows: { length: number; impl: string; train: Timing | null; infer: Timing | null }[]): void {
  const lines = ['', '| L | implementation | train ms/sample | x PyTorch | inference ms/spectrum | x PyTorch |', '|---|---|---|---|---|---|'];
  const cell = (t: Timing | null, digits: number) => (t ? `${t.wall.toFixed(digits)} (cpu ${t.cpu.toFixed(digits)})` : '-');
  const ratio = (t: Timing | null, torch: Timing | null) => (t && torch ? `${(t.wall / torch.wall).toFixed(2)} (cpu ${(t.cpu / torch.cpu).toFixed(2)})` : '-');
  for (const row of rows) {
    const torch = rows.find((r) => r.length === row.length && r.impl === 'pytorch');
    lines.push(`| ${row.length} | ${row.impl} | ${cell(row.train, 3)} | ${ratio(row.train, torch?.train ?? null)} | ${cell(row.infer, 4)} | ${ratio(row.infer, torch?.infer ?? null)} |`);
  }
  console.log(lines.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
