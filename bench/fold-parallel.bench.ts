import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { initBackend, type BackendName } from '../src/engine/backend';
import { DEFAULT_PRETEXT, PretextModel } from '../src/engine/pretext';
import { fitScaler } from '../src/engine/scaling';
import { matrix } from '../src/numeric/matrix';
import { Rng } from '../src/numeric/rng';
import { createSslTransform } from '../src/plugins/transforms';

/**
 * Does a second core serve a second fold fully? One pretext training (L = 404, 32 spectra x 7
 * variants per epoch) alone, then two at once in separate processes, then alone again: ms per
 * sample of each. Two folds at once near 2x the throughput of one leave nothing for threads
 * inside a fold to win (docs/benchmarks/native-kernels.md, "Threads").
 * usage: node dist/bench/fold-parallel.bench.js [backend]   (default native)
 */
const run = promisify(execFile);
const EPOCHS = 40;
const LENGTH = 404;
const SPECTRA = 32;

async function oneTraining(backend: BackendName): Promise<number> {
  await initBackend(backend);
  const rng = new Rng(1);
  const x = matrix(SPECTRA, LENGTH, Float32Array.from({ length: SPECTRA * LENGTH }, () => rng.normal()));
  const model = PretextModel.create({ ...DEFAULT_PRETEXT, epochs: EPOCHS }, LENGTH, fitScaler('global', x), createSslTransform);
  try {
    const ends: number[] = [];
    await model.fit(x, { onProgress: () => ends.push(performance.now()) });
    // Epoch 1 is the warm-up.
    return (ends[ends.length - 1] - ends[0]) / ((EPOCHS - 1) * SPECTRA * 7);
  } finally {
    model.dispose();
  }
}

async function child(backend: string): Promise<number> {
  const { stdout } = await run(process.execPath, [__filename, '--child', backend]);
  return Number(stdout.trim());
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    console.log(await oneTraining(args[1] as BackendName));
    return;
  }
  const backend = args[0] ?? 'native';
  const alone = [await child(backend)];
  const together = await Promise.all([child(backend), child(backend)]);
  alone.push(await child(backend));
  const meanAlone = (alone[0] + alone[1]) / 2;
  const throughput = together.reduce((sum, t) => sum + meanAlone / t, 0);
  console.log(JSON.stringify({ bench: 'fold-parallel', backend, length: LENGTH, msPerSampleAlone: alone, msPerSampleTwoAtOnce: together, throughputOfTwo: Number(throughput.toFixed(2)) }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
