import { gunzipSync, gzipSync } from 'node:zlib';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { databaseBackends, ok, startTestServer, waitForStatus, type TestServer } from '../helpers/server';
import { readExample } from '../helpers/spectra';

/**
 * Model bundles: a model trained on one installation is exported as one file, imported into a
 * second installation with its own database, and predicts the same there (probabilities, T² and
 * Q equal to float32 rounding). Damaged, foreign and future-version files are refused clearly.
 */
const EXPORT = `query($id: ID!) { exportModel(id: $id) { fileName bytes contentBase64 format version } }`;
const IMPORT = `mutation($input: ImportModelInput!) { importModel(input: $input) { id name plugin classes axis axisUnit trainedOn experimentId datasetId importedAt importedExperiment
  accuracy { mean std } domain { components t2Limit95 t2Limit99 qLimit95 qLimit99 } } }`;
const PREDICT = `mutation($input: PredictInput!) { predict(input: $input) { results { predictedClass probabilities { className probability } hotellingT2 qResidual outlier } } }`;
const MODEL = `query($id: ID!) { model(id: $id) { id name plugin classes axis axisUnit trainedOn experimentId datasetId importedAt importedExperiment
  accuracy { mean std } domain { components t2Limit95 t2Limit99 qLimit95 qLimit99 } } }`;

interface Bundle {
  fileName: string;
  bytes: number;
  contentBase64: string;
  format: string;
  version: number;
}
interface Prediction {
  results: { predictedClass: string; probabilities: { className: string; probability: number }[]; hotellingT2: number | null; qResidual: number | null; outlier: boolean }[];
}

const [first, second] = [databaseBackends()[0], databaseBackends()[1] ?? databaseBackends()[0]];

describe(`model bundles (${first.name} to ${second.name})`, () => {
  let source: TestServer;
  let target: TestServer;
  const tablet = readExample('tablet');
  const spectra = [...tablet.spectra.slice(200, 230), ...tablet.spectra.slice(0, 5).map((s) => s.map((v) => v + 2))];

  beforeAll(async () => {
    source = await startTestServer({ databaseUrl: first.databaseUrl('bundle-a') });
    target = await startTestServer({ databaseUrl: second.databaseUrl('bundle-b') });
  });
  afterAll(async () => {
    await source.close();
    await target.close();
  });

  async function trainOnSource(model: Record<string, unknown>, preprocessing: unknown[]): Promise<string> {
    const name = `slice-${String(model.plugin)}`;
    const datasetId = ok(await source.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name, content: exampleSliceCsv('tablet', 15) } })).importDataset.id;
    const experimentId = ok(
      await source.gql<{ createExperiment: { id: string } }>(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, {
        input: { name: `bundle ${String(model.plugin)}`, datasetId, preprocessing, model, protocol: { folds: 3 }, trainFinalModel: true },
      }),
    ).createExperiment.id;
    await waitForStatus(source, experimentId, ['SUCCEEDED', 'FAILED'], 240000);
    const { models } = ok(await source.gql<{ models: { id: string }[] }>(`query($id: ID!) { models(experimentId: $id) { id } }`, { id: experimentId }));
    expect(models).toHaveLength(1);
    return models[0].id;
  }

  const predict = async (server: TestServer, modelId: string) => ok(await server.gql<{ predict: Prediction }>(PREDICT, { input: { modelId, spectra } })).predict.results;

  it.each([
    ['pls-da', { plugin: 'pls-da', params: { components: 6 } }, [{ name: 'autoscale' }]],
    ['random-forest', { plugin: 'random-forest', params: { trees: 20 } }, [{ name: 'savitzky-golay', params: { window: 11, derivative: 1 } }, { name: 'snv' }]],
    ['cnn-classifier', { plugin: 'cnn-classifier', params: { ssl: false, epochs: 3 } }, [{ name: 'snv' }]],
  ])('exports a %s model, imports it elsewhere, and predicts the same there', async (_name, model, preprocessing) => {
    const modelId = await trainOnSource(model, preprocessing);
    const bundle = ok(await source.gql<{ exportModel: Bundle }>(EXPORT, { id: modelId })).exportModel;
    expect(bundle).toMatchObject({ format: 'nir-ssl-model-bundle', version: 1, fileName: expect.stringMatching(/\.nirmodel\.gz$/) });
    expect(Buffer.from(bundle.contentBase64, 'base64').length).toBe(bundle.bytes);

    const imported = ok(await target.gql<{ importModel: Record<string, unknown> & { id: string } }>(IMPORT, { input: { contentBase64: bundle.contentBase64 } })).importModel;
    const original = ok(await source.gql<{ model: Record<string, unknown> }>(MODEL, { id: modelId })).model;
    expect(imported).toEqual({ ...original, id: imported.id, experimentId: null, datasetId: null, importedAt: expect.any(String), importedExperiment: expect.objectContaining({ name: `bundle ${String(model.plugin)}` }) });
    expect(original).toMatchObject({ importedAt: null, importedExperiment: null });
    expect(imported.domain).not.toBeNull();

    const before = await predict(source, modelId);
    const after = await predict(target, imported.id);
    expect(after.map((r) => r.predictedClass)).toEqual(before.map((r) => r.predictedClass));
    expect(after.map((r) => r.outlier)).toEqual(before.map((r) => r.outlier));
    after.forEach((r, i) => {
      r.probabilities.forEach((p, k) => {
        expect(p.className).toBe(before[i].probabilities[k].className);
        expect(Math.abs(p.probability - before[i].probabilities[k].probability)).toBeLessThanOrEqual(1e-6);
      });
      expect(r.hotellingT2).toBeCloseTo(before[i].hotellingT2 as number, 6);
      expect(r.qResidual).toBeCloseTo(before[i].qResidual as number, 6);
    });
    // With autoscale (which keeps a baseline offset), the offset spectra at the end lie outside the domain on both installations.
    if (model.plugin === 'pls-da') expect(after.slice(-5).every((r) => r.outlier)).toBe(true);

    // The experiment that made it travels in the bundle: a re-export from the target keeps it.
    const again = ok(await target.gql<{ exportModel: Bundle }>(EXPORT, { id: imported.id })).exportModel;
    const payload = JSON.parse(gunzipSync(Buffer.from(again.contentBase64, 'base64')).toString('utf8').split('\n')[1]) as { experiment: { name: string; folds: unknown[] } };
    expect(payload.experiment).toMatchObject({ name: `bundle ${String(model.plugin)}` });
    expect(payload.experiment.folds).toHaveLength(3);
  }, 300000);

  it('imports an uploaded bundle under a new name', async () => {
    const { models } = ok(await source.gql<{ models: { id: string }[] }>(`{ models { id } }`));
    const bundle = ok(await source.gql<{ exportModel: Bundle }>(EXPORT, { id: models[0].id })).exportModel;
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: IMPORT, variables: { input: { file: null, name: 'from a file' } } }));
    form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.append('0', new Blob([Buffer.from(bundle.contentBase64, 'base64')]), bundle.fileName);
    const res = await fetch(target.url, { method: 'POST', headers: { authorization: `Bearer ${target.token}`, 'apollo-require-preflight': 'true' }, body: form });
    const json = (await res.json()) as { data?: { importModel: { name: string } }; errors?: unknown[] };
    expect(json.errors).toBeUndefined();
    expect(json.data?.importModel.name).toBe('from a file');
  }, 60000);

  it('refuses what is not a bundle, a damaged one and a future version, and stores nothing', async () => {
    const { models } = ok(await source.gql<{ models: { id: string }[] }>(`{ models { id } }`));
    const bytes = Buffer.from(ok(await source.gql<{ exportModel: Bundle }>(EXPORT, { id: models[0].id })).exportModel.contentBase64, 'base64');
    const text = gunzipSync(bytes).toString('utf8');
    const newline = text.indexOf('\n');
    const header = JSON.parse(text.slice(0, newline)) as Record<string, unknown>;
    const body = text.slice(newline + 1);
    const rebuilt = (h: Record<string, unknown>, b: string) => gzipSync(Buffer.from(`${JSON.stringify(h)}\n${b}`)).toString('base64');
    const count = async () => ok(await target.gql<{ models: unknown[] }>(`{ models { id } }`)).models.length;
    const before = await count();

    const refuse = async (input: Record<string, unknown>, message: RegExp) => {
      const result = await target.gql(IMPORT, { input });
      expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
    };
    await refuse({ contentBase64: Buffer.from('label,1,2\nA,0.1,0.2\n').toString('base64') }, /not a model bundle: the file is not gzip/);
    await refuse({ contentBase64: rebuilt({ ...header, version: 2 }, body) }, /model bundle version 2 is not supported \(this installation reads version 1\)/);
    await refuse({ contentBase64: rebuilt({ ...header, format: 'something-else' }, body) }, /not a model bundle: format is "something-else"/);
    await refuse({ contentBase64: rebuilt(header, body.replace('"classes":["', '"classes":["X')) }, /corrupted: its checksum does not match/);
    const damaged = Buffer.from(bytes);
    damaged[Math.floor(damaged.length / 2)] ^= 0xff;
    await refuse({ contentBase64: damaged.toString('base64') }, /model bundle is corrupted/);
    await refuse({ contentBase64: bytes.subarray(0, bytes.length - 100).toString('base64') }, /model bundle is corrupted/);
    await refuse({ contentBase64: 'not base64!' }, /not base64/);
    await refuse({}, /either as an uploaded file or as contentBase64/);
    expect(await count()).toBe(before);
  }, 60000);

  it('export of an unknown model is NOT_FOUND', async () => {
    const result = await source.gql(EXPORT, { id: 'nope' });
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND', kind: 'model', id: 'nope' } });
  });
});
