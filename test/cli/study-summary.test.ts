import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { studySettings } from '../../src/services/studies/study-plan';
import { studyReport, type ReportExperiment } from '../../src/services/studies/study-report';
import { cli } from '../helpers/cli';

/** `nir-ssl study summary` reads report files; no server is involved. */
describe('nir-ssl study summary', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-ssl-summary-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const experiment = (role: string, accuracies: number[]): ReportExperiment => ({
    role,
    name: role,
    status: 'succeeded',
    error: null,
    backend: 'native',
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    folds: accuracies.map((accuracy) => ({ accuracy, macroF1: accuracy, wallMs: 1000, pretext: null })),
  });
  const write = (name: string, dataset: string, experiments: ReportExperiment[], parts: ['auto'] | ['table4'] = ['auto']): string => {
    const file = path.join(dir, name);
    const settings = studySettings({ preset: 'quick', parts, fractions: [0.2] });
    fs.writeFileSync(file, studyReport({ studyName: name, datasetName: dataset, samples: 100, variables: 50, classes: 3, settings, experiments, generatedAt: new Date(0) }));
    return file;
  };

  it('tabulates every report with an auto part, skips the others with a note, and prints JSON rows', async () => {
    const a = write('a.md', 'tablet', [experiment('auto:0.2:ssl', [0.9, 0.92]), experiment('auto:0.2:elm', [0.93, 0.95])]);
    const b = write('b.md', 'plastics', [experiment('auto:0.2:ssl', [0.9, 0.92]), experiment('auto:0.2:pls-da', [0.85, 0.86])]);
    const again = write('c.md', 'tablet', [experiment('auto:0.2:ssl', [0.8, 0.82]), experiment('auto:0.2:elm', [0.7, 0.72])]);
    const old = write('old.md', 'mango', [experiment('table4:ssl', [0.9, 0.9])], ['table4']);
    const table = await cli(['study', 'summary', a, b, again, old]);
    expect(table.code).toBe(0);
    expect(table.err).toContain(`skipped ${old}: no results of the automatic configuration`);
    expect(table.out).toMatch(/\| tablet \| 20 % \| elm 0\.9400 \| 0\.9100 ± 0\.0141 \| -0\.030 \(p = [\d.e-]+\) \|.*\| short: 0\.030 below elm \| a\.md \(1970-01-01\) \|/);
    expect(table.out).toMatch(/\| plastics \| 20 % \| pls-da 0\.8550 \|.*\| met \| b\.md \(1970-01-01\) \|/);
    // A second study of the same dataset is its own row, with its own models.
    expect(table.out).toMatch(/\| tablet \| 20 % \| elm 0\.7100 \| 0\.8100 ± 0\.0141 \|.*\| met \| c\.md \(1970-01-01\) \|/);
    expect(table.out).toContain('Target met in 2 of 3');
    // --latest: one row per dataset and fraction; generated at the same time, the report named later wins.
    const latest = await cli(['study', 'summary', '--latest', a, b, again]);
    expect(latest.out).not.toContain('a.md');
    expect(latest.out).toContain('Target met in 2 of 2 dataset and label-fraction rows (the newest report of each)');
    const json = await cli(['study', 'summary', a, '--json']);
    expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ dataset: 'tablet', source: 'a.md', fraction: 0.2, bestBaseline: { model: 'elm', accuracy: expect.closeTo(0.94, 6) } })]);
    const none = await cli(['study', 'summary', old]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/none of the reports has results of the automatic configuration/);
  });
});
