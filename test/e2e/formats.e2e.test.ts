import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import { PROJECT_ROOT } from '../../src/paths';
import { databaseBackends, ok, startTestServer, waitForStatus, type TestServer } from '../helpers/server';
import { writeSpc } from '../helpers/spc';

const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/formats');
const FIELDS = 'id name sampleCount variableCount axisUnit valueUnit importNotes hasGroups metadataColumns classes { name count }';
const IMPORT = `mutation($input: ImportDatasetInput!) { importDataset(input: $input) { ${FIELDS} } }`;
const COUNT = '{ datasetsConnection { totalCount } }';

type Answer = { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] };
type Upload = { content: string | Uint8Array; name: string };

/** A GraphQL multipart request with one upload (`file`) or several (`files`). */
async function upload(server: TestServer, input: Record<string, unknown>, uploads: Upload[], field: 'file' | 'files' = 'files', query = IMPORT): Promise<Answer> {
  const form = new FormData();
  const variables = { input: { ...input, [field]: field === 'file' ? null : uploads.map(() => null) } };
  form.append('operations', JSON.stringify({ query, variables }));
  const map = Object.fromEntries(uploads.map((_, k) => [String(k), [field === 'file' ? 'variables.input.file' : `variables.input.files.${k}`]]));
  form.append('map', JSON.stringify(map));
  uploads.forEach((u, k) => form.append(String(k), new Blob([u.content]), u.name));
  const res = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'apollo-require-preflight': 'true' }, body: form });
  return (await res.json()) as Answer;
}

const opus = (): Upload[] =>
  fs
    .readdirSync(path.join(FIXTURES, 'opus'))
    .sort()
    .map((name) => ({ name, content: fs.readFileSync(path.join(FIXTURES, 'opus', name)) }));

describe.each(databaseBackends())('importing instrument formats over GraphQL ($name)', (backend) => {
  let server: TestServer;
  const count = async () => ok(await server.gql<{ datasetsConnection: { totalCount: number } }>(COUNT)).datasetsConnection.totalCount;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: backend.databaseUrl('formats') });
  });
  afterAll(() => server.close());

  it('imports OPUS JCAMP-DX files with a labels CSV as files, resampled onto one axis, and keeps the unit and the note', async () => {
    const answer = await upload(server, { name: 'opus', groupColumn: 'batch' }, opus());
    expect(answer.errors).toBeUndefined();
    const d = answer.data?.importDataset;
    expect(d).toMatchObject({ sampleCount: 4, variableCount: 125, axisUnit: 'CM1', valueUnit: 'absorbance', hasGroups: true, metadataColumns: ['file', 'title', 'operator'] });
    expect(d.classes).toEqual([
      { name: 'A', count: 2 },
      { name: 'B', count: 2 },
    ]);
    expect(d.importNotes).toEqual([expect.stringMatching(/resampled .* 4036 to 8996 cm-1/)]);
    const again = ok(await server.gql<{ dataset: { valueUnit: string; importNotes: string[]; groupCount: number } }>(`{ dataset(name: "opus") { valueUnit importNotes groupCount } }`));
    expect(again.dataset).toEqual({ valueUnit: 'absorbance', importNotes: d.importNotes, groupCount: 2 });

    // From the instrument's files to a prediction: a model trained on them predicts a zip of the same files like the stored dataset.
    const CREATE = 'mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }';
    const experimentId = ok(
      await server.gql<{ createExperiment: { id: string } }>(CREATE, { input: { name: 'opus knn', datasetId: d.id, model: { plugin: 'knn', params: { k: 1 } }, protocol: { folds: 2 }, trainFinalModel: true } }),
    ).createExperiment.id;
    await waitForStatus(server, experimentId, ['SUCCEEDED', 'FAILED'], 120000);
    const { models } = ok(await server.gql<{ models: { id: string }[] }>(`query($id: ID!) { models(experimentId: $id) { id } }`, { id: experimentId }));
    const PREDICT = 'mutation($input: PredictInput!) { predict(input: $input) { count results { predictedClass } } }';
    const stored = ok(await server.gql<{ predict: { results: { predictedClass: string }[] } }>(PREDICT, { input: { modelId: models[0].id, datasetId: d.id } })).predict;
    const zip = zipSync(Object.fromEntries(opus().filter((u) => u.name.endsWith('.dx')).map((u) => [u.name, u.content as Uint8Array])));
    const fromFiles = await upload(server, { modelId: models[0].id }, [{ name: 'scans.zip', content: zip }], 'file', PREDICT);
    expect(fromFiles.errors).toBeUndefined();
    expect(fromFiles.data?.predict).toEqual({ count: 4, results: stored.results });
    expect(stored.results.map((r) => r.predictedClass)).toEqual(['A', 'A', 'B', 'B']);
  });

  it('imports a zip, an SPC multifile, an xlsx workbook and dialect CSVs, each told from its content', async () => {
    const zip = zipSync(Object.fromEntries(opus().map((u) => [`scans/${u.name}`, u.content as Uint8Array])));
    const zipped = await upload(server, { name: 'zipped' }, [{ name: 'scans.zip', content: zip }], 'file');
    expect(zipped.errors).toBeUndefined();
    expect(zipped.data?.importDataset).toMatchObject({ sampleCount: 4, valueUnit: 'absorbance' });

    const x = Array.from({ length: 40 }, (_, j) => 1100 + 25 * j);
    const spc = writeSpc({ x, xType: 3, yType: 129, spectra: [0, 1, 2, 3].map((k) => ({ y: x.map((v) => 0.5 - 1e-4 * (v - 1100) * (1 + k)) })) });
    const labels = 'file,label\nrun.spc#1,a\nrun.spc#2,a\nrun.spc#3,b\nrun.spc#4,b\n';
    const multi = await upload(server, { name: 'spc' }, [{ name: 'run.spc', content: spc }, { name: 'labels.csv', content: labels }]);
    expect(multi.errors).toBeUndefined();
    expect(multi.data?.importDataset).toMatchObject({ sampleCount: 4, variableCount: 40, axisUnit: 'NM', valueUnit: 'reflectance' });

    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('NIR');
    [['label', 1100, 1200, 1300], ['A', 0.1, 0.2, 0.3], ['B', 0.3, 0.2, 0.1]].forEach((r) => sheet.addRow(r));
    const xlsx = await upload(server, { name: 'xlsx', format: 'XLSX' }, [{ name: 'lab.xlsx', content: new Uint8Array(await wb.xlsx.writeBuffer()) }]);
    expect(xlsx.errors).toBeUndefined();
    expect(xlsx.data?.importDataset).toMatchObject({ sampleCount: 2, variableCount: 3, valueUnit: '' });

    const transposed = 'wavelength;A;A;B;B;\n1100;0,41;0,40;0,52;0,55;\n\n1102;0,43;0,42;0,50;0,51;\n1104;0,44;0,45;0,49;0,48;\n';
    const t = await upload(server, { name: 'transposed' }, [{ name: 'export.csv', content: transposed }], 'file');
    expect(t.errors).toBeUndefined();
    expect(t.data?.importDataset).toMatchObject({ sampleCount: 4, variableCount: 3 });
    const values = ok(await server.gql<{ dataset: { samplesConnection: { nodes: { label: string; values: number[] }[] } } }>(`{ dataset(name: "transposed") { samplesConnection(first: 4) { nodes { label values } } } }`));
    expect(values.dataset.samplesConnection.nodes[3]).toEqual({ label: 'B', values: [0.55, 0.51, 0.48].map(Math.fround) });

    // A separator ending every line of a table whose header alone is longer than the 64 KiB looked at first.
    const wideAxis = Array.from({ length: 12000 }, (_, j) => 10000 + j);
    const trailing = [`label,${wideAxis.join(',')},`, ...['a', 'b', 'a', 'b'].map((c, i) => `${c},${wideAxis.map((_, j) => ((i + j) % 10) / 10).join(',')},`)].join('\n');
    expect(trailing.indexOf('\n')).toBeGreaterThan(64 * 1024);
    const spreadsheet = await upload(server, { name: 'trailing' }, [{ name: 'sheet.csv', content: trailing }], 'file');
    expect(spreadsheet.errors).toBeUndefined();
    expect(spreadsheet.data?.importDataset).toMatchObject({ sampleCount: 4, variableCount: 12000 });

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('label\t1100\t1102\r\nA\t0.5\t0.6\r\nB\t0.7\t0.8\r\n', 'utf16le')]);
    const wide = await upload(server, { name: 'utf16' }, [{ name: 'utf16.txt', content: utf16 }], 'file');
    expect(wide.errors).toBeUndefined();
    expect(wide.data?.importDataset.classes.map((c: { name: string }) => c.name)).toEqual(['A', 'B']);

    const jcamp = fs.readFileSync(path.join(FIXTURES, 'perkinelmer-link.jdx'), 'utf8');
    const inline = ok(await server.gql<{ importDataset: { sampleCount: number; valueUnit: string } }>(IMPORT, { input: { name: 'inline-jcamp', content: jcamp, format: 'JCAMP_DX' } }));
    expect(inline.importDataset).toMatchObject({ sampleCount: 4, valueUnit: 'reflectance' });
  });

  it('answers a broken file of every kind with BAD_USER_INPUT naming the file, and writes nothing', async () => {
    const before = await count();
    const x = Array.from({ length: 40 }, (_, j) => 1100 + 25 * j);
    const spc = writeSpc({ x, xType: 3, yType: 2, spectra: [{ y: x }, { y: x }] });
    const zip = zipSync({ 'a.dx': fs.readFileSync(path.join(FIXTURES, 'opus/tabA_1.dx')) });
    const cases: [Upload[], RegExp][] = [
      [[{ name: 'broken-truncated.dx', content: fs.readFileSync(path.join(FIXTURES, 'broken-truncated.dx')) }], /^broken-truncated\.dx: ##NPOINTS says 126 points/],
      [[{ name: 'cut.spc', content: spc.subarray(0, 600) }], /^cut\.spc: the SPC file ends early/],
      [[{ name: 'lab.xlsx', content: Buffer.from('PK\u0003\u0004 not really a workbook') }], /^lab\.xlsx: not a readable Excel workbook/],
      [[{ name: 'scans.zip', content: zip.subarray(0, zip.length - 40) }], /^scans\.zip: not a readable zip archive/],
      [[{ name: 'export.csv', content: 'nm;A;B\n1100;0,41;0,52\n1102;0,43;secret-value\n' }], /^export\.csv, line 3, column 3: "secret-value" is not a number/],
      [[opus()[1], opus()[2]], /carry no labels/],
    ];
    for (const [files, message] of cases) {
      const answer = await upload(server, { name: 'broken', library: false }, files);
      expect(answer.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
    }
    const both = await server.gql(IMPORT, { input: { name: 'broken', content: 'label,1\na,1\n', files: [] } });
    expect(both.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count()).toBe(before);
  });
});
