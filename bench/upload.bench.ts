/**
 * A large CSV uploaded through the GraphQL multipart request (issue 19): time to import and the
 * server's peak RSS growth over its RSS before the upload. Target: a 200 MB file imports with
 * peak RSS growth under 300 MB. The server runs in a child process (so the client's memory does
 * not count) and samples its own RSS every 20 ms.
 *   node dist/bench/upload.bench.js [megabytes=200]
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { Logger } from '../src/logger';
import { startServer } from '../src/server';

const VARIABLES = 1000;

type Message = { url: string } | { baseline: number } | { peak: number };

/** Child: the server, reporting its RSS on request. */
async function serve(dir: string): Promise<void> {
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir: dir, databaseUrl: `file:${path.join(dir, 'bench.db')}`, importExamples: false, logLevel: 'silent', maxUploadBytes: 1024 * 1024 * 1024 });
  const server = await startServer(config, new Logger('silent'));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  process.on('message', async (message: string) => {
    if (message === 'baseline') {
      global.gc?.();
      peak = process.memoryUsage.rss();
      process.send?.({ baseline: peak } satisfies Message);
    } else if (message === 'peak') {
      process.send?.({ peak } satisfies Message);
    } else if (message === 'stop') {
      clearInterval(timer);
      await server.close();
      process.exit(0);
    }
  });
  process.send?.({ url: server.url } satisfies Message);
}

function next<T extends Message>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (message: Message) => {
      if (key in message) {
        child.off('message', on);
        resolve(message as T);
      }
    };
    child.on('message', on);
  });
}

/** Writes a CSV of about `bytes` bytes: 3 classes, VARIABLES points, values with 4 decimals. */
async function writeCsv(file: string, bytes: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const header = `label,${Array.from({ length: VARIABLES }, (_, j) => 900 + j).join(',')}\n`;
  out.write(header);
  let written = header.length;
  let rows = 0;
  while (written < bytes) {
    const line = `c${rows % 3},${Array.from({ length: VARIABLES }, (_, j) => (((rows * 31 + j * 7) % 9973) / 9973).toFixed(4)).join(',')}\n`;
    written += line.length;
    rows++;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return rows;
}

async function main(): Promise<void> {
  const megabytes = Number(process.argv[2] ?? 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-ssl-upload-bench-'));
  const file = path.join(dir, 'big.csv');
  const rows = await writeCsv(file, megabytes * 1e6);
  const size = fs.statSync(file).size;
  const child = fork(__filename, ['serve', dir], { execArgv: ['--expose-gc'] });
  try {
    const { url } = await next<{ url: string }>(child, 'url');
    child.send('baseline');
    const { baseline } = await next<{ baseline: number }>(child, 'baseline');
    const form = new FormData();
    const query = 'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id sampleCount variableCount } }';
    form.append('operations', JSON.stringify({ query, variables: { input: { name: 'big upload', file: null } } }));
    form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.append('0', await fs.openAsBlob(file), 'big.csv');
    const start = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'apollo-require-preflight': 'true' }, body: form });
    const body = (await res.json()) as { data?: { importDataset: { sampleCount: number; variableCount: number } }; errors?: unknown };
    const seconds = (performance.now() - start) / 1000;
    if (body.errors || body.data?.importDataset.sampleCount !== rows) throw new Error(`import failed: ${JSON.stringify(body.errors ?? body.data)}`);
    child.send('peak');
    const { peak } = await next<{ peak: number }>(child, 'peak');
    const mb = (n: number) => (n / 1e6).toFixed(0);
    console.log(
      `upload of ${mb(size)} MB CSV (${rows} x ${VARIABLES}, ${mb(rows * VARIABLES * 4)} MB as float32): ` +
        `${seconds.toFixed(1)} s (${(size / 1e6 / seconds).toFixed(1)} MB/s), server RSS ${mb(baseline)} MB before, peak growth ${mb(peak - baseline)} MB (target < 300 MB)`,
    );
    child.send('stop');
  } catch (error) {
    child.kill();
    throw error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') {
  serve(process.argv[3]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
