import path from 'node:path';
import { exampleSliceCsv } from '../helpers/datasets';
import { ok, startTestServer, tempDir, waitFor, waitForStatus, type TestServer } from '../helpers/server';
import { DatabaseService } from '../../src/services/database/database.service';

const IMPORT = `mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id labelledCount unlabelledCount } }`;
const CREATE = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`;
const FOLDS = `query($id: ID!) { experiment(id: $id) { status error folds { trainSize labelledSize testSize curves { stage }
                 pretraining { spectra unlabelled transductive encoderId } } } }`;
/** A tiny SSL CNN: one pretext epoch, two fine-tuning epochs, narrow layers. */
const TINY_SSL = { plugin: 'cnn-classifier', params: { epochs: 2, filters: [4, 8, 8], hidden: [16, 8], pretext: { epochs: 1 } } };

interface Fold {
  trainSize: number;
  labelledSize: number;
  testSize: number;
  curves: { stage: string }[];
  pretraining: { spectra: number; unlabelled: number; transductive: boolean; encoderId: string | null } | null;
}

/** The tablet slice; every fourth label blanked (unlabelled rows). */
function partlyLabelled(): { csv: string; unlabelled: number } {
  const lines = exampleSliceCsv('tablet', 8).trim().split('\n');
  let unlabelled = 0;
  const rows = lines.slice(1).map((line, i) => (i % 4 === 3 ? (unlabelled++, line.slice(line.indexOf(','))) : line));
  return { csv: [lines[0], ...rows].join('\n'), unlabelled };
}

/** Spectra without labels on a grid `shift` off the tablet's (same range when 0). */
function library(perClass: number, shift = 0): string {
  const lines = exampleSliceCsv('tablet', perClass).trim().split('\n');
  const header = lines[0].split(',').slice(1).map((h) => String(Number(h) + shift));
  return [header.join(','), ...lines.slice(1).map((line) => line.slice(line.indexOf(',') + 1))].join('\n');
}

describe('SSL pre-training inputs and stored encoders over HTTP', () => {
  let server: TestServer;
  let datasetId: string;
  let unlabelled: number;
  let libraryId: string;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('encoders'), 'db.sqlite')}` });
    const partly = partlyLabelled();
    unlabelled = partly.unlabelled;
    datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT, { input: { name: 'partly', content: partly.csv } })).importDataset.id;
    libraryId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT, { input: { name: 'library', content: library(5), library: true } })).importDataset.id;
  });
  afterAll(() => server?.close());

  const foldCacheRows = () => server.container.get(DatabaseService).client.pretrainedEncoder.count({ where: { origin: 'fold' } });

  it('pre-trains each fold on its training spectra, the unlabelled rows and an extra library; never on test spectra', async () => {
    const id = ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, {
      input: { name: 'ssl + library', datasetId, model: TINY_SSL, protocol: { folds: 2 }, pretraining: { datasetIds: [libraryId] } },
    })).createExperiment.id;
    await waitForStatus(server, id, ['SUCCEEDED', 'FAILED'], 280000);
    const e = ok(await server.gql<{ experiment: { status: string; error: string | null; folds: Fold[] } }>(FOLDS, { id })).experiment;
    expect(e.error).toBeNull();
    for (const f of e.folds) {
      // 20 library spectra (5 per class, 4 classes) and the unlabelled rows join the training fold.
      expect(f.pretraining).toEqual({ spectra: f.trainSize + unlabelled + 20, unlabelled: unlabelled + 20, transductive: false, encoderId: null });
    }
    expect(await foldCacheRows()).toBe(2);
    expect(ok(await server.gql<{ experiment: { transductive: boolean } }>(`query($id: ID!) { experiment(id: $id) { transductive } }`, { id })).experiment.transductive).toBe(false);
  }, 300000);

  it('pre-trains on the test spectra only when the experiment is transductive, and says so', async () => {
    const id = ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, {
      input: { name: 'transductive', datasetId, model: TINY_SSL, protocol: { folds: 2 }, pretraining: { transductive: true } },
    })).createExperiment.id;
    await waitForStatus(server, id, ['SUCCEEDED', 'FAILED'], 280000);
    const e = ok(await server.gql<{ experiment: { transductive: boolean; error: string | null; folds: Fold[] } }>(
      `query($id: ID!) { experiment(id: $id) { transductive error folds { trainSize labelledSize testSize curves { stage } pretraining { spectra unlabelled transductive encoderId } } } }`,
      { id },
    )).experiment;
    expect(e).toMatchObject({ transductive: true, error: null });
    for (const f of e.folds) {
      expect(f.pretraining).toEqual({ spectra: f.trainSize + unlabelled + f.testSize, unlabelled: unlabelled + f.testSize, transductive: true, encoderId: null });
    }
  }, 300000);

  it('refuses an extra dataset whose axis does not cover the dataset\'s, and pretraining settings for a model that does not pre-train', async () => {
    const farId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT, { input: { name: 'far', content: library(2, 5000), library: true } })).importDataset.id;
    const far = await server.gql(CREATE, { input: { name: 'far', datasetId, model: TINY_SSL, pretraining: { datasetIds: [farId] } } });
    expect(far.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(far.errors?.[0].message).toMatch(/extra pre-training dataset "far" covers .* which does not overlap .* of dataset "partly"/);
    const knn = await server.gql(CREATE, { input: { name: 'knn', datasetId, model: { plugin: 'knn' }, pretraining: { datasetIds: [libraryId] } } });
    expect(knn.errors?.[0].message).toMatch(/pretraining settings need a model that pre-trains/);
  });

  it('pre-trains an encoder once on a library; two experiments start from it without pre-training again', async () => {
    const encoder = ok(await server.gql<{ pretrainEncoder: { id: string; status: string } }>(
      `mutation($input: PretrainEncoderInput!) { pretrainEncoder(input: $input) { id status } }`,
      { input: { name: 'library encoder', datasetId: libraryId, model: TINY_SSL } },
    )).pretrainEncoder;
    expect(['QUEUED', 'RUNNING']).toContain(encoder.status);
    type Listed = { id: string; status: string; error: string | null; spectraCount: number; unlabelledCount: number; heldOutCount: number; sawLabelledSpectra: boolean; pretextAccuracy: number | null; pretext: { transform: string }[] };
    let listed: Listed | undefined;
    await waitFor(async () => {
      listed = ok(await server.gql<{ encoders: Listed[] }>(`{ encoders { id status error spectraCount unlabelledCount heldOutCount sawLabelledSpectra pretextAccuracy pretext { transform } } }`)).encoders[0];
      return listed.status === 'READY' || listed.status === 'FAILED';
    }, 280000);
    expect(listed).toMatchObject({ id: encoder.id, status: 'READY', error: null, spectraCount: 18, unlabelledCount: 18, heldOutCount: 2, sawLabelledSpectra: false });
    expect(listed!.pretextAccuracy).toEqual(expect.any(Number));
    expect(listed!.pretext.length).toBeGreaterThan(0);

    const cacheBefore = await foldCacheRows();
    const ids: string[] = [];
    for (const name of ['from encoder 1', 'from encoder 2']) {
      ids.push(ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, {
        input: { name, datasetId, model: TINY_SSL, protocol: { folds: 2, seed: ids.length }, pretraining: { encoderId: encoder.id } },
      })).createExperiment.id);
    }
    for (const id of ids) {
      await waitForStatus(server, id, ['SUCCEEDED', 'FAILED'], 280000);
      const e = ok(await server.gql<{ experiment: { status: string; error: string | null; folds: Fold[] } }>(FOLDS, { id })).experiment;
      expect(e).toMatchObject({ status: 'SUCCEEDED', error: null });
      for (const f of e.folds) expect(f.pretraining).toEqual({ spectra: 18, unlabelled: 18, transductive: false, encoderId: encoder.id });
    }
    // Neither experiment pre-trained: no fold cached an encoder of its own.
    expect(await foldCacheRows()).toBe(cacheBefore);

    const mismatch = await server.gql(CREATE, { input: { name: 'wide', datasetId, model: { plugin: 'cnn-classifier', params: { epochs: 2 } }, pretraining: { encoderId: encoder.id } } });
    expect(mismatch.errors?.[0].message).toMatch(/has another architecture/);
    expect(ok(await server.gql<{ deleteEncoder: boolean }>(`mutation($id: ID!) { deleteEncoder(id: $id) }`, { id: encoder.id })).deleteEncoder).toBe(true);
    const gone = await server.gql(CREATE, { input: { name: 'gone', datasetId, model: TINY_SSL, pretraining: { encoderId: encoder.id } } });
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  }, 600000);
});
