import { databaseBackends, ok, startTestServer, syntheticCsv, type TestServer } from '../helpers/server';

const IMPORT = `mutation Import($input: ImportDatasetInput!) {
  importDataset(input: $input) { id name sampleCount variableCount axisUnit hasGroups metadataColumns classes { name count } }
}`;
const COUNT = `{ datasets { id name } }`;

describe.each(databaseBackends())('datasets over HTTP ($name)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: backend.databaseUrl('datasets') });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('imports, lists, gets, pages, summarises, renames and deletes a dataset', async () => {
    const imported = ok(
      await server.gql<{ importDataset: { id: string; sampleCount: number; variableCount: number; axisUnit: string; classes: { name: string; count: number }[]; metadataColumns: string[] } }>(
        IMPORT,
        { input: { name: 'synthetic', content: syntheticCsv({ classes: 3, perClass: 4, length: 20 }), description: 'test set' } },
      ),
    ).importDataset;
    expect(imported).toMatchObject({ sampleCount: 12, variableCount: 20, axisUnit: 'NM', metadataColumns: ['sample'] });
    expect(imported.classes).toEqual([
      { name: 'class0', count: 4 },
      { name: 'class1', count: 4 },
      { name: 'class2', count: 4 },
    ]);

    const byName = ok(await server.gql<{ dataset: { id: string; axis: number[] } }>(`{ dataset(name: "synthetic") { id axis } }`));
    expect(byName.dataset.id).toBe(imported.id);
    expect(byName.dataset.axis.slice(0, 3)).toEqual([1000, 1002, 1004]);

    const page = ok(
      await server.gql<{ dataset: { samples: { total: number; items: { index: number; label: string; metadata: { sample: string }; values: number[] }[] } } }>(
        `query($id: ID!) { dataset(id: $id) { samples(offset: 2, limit: 3, className: "class1") { total items { index label metadata values } } } }`,
        { id: imported.id },
      ),
    ).dataset.samples;
    expect(page.total).toBe(4);
    expect(page.items.map((s) => s.index)).toEqual([6, 7]);
    expect(page.items[0]).toMatchObject({ label: 'class1', metadata: { sample: 's1-2' } });
    expect(page.items[0].values[0]).toBeCloseTo(Math.sin(1) + 0.02, 5);

    const stats = ok(
      await server.gql<{ dataset: { classStatistics: { className: string; count: number; mean: number[]; std: number[] }[] } }>(
        `query($id: ID!) { dataset(id: $id) { classStatistics { className count mean std } } }`,
        { id: imported.id },
      ),
    ).dataset.classStatistics;
    expect(stats).toHaveLength(3);
    // Class 2, point 0: values sin(2) + 0.01 k, k = 0..3 -> mean sin(2) + 0.015, population std 0.01 * sqrt(1.25).
    expect(stats[2].mean[0]).toBeCloseTo(Math.sin(2) + 0.015, 5);
    expect(stats[2].std[0]).toBeCloseTo(0.01 * Math.sqrt(1.25), 5);

    const renamed = ok(await server.gql<{ renameDataset: { name: string } }>(`mutation($id: ID!) { renameDataset(id: $id, name: "renamed") { name } }`, { id: imported.id }));
    expect(renamed.renameDataset.name).toBe('renamed');

    ok(await server.gql(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id: imported.id }));
    expect(ok(await server.gql<{ datasets: unknown[] }>(COUNT)).datasets).toEqual([]);
    const gone = await server.gql(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id: imported.id });
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('gives the PCA scores of the spectra, evenly spaced up to a limit, without sending the spectra', async () => {
    const id = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT, { input: { name: 'for pca', content: syntheticCsv({ classes: 3, perClass: 10 }) } })).importDataset.id;
    const PCA_SCORES = 'query($id: ID!, $limit: Int) { dataset(id: $id) { pcaScores(limit: $limit) { explainedVariance points { index label pc1 pc2 } } } }';
    type Scores = { explainedVariance: number[]; points: { index: number; label: string | null; pc1: number; pc2: number }[] };
    const all = ok(await server.gql<{ dataset: { pcaScores: Scores } }>(PCA_SCORES, { id })).dataset.pcaScores;
    expect(all.points.map((p) => p.index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(all.explainedVariance[0]).toBeGreaterThanOrEqual(all.explainedVariance[1]);
    expect(all.explainedVariance[0] + all.explainedVariance[1]).toBeLessThanOrEqual(1 + 1e-9);
    // Centred scores: they sum to zero.
    expect(Math.abs(all.points.reduce((s, p) => s + p.pc1, 0))).toBeLessThan(1e-6 * all.points.reduce((s, p) => s + Math.abs(p.pc1), 0) + 1e-9);
    expect(new Set(all.points.map((p) => p.label)).size).toBe(3);
    const some = ok(await server.gql<{ dataset: { pcaScores: Scores } }>(PCA_SCORES, { id, limit: 10 })).dataset.pcaScores;
    expect(some.points.map((p) => p.index)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    const refused = await server.gql(PCA_SCORES, { id, limit: 2 });
    expect(refused.errors?.[0]).toMatchObject({ message: expect.stringMatching(/limit must be between 3 and 5000/), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('keeps groups and reports the group count', async () => {
    const csv = ['label,scan_of,100,101,102', 'a,s1,1,2,3', 'a,s1,1,2,3.1', 'b,s2,3,2,1', 'b,s3,3,2,1.2'].join('\n');
    const d = ok(
      await server.gql<{ importDataset: { id: string; hasGroups: boolean } }>(IMPORT, {
        input: { name: 'grouped', content: csv, groupColumn: 'scan_of' },
      }),
    ).importDataset;
    expect(d.hasGroups).toBe(true);
    const q = ok(await server.gql<{ dataset: { groupCount: number; samples: { items: { group: string }[] } } }>(`query($id: ID!) { dataset(id: $id) { groupCount samples { items { group } } } }`, { id: d.id }));
    expect(q.dataset.groupCount).toBe(3);
    expect(q.dataset.samples.items.map((s) => s.group)).toEqual(['s1', 's1', 's2', 's3']);
    ok(await server.gql(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id: d.id }));
  });

  const good = syntheticCsv({ classes: 2, perClass: 2, length: 5 });
  const lines = good.trim().split('\n');
  const badInputs: [string, Record<string, unknown>, RegExp][] = [
    ['an empty file', { content: '' }, /empty/],
    ['no label column', { content: good.replace('label,', 'klass,') }, /no label column "label"/],
    ['ragged rows', { content: [...lines.slice(0, 2), lines[2] + ',1.0', ...lines.slice(3)].join('\n') }, /line 3 has 8 fields, expected 7/],
    ['a non-numeric value', { content: [...lines.slice(0, 3), lines[3].replace(/,[^,]*$/, ',abc')].join('\n') }, /line 4, column 7: "abc" is not a number/],
    ['a NaN value', { content: [lines[0], lines[1].replace(/,[^,]*$/, ',NaN'), ...lines.slice(2)].join('\n') }, /line 2, column 7: NaN is not allowed/],
    ['an Inf value', { content: [lines[0], lines[1].replace(/,[^,]*$/, ',-Infinity'), ...lines.slice(2)].join('\n') }, /line 2, column 7: -Infinity is not allowed/],
    ['a non-numeric axis header', { content: [lines[0].replace(/,[^,]*$/, ',x1008'), ...lines.slice(1)].join('\n') }, /line 1, column 7: axis header "x1008" is not a number/],
    ['a repeated axis header', { content: [lines[0].replace(/,[^,]*$/, ',1006'), ...lines.slice(1)].join('\n') }, /line 1, column 7: axis value 1006 repeats/],
    ['fewer than 2 classes', { content: lines.slice(0, 3).join('\n') }, /at least 2/],
    ['a missing group column', { content: good, groupColumn: 'nope' }, /no group column "nope"/],
    ['an empty name', { content: good, name: ' ' }, /name must not be empty/],
  ];

  it.each(badInputs)('rejects %s with BAD_USER_INPUT and writes nothing', async (_what, input, message) => {
    const before = ok(await server.gql<{ datasets: unknown[] }>(COUNT)).datasets.length;
    const result = await server.gql(IMPORT, { input: { name: 'bad', ...input } });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(message);
    expect(ok(await server.gql<{ datasets: unknown[] }>(COUNT)).datasets.length).toBe(before);
  });

  it('rejects a duplicate name and a file over the size limit, writing nothing', async () => {
    const first = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT, { input: { name: 'taken', content: good } })).importDataset;
    const dup = await server.gql(IMPORT, { input: { name: 'taken', content: good } });
    expect(dup.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(dup.errors?.[0].message).toMatch(/a dataset named "taken" already exists/);
    const small = await startTestServer({ databaseUrl: backend.databaseUrl('limit'), maxUploadBytes: 100 });
    try {
      const big = await small.gql(IMPORT, { input: { name: 'big', content: good } });
      expect(big.errors?.[0].extensions?.code).toBe('PAYLOAD_TOO_LARGE');
      expect(big.errors?.[0].message).toMatch(/over the limit/);
      expect(ok(await small.gql<{ datasets: unknown[] }>(COUNT)).datasets).toEqual([]);
    } finally {
      await small.close();
    }
    const renameToTaken = await server.gql(IMPORT, { input: { name: 'other', content: good } });
    const otherId = ok(renameToTaken as { data: { importDataset: { id: string } } }).importDataset.id;
    const clash = await server.gql(`mutation($id: ID!) { renameDataset(id: $id, name: "taken") { name } }`, { id: otherId });
    expect(clash.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    for (const id of [first.id, otherId]) ok(await server.gql(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id }));
  });

  it('publishes dataset events over graphql-ws', async () => {
    const client = server.ws();
    const events: { type: string; name: string }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe<{ datasetEvents: { type: string; name: string } }>(
        { query: 'subscription { datasetEvents { type datasetId name } }' },
        {
          next: (msg) => {
            events.push(msg.data!.datasetEvents);
            if (events.length === 2) resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    // Let the subscription register before the events.
    await new Promise((r) => setTimeout(r, 200));
    const d = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT, { input: { name: 'evented', content: good } })).importDataset;
    ok(await server.gql(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id: d.id }));
    await done;
    expect(events).toEqual([
      expect.objectContaining({ type: 'CREATED', name: 'evented' }),
      expect.objectContaining({ type: 'DELETED', name: 'evented' }),
    ]);
  });
});
