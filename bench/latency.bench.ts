/**
 * API responsiveness while a model trains (issue 5): p50/p95/p99 latency of a small datasets
 * query, sequential requests for a fixed time, while an SSL experiment on Tablet trains in a
 * worker thread; and the same without training, as the reference. Target: p95 < 100 ms.
 *   node dist/bench/latency.bench.js [seconds]
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { Logger } from '../src/logger';
import { startServer, type RunningServer } from '../src/server';

async function gql<T>(server: RunningServer, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

async function sampleLatencies(server: RunningServer, seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await gql(server, '{ datasets { id name sampleCount variableCount } }');
    latencies.push(performance.now() - t);
  }
  return latencies.sort((a, b) => a - b);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 20);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-latency-'));
  const config = loadConfig({}, { port: 0, dataDir, databaseUrl: `file:${path.join(dataDir, 'db.sqlite')}`, importExamples: true, logLevel: 'silent' });
  const server = await startServer(config, new Logger('silent'));
  try {
    const idle = await sampleLatencies(server, Math.min(5, seconds));
    const { datasets } = await gql<{ datasets: { id: string; name: string }[] }>(server, '{ datasets { id name } }');
    const tablet = datasets.find((d) => d.name === 'tablet')!;
    const { createExperiment } = await gql<{ createExperiment: { id: string } }>(
      server,
      'mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
      { input: { name: 'latency-bench', datasetId: tablet.id, model: { plugin: 'cnn-classifier', params: {} } } },
    );
    // Measure once the worker is training (an epoch has been reported).
    for (;;) {
      const { experiment } = await gql<{ experiment: { progress: { epoch: number | null } | null } }>(
        server,
        'query($id: ID!) { experiment(id: $id) { progress { epoch } } }',
        { id: createExperiment.id },
      );
      if (experiment.progress?.epoch != null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const busy = await sampleLatencies(server, seconds);
    await gql(server, 'mutation($id: ID!) { cancelExperiment(id: $id) { id } }', { id: createExperiment.id });
    for (const [label, sorted] of [['idle', idle], ['while-ssl-trains', busy]] as const) {
      console.log(
        JSON.stringify({
          bench: 'datasets-query-latency',
          condition: label,
          requests: sorted.length,
          p50Ms: +percentile(sorted, 0.5).toFixed(2),
          p95Ms: +percentile(sorted, 0.95).toFixed(2),
          p99Ms: +percentile(sorted, 0.99).toFixed(2),
          maxMs: +sorted[sorted.length - 1].toFixed(2),
        }),
      );
    }
  } finally {
    await server.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
