import path from 'node:path';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { ok, startTestServer, tempDir, type TestServer } from '../helpers/server';

/**
 * A client that polls while training saturates every core must never hit ECONNRESET: idle
 * kept-alive sockets stay open on the server longer than clients keep them (Node's default of
 * 5 s closed sockets that fetch was about to reuse after a 4-5 s pause). The pauses here straddle
 * the old 5 s limit.
 */
describe('polling under training load', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('keep-alive'), 'db.sqlite')}` });
  });
  afterAll(() => server.close());

  it('answers every poll on reused connections while every core trains', async () => {
    const datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'slice', content: exampleSliceCsv('tablet', 12) } })).importDataset.id;
    const id = ok(
      await server.gql<{ createExperiment: { id: string } }>(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, {
        input: { name: 'load', datasetId, model: { plugin: 'cnn-classifier', params: { epochs: 200, pretext: { epochs: 100 } } }, protocol: { folds: 5 } },
      }),
    ).createExperiment.id;

    const res = await fetch(server.url.replace('/graphql', '/health'));
    expect(res.headers.get('keep-alive')).toMatch(/timeout=(\d+)/);
    expect(Number(/timeout=(\d+)/.exec(res.headers.get('keep-alive')!)![1])).toBeGreaterThanOrEqual(60);

    const failures: string[] = [];
    let polls = 0;
    for (const pauseMs of [4800, 5000, 5200, 100, 100, 5100]) {
      await new Promise((r) => setTimeout(r, pauseMs));
      try {
        const status = ok(await server.gql<{ experiment: { status: string } }>(`query($id: ID!) { experiment(id: $id) { status } }`, { id })).experiment.status;
        expect(['QUEUED', 'RUNNING']).toContain(status);
        polls++;
      } catch (error) {
        failures.push(`${pauseMs} ms pause: ${error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error)}`);
      }
    }
    ok(await server.gql(`mutation($id: ID!) { cancelExperiment(id: $id) { id } }`, { id }));
    expect(failures).toEqual([]);
    expect(polls).toBe(6);
  }, 90000);
});
