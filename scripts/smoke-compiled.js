#!/usr/bin/env node
// Smoke check of a compiled build (dist/ or the folder given): the compute backend loads as it
// does from the TypeScript sources, and a small SSL fold trains in a worker thread, with progress.
// Catches what only the tsc output shows (CommonJS emit differences, worker entry paths).
//   node scripts/smoke-compiled.js [DIST_SRC_DIR]
const path = require('node:path');

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '../dist/src'));
const { initBackend } = require(path.join(root, 'engine/backend'));
const { runInWorker } = require(path.join(root, 'engine/worker-host'));

async function main() {
  const info = await initBackend();
  if (info.name === 'cpu' && process.env.NIR_SSL_BACKEND !== 'cpu') {
    throw new Error('the compiled build fell back to the pure-JS cpu backend');
  }
  const rows = 40;
  const cols = 64;
  const x = new Float32Array(rows * cols).map((_, i) => Math.sin((i % cols) / 5 + (Math.floor(i / cols) % 4)));
  const y = Int32Array.from({ length: rows }, (_, i) => i % 4);
  const train = Int32Array.from({ length: 30 }, (_, i) => i);
  const test = Int32Array.from({ length: 10 }, (_, i) => 30 + i);
  const stages = new Set();
  const outcome = await runInWorker(
    path.join(root, 'services/experiments/fold-runner'),
    'runFoldJob',
    {
      x: { rows, cols, data: x },
      y,
      nClasses: 4,
      train,
      labelled: train,
      test,
      preprocessing: [],
      model: { plugin: 'cnn-classifier', params: { epochs: 2, pretext: { epochs: 1 } } },
      seed: 0,
      plugins: { directory: null, packages: [] },
    },
    { onProgress: (p) => stages.add(p.stage) },
  );
  if (outcome.backend !== info.name) throw new Error(`the worker trained on ${outcome.backend}, the main thread loaded ${info.name}`);
  if (!stages.has('pretext') || !stages.has('finetune')) throw new Error(`missing progress stages: ${[...stages].join(', ')}`);
  console.log(JSON.stringify({ smoke: 'ok', backend: info.name, accuracy: outcome.report.accuracy }));
}

main().catch((error) => {
  console.error(`smoke check failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
