/**
 * The distributed queue (issue 16): wall time of one 5-fold experiment with 1 and with 2
 * `nir-ssl worker` processes of concurrency 1 (expect close to 2x on a machine with 2 free
 * cores). An API server on PostgreSQL and Redis in this process; the workers from dist/.
 *   DATABASE_URL=postgresql://... NIR_SSL_QUEUE=redis://127.0.0.1:6379 node dist/bench/distributed.bench.js [epochs]
 * The experiment is a supervised CNN on Tablet (310 x 404), `epochs` fine-tuning epochs
 * (default 20), so each fold takes seconds to minutes rather than the paper's 20 minutes.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config';
import { Logger } from '../src/logger';
import { startServer, type RunningServer } from '../src/server';

async function gql<T>(server: RunningServer, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(__dirname, '../src/cli/main.js'), 'worker', '--concurrency', '1'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('nir-ssl worker') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

async function timeExperiment(server: RunningServer, datasetId: string, epochs: number, label: string): Promise<number> {
  const started = performance.now();
  const { createExperiment } = await gql<{ createExperiment: { id: string } }>(
    server,
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
    { input: { name: label, datasetId, model: { plugin: 'cnn-classifier', params: { ssl: false, epochs } }, protocol: { folds: 5, seed: 0 } } },
  );
  for (;;) {
    const { experiment } = await gql<{ experiment: { status: string; error: string | null } }>(server, `query($id: ID!) { experiment(id: $id) { status error } }`, { id: createExperiment.id });
    if (experiment.status === 'SUCCEEDED') return (performance.now() - started) / 1000;
    if (['FAILED', 'CANCELLED'].includes(experiment.status)) throw new Error(`${label}: ${experiment.status} ${experiment.error}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  const epochs = Number(process.argv[2] ?? 20);
  const prefix = `nir-ssl-bench-${process.pid}`;
  const config = loadConfig({ ...process.env, NIR_SSL_QUEUE_PREFIX: prefix }, { port: 0, importExamples: true, logLevel: 'warn' });
  if (!config.queueUrl) throw new Error('set NIR_SSL_QUEUE=redis://... and DATABASE_URL=postgresql://...');
  const server = await startServer(config, new Logger('warn'));
  const env = { ...process.env, NIR_SSL_QUEUE_PREFIX: prefix, NIR_SSL_LOG_LEVEL: 'warn', NIR_SSL_TRAINING_SLOTS: '1' };
  const workers: ChildProcess[] = [];
  try {
    const { datasets } = await gql<{ datasets: { id: string; name: string }[] }>(server, '{ datasets { id name } }');
    const tablet = datasets.find((d) => d.name === 'tablet');
    if (!tablet) throw new Error('the tablet example dataset is missing');
    workers.push(await startWorker(env));
    const one = await timeExperiment(server, tablet.id, epochs, '1 worker');
    workers.push(await startWorker(env));
    const two = await timeExperiment(server, tablet.id, epochs, '2 workers');
    process.stdout.write(
      `machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} cores, load average ${os.loadavg()[0].toFixed(1)}\n` +
        `5-fold supervised CNN on tablet, ${epochs} epochs: 1 worker ${one.toFixed(1)} s, 2 workers ${two.toFixed(1)} s, speed-up ${(one / two).toFixed(2)}x\n`,
    );
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await server.close();
    const redis = new Redis(config.queueUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
