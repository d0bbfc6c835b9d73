import path from 'node:path';
import { DatabaseService } from '../../src/services/database/database.service';
import { experimentStatus, ok, startTestServer, syntheticCsv, tempDir, waitFor } from '../helpers/server';
import { expectedBackend } from '../helpers/backend';

describe('server lifecycle', () => {
  it('imports the shipped examples on first start only, and serves /health', async () => {
    const databaseUrl = `file:${path.join(tempDir('first-start'), 'nir.db')}`;
    const first = await startTestServer({ databaseUrl, importExamples: true });
    try {
      const health = await fetch(first.url.replace('/graphql', '/health'));
      expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite', queue: { kind: 'in-process', up: true } });
      const { datasets } = ok(
        await first.gql<{ datasets: { id: string; name: string; sampleCount: number; variableCount: number; classes: { count: number }[]; source: string }[] }>(
          '{ datasets { id name sampleCount variableCount classes { count } source } }',
        ),
      );
      expect(datasets.map((d) => [d.name, d.sampleCount, d.variableCount, d.classes.length])).toEqual([
        ['tablet', 310, 404, 4],
        ['mango', 186, 1557, 4],
      ]);
      expect(datasets[0].classes.map((c) => c.count)).toEqual([70, 80, 80, 80]);
      expect(datasets[0].source).toMatch(/Dyrby/);
      ok(await first.gql('mutation($id: ID!) { deleteDataset(id: $id) }', { id: datasets[1].id }));
    } finally {
      await first.close();
    }
    // A restart keeps what the user did: the deleted example does not come back.
    const second = await startTestServer({ databaseUrl, importExamples: true });
    try {
      const { datasets } = ok(await second.gql<{ datasets: { name: string }[] }>('{ datasets { name } }'));
      expect(datasets.map((d) => d.name)).toEqual(['tablet']);
    } finally {
      await second.close();
    }
  });

  it('lets an in-flight request finish on shutdown, then refuses connections', async () => {
    const server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('shutdown'), 'nir.db')}` });
    const content = syntheticCsv({ classes: 4, perClass: 300, length: 400 });
    const inFlight = server.gql<{ importDataset: { sampleCount: number } }>(
      'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { sampleCount } }',
      { input: { name: 'big', content } },
    );
    await new Promise((r) => setTimeout(r, 20));
    const closing = server.close();
    expect(ok(await inFlight).importDataset.sampleCount).toBe(1200);
    await closing;
    await expect(fetch(server.url.replace('/graphql', '/health'))).rejects.toThrow();
  });
});

describe('system query', () => {
  it('reports version, database and the compute backend', async () => {
    const server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('system'), 'nir.db')}` });
    try {
      const { system } = ok(await server.gql<{ system: { version: string; database: string; backend: { name: string; version: string; threads: number; gpu: boolean; features: string[]; reason: string } } }>('{ system { version nodeVersion database uptimeSeconds backend { name version threads gpu features reason } } }'));
      expect(system.database).toBe('sqlite');
      expect(system.version).toMatch(/^\d+\.\d+\.\d+/);
      // No native TensorFlow here: the project's kernels, native where the addon built, else WebAssembly.
      expect(system.backend.name).toBe(expectedBackend());
      expect(system.backend.reason).toMatch(process.env.NIR_SSL_BACKEND ? /^forced by NIR_SSL_BACKEND=/ : /^chosen automatically/);
      expect(system.backend.threads).toBeGreaterThanOrEqual(1);
      if (system.backend.name === 'wasm') expect(system.backend.features).toEqual(expect.arrayContaining(['project-kernels', 'simd']));
      if (system.backend.name === 'native') expect(system.backend.features).toEqual(expect.arrayContaining(['project-kernels', expect.stringMatching(/^native-/)]));
    } finally {
      await server.close();
    }
  });
});

describe('shutdown with a running experiment', () => {
  it('interrupts the experiment (kept for the next start) and closes promptly', async () => {
    const databaseUrl = `file:${path.join(tempDir('interrupt'), 'nir.db')}`;
    const server = await startTestServer({ databaseUrl });
    const { importDataset } = ok(
      await server.gql<{ importDataset: { id: string } }>('mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }', {
        input: { name: 'small', content: syntheticCsv({ classes: 3, perClass: 6, length: 32 }) },
      }),
    );
    const { createExperiment } = ok(
      await server.gql<{ createExperiment: { id: string } }>('mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }', {
        input: { name: 'long', datasetId: importDataset.id, model: { plugin: 'cnn-classifier', params: { epochs: 5000, pretext: { epochs: 5000 } } }, protocol: { folds: 3 } },
      }),
    );
    await waitFor(async () => (await experimentStatus(server, createExperiment.id)).progress?.epoch != null, 60000);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5000);
    const db = await DatabaseService.open(databaseUrl);
    try {
      expect((await db.client.experiment.findUniqueOrThrow({ where: { id: createExperiment.id } })).status).toBe('interrupted');
    } finally {
      await db.close();
    }
    const reopened = await startTestServer({ databaseUrl, jobConcurrency: 1 });
    try {
      // The restart queues it again; it is running or about to.
      const { status } = await experimentStatus(reopened, createExperiment.id);
      expect(['INTERRUPTED', 'RUNNING']).toContain(status);
      ok(await reopened.gql('mutation($id: ID!) { cancelExperiment(id: $id) { id } }', { id: createExperiment.id }));
    } finally {
      await reopened.close();
    }
  }, 120000);
});
