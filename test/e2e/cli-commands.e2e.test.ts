import fs from 'node:fs';
import path from 'node:path';
import { cli } from '../helpers/cli';
import { exampleSliceCsv } from '../helpers/datasets';
import { startTestServer, tempDir, type TestServer } from '../helpers/server';

/** The CLI's commands against a running server: --json parsed, predictions as CSV and JSON, errors. */
describe('command-line tool: models, predict, plugins and --json', () => {
  const dir = tempDir('cli-commands');
  let server: TestServer;
  let run: (args: string[], token?: string) => ReturnType<typeof cli>;
  const json = async <T,>(args: string[]): Promise<T> => {
    const result = await run([...args, '--json']);
    expect({ args, code: result.code, err: result.err }).toEqual({ args, code: 0, err: expect.any(String) });
    return JSON.parse(result.out) as T;
  };

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(dir, 'db.sqlite')}` });
    run = (args, token = server.token) => cli([...args, '--server', server.url], { NIR_SSL_TOKEN: token });
  });
  afterAll(() => server.close());

  it('imports, trains a final model and predicts a file to CSV and JSON', async () => {
    const slice = path.join(dir, 'tablet-slice.csv');
    fs.writeFileSync(slice, exampleSliceCsv('tablet', 8));
    const dataset = await json<{ id: string; name: string; sampleCount: number; axisUnit: string; classes: { name: string; count: number }[] }>(['datasets', 'import', slice, '--name', 'slice']);
    expect(dataset).toMatchObject({ name: 'slice', sampleCount: 32, axisUnit: 'cm-1' });
    expect(dataset.classes.map((c) => c.count)).toEqual([8, 8, 8, 8]);
    const shown = await json<{ id: string; variableCount: number; axis: number[] }>(['datasets', 'show', 'slice']);
    expect(shown).toMatchObject({ id: dataset.id, variableCount: 404 });
    expect(shown.axis).toHaveLength(404);
    expect((await run(['datasets', 'show', 'slice'])).out).toMatch(/spectra:\s+32 \(32 labelled, 0 unlabelled\)/);

    // Exported as a table that imports back to the same spectra.
    const exportedCsv = await run(['datasets', 'export', 'slice']);
    expect(exportedCsv.code).toBe(0);
    expect(exportedCsv.out.split('\n')[1]).toMatch(/^1,[\d.e-]+,/);
    const copyFile = path.join(dir, 'slice-copy.csv');
    expect((await run(['datasets', 'export', 'slice', '--out', copyFile])).err).toMatch(/32 spectra written to/);
    expect(fs.readFileSync(copyFile, 'utf8')).toBe(exportedCsv.out);
    expect((await run(['datasets', 'import', copyFile])).code).toBe(0);
    expect((await run(['datasets', 'export', 'slice-copy'])).out).toBe(exportedCsv.out);
    expect((await run(['datasets', 'export', 'slice', '--class', '2'])).out.trim().split('\n')).toHaveLength(9);
    await run(['datasets', 'delete', 'slice-copy']);
    const asJson = await json<{ axis: number[]; samples: { label: string; values: number[] }[] }>(['datasets', 'export', 'slice']);
    expect(asJson.samples).toHaveLength(32);
    expect(asJson.samples[0].values).toHaveLength(asJson.axis.length);
    // A pipeline previewed on chosen rows: CSV of the transformed spectra, JSON with the originals.
    const preview = await run(['datasets', 'preview', 'slice', '--steps', '[{"name": "snv"}]', '--rows', '0,9']);
    const previewLines = preview.out.trim().split('\n');
    expect(previewLines.map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['index,label', '0,1', '9,2']);
    expect(previewLines[1].split(',')).toHaveLength(406);
    const snv = previewLines[1].split(',').slice(2).map(Number);
    expect(snv.reduce((a, b) => a + b, 0) / snv.length).toBeCloseTo(0, 4);
    const previewJson = await json<{ axis: number[]; samples: { original: number[]; transformed: number[] }[] }>(['datasets', 'preview', 'slice', '--steps', '[{"name": "snv"}]']);
    expect(previewJson.samples).toHaveLength(1);
    expect(previewJson.samples[0].original).toHaveLength(404);

    const experiment = await json<{ id: string; status: string }>(['experiments', 'run', '--dataset', 'slice', '--model', 'pls-da', '--params', '{"tune": true, "tuneComponents": [2, 3]}', '--folds', '2', '--train-final-model']);
    expect(experiment.status).toBe('SUCCEEDED');
    const detail = await json<{ folds: { fold: number; testSize: number; choices: Record<string, unknown> }[]; models: { id: string }[]; warnings: string[] }>(['experiments', 'show', experiment.id]);
    expect(detail.folds.map((f) => f.testSize)).toEqual([16, 16]);
    // Tuned on each fold's training rows: the choices are shown per fold.
    expect(Object.keys(detail.folds[0].choices).length).toBeGreaterThan(0);
    expect(detail.models).toHaveLength(1);
    const human = await run(['experiments', 'show', experiment.id]);
    expect(human.out).toMatch(/folds\nREPEAT\s+FOLD\s+ACCURACY/);
    expect(human.out).toMatch(/^config: .*"plugin":"pls-da"/m);
    expect(human.out).toMatch(/^repeat 0 fold 1: \{.*\}$/m);

    const models = await json<{ id: string; plugin: string; classes: string[]; trainedOn: number }[]>(['models', 'list', '--experiment', experiment.id]);
    expect(models).toEqual([expect.objectContaining({ id: detail.models[0].id, plugin: 'pls-da', trainedOn: 32 })]);
    const modelId = models[0].id;
    expect((await run(['models', 'show', modelId])).out).toMatch(/axis:\s+404 points/);
    expect(await json(['models', 'list', '--dataset', 'slice'])).toHaveLength(1);

    // The spectra to predict: the slice without its label column.
    const spectra = path.join(dir, 'to-predict.csv');
    fs.writeFileSync(spectra, exampleSliceCsv('tablet', 8).split('\n').map((line) => line.slice(line.indexOf(',') + 1)).join('\n'));
    const csv = await run(['predict', spectra, '--model', modelId]);
    expect(csv.code).toBe(0);
    const lines = csv.out.trim().split('\n');
    expect(lines[0]).toBe(`index,predicted,${models[0].classes.map((c) => `p(${c})`).join(',')},t2,q,outlier`);
    expect(lines).toHaveLength(33);
    const row = lines[1].split(',');
    expect(models[0].classes).toContain(row[1]);
    expect(row.slice(2, 6).reduce((sum, p) => sum + Number(p), 0)).toBeCloseTo(1, 5);
    // The training spectra lie in the model's applicability domain.
    expect(Number(row[6])).toBeGreaterThanOrEqual(0);
    expect(Number(row[7])).toBeGreaterThanOrEqual(0);
    expect(lines.slice(1).every((l) => l.endsWith(',false'))).toBe(true);

    const out = path.join(dir, 'predictions.json');
    const written = await run(['predict', spectra, '--model', modelId, '--format', 'json', '--out', out]);
    expect(written).toMatchObject({ code: 0, out: '' });
    expect(written.err).toMatch(/32 predictions written to/);
    const predicted = JSON.parse(fs.readFileSync(out, 'utf8')) as { count: number; datasetId: string | null; results: { index: number; predictedClass: string }[] };
    expect(predicted).toMatchObject({ count: 32, datasetId: null });
    expect(predicted.results.map((r) => r.predictedClass)).toEqual(lines.slice(1).map((l) => l.split(',')[1]));

    // A stored dataset, JSON with --json; the predictions are stored.
    const stored = await json<{ count: number; datasetId: string }>(['predict', '--dataset', 'slice', '--model', modelId]);
    expect(stored).toMatchObject({ count: 32, datasetId: dataset.id });
    expect(await json<unknown[]>(['predictions', 'list', '--model', modelId])).toHaveLength(3);

    // Errors: the server's code and message on stderr, exit code 1.
    const unknown = await run(['predict', spectra, '--model', 'no-such-model']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^nir-ssl: NOT_FOUND: .*no-such-model/m);
    const missing = await run(['models', 'show', 'no-such-model']);
    expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/^nir-ssl: NOT_FOUND: no model has the id "no-such-model"$/m) });
    const reader = (await server.createToken('reader')).token;
    const forbidden = await run(['predict', spectra, '--model', modelId], reader);
    expect(forbidden.code).toBe(1);
    expect(forbidden.err).toMatch(/FORBIDDEN/);
    const flag = await cli(['models', 'list', '--server', server.url, '--token', 'nirssl_not-a-token']);
    expect(flag.code).toBe(1);
    expect(flag.err).toMatch(/UNAUTHENTICATED/);

    // Shifted by a baseline offset, the same spectra are outside the domain: flagged, with a warning.
    const shifted = path.join(dir, 'shifted.csv');
    const [header, ...body] = fs.readFileSync(spectra, 'utf8').trim().split('\n');
    fs.writeFileSync(shifted, [header, ...body.map((l) => l.split(',').map((v) => String(Number(v) + 0.5)).join(','))].join('\n'));
    const off = await run(['predict', shifted, '--model', modelId, '--json']);
    expect(off.code).toBe(0);
    expect(off.err).toMatch(/warning: 32 of 32 spectra are outside the model's domain/);
    type Domain = { t2Limit99: number; qLimit99: number };
    const flagged = JSON.parse(off.out) as { domain: Domain; results: { hotellingT2: number; qResidual: number; outlier: boolean }[] };
    expect(flagged.results.every((r) => r.outlier)).toBe(true);
    expect(flagged.results.every((r) => r.qResidual > flagged.domain.qLimit99 || r.hotellingT2 > flagged.domain.t2Limit99)).toBe(true);
    expect((await run(['models', 'show', modelId])).out).toMatch(/^domain:\s+PCA of 32 training spectra, \d+ components? \(/m);

    // A model bundle: exported to a file, imported into a second installation, predicting the same.
    const bundle = path.join(dir, 'slice.bundle');
    const exported = await json<{ file: string; bytes: number; version: number }>(['models', 'export', modelId, '--out', bundle]);
    expect(exported).toMatchObject({ file: bundle, bytes: fs.statSync(bundle).size, version: 1 });
    const other = await startTestServer({ databaseUrl: `file:${path.join(tempDir('cli-commands-other'), 'db.sqlite')}` });
    try {
      const elsewhere = (args: string[]) => cli([...args, '--server', other.url], { NIR_SSL_TOKEN: other.token });
      const imported = await elsewhere(['models', 'import', bundle, '--name', 'from the bundle', '--json']);
      expect(imported.code).toBe(0);
      const copy = JSON.parse(imported.out) as { id: string; name: string; classes: string[] };
      expect(copy).toMatchObject({ name: 'from the bundle', classes: models[0].classes });
      const again = await elsewhere(['predict', spectra, '--model', copy.id]);
      expect(again.code).toBe(0);
      const close = (a: string, b: string) => a.split(',').every((v, k) => (k === 1 || /[a-z]/.test(v) ? v === b.split(',')[k] : Math.abs(Number(v) - Number(b.split(',')[k])) <= 1e-4 * Math.max(1, Math.abs(Number(v)))));
      const copied = again.out.trim().split('\n');
      expect(copied).toHaveLength(lines.length);
      copied.forEach((line, k) => expect({ k, same: close(line, lines[k]) }).toEqual({ k, same: true }));
      const broken = path.join(dir, 'broken.bundle');
      fs.writeFileSync(broken, 'not a bundle');
      const refused = await elsewhere(['models', 'import', broken]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/^nir-ssl: BAD_USER_INPUT: /m);
    } finally {
      await other.close();
    }

    // Lab splits: one Kennard-Stone split makes one fold.
    const ks = await json<{ id: string; status: string }>(['experiments', 'run', '--dataset', 'slice', '--model', 'pls-da', '--params', '{"components": 3}', '--split', 'kennard-stone-classwise', '--test-fraction', '0.25']);
    expect(ks.status).toBe('SUCCEEDED');
    expect((await json<{ folds: { testSize: number }[] }>(['experiments', 'show', ks.id])).folds.map((f) => f.testSize)).toEqual([8]);
    const explicit = await json<{ id: string; status: string }>(['experiments', 'run', '--dataset', 'slice', '--model', 'knn', '--split', 'explicit', '--test-rows', '0,8,16,24']);
    expect(explicit.status).toBe('SUCCEEDED');
    expect((await json<{ folds: { trainSize: number; testSize: number }[] }>(['experiments', 'show', explicit.id])).folds).toEqual([expect.objectContaining({ trainSize: 28, testSize: 4 })]);
    expect((await run(['experiments', 'run', '--dataset', 'slice', '--model', 'knn', '--split', 'random'])).code).toBe(2);
    await run(['experiments', 'delete', ks.id]);
    await run(['experiments', 'delete', explicit.id]);

    expect(await json(['models', 'delete', modelId])).toEqual({ id: modelId, deleted: true });
    expect(await json(['experiments', 'delete', experiment.id])).toEqual({ id: experiment.id, deleted: true });
    expect(await json(['datasets', 'delete', 'slice'])).toEqual({ id: dataset.id, deleted: true });
  }, 180000);

  it('lists plugins with their parameter schemas, the system, workers, studies and the audit log as JSON', async () => {
    type PluginRow = { name: string; kind: string; parameters: { name: string; type: string; default: unknown; min: number | null }[] };
    const plugins = await json<PluginRow[]>(['plugins', 'list', '--kind', 'baseline']);
    expect(plugins.every((p) => p.kind === 'BASELINE')).toBe(true);
    const pls = plugins.find((p) => p.name === 'pls-da');
    expect(pls?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'components', type: 'integer' })]));
    expect((await run(['plugins', 'show', 'pls-da'])).out).toMatch(/^\s+components\s+integer/m);
    expect((await run(['plugins', 'list'])).out).toMatch(/^cnn-classifier \(/m);
    expect(await json(['system'])).toMatchObject({ database: expect.any(String), queue: { kind: 'in-process', up: true } });
    expect(await json(['workers'])).toEqual([]);
    expect(await json(['study', 'list'])).toEqual([]);
    expect(await json(['encoders', 'list'])).toEqual([]);
    const audit = await json<{ operation: string; outcome: string }[]>(['audit']);
    expect(audit.map((e) => e.operation)).toEqual(expect.arrayContaining(['importDataset', 'createExperiment', 'predict']));
    expect(await json(['tokens', 'list'])).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'admin' })]));
  });

  it('runs a small study, writes its report and shows it', async () => {
    const slice = path.join(dir, 'study-slice.csv');
    fs.writeFileSync(slice, exampleSliceCsv('tablet', 6));
    expect((await run(['datasets', 'import', slice, '--name', 'study-slice'])).code).toBe(0);
    const report = path.join(dir, 'report.md');
    const ran = await run(['study', 'run', '--dataset', 'study-slice', '--parts', 'table4', '--folds', '2', '--pretext-epochs', '1', '--finetune-epochs', '1', '--out', report, '--json']);
    expect(ran.err).toMatch(/^7\/7 experiments done \(100%\)$/m);
    expect(ran.err).not.toMatch(/[\r\x1b]/);
    const summary = JSON.parse(ran.out) as { id: string; status: string; report: string; experiments: { status: string }[] };
    expect(summary).toMatchObject({ status: 'FINISHED', report });
    expect(summary.experiments).toHaveLength(7);
    expect(fs.readFileSync(report, 'utf8')).toMatch(/## Table 4: accuracy and macro F1/);
    const studies = await json<{ id: string; experimentsFinished: number }[]>(['study', 'list', '--dataset', 'study-slice']);
    expect(studies).toEqual([expect.objectContaining({ id: summary.id, experimentsFinished: 7 })]);
    expect(await json(['studies', 'show', summary.id])).toMatchObject({ id: summary.id, preset: 'QUICK', experiments: expect.any(Array) });
    expect((await run(['study', 'report', summary.id])).out).toMatch(/^# Study: /);
  }, 180000);

  it('imports instrument files: a JCAMP-DX folder with its labels CSV, a LINK file with --format, a broken file', async () => {
    const fixtures = path.join(__dirname, '../fixtures/formats');
    const opus = fs.readdirSync(path.join(fixtures, 'opus')).map((name) => path.join(fixtures, 'opus', name));
    const folder = await run(['datasets', 'import', ...opus, '--group-column', 'batch', '--json']);
    expect(folder.code).toBe(0);
    const d = JSON.parse(folder.out) as { name: string; sampleCount: number; axisUnit: string; valueUnit: string; importNotes: string[]; classes: { name: string; count: number }[] };
    // Several files: the dataset takes the folder's name.
    expect(d).toMatchObject({ name: 'opus', sampleCount: 4, axisUnit: 'cm-1', valueUnit: 'absorbance', hasGroups: true });
    expect(d.classes.map((c) => c.count)).toEqual([2, 2]);
    expect(d.importNotes).toEqual([expect.stringMatching(/resampled/)]);
    // A model of them predicts an instrument file as it is.
    const experiment = await json<{ id: string; status: string }>(['experiments', 'run', '--dataset', 'opus', '--model', 'pls-da', '--params', '{"components": 1}', '--folds', '2', '--train-final-model']);
    expect(experiment.status).toBe('SUCCEEDED');
    const [model] = await json<{ id: string }[]>(['models', 'list', '--experiment', experiment.id]);
    const scan = await run(['predict', '--model', model.id, opus.find((f) => f.endsWith('tabB_1.dx'))!]);
    expect(scan.code).toBe(0);
    expect(scan.out.trim().split('\n')).toEqual(['index,predicted,p(A),p(B),t2,q,outlier', expect.stringMatching(/^0,[AB],[\d.e-]+,[\d.e-]+,[\d.e-]+,[\d.e-]+,(true|false)$/)]);
    const shown = await run(['datasets', 'show', 'opus']);
    expect(shown.out).toMatch(/^values:\s+absorbance$/m);
    expect(shown.out).toMatch(/^import note:\s+.*resampled/m);

    const link = await run(['datasets', 'import', '--format', 'jcamp-dx', path.join(fixtures, 'perkinelmer-link.jdx'), '--name', 'grains']);
    expect(link.code).toBe(0);
    expect(link.out).toMatch(/imported "grains" \(\w+\): \d+ spectra/);
    const notJcamp = await run(['datasets', 'import', '--format', 'jcamp-dx', path.join(fixtures, 'opus/labels.csv'), '--name', 'wrong']);
    expect(notJcamp.code).toBe(1);
    expect(notJcamp.err).toMatch(/^nir-ssl: BAD_USER_INPUT: labels.csv: not a JCAMP-DX file/m);
    const broken = await run(['datasets', 'import', path.join(fixtures, 'broken-truncated.dx'), '--name', 'broken']);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^nir-ssl: BAD_USER_INPUT: broken-truncated.dx/m);
    expect((await json<{ name: string }[]>(['datasets', 'list'])).map((x) => x.name)).not.toContain('broken');
    expect((await run(['datasets', 'import', 'x.dx', '--format', 'opus'])).code).toBe(2);
    const missing = await run(['datasets', 'import', path.join(dir, 'missing.csv')]);
    expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/^nir-ssl: cannot read .*missing\.csv: no such file$/m) });
  });
});
