import path from 'node:path';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { ok, startTestServer, tempDir, waitForStatus, type TestServer } from '../helpers/server';

/** The protocols labs use, over GraphQL: an explicit test set and Kennard-Stone splits (one fold each). */
const CREATE = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`;
const RESULT = `query($id: ID!) { experiment(id: $id) { status error config accuracy { mean std } folds { fold repeat accuracy trainSize testSize } } }`;

interface Result {
  status: string;
  error: string | null;
  config: { protocol: Record<string, unknown> };
  accuracy: { mean: number; std: number };
  folds: { fold: number; repeat: number; accuracy: number; trainSize: number; testSize: number }[];
}

describe('single-split protocols', () => {
  let server: TestServer;
  let datasetId: string;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('splits'), 'db.sqlite')}` });
    // Tablet, 10 spectra of each of 4 classes: rows 0-9 class 1, 10-19 class 2, ...
    datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'slice', content: exampleSliceCsv('tablet', 10) } })).importDataset.id;
  });
  afterAll(() => server.close());

  async function run(protocol: Record<string, unknown>): Promise<Result & { id: string }> {
    const id = ok(
      await server.gql<{ createExperiment: { id: string } }>(CREATE, {
        input: { name: 'split', datasetId, preprocessing: [{ name: 'autoscale' }], model: { plugin: 'pls-da', params: { components: 4 } }, protocol },
      }),
    ).createExperiment.id;
    await waitForStatus(server, id, ['SUCCEEDED', 'FAILED'], 60000);
    return { id, ...ok(await server.gql<{ experiment: Result }>(RESULT, { id })).experiment };
  }

  it('trains on the given rows and tests on the others given', async () => {
    const testRows = [0, 1, 10, 11, 20, 21, 30, 31];
    const explicit = await run({ split: 'EXPLICIT', testRows });
    expect(explicit).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(explicit.folds).toEqual([{ fold: 0, repeat: 0, accuracy: expect.any(Number), trainSize: 32, testSize: 8 }]);
    expect(explicit.accuracy.std).toBe(0);
    expect(explicit.config.protocol).toMatchObject({ split: 'explicit', folds: 1, testRows, trainRows: null });

    // Train on a few rows only.
    const trainRows = [2, 3, 4, 12, 13, 14, 22, 23, 24, 32, 33, 34];
    const small = await run({ split: 'EXPLICIT', testRows, trainRows });
    expect(small.folds[0]).toMatchObject({ trainSize: 12, testSize: 8 });

    // The same split twice: compared, but no paired test over a single fold.
    const again = await run({ split: 'EXPLICIT', testRows });
    expect(again.accuracy.mean).toBe(explicit.accuracy.mean);
    const { compareExperiments } = ok(
      await server.gql<{ compareExperiments: { pairs: { paired: boolean; reason: string | null; meanDifference: number }[] } }>(
        `query($ids: [ID!]!) { compareExperiments(ids: $ids) { pairs { paired reason meanDifference } } }`,
        { ids: [explicit.id, again.id, small.id] },
      ),
    );
    expect(compareExperiments.pairs[0]).toEqual({ paired: false, reason: expect.stringMatching(/single train\/test split/), meanDifference: 0 });
    expect(compareExperiments.pairs.find((p) => p.reason === 'different train/test rows')).toBeDefined();
  }, 120000);

  it('refuses bad rows and misplaced fields before storing anything', async () => {
    const refuse = async (protocol: Record<string, unknown>, message: RegExp) => {
      const result = await server.gql(CREATE, { input: { name: 'bad', datasetId, model: { plugin: 'pls-da' }, protocol } });
      expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
    };
    await refuse({ split: 'EXPLICIT', testRows: [40] }, /outside 0..39/);
    await refuse({ split: 'EXPLICIT' }, /needs testRows/);
    await refuse({ split: 'EXPLICIT', testRows: [1], trainRows: [1, 2] }, /both/);
    await refuse({ testRows: [1] }, /belong to the kennard-stone and explicit splits/);
    await refuse({ split: 'KENNARD_STONE', testFraction: 1.5 }, /testFraction must be in/);
    await refuse({ split: 'KENNARD_STONE', repeats: 3 }, /repeats must be 1/);
  });

  it('Kennard-Stone and its class-wise variant make one deterministic fold', async () => {
    const ks = await run({ split: 'KENNARD_STONE', testFraction: 0.25 });
    expect(ks).toMatchObject({ status: 'SUCCEEDED' });
    expect(ks.folds).toEqual([{ fold: 0, repeat: 0, accuracy: expect.any(Number), trainSize: 30, testSize: 10 }]);
    expect(ks.config.protocol).toMatchObject({ split: 'kennard-stone', folds: 1, testFraction: 0.25 });
    const classwise = await run({ split: 'KENNARD_STONE_CLASSWISE', testFraction: 0.3 });
    // 10 per class, 3 of each tested.
    expect(classwise.folds[0]).toMatchObject({ trainSize: 28, testSize: 12 });
    const again = await run({ split: 'KENNARD_STONE', testFraction: 0.25, seed: 5 });
    expect(again.folds[0].accuracy).toBe(ks.folds[0].accuracy);
  }, 120000);
});
