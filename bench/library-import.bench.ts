/**
 * Import of a spectral library (no label column; default 20,000 spectra x 404 points, Tablet's
 * axis; `--points 4200` for issue 16's 20,000 x 4,200) uploaded from a file through the
 * importDataset mutation of a server in a child process (SQLite), then its read-back, with the
 * server's peak resident memory growth. Also the size pre-training would hold for its 7 variants
 * without streaming, against what it streams. Prints one JSON line.
 *   node -r @swc-node/register bench/library-import.bench.ts [--spectra 20000] [--points 404]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../src/numeric/rng';
import { DEFAULT_PRETEXT, streamsVariants } from '../src/engine/pretext';
import { nextMessage, runServerBenchmark, uploadFile } from './child-server';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

/** Writes the library CSV line by line (a 20,000 x 4,200 table is past V8's longest string). */
async function writeLibraryCsv(file: string, spectra: number, points: number): Promise<void> {
  const rng = new Rng(1);
  const out = fs.createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  await write(`${Array.from({ length: points }, (_, j) => (7400 + (j * 16 * 404) / points).toFixed(2)).join(',')}\n`);
  const values = new Array<string>(points);
  for (let i = 0; i < spectra; i++) {
    for (let j = 0; j < points; j++) values[j] = (0.3 + 0.1 * Math.sin((j * 404) / points / 40 + (i % 17)) + 0.01 * rng.normal()).toPrecision(6);
    await write(`${values.join(',')}\n`);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

const spectra = option('--spectra', 20_000);
const points = option('--points', 404);

runServerBenchmark(
  __filename,
  async (dir) => {
    const file = path.join(dir, 'library.csv');
    await writeLibraryCsv(file, spectra, points);
    return file;
  },
  async ({ child, url, token }, file) => {
    child.send({ kind: 'baseline' });
    const { baseline } = await nextMessage<{ baseline: number }>(child, 'baseline');
    const start = performance.now();
    const query = 'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id sampleCount unlabelledCount variableCount } }';
    const body = await uploadFile(url, token, query, { name: 'library', library: true }, file);
    const importMs = performance.now() - start;
    if (!body.data) throw new Error(JSON.stringify(body.errors));
    child.send({ kind: 'peak' });
    const { peak, cpuMs } = await nextMessage<{ peak: number; cpuMs: number }>(child, 'peak');
    child.send({ kind: 'readBack', datasetId: body.data.importDataset.id });
    const { readBackMs, samples } = await nextMessage<{ readBackMs: number; samples: number }>(child, 'readBackMs');
    const variants = DEFAULT_PRETEXT.transforms.length + 1;
    console.log(
      JSON.stringify({
        spectra: samples,
        unlabelled: body.data.importDataset.unlabelledCount,
        points: body.data.importDataset.variableCount,
        csvMiB: +(fs.statSync(file).size / 2 ** 20).toFixed(1),
        importMs: Math.round(importMs),
        serverCpuMs: Math.round(cpuMs),
        readBackMs: Math.round(readBackMs),
        serverRssBeforeMiB: Math.round(baseline / 2 ** 20),
        serverPeakRssGrowthMiB: Math.round((peak - baseline) / 2 ** 20),
        heldVariantsMiB: Math.round((variants * samples * points * 4) / 2 ** 20),
        streamedVariantsMiB: +((variants * DEFAULT_PRETEXT.batchSize * points * 4) / 2 ** 20).toFixed(2),
        streams: streamsVariants(DEFAULT_PRETEXT, samples, points),
        node: process.version,
        cpus: os.cpus().length,
        loadAverage: os.loadavg().map((l) => +l.toFixed(1)),
      }),
    );
  },
);
