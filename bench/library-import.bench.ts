/**
 * Import of a 20,000-spectrum spectral library (no label column, 404 points: Tablet's axis)
 * through the importDataset mutation of a running server (SQLite), then its read-back, with the
 * process's peak resident memory. Also the size pre-training would hold for its 7 variants
 * without streaming, against what it streams. Prints one JSON line.
 *   node -r @swc-node/register bench/library-import.bench.ts [--spectra 20000]
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { Logger } from '../src/logger';
import { startServer } from '../src/server';
import { DatabaseService } from '../src/services/database/database.service';
import { DatasetService } from '../src/services/datasets/datasets.service';
import { EventBus } from '../src/services/events';
import { Rng } from '../src/numeric/rng';
import { DEFAULT_PRETEXT, streamsVariants } from '../src/engine/pretext';

const argIndex = process.argv.indexOf('--spectra');
const SPECTRA = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 20_000;
const POINTS = 404;

function libraryCsv(): string {
  const rng = new Rng(1);
  const header = Array.from({ length: POINTS }, (_, j) => (7400 + j * 16).toString()).join(',');
  const lines = [header];
  for (let i = 0; i < SPECTRA; i++) {
    const values = new Array<string>(POINTS);
    for (let j = 0; j < POINTS; j++) values[j] = (0.3 + 0.1 * Math.sin(j / 40 + (i % 17)) + 0.01 * rng.normal()).toPrecision(6);
    lines.push(values.join(','));
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const csv = libraryCsv();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-bench-library-'));
  const config = loadConfig({}, { port: 0, dataDir, databaseUrl: `file:${path.join(dataDir, 'bench.db')}`, importExamples: false, logLevel: 'silent', maxUploadBytes: 512 * 1024 * 1024 });
  const server = await startServer(config, new Logger('silent'));
  try {
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id sampleCount unlabelledCount isLibrary } }',
        variables: { input: { name: 'library', content: csv, library: true } },
      }),
    });
    const body = (await res.json()) as { data?: { importDataset: { id: string; sampleCount: number; unlabelledCount: number } }; errors?: unknown };
    const importMs = performance.now() - t0;
    if (!body.data) throw new Error(JSON.stringify(body.errors));
    const fresh = new DatasetService(server.container.get(DatabaseService), server.container.get(EventBus), config);
    const t1 = performance.now();
    const loaded = await fresh.load(body.data.importDataset.id);
    const readMs = performance.now() - t1;
    const variants = DEFAULT_PRETEXT.transforms.length + 1;
    console.log(
      JSON.stringify({
        spectra: loaded.nSamples,
        unlabelled: loaded.nUnlabelled,
        points: loaded.nVariables,
        csvMiB: +(Buffer.byteLength(csv) / 2 ** 20).toFixed(1),
        importMs: Math.round(importMs),
        readBackMs: Math.round(readMs),
        rssBeforeImportMiB: Math.round(rssBefore / 2 ** 20),
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        heldVariantsMiB: Math.round((variants * loaded.nSamples * POINTS * 4) / 2 ** 20),
        streamedVariantsMiB: +((variants * DEFAULT_PRETEXT.batchSize * POINTS * 4) / 2 ** 20).toFixed(2),
        streams: streamsVariants(DEFAULT_PRETEXT, loaded.nSamples, POINTS),
        node: process.version,
        cpus: os.cpus().length,
        loadAverage: os.loadavg().map((l) => +l.toFixed(1)),
      }),
    );
  } finally {
    await server.close();
  }
}

void main();
