/**
 * A server in a child process for benchmarks that measure its memory (the client's memory must
 * not count): it samples its own RSS every 20 ms and answers messages from the parent.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { Logger } from '../src/logger';
import { startServer } from '../src/server';
import { DatabaseService } from '../src/services/database/database.service';
import { DatasetService } from '../src/services/datasets/datasets.service';
import { EventBus } from '../src/services/events';

export type ChildMessage = { url: string; token: string } | { baseline: number } | { peak: number; cpuMs: number } | { readBackMs: number; samples: number };

/** Runs in the child: starts the server on a fresh SQLite database in `dir`. */
export async function serveInChild(dir: string): Promise<void> {
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir: dir, databaseUrl: `file:${path.join(dir, 'bench.db')}`, importExamples: false, logLevel: 'silent', maxUploadBytes: 2 ** 40 });
  const server = await startServer(config, new Logger('silent'));
  let peak = 0;
  let cpuAtBaseline = process.cpuUsage();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  process.on('message', async (message: { kind: string; datasetId?: string }) => {
    if (message.kind === 'baseline') {
      global.gc?.();
      peak = process.memoryUsage.rss();
      cpuAtBaseline = process.cpuUsage();
      process.send?.({ baseline: peak } satisfies ChildMessage);
    } else if (message.kind === 'peak') {
      const cpu = process.cpuUsage(cpuAtBaseline);
      process.send?.({ peak, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies ChildMessage);
    } else if (message.kind === 'readBack') {
      // A fresh service: nothing cached from the import.
      const fresh = new DatasetService(server.container.get(DatabaseService), server.container.get(EventBus), config);
      const start = performance.now();
      const loaded = await fresh.load(message.datasetId as string);
      process.send?.({ readBackMs: performance.now() - start, samples: loaded.nSamples } satisfies ChildMessage);
    } else if (message.kind === 'stop') {
      clearInterval(timer);
      await server.close();
      process.exit(0);
    }
  });
  if (!server.adminToken) throw new Error('the benchmark server created no admin token');
  process.send?.({ url: server.url, token: server.adminToken } satisfies ChildMessage);
}

/** The next message of the child that carries `key`. */
export function nextMessage<T extends ChildMessage>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (message: ChildMessage) => {
      if (key in message) {
        child.off('message', on);
        resolve(message as T);
      }
    };
    child.on('message', on);
  });
}

export interface ChildServer {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
}

/** Forks `script` with `serve DIR` (the script calls serveInChild) and waits for its URL and token. */
async function startChildServer(script: string, dir: string): Promise<ChildServer> {
  const child = fork(script, ['serve', dir], { execArgv: [...process.execArgv, '--expose-gc'] });
  const { url, token } = await nextMessage<{ url: string; token: string }>(child, 'url');
  return { child, url, token };
}

/**
 * A server benchmark's entry point. Run as `serve DIR`, the script is the child server; otherwise
 * `prepare` writes its input into a fresh temporary folder, a child server starts there, `measure`
 * runs against it, and the server and the folder go whatever happens.
 */
export function runServerBenchmark<T>(script: string, prepare: (dir: string) => Promise<T>, measure: (server: ChildServer, input: T) => Promise<void>): void {
  if (process.argv[2] === 'serve') {
    serveInChild(process.argv[3]).catch((error) => {
      console.error(error);
      process.exit(1);
    });
    return;
  }
  (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-ssl-bench-'));
    try {
      const input = await prepare(dir);
      const server = await startChildServer(script, dir);
      try {
        await measure(server, input);
        server.child.send({ kind: 'stop' });
      } catch (error) {
        server.child.kill();
        throw error;
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/** A GraphQL multipart request with one file, streamed from disk. */
export async function uploadFile(url: string, token: string, query: string, input: Record<string, unknown>, file: string): Promise<{ data?: Record<string, any>; errors?: unknown }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { input: { ...input, file: null } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.append('0', await fs.openAsBlob(file), path.basename(file));
  const res = await fetch(url, { method: 'POST', headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` }, body: form });
  return (await res.json()) as { data?: Record<string, any>; errors?: unknown };
}
