/**
 * API responsiveness while a model trains (issue 5): p50/p95/p99 latency of a small datasets
 * query, sequential requests for a fixed time, while an SSL experiment on Tablet trains in a
 * worker thread; and the same without training, as the reference. Target: p95 < 100 ms.
 * Then the latency of `predict` over GraphQL with an SSL classifier (METHOD.md network, a
 * one-epoch final model on Tablet): the first call (threads start, the model is rebuilt), then
 * one inline spectrum and the whole stored dataset, warm.
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
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
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
  const config = loadConfig({}, { port: 0, dataDir, databaseUrl: `file:${path.join(dataDir, 'db.sqlite')}`, importExamples: true, logLevel: 'silent', rateLimitPerMinute: 0 });
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
    await predictLatencies(server, tablet.id);
  } finally {
    await server.close();
  }
}

async function predictLatencies(server: RunningServer, datasetId: string): Promise<void> {
  const model = { plugin: 'cnn-classifier', params: { epochs: 1, pretext: { epochs: 1 } } };
  const { createExperiment } = await gql<{ createExperiment: { id: string } }>(
    server,
    'mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
    { input: { name: 'predict-latency-bench', datasetId, model, protocol: { folds: 2 }, trainFinalModel: true } },
  );
  for (;;) {
    const { experiment } = await gql<{ experiment: { status: string; error: string | null } }>(server, 'query($id: ID!) { experiment(id: $id) { status error } }', { id: createExperiment.id });
    if (experiment.status === 'SUCCEEDED') break;
    if (['FAILED', 'CANCELLED'].includes(experiment.status)) throw new Error(`model training ${experiment.status}: ${experiment.error}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const { models } = await gql<{ models: { id: string }[] }>(server, 'query($id: ID!) { models(experimentId: $id) { id } }', { id: createExperiment.id });
  const { dataset } = await gql<{ dataset: { sampleCount: number; samples: { items: { values: number[] }[] } } }>(
    server,
    'query($id: ID!) { dataset(id: $id) { sampleCount samples(limit: 1) { items { values } } } }',
    { id: datasetId },
  );
  const PREDICT = 'mutation($input: PredictInput!) { predict(input: $input) { count } }';
  const oneSpectrum = { modelId: models[0].id, spectra: [dataset.samples.items[0].values] };
  const timed = async (input: Record<string, unknown>, times: number): Promise<number[]> => {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) {
      const t = performance.now();
      await gql(server, PREDICT, { input });
      ms.push(performance.now() - t);
    }
    return ms.sort((a, b) => a - b);
  };
  const [first] = await timed(oneSpectrum, 1);
  console.log(JSON.stringify({ bench: 'predict-latency', condition: 'first-call', spectra: 1, ms: +first.toFixed(1) }));
  for (const [condition, input, times] of [
    ['warm-inline', oneSpectrum, 50],
    ['warm-stored-dataset', { modelId: models[0].id, datasetId }, 10],
  ] as const) {
    const sorted = await timed(input, times);
    const spectra = condition === 'warm-inline' ? 1 : dataset.sampleCount;
    console.log(JSON.stringify({ bench: 'predict-latency', condition, spectra, requests: times, p50Ms: +percentile(sorted, 0.5).toFixed(1), p95Ms: +percentile(sorted, 0.95).toFixed(1) }));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
