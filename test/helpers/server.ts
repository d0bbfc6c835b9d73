import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { loadConfig, type AppConfig } from '../../src/config';
import { Logger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { TokenService } from '../../src/services/auth/tokens.service';

/**
 * Shared harness for end-to-end tests: a real HTTP server on a free port, over SQLite in a
 * temporary directory, or over PostgreSQL (in a schema of its own) when TEST_DATABASE_URL is set.
 */
export interface Backend {
  readonly name: 'sqlite' | 'postgresql';
  databaseUrl(tag: string): string;
}

export function databaseBackends(): Backend[] {
  const backends: Backend[] = [{ name: 'sqlite', databaseUrl: (tag) => `file:${path.join(tempDir(tag), 'test.db')}` }];
  const pg = process.env.TEST_DATABASE_URL;
  if (pg) {
    backends.push({
      name: 'postgresql',
      databaseUrl: (tag) => {
        const url = new URL(pg);
        url.searchParams.set('schema', `t_${tag.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Date.now() % 1e6}`);
        return url.toString();
      },
    });
  }
  return backends;
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `nir-ssl-${tag}-`));
}

export interface TestServer extends RunningServer {
  /** An admin token of this server, sent by `gql` and `ws`. */
  readonly token: string;
  /** A query or mutation over HTTP with the admin token (or `token`; null sends none). */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResult<T>>;
  /** A graphql-ws client with the admin token (or `token`; null sends none). */
  ws(token?: string | null): Client;
  /** A new token of this server (for tests of roles). */
  createToken(role: 'reader' | 'writer' | 'admin', options?: { name?: string; expiresAt?: Date }): Promise<{ token: string; id: string }>;
}

export interface GqlResult<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export async function startTestServer(overrides: Partial<AppConfig> & { databaseUrl: string }): Promise<TestServer> {
  // Tests poll fast: no rate limit unless a test sets one.
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir: tempDir('data'), importExamples: false, logLevel: 'silent', rateLimitPerMinute: 0, ...overrides });
  const server = await startServer(config, new Logger('silent'));
  const tokens = server.container.get(TokenService);
  const createToken = async (role: 'reader' | 'writer' | 'admin', options: { name?: string; expiresAt?: Date } = {}) => {
    const created = await tokens.create({ role, name: options.name ?? `test ${role}`, expiresAt: options.expiresAt });
    return { token: created.token, id: created.record.id };
  };
  // The first start wrote one to the data directory; a restart on the same database did not.
  const admin = server.adminToken ?? (await createToken('admin')).token;
  const clients: Client[] = [];
  return {
    ...server,
    token: admin,
    createToken,
    gql: async <T,>(query: string, variables?: Record<string, unknown>, token: string | null = admin) => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GqlResult<T>;
    },
    ws: (token: string | null = admin) => {
      const client = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.dispose()));
      await server.close();
      await dropPostgresSchema(overrides.databaseUrl);
    },
  };
}

/** Data of a successful result; fails the test with the errors otherwise. */
export function ok<T>(result: GqlResult<T>): T {
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** A small valid table: `classes` classes, `perClass` spectra each, `length` points. */
export function syntheticCsv(options: { classes?: number; perClass?: number; length?: number; extra?: string } = {}): string {
  const { classes = 3, perClass = 4, length = 20 } = options;
  const header = ['label', 'sample', ...Array.from({ length }, (_, j) => String(1000 + 2 * j))];
  const rows = [header.join(',')];
  for (let c = 0; c < classes; c++) {
    for (let k = 0; k < perClass; k++) {
      const values = Array.from({ length }, (_, j) => (Math.sin(j / 3 + c) + 0.01 * k).toFixed(5));
      rows.push([`class${c}`, `s${c}-${k}`, ...values].join(','));
    }
  }
  return rows.join('\n') + '\n';
}

/** Test schemas on PostgreSQL are dropped when their server closes. */
async function dropPostgresSchema(databaseUrl: string): Promise<void> {
  if (!databaseUrl.startsWith('postgres')) return;
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  if (!schema || schema === 'public') return;
  url.searchParams.delete('schema');
  const client = new PgClient({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export async function experimentStatus(server: TestServer, id: string): Promise<{ status: string; progress: { epoch: number | null } | null }> {
  return ok(await server.gql<{ experiment: { status: string; progress: { epoch: number | null } | null } }>(`query($id: ID!) { experiment(id: $id) { status progress { epoch } } }`, { id })).experiment;
}

export async function waitForStatus(server: TestServer, id: string, statuses: string[], timeoutMs = 120000): Promise<void> {
  await waitFor(async () => statuses.includes((await experimentStatus(server, id)).status), timeoutMs);
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 120000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting');
}
