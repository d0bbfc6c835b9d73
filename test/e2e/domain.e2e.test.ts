import { IMPORT_DATASET } from '../helpers/datasets';
import { databaseBackends, ok, startTestServer, waitForStatus, type TestServer } from '../helpers/server';
import { exampleRowsCsv, interpolate, readExample } from '../helpers/spectra';

/**
 * The applicability domain over GraphQL: a model trained on half of Tablet predicts the other
 * half inside its domain, and flags Mango spectra (another product, converted from nm to cm⁻¹
 * and resampled onto Tablet's axis) and Tablet spectra with a baseline offset.
 */
const PREDICT = `mutation($input: PredictInput!) { predict(input: $input) {
  domain { components trainRows explainedVariance t2Limit95 t2Limit99 qLimit95 qLimit99 qMethod }
  results { index predictedClass hotellingT2 qResidual outlier } } }`;

interface Domain {
  components: number;
  trainRows: number;
  explainedVariance: number;
  t2Limit95: number;
  t2Limit99: number;
  qLimit95: number;
  qLimit99: number;
  qMethod: string;
}
interface Predicted {
  domain: Domain | null;
  results: { index: number; predictedClass: string; hotellingT2: number | null; qResidual: number | null; outlier: boolean }[];
}

describe.each(databaseBackends())('applicability domain of predictions ($name)', (backend) => {
  let server: TestServer;
  let modelId: string;
  let domain: Domain;
  const tablet = readExample('tablet');
  const heldOut = tablet.spectra.filter((_, i) => i % 2 === 1);

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: backend.databaseUrl('domain') });
    const datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'tablet-even', content: exampleRowsCsv('tablet', (i) => i % 2 === 0) } })).importDataset.id;
    const experimentId = ok(
      await server.gql<{ createExperiment: { id: string } }>(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, {
        input: { name: 'pls', datasetId, preprocessing: [{ name: 'autoscale' }], model: { plugin: 'pls-da', params: { components: 8 } }, protocol: { folds: 2 }, trainFinalModel: true },
      }),
    ).createExperiment.id;
    await waitForStatus(server, experimentId, ['SUCCEEDED', 'FAILED'], 120000);
    const { models } = ok(await server.gql<{ models: { id: string; domain: Domain }[] }>(`query($id: ID!) { models(experimentId: $id) { id domain { components trainRows explainedVariance t2Limit95 t2Limit99 qLimit95 qLimit99 qMethod } } }`, { id: experimentId }));
    expect(models).toHaveLength(1);
    modelId = models[0].id;
    domain = models[0].domain;
  }, 180000);
  afterAll(() => server.close());

  const predict = async (spectra: number[][], axis?: number[]) =>
    ok(await server.gql<{ predict: Predicted }>(PREDICT, { input: { modelId, spectra, ...(axis ? { axis } : {}) } })).predict;

  it('stores a PCA domain with the model, with ordered limits', () => {
    expect(domain.trainRows).toBe(155);
    expect(domain.components).toBeGreaterThanOrEqual(1);
    expect(domain.components).toBeLessThanOrEqual(20);
    expect(domain.t2Limit99).toBeGreaterThan(domain.t2Limit95);
    expect(domain.qLimit99).toBeGreaterThan(domain.qLimit95);
    expect(domain.qMethod).toBe('jackson-mudholkar');
  });

  it('predicts held-out spectra of the same product inside the domain', async () => {
    const prediction = await predict(heldOut);
    expect(prediction.domain).toEqual(domain);
    const flagged = prediction.results.filter((r) => r.outlier);
    // At 99 % limits on both statistics a few of 155 new spectra may lie outside; most lie well inside.
    expect(flagged.length / heldOut.length).toBeLessThan(0.1);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    expect(median(prediction.results.map((r) => r.hotellingT2 as number))).toBeLessThan(domain.t2Limit95);
    expect(median(prediction.results.map((r) => r.qResidual as number))).toBeLessThan(domain.qLimit95);
    for (const r of prediction.results) expect(r.outlier).toBe((r.hotellingT2 as number) > domain.t2Limit99 || (r.qResidual as number) > domain.qLimit99);
  }, 60000);

  it('flags spectra of another product resampled onto the axis, and spectra with a baseline offset', async () => {
    // Mango (nm) on a cm⁻¹ axis: 10⁷ / nm, ascending; the part of Tablet's range that Mango lacks is held at its end value.
    const mango = readExample('mango');
    const wavenumbers = mango.axis.map((nm) => 1e7 / nm);
    const onTablet = mango.spectra.slice(0, 20).map((s) => tablet.axis.map((w) => interpolate(wavenumbers, s, w)));
    const foreign = await predict(onTablet);
    // Mango's absorbance level lies within Tablet's (whose first component is that level, see
    // below), so its T² is small; its shape is far off the model: Q is many times its limit.
    for (const r of foreign.results) {
      expect(r.outlier).toBe(true);
      expect(r.qResidual).toBeGreaterThan(10 * domain.qLimit99);
    }

    // Tablet's baselines vary a lot (mean absorbance 0.69 ± 0.44, from -0.29 to 1.46): an offset
    // inside that range is what the model has seen, one of 2 (4.5 standard deviations) is not.
    const inRange = await predict(heldOut.slice(0, 20).map((s) => s.map((v) => v + 0.1)));
    expect(inRange.results.filter((r) => r.outlier).length).toBeLessThanOrEqual(2);
    const offset = await predict(heldOut.slice(0, 20).map((s) => s.map((v) => v + 2)));
    for (const r of offset.results) {
      expect(r.outlier).toBe(true);
      expect(r.hotellingT2).toBeGreaterThan(domain.t2Limit99);
      expect(r.qResidual).toBeGreaterThan(domain.qLimit99);
    }
  }, 60000);

  it('a model stored before domains existed predicts with null T² and Q and no flag', async () => {
    const { DatabaseService } = await import('../../src/services/database/database.service');
    const db = server.container.get(DatabaseService).client;
    const row = await db.model.findUniqueOrThrow({ where: { id: modelId } });
    const config = JSON.parse(row.config) as Record<string, unknown>;
    delete config.domain;
    const state = JSON.parse(Buffer.from(row.state).toString('utf8')) as Record<string, unknown>;
    delete state.domain;
    const old = await db.model.create({
      data: { name: 'old', config: JSON.stringify(config), state: new Uint8Array(Buffer.from(JSON.stringify(state), 'utf8')), metrics: row.metrics },
    });
    const prediction = ok(await server.gql<{ predict: Predicted }>(PREDICT, { input: { modelId: old.id, spectra: heldOut.slice(0, 3) } })).predict;
    expect(prediction.domain).toBeNull();
    for (const r of prediction.results) expect(r).toMatchObject({ hotellingT2: null, qResidual: null, outlier: false });
    const { model } = ok(await server.gql<{ model: { domain: Domain | null } }>(`query($id: ID!) { model(id: $id) { domain { components } } }`, { id: old.id }));
    expect(model.domain).toBeNull();
  }, 60000);
});
