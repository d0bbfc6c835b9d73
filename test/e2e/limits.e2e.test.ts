import path from 'node:path';
import { ok, startTestServer, syntheticCsv, tempDir, type TestServer } from '../helpers/server';

/** Each limit is a setting and its refusal has its own code; errors leak nothing; CORS is off by default. */
describe('limits and hardening', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      databaseUrl: `file:${path.join(tempDir('limits'), 'db.sqlite')}`,
      maxQueryDepth: 4,
      maxAliases: 3,
      maxActiveExperiments: 1,
      corsOrigins: ['https://lab.example'],
    });
  });
  afterAll(() => server.close());

  const codes = (result: { errors?: { extensions?: { code?: string } }[] }) => (result.errors ?? []).map((e) => e.extensions?.code);

  it('refuses deep queries, many aliases and batches with their own codes, over HTTP and graphql-ws', async () => {
    expect(codes(await server.gql('{ experimentsConnection { edges { node { folds { fold } } } } }'))).toContain('QUERY_TOO_DEEP');
    expect(codes(await server.gql('{ a: system { version } b: system { version } c: system { version } d: system { version } }'))).toEqual(['TOO_MANY_ALIASES']);
    const batch = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify([{ query: '{ system { version } }' }, { query: '{ system { version } }' }]),
    });
    expect(batch.status).toBe(400);
    const client = server.ws();
    const wsCodes = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: 'subscription { a: datasetEvents { type } b: datasetEvents { type } c: datasetEvents { type } d: datasetEvents { type } }' },
        { next: () => resolve('next'), error: (e) => resolve((e as { extensions?: { code?: string } }[]).map((x) => x.extensions?.code)), complete: () => resolve('complete') },
      );
    });
    expect(wsCodes).toContain('TOO_MANY_ALIASES');
  });

  it('limits queued and running experiments per token', async () => {
    const datasetId = ok(await server.gql<{ importDataset: { id: string } }>('mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }', { input: { name: 'd', content: syntheticCsv() } })).importDataset.id;
    const writer = await server.createToken('writer');
    const create = () =>
      server.gql<{ createExperiment: { id: string } }>('mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }', {
        input: { name: 'long', datasetId, model: { plugin: 'cnn-classifier', params: { epochs: 500, pretext: { epochs: 200 } } }, protocol: { folds: 2 } },
      }, writer.token);
    const first = ok(await create()).createExperiment.id;
    const second = await create();
    expect(codes(second)).toEqual(['TOO_MANY_EXPERIMENTS']);
    expect(second.errors?.[0].message).toMatch(/NIR_SSL_MAX_ACTIVE_EXPERIMENTS/);
    // Another token has its own allowance.
    const other = await server.gql<{ createExperiment: { id: string } }>('mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }', {
      input: { name: 'other', datasetId, model: { plugin: 'knn' }, protocol: { folds: 2 } },
    });
    expect(codes(other)).toEqual([]);
    ok(await server.gql('mutation($id: ID!) { cancelExperiment(id: $id) { id } }', { id: first }));
  }, 60000);

  it('names the field of a name with control characters or too long', async () => {
    const bad = await server.gql('mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }', { input: { name: 'nul\u0000bell\u0007', content: syntheticCsv() } });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors?.[0].message).toMatch(/^name contains a control character \(U\+0000\)/);
    const desc = await server.gql('mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }', { input: { name: 'ok', description: 'x'.repeat(10_001), content: syntheticCsv() } });
    expect(desc.errors?.[0].message).toMatch(/^description is too long/);
  });

  it('sends CORS headers to listed origins only, and none by default', async () => {
    const listed = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://lab.example', 'access-control-request-method': 'POST' } });
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://lab.example');
    const other = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rate-limits per token with RATE_LIMITED and Retry-After', async () => {
    const limited = await startTestServer({ databaseUrl: `file:${path.join(tempDir('rate'), 'db.sqlite')}`, rateLimitPerMinute: 5 });
    try {
      const answers = [];
      for (let k = 0; k < 7; k++) {
        const res = await fetch(limited.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${limited.token}` }, body: JSON.stringify({ query: '{ system { version } }' }) });
        answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { errors?: { extensions: { code: string } }[] } });
      }
      expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(answers[5].status).toBe(429);
      expect(answers[5].body.errors?.[0].extensions.code).toBe('RATE_LIMITED');
      expect(Number(answers[5].retryAfter)).toBeGreaterThan(0);
      // Another token is counted apart.
      const reader = await limited.createToken('reader');
      expect(ok(await limited.gql<{ system: { version: string } }>('{ system { version } }', {}, reader.token)).system.version).toBeTruthy();
    } finally {
      await limited.close();
    }
  }, 60000);
});
