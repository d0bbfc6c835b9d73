/**
 * Load check (issue 14): requests/s and p50/p99 latency of a cheap authorised query
 * (`{ system { version } }` with a reader token) from C concurrent clients on loopback for S
 * seconds, with the rate limit off; then the same clients against the default rate limit
 * set to 300 per minute per token (NIR_SSL_RATE_LIMIT): how many are answered and how many refused
 * with 429 RATE_LIMITED. Bounded and loopback only.
 *   node dist/bench/load.bench.js [seconds=5] [clients=8]
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { Logger } from '../src/logger';
import { startServer } from '../src/server';
import { TokenService } from '../src/services/auth/tokens.service';

async function run(rateLimitPerMinute: number, seconds: number, clients: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-load-'));
  const config = loadConfig({}, { host: '127.0.0.1', port: 0, dataDir, databaseUrl: `file:${path.join(dataDir, 'db.sqlite')}`, importExamples: false, logLevel: 'silent', rateLimitPerMinute });
  const server = await startServer(config, new Logger('silent'));
  const { token } = await server.container.get(TokenService).create({ role: 'reader', name: 'load' });
  const body = JSON.stringify({ query: '{ system { version } }' });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const end = performance.now() + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
          await res.arrayBuffer();
          latencies.push(performance.now() - t);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
  } finally {
    await server.close();
  }
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    rateLimitPerMinute,
    seconds,
    clients,
    requests: latencies.length,
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: Number(at(0.5).toFixed(2)),
    p99Ms: Number(at(0.99).toFixed(2)),
    statuses: Object.fromEntries(statuses),
  };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const clients = Number(process.argv[3] ?? 8);
  console.log(JSON.stringify({ bench: 'load', node: process.version, cpus: os.cpus().length, ...(await run(0, seconds, clients)) }));
  console.log(JSON.stringify({ bench: 'load-rate-limited', ...(await run(300, seconds, clients)) }));
}

void main().then(() => process.exit(0));
