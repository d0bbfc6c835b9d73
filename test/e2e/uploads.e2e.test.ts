import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { ok, startTestServer, syntheticCsv, databaseBackends, waitForStatus, type TestServer } from '../helpers/server';

const IMPORT = `mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id name sampleCount variableCount classes { name count } } }`;
const COUNT = '{ datasetsConnection { totalCount } }';

/** A GraphQL multipart request (operations, map, file), as Apollo Client's upload link sends it. */
async function upload(
  server: TestServer,
  input: Record<string, unknown>,
  file: { content: string | Uint8Array; name: string },
  headers: Record<string, string> = { 'apollo-require-preflight': 'true' },
  query = IMPORT,
) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { input: { ...input, file: null } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.append('0', new Blob([file.content]), file.name);
  const res = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, ...headers }, body: form });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

/** A table of `rows` spectra of `length` one-digit values (2 bytes each), value(i, j) in row i. */
const value = (i: number, j: number) => (i * 7 + j) % 10;

function table(rows: number, length: number): string {
  const lines = [`label,${Array.from({ length }, (_, j) => 1000 + j).join(',')}`];
  for (let i = 0; i < rows; i++) lines.push(`c${i % 3},${Array.from({ length }, (_, j) => value(i, j)).join(',')}`);
  return lines.join('\n') + '\n';
}

describe.each(databaseBackends())('file uploads by the GraphQL multipart request spec ($name)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: backend.databaseUrl('uploads'), maxUploadBytes: 3 * 1024 * 1024 });
  });
  afterAll(() => server.close());

  it('imports an uploaded CSV across several storage blocks with the values intact', async () => {
    // 3000 x 400 values: 1.2 M float32, more than one 4 MiB block (about 2.4 MB of text).
    const csv = table(3000, 400);
    expect(csv.length).toBeGreaterThan(1024 * 1024);
    const answer = await upload(server, { name: 'uploaded' }, { content: csv, name: 'spectra.csv' });
    expect(answer.json.errors).toBeUndefined();
    const imported = answer.json.data?.importDataset;
    expect(imported).toMatchObject({ name: 'uploaded', sampleCount: 3000, variableCount: 400 });
    expect(imported.classes.map((c: { count: number }) => c.count)).toEqual([1000, 1000, 1000]);
    type Rows = { dataset: { first: { items: { index: number; values: number[] }[] }; last: { items: { index: number; values: number[] }[] } } };
    const rows = ok(
      await server.gql<Rows>(
        `query($id: ID!) { dataset(id: $id) { first: samples(offset: 0, limit: 2) { items { index values } } last: samples(offset: 2999, limit: 1) { items { index values } } } }`,
        { id: imported.id },
      ),
    );
    const expected = value;
    expect(rows.dataset.first.items[1].values.slice(0, 3)).toEqual([0, 1, 2].map((j) => expected(1, j)));
    // The last row lies in the second storage block: the blocks were joined in order.
    expect(rows.dataset.last.items[0].index).toBe(2999);
    expect(rows.dataset.last.items[0].values.slice(395)).toEqual([395, 396, 397, 398, 399].map((j) => expected(2999, j)));
  });

  it('answers an operation that fails before reading its file while the client is still sending it, on a usable connection', async () => {
    // The error is decided before the file is read; the client has megabytes left to send. The
    // answer must still reach it (no EPIPE), and the server must go on answering.
    const before = ok(await server.gql<{ datasetsConnection: { totalCount: number } }>(COUNT)).datasetsConnection.totalCount;
    const csv = table(3000, 400);
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await upload(server, { name: 'both', content: 'label,1\na,1\n' }, { content: csv, name: 'both.csv' });
      expect(answer.json.errors?.[0]).toMatchObject({ message: expect.stringMatching(/not both/), extensions: { code: 'BAD_USER_INPUT' } });
    }
    expect(ok(await server.gql<{ datasetsConnection: { totalCount: number } }>(COUNT)).datasetsConnection.totalCount).toBe(before);
  });

  it('refuses a file over the upload limit with PAYLOAD_TOO_LARGE and writes nothing', async () => {
    const before = ok(await server.gql<{ datasetsConnection: { totalCount: number } }>(COUNT)).datasetsConnection.totalCount;
    const csv = table(7000, 400); // about 5.6 MB against a 3 MiB limit
    expect(csv.length).toBeGreaterThan(3 * 1024 * 1024);
    const answer = await upload(server, { name: 'too big' }, { content: csv, name: 'big.csv' });
    expect(answer.json.errors?.[0].extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(answer.json.errors?.[0].message).toMatch(/over the limit of 3\.0 MiB/);
    expect(answer.text.length).toBeLessThan(10 * 1024);
    expect(ok(await server.gql<{ datasetsConnection: { totalCount: number } }>(COUNT)).datasetsConnection.totalCount).toBe(before);
  });

  it('reports a bad cell in an uploaded file by line and column without echoing the file, and writes nothing', async () => {
    const before = ok(await server.gql<{ datasetsConnection: { totalCount: number } }>(COUNT)).datasetsConnection.totalCount;
    const lines = table(800, 300).split('\n');
    lines[500] = lines[500].replace(/,[^,]*$/, ',not-a-number-secret');
    const answer = await upload(server, { name: 'bad cell' }, { content: lines.join('\n'), name: 'bad.csv' });
    expect(answer.json.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.json.errors?.[0].message).toMatch(/^line 501, column 301: "not-a-number-secret" is not a number/);
    expect(answer.text.length).toBeLessThan(10 * 1024);
    expect(ok(await server.gql<{ datasetsConnection: { totalCount: number } }>(COUNT)).datasetsConnection.totalCount).toBe(before);
    // The connection and the server are fine afterwards.
    expect((await upload(server, { name: 'after the error' }, { content: syntheticCsv(), name: 'ok.csv' })).json.errors).toBeUndefined();
  });

  it('wants exactly one of content and file', async () => {
    const both = await upload(server, { name: 'both', content: syntheticCsv() }, { content: syntheticCsv(), name: 'x.csv' });
    expect(both.json.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const neither = await server.gql(IMPORT, { input: { name: 'neither' } });
    expect(neither.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(neither.errors?.[0].message).toMatch(/either inline as content or as an uploaded file/);
  });

  it("keeps Apollo's CSRF prevention: a multipart request without a preflight header is refused", async () => {
    const answer = await upload(server, { name: 'csrf' }, { content: syntheticCsv(), name: 'x.csv' }, {});
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/apollo-require-preflight/i);
    const nameless = ok(await server.gql<{ dataset: unknown }>(`{ dataset(name: "csrf") { id } }`));
    expect(nameless.dataset).toBeNull();
  });

  it('answers a malformed multipart body with a coded JSON error', async () => {
    const form = new FormData();
    form.append('operations', '{ not json');
    form.append('map', '{}');
    const res = await fetch(server.url, { method: 'POST', headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${server.token}` }, body: form });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('predicts the spectra of an uploaded file, with or without a label column, like the same stored dataset', async () => {
    const csv = exampleSliceCsv('tablet', 6);
    const datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'to predict', content: csv } })).importDataset.id;
    const experimentId = ok(
      await server.gql<{ createExperiment: { id: string } }>(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, {
        input: { name: 'final pls', datasetId, model: { plugin: 'pls-da', params: { components: 3 } }, protocol: { folds: 2 }, trainFinalModel: true },
      }),
    ).createExperiment.id;
    await waitForStatus(server, experimentId, ['SUCCEEDED', 'FAILED'], 180000);
    const modelId = ok(await server.gql<{ models: { id: string }[] }>(`query($id: ID!) { models(experimentId: $id) { id } }`, { id: experimentId })).models[0].id;
    const PREDICT = 'mutation($input: PredictInput!) { predict(input: $input) { count datasetId results { predictedClass } } }';
    const stored = ok(await server.gql<{ predict: { count: number; results: { predictedClass: string }[] } }>(PREDICT, { input: { modelId, datasetId } })).predict;
    const labelIndex = csv.split('\n')[0].split(',').indexOf('label');
    const unlabelled = csv
      .split('\n')
      .map((line) => (line === '' ? line : line.split(',').filter((_, k) => k !== labelIndex).join(',')))
      .join('\n');
    for (const content of [csv, unlabelled]) {
      const answer = await upload(server, { modelId }, { content, name: 'to-predict.csv' }, undefined, PREDICT);
      expect(answer.json.errors).toBeUndefined();
      expect(answer.json.data?.predict).toEqual({ count: stored.count, datasetId: null, results: stored.results });
    }
    const both = await upload(server, { modelId, datasetId }, { content: csv, name: 'x.csv' }, undefined, PREDICT);
    expect(both.json.errors?.[0]).toMatchObject({ message: expect.stringMatching(/not several/), extensions: { code: 'BAD_USER_INPUT' } });
  });
});
