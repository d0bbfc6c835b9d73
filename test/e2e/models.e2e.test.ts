import path from 'node:path';
import { DatabaseService } from '../../src/services/database/database.service';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { ok, startTestServer, tempDir, waitForStatus, type TestServer } from '../helpers/server';

const CREATE = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`;
const PREDICT = `mutation($input: PredictInput!) { predict(input: $input) { id count datasetId results { index predictedClass probabilities { className probability } } } }`;

interface PredictionResult {
  id: string;
  count: number;
  datasetId: string | null;
  results: { index: number; predictedClass: string; probabilities: { className: string; probability: number }[] }[];
}

describe('trained models and predictions', () => {
  let server: TestServer;
  let datasetId: string;
  let labels: string[];
  let spectra: number[][];
  let axis: number[];

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('models'), 'db.sqlite')}` });
    datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'slice', content: exampleSliceCsv('tablet', 12) } })).importDataset.id;
    const { dataset } = ok(
      await server.gql<{ dataset: { axis: number[]; samples: { items: { label: string; values: number[] }[] } } }>(
        `query($id: ID!) { dataset(id: $id) { axis samples(limit: 100) { items { label values } } } }`,
        { id: datasetId },
      ),
    );
    axis = dataset.axis;
    labels = dataset.samples.items.map((s) => s.label);
    spectra = dataset.samples.items.map((s) => s.values);
  });
  afterAll(() => server.close());

  async function trainModel(model: Record<string, unknown>, preprocessing: unknown[] = []): Promise<{ id: string; classes: string[]; axis: number[] }> {
    const id = ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, { input: { name: `final ${model.plugin}`, datasetId, preprocessing, model, protocol: { folds: 2 }, trainFinalModel: true } })).createExperiment.id;
    await waitForStatus(server, id, ['SUCCEEDED', 'FAILED'], 180000);
    const { experiment } = ok(await server.gql<{ experiment: { status: string; error: string | null } }>(`query($id: ID!) { experiment(id: $id) { status error } }`, { id }));
    expect(experiment).toEqual({ status: 'SUCCEEDED', error: null });
    const { models } = ok(await server.gql<{ models: { id: string; classes: string[]; axis: number[]; trainedOn: number; accuracy: { mean: number } }[] }>(`query($id: ID!) { models(experimentId: $id) { id classes axis trainedOn plugin accuracy { mean std } } }`, { id }));
    expect(models).toHaveLength(1);
    expect(models[0].trainedOn).toBe(48);
    expect(models[0].accuracy.mean).toBeGreaterThan(0);
    return models[0];
  }

  it('trains a final PLS-DA model and predicts a stored dataset, inline spectra, and spectra on another axis', async () => {
    const model = await trainModel({ plugin: 'pls-da', params: { components: 5 } }, [{ name: 'autoscale' }]);
    expect(model.classes).toEqual(['1', '2', '3', '4']);

    const stored = ok(await server.gql<{ predict: PredictionResult }>(PREDICT, { input: { modelId: model.id, datasetId } })).predict;
    expect(stored).toMatchObject({ count: 48, datasetId });
    const hits = stored.results.filter((r, i) => r.predictedClass === labels[i]).length;
    expect(hits / 48).toBeGreaterThan(0.8); // training data: a fitted model gets most right
    for (const r of stored.results) {
      expect(r.probabilities.map((p) => p.className)).toEqual(model.classes);
      expect(r.probabilities.reduce((a, p) => a + p.probability, 0)).toBeCloseTo(1, 5);
    }

    const inline = ok(await server.gql<{ predict: PredictionResult }>(PREDICT, { input: { modelId: model.id, spectra: spectra.slice(0, 3) } })).predict;
    expect(inline.results.map((r) => r.predictedClass)).toEqual(stored.results.slice(0, 3).map((r) => r.predictedClass));

    // The same spectra on a twice-as-dense grid over a wider range: resampled onto the model axis.
    const lo = axis[0] - 20;
    const hi = axis[axis.length - 1] + 20;
    const dense = Array.from({ length: 2 * axis.length }, (_, j) => lo + ((hi - lo) * j) / (2 * axis.length - 1));
    const interpolate = (s: number[]) => dense.map((w) => linear(axis, s, w));
    const resampled = ok(await server.gql<{ predict: PredictionResult }>(PREDICT, { input: { modelId: model.id, spectra: spectra.slice(0, 3).map(interpolate), axis: dense } })).predict;
    resampled.results.forEach((r, i) => {
      expect(r.predictedClass).toBe(inline.results[i].predictedClass);
      r.probabilities.forEach((p, k) => expect(p.probability).toBeCloseTo(inline.results[i].probabilities[k].probability, 2));
    });

    const { predictions } = ok(await server.gql<{ predictions: { id: string; count: number }[] }>(`query($id: ID!) { predictions(modelId: $id) { id count } }`, { id: model.id }));
    expect(predictions.map((p) => p.count)).toEqual([48, 3, 3]);
  }, 120000);

  it('rejects uncovered axes, wrong lengths, non-finite values and empty input, storing nothing', async () => {
    const model = (await server.gql<{ models: { id: string }[] }>('{ models { id } }')).data!.models[0];
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ spectra: [spectra[0].slice(50)], axis: axis.slice(50) }, /the range is not covered/],
      [{ spectra: [spectra[0].slice(1)] }, /spectrum 0 has 403 points, expected 404/],
      [{ spectra: [] }, /no spectra to predict/],
      [{}, /no spectra to predict/],
      [{ spectra: [spectra[0]], datasetId }, /either a dataset or spectra/],
    ];
    for (const [input, message] of cases) {
      const result = await server.gql(PREDICT, { input: { modelId: model.id, ...input } });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toMatch(message);
    }
    // NaN cannot be written in JSON; as a string it fails GraphQL's Float coercion.
    const nan = await server.gql(PREDICT, { input: { modelId: model.id, spectra: [[...spectra[0].slice(1), 'NaN']] } });
    expect(nan.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const { predictions } = ok(await server.gql<{ predictions: unknown[] }>(`query($id: ID!) { predictions(modelId: $id) { id } }`, { id: model.id }));
    expect(predictions).toHaveLength(3);
  });

  it('trains a final SSL CNN model and predicts with it; label fractions reuse the pre-trained encoders', async () => {
    const quick = { plugin: 'cnn-classifier', params: { epochs: 3, pretext: { epochs: 2 } } };
    const model = await trainModel(quick);
    const prediction = ok(await server.gql<{ predict: PredictionResult }>(PREDICT, { input: { modelId: model.id, spectra: spectra.slice(0, 4) } })).predict;
    expect(prediction.count).toBe(4);
    expect(prediction.results[0].probabilities).toHaveLength(4);

    // Two folds + the final model pre-trained so far; a label-fraction run on the same folds adds none.
    const db = server.container.get(DatabaseService);
    expect(await db.client.pretrainedEncoder.count()).toBe(3);
    const id = ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, { input: { name: 'half labels', datasetId, model: quick, protocol: { folds: 2, labelFraction: 0.5 } } })).createExperiment.id;
    await waitForStatus(server, id, ['SUCCEEDED', 'FAILED'], 120000);
    expect(await db.client.pretrainedEncoder.count()).toBe(3);
    const { experiment } = ok(await server.gql<{ experiment: { status: string; folds: { labelledSize: number; trainSize: number; pretext: unknown[] }[] } }>(`query($id: ID!) { experiment(id: $id) { status folds { trainSize labelledSize pretext { transform accuracy } } } }`, { id }));
    expect(experiment.status).toBe('SUCCEEDED');
    for (const fold of experiment.folds) {
      expect(fold.labelledSize).toBe(fold.trainSize / 2);
      expect(fold.pretext).toHaveLength(7);
    }
  }, 240000);
});

function linear(xs: number[], ys: number[], x: number): number {
  if (x <= xs[0]) return ys[0];
  if (x >= xs[xs.length - 1]) return ys[ys.length - 1];
  let k = 0;
  while (xs[k + 1] < x) k++;
  const w = (x - xs[k]) / (xs[k + 1] - xs[k]);
  return (1 - w) * ys[k] + w * ys[k + 1];
}
