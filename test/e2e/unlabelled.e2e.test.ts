import path from 'node:path';
import { exampleSliceCsv } from '../helpers/datasets';
import { ok, startTestServer, tempDir, waitForStatus, type TestServer } from '../helpers/server';

const IMPORT = `mutation($input: ImportDatasetInput!) {
  importDataset(input: $input) { id sampleCount labelledCount unlabelledCount isLibrary classes { name count } }
}`;
const CREATE = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`;

/** The tablet slice with every third spectrum's label blanked: labelled and unlabelled rows together. */
function partlyLabelledCsv(): { csv: string; unlabelled: number; labelled: number } {
  const lines = exampleSliceCsv('tablet', 10).trim().split('\n');
  let unlabelled = 0;
  const rows = lines.slice(1).map((line, i) => {
    if (i % 3 !== 1) return line;
    unlabelled++;
    return line.slice(line.indexOf(','));
  });
  return { csv: [lines[0], ...rows].join('\n'), unlabelled, labelled: rows.length - unlabelled };
}

/** The same spectra without a label column: a spectral library. */
function libraryCsv(): string {
  return exampleSliceCsv('tablet', 6)
    .trim()
    .split('\n')
    .map((line) => line.slice(line.indexOf(',') + 1))
    .join('\n');
}

describe('unlabelled spectra and spectral libraries over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('unlabelled'), 'db.sqlite')}` });
  });
  afterAll(() => server?.close());

  it('imports unlabelled rows beside labelled ones and shows both counts, samples and statistics', async () => {
    const { csv, unlabelled, labelled } = partlyLabelledCsv();
    const d = ok(await server.gql<{ importDataset: { id: string; sampleCount: number; labelledCount: number; unlabelledCount: number; isLibrary: boolean; classes: { count: number }[] } }>(IMPORT, { input: { name: 'partly', content: csv } })).importDataset;
    expect(d).toMatchObject({ sampleCount: labelled + unlabelled, labelledCount: labelled, unlabelledCount: unlabelled, isLibrary: false });
    expect(d.classes.reduce((n, c) => n + c.count, 0)).toBe(labelled);

    const view = ok(
      await server.gql<{ dataset: { samplesConnection: { totalCount: number; nodes: { index: number; label: string; labelled: boolean }[] }; unlabelledStatistics: { className: string; count: number; mean: number[] }; classStatistics: { count: number }[] } }>(
        `query($id: ID!) { dataset(id: $id) { samplesConnection(first: 3, labelled: false) { totalCount nodes { index label labelled } }
                                              unlabelledStatistics { className count mean } classStatistics { count } } }`,
        { id: d.id },
      ),
    ).dataset;
    expect(view.samplesConnection.totalCount).toBe(unlabelled);
    expect(view.samplesConnection.nodes[0]).toEqual({ index: 1, label: '', labelled: false });
    expect(view.unlabelledStatistics).toMatchObject({ className: '(unlabelled)', count: unlabelled });
    expect(view.classStatistics.reduce((n, c) => n + c.count, 0)).toBe(labelled);
  });

  it('imports a spectral library (no label column, library: true) and refuses it for an experiment', async () => {
    const refused = await server.gql(IMPORT, { input: { name: 'library', content: libraryCsv() } });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].message).toMatch(/no label column "label".*library: true/);

    const library = ok(await server.gql<{ importDataset: { id: string; labelledCount: number; unlabelledCount: number; isLibrary: boolean; classes: unknown[] } }>(IMPORT, { input: { name: 'library', content: libraryCsv(), library: true } })).importDataset;
    expect(library).toMatchObject({ labelledCount: 0, unlabelledCount: 24, isLibrary: true, classes: [] });

    const experiment = await server.gql(CREATE, { input: { name: 'on a library', datasetId: library.id, model: { plugin: 'knn' } } });
    expect(experiment.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(experiment.errors?.[0].message).toMatch(/dataset "library" is a spectral library without labels; an experiment needs labelled spectra/);
  });

  it('never puts an unlabelled row in a fold or a score: the folds test every labelled row once', async () => {
    const { csv, labelled } = partlyLabelledCsv();
    const d = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT, { input: { name: 'partly-knn', content: csv } })).importDataset;
    const id = ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, { input: { name: 'knn', datasetId: d.id, model: { plugin: 'knn' }, protocol: { folds: 5 }, trainFinalModel: true } })).createExperiment.id;
    await waitForStatus(server, id, ['SUCCEEDED', 'FAILED'], 280000);
    const e = ok(
      await server.gql<{ experiment: { status: string; error: string | null; folds: { trainSize: number; testSize: number; confusion: number[][] }[]; } }>(
        `query($id: ID!) { experiment(id: $id) { status error folds { trainSize testSize confusion } } }`,
        { id },
      ),
    ).experiment;
    expect(e.error).toBeNull();
    expect(e.folds).toHaveLength(5);
    expect(e.folds.reduce((n, f) => n + f.testSize, 0)).toBe(labelled);
    for (const f of e.folds) {
      expect(f.trainSize + f.testSize).toBe(labelled);
      expect(f.confusion.flat().reduce((a, b) => a + b, 0)).toBe(f.testSize);
    }
  }, 300000);
});
