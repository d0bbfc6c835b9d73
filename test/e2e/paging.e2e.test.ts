import path from 'node:path';
import { DatabaseService } from '../../src/services/database/database.service';
import { MAX_PAGE_SIZE } from '../../src/services/paging';
import { IMPORT_DATASET } from '../helpers/datasets';
import { databaseBackends, ok, startTestServer, syntheticCsv, type TestServer } from '../helpers/server';

interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

const EXPERIMENTS = `query($first: Int, $after: String, $order: CreationOrder, $filter: ExperimentFilter) {
  experimentsConnection(first: $first, after: $after, order: $order, filter: $filter) {
    edges { cursor node { id name createdAt } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`;

/** Every node of a connection, page by page (`fetch` gets the cursor to continue after). */
async function readAll<T>(fetch: (after: string | null) => Promise<Connection<T>>): Promise<T[]> {
  const nodes: T[] = [];
  let after: string | null = null;
  for (;;) {
    const connection: Connection<T> = await fetch(after);
    nodes.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) return nodes;
    after = connection.pageInfo.endCursor;
  }
}

describe.each(databaseBackends())('cursor connections ($name)', (backend) => {
  let server: TestServer;
  let datasetId: string;
  let db: DatabaseService['client'];

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: backend.databaseUrl('paging') });
    db = server.container.get(DatabaseService).client;
    datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'pages', content: syntheticCsv({ classes: 3, perClass: 9 }) } })).importDataset.id;
    // 250 finished experiments, stored directly (running them would only slow the test down);
    // created in batches, so many share a creation time and only the id orders them.
    const rows = Array.from({ length: 250 }, (_, k) => ({
      name: `stored ${k}`,
      tags: JSON.stringify(k % 5 === 0 ? ['fifth', 'stored'] : ['stored']),
      datasetId,
      modelName: k % 2 === 0 ? 'ssl' : 'svm',
      config: '{}',
      configHash: `hash-${k}`,
      status: k % 3 === 0 ? 'failed' : 'succeeded',
    }));
    for (let start = 0; start < rows.length; start += 50) await db.experiment.createMany({ data: rows.slice(start, start + 50) });
  });
  afterAll(() => server.close());

  const page = async (variables: Record<string, unknown>) =>
    ok(await server.gql<{ experimentsConnection: Connection<{ id: string; name: string; createdAt: string }> }>(EXPERIMENTS, variables)).experimentsConnection;

  it('pages through 250 experiments 50 at a time, each exactly once, while new ones are created', async () => {
    const stored = new Set((await db.experiment.findMany({ select: { id: true } })).map((e) => e.id));
    const seen: string[] = [];
    const created: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: Connection<{ id: string; name: string; createdAt: string }> = await page({ first: 50, after });
      pages++;
      expect(result.edges.length).toBeLessThanOrEqual(50);
      expect(result.nodes.map((n) => n.id)).toEqual(result.edges.map((e) => e.node.id));
      expect(result.pageInfo.endCursor).toBe(result.edges[result.edges.length - 1]?.cursor ?? null);
      expect(result.pageInfo.hasPreviousPage).toBe(false);
      expect(result.totalCount).toBe(250 + created.length);
      seen.push(...result.edges.map((e) => e.node.id));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
      // A new experiment between pages: it sorts after every stored one.
      const input = { name: `created while paging ${pages}`, datasetId, model: { plugin: 'knn' }, protocol: { folds: 2 } };
      created.push(ok(await server.gql<{ createExperiment: { id: string } }>(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, { input })).createExperiment.id);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => stored.has(id))).toHaveLength(250);
    expect(seen.slice(250)).toEqual(created);
    expect(pages).toBe(6);
  });

  it('orders newest first on request, and pages stably in that order', async () => {
    const newestFirst = await readAll((after) => page({ first: 40, after, order: 'NEWEST_FIRST' }));
    const oldestFirst = await readAll((after) => page({ first: MAX_PAGE_SIZE, after }));
    expect(new Set(newestFirst.map((e) => e.id)).size).toBe((await page({ first: 0 })).totalCount);
    expect(newestFirst).toEqual(oldestFirst.reverse());
  });

  it('filters by dataset, status, model family, plugin, tag, name and creation time', async () => {
    const count = async (filter: Record<string, unknown>) => (await page({ first: 0, filter })).totalCount;
    expect(await count({ datasetId, tag: 'stored' })).toBe(250);
    expect(await count({ tag: 'fifth' })).toBe(50);
    expect(await count({ tag: 'fift' })).toBe(0);
    expect(await count({ tag: 'stored', status: 'FAILED' })).toBe(84);
    expect(await count({ tag: 'stored', model: 'svm' })).toBe(125);
    expect(await count({ tag: 'stored', plugin: 'cnn-classifier' })).toBe(125);
    expect(await count({ nameContains: 'created while paging' })).toBe(5);
    expect(await count({ datasetId: 'no-such-dataset' })).toBe(0);
    const newest = (await page({ first: 1, order: 'NEWEST_FIRST' })).edges[0].node;
    expect(await count({ createdAfter: newest.createdAt })).toBe(0);
    expect(await count({ createdAfter: new Date(Date.parse(newest.createdAt) - 3_600_000).toISOString() })).toBeGreaterThan(250);
  });

  it('has a default and a maximum page size, and rejects a cursor it did not make', async () => {
    expect((await page({})).edges).toHaveLength(50);
    expect((await page({ first: MAX_PAGE_SIZE })).edges).toHaveLength(MAX_PAGE_SIZE);
    const tooMany = await server.gql(EXPERIMENTS, { first: MAX_PAGE_SIZE + 1 });
    expect(tooMany.errors?.[0]).toMatchObject({ message: `first must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${MAX_PAGE_SIZE + 1}`, extensions: { code: 'BAD_USER_INPUT' } });
    const forged = await server.gql(EXPERIMENTS, { after: 'bm90IGEgY3Vyc29y' });
    expect(forged.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(forged.errors?.[0].message).toMatch(/^invalid cursor/);
  });

  it('pages datasets, studies, models, predictions, a model\'s predictions and a dataset\'s spectra the same way', async () => {
    const datasets = ok(await server.gql<{ datasetsConnection: Connection<{ name: string }> }>(`{ datasetsConnection(first: 1, nameContains: "pag") { nodes { name } totalCount pageInfo { hasNextPage } } }`)).datasetsConnection;
    expect(datasets).toMatchObject({ nodes: [{ name: 'pages' }], totalCount: 1, pageInfo: { hasNextPage: false } });

    const study = await db.study.create({ data: { name: 'stored study', datasetId, preset: 'quick', config: '{}' } });
    const studies = ok(await server.gql<{ studiesConnection: Connection<{ id: string; status: string }> }>(`query($d: ID) { studiesConnection(datasetId: $d) { nodes { id status preset } totalCount } }`, { d: datasetId })).studiesConnection;
    expect(studies).toMatchObject({ nodes: [{ id: study.id, status: 'FINISHED' }], totalCount: 1 });

    const model = await db.model.create({ data: { name: 'stored model', datasetId, config: JSON.stringify({ classes: ['a', 'b'], axis: [], spec: {} }), state: new Uint8Array(0) } });
    for (let k = 0; k < 7; k++) {
      await db.prediction.create({ data: { modelId: model.id, results: JSON.stringify([{ index: 0, predictedClass: 'a', probabilities: [0.75, 0.25] }]), count: 1 } });
    }
    const models = ok(await server.gql<{ modelsConnection: Connection<{ id: string }> }>(`query($d: ID) { modelsConnection(datasetId: $d) { nodes { id } totalCount } }`, { d: datasetId })).modelsConnection;
    expect(models).toMatchObject({ nodes: [{ id: model.id }], totalCount: 1 });
    type PredictionNode = { id: string; results: { probabilities: { className: string }[] }[] };
    const predictions = await readAll(async (after) => {
      const { model: found } = ok(
        await server.gql<{ model: { predictionsConnection: Connection<PredictionNode> } }>(
          `query($id: ID!, $after: String) { model(id: $id) { predictionsConnection(first: 3, after: $after) { edges { node { id results { probabilities { className } } } } pageInfo { hasNextPage endCursor } totalCount } } }`,
          { id: model.id, after },
        ),
      );
      expect(found.predictionsConnection.totalCount).toBe(7);
      return found.predictionsConnection;
    });
    expect(predictions[0].results[0].probabilities.map((p) => p.className)).toEqual(['a', 'b']);
    const predictionIds = predictions.map((p) => p.id);
    expect(new Set(predictionIds).size).toBe(7);
    const topLevel = ok(await server.gql<{ predictionsConnection: Connection<{ id: string }> }>(`query($m: ID) { predictionsConnection(modelId: $m, first: 100) { nodes { id } } }`, { m: model.id })).predictionsConnection;
    expect(topLevel.nodes.map((n) => n.id)).toEqual(predictionIds);

    const samples = await readAll(async (after) => {
      const { dataset } = ok(
        await server.gql<{ dataset: { samplesConnection: Connection<{ index: number; label: string }> } }>(
          `query($id: ID!, $after: String) { dataset(id: $id) { samplesConnection(first: 4, after: $after, className: "class1") { edges { node { index label } } pageInfo { hasNextPage endCursor } totalCount } } }`,
          { id: datasetId, after },
        ),
      );
      expect(dataset.samplesConnection.totalCount).toBe(9);
      return dataset.samplesConnection;
    });
    expect(samples.every((sample) => sample.label === 'class1')).toBe(true);
    const indices = samples.map((sample) => sample.index);
    expect(indices).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
  });
});
