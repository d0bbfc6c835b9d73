/**
 * Runs every benchmark script in turn (each in its own process, so one's memory and JIT state
 * does not colour the next) and prints their JSON lines. `npm run bench`; results are recorded
 * in BENCHMARKS.md with the machine and date.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHES = [
  'datasets.bench.js',
  'transforms.bench.js',
  'baselines.bench.js',
  'train.bench.js',
  'kernels.bench.js',
  'inference.bench.js',
  'latency.bench.js',
];

let failed = 0;
for (const bench of BENCHES) {
  process.stderr.write(`== ${bench}\n`);
  const result = spawnSync(process.execPath, [path.join(__dirname, bench)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`${bench} exited with ${result.status ?? result.signal}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
