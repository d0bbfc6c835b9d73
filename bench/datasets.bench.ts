/**
 * Import and read-back of a Coal-sized dataset (5016 spectra x 1499 points, 12 classes),
 * through the GraphQL mutation of a running server (SQLite and, when reachable, PostgreSQL).
 * Target (issue 2): import < 10 s, read back < 2 s. Prints one JSON line per measurement.
 *   node dist/bench/datasets.bench.js [--pg postgresql://postgres@127.0.0.1:5432/postgres]
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { TokenService } from '../src/services/auth/tokens.service';
import { Logger } from '../src/logger';
import { startServer } from '../src/server';
import { DatabaseService } from '../src/services/database/database.service';
import { DatasetService } from '../src/services/datasets/datasets.service';
import { EventBus } from '../src/services/events';
import { Rng } from '../src/numeric/rng';

const SAMPLES = 5016;
const POINTS = 1499;
const CLASSES = 12;

function coalLikeCsv(): string {
  const rng = new Rng(1);
  const header = ['label', ...Array.from({ length: POINTS }, (_, j) => (400 + j * 0.6).toFixed(2))].join(',');
  const lines = [header];
  for (let i = 0; i < SAMPLES; i++) {
    const c = i % CLASSES;
    const values = new Array<string>(POINTS);
    for (let j = 0; j < POINTS; j++) values[j] = (0.3 + 0.1 * Math.sin(j / 50 + c) + 0.01 * rng.normal()).toPrecision(7);
    lines.push(`coal-${c + 1},${values.join(',')}`);
  }
  return lines.join('\n');
}

async function measure(databaseUrl: string, label: string, csv: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-bench-'));
  const config = loadConfig({}, { port: 0, dataDir, databaseUrl, importExamples: false, logLevel: 'silent' });
  const server = await startServer(config, new Logger('silent'));
  const { token } = await server.container.get(TokenService).create({ role: 'admin', name: 'bench' });
  try {
    const t0 = performance.now();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: 'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id sampleCount } }',
        variables: { input: { name: `coal-like-${Date.now()}`, content: csv } },
      }),
    });
    const body = (await res.json()) as { data?: { importDataset: { id: string; sampleCount: number } }; errors?: unknown };
    const importMs = performance.now() - t0;
    if (!body.data) throw new Error(JSON.stringify(body.errors));
    const id = body.data.importDataset.id;
    // Read back from the database with a cold cache (a fresh service, as after a restart).
    const fresh = new DatasetService(server.container.get(DatabaseService), server.container.get(EventBus), config);
    const t1 = performance.now();
    const loaded = await fresh.load(id);
    const readMs = performance.now() - t1;
    const t2 = performance.now();
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `{ dataset(id: "${id}") { classStatistics { className mean } } }` }),
    });
    const statsMs = performance.now() - t2;
    console.log(
      JSON.stringify({
        bench: 'dataset-import',
        database: label,
        samples: loaded.x.rows,
        points: loaded.x.cols,
        csvMiB: +(Buffer.byteLength(csv) / 2 ** 20).toFixed(1),
        importMs: Math.round(importMs),
        readBackMs: Math.round(readMs),
        classStatisticsMs: Math.round(statsMs),
      }),
    );
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const pgIndex = process.argv.indexOf('--pg');
  const pgUrl = pgIndex > 0 ? process.argv[pgIndex + 1] : process.env.BENCH_PG_URL;
  const csv = coalLikeCsv();
  await measure(`file:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nir-bench-db-')), 'bench.db')}`, 'sqlite', csv);
  if (pgUrl) {
    const url = new URL(pgUrl);
    url.searchParams.set('schema', `bench_${Date.now()}`);
    await measure(url.toString(), 'postgresql', csv);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
