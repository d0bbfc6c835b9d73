import path from 'node:path';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { ok, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/server';
import { expectedBackend } from '../helpers/backend';

describe('the quick study on a slice of Tablet', () => {
  let server: TestServer;
  let datasetId: string;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('study'), 'db.sqlite')}`, jobConcurrency: 2 });
    datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'tablet-slice', content: exampleSliceCsv('tablet', 10) } })).importDataset.id;
  });
  afterAll(() => server.close());

  it('keeps the groups of a grouped dataset whole in every fold, and says so in the report', async () => {
    // Two "scans" per sample: rows 2k and 2k+1 share a group.
    const [header, ...rows] = exampleSliceCsv('tablet', 6).split('\n');
    const grouped = [header.replace(/^label,/, 'label,sample,'), ...rows.map((row, i) => row.replace(/^([^,]*),/, `$1,s${Math.floor(i / 2)},`))].join('\n');
    const groupedId = ok(
      await server.gql<{ importDataset: { id: string } }>(`mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }`, {
        input: { name: 'tablet-grouped', content: grouped, groupColumn: 'sample' },
      }),
    ).importDataset.id;
    const { createStudy } = ok(
      await server.gql<{ createStudy: { id: string } }>(`mutation($input: CreateStudyInput!) { createStudy(input: $input) { id } }`, {
        input: { datasetId: groupedId, preset: 'QUICK', parts: ['fig5'], name: 'grouped' },
      }),
    );
    const db = server.container.get((await import('../../src/services/database/database.service')).DatabaseService);
    const experiments = await db.client.experiment.findMany({ where: { studyId: createStudy.id } });
    expect(experiments.length).toBeGreaterThan(0);
    for (const e of experiments) expect(JSON.parse(e.config).protocol).toMatchObject({ useGroups: true });
    const { study } = ok(await server.gql<{ study: { report: string } }>(`query($id: ID!) { study(id: $id) { report } }`, { id: createStudy.id }));
    expect(study.report).toMatch(/3-fold grouped stratified CV \(the spectra of one group/);
    await waitFor(async () => {
      const { study: s } = ok(await server.gql<{ study: { status: string } }>(`query($id: ID!) { study(id: $id) { status } }`, { id: createStudy.id }));
      return s.status === 'FINISHED';
    }, 120000);
  }, 150000);

  it('queues every part of the paper as experiments and writes the report', async () => {
    const { createStudy } = ok(
      await server.gql<{ createStudy: { id: string; experimentsTotal: number; status: string } }>(
        `mutation($input: CreateStudyInput!) { createStudy(input: $input) { id experimentsTotal status } }`,
        { input: { datasetId, preset: 'QUICK', name: 'tablet quick' } },
      ),
    );
    // SSL + 6 baselines + from scratch + 6 fractions x (SSL, PLS-DA) + 6 single-task + 3 depths
    // + the auto part at 100 % (auto SSL, auto from scratch, 6 baselines).
    expect(createStudy.experimentsTotal).toBe(37);
    expect(createStudy.status).toBe('RUNNING');
    await waitFor(async () => {
      const { study } = ok(await server.gql<{ study: { status: string } }>(`query($id: ID!) { study(id: $id) { status } }`, { id: createStudy.id }));
      return study.status === 'FINISHED';
    }, 400000);
    const { study } = ok(
      await server.gql<{ study: { experimentsFinished: number; experiments: { status: string; error: string | null }[]; report: string } }>(
        `query($id: ID!) { study(id: $id) { experimentsFinished experiments { status error } report } }`,
        { id: createStudy.id },
      ),
    );
    expect(study.experiments.filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
    const report = study.report;
    expect(report).toMatch(/## Table 4/);
    expect(report).toMatch(/\| SSL \(ours\) \| 0\.\d{4} ± 0\.\d{4} \| 0\.\d{4} ± 0\.\d{4} \| 0\.9814 \/ 0\.9789 \|/);
    expect(report).toMatch(/\| pls-da \| .* \| 0\.9581 \/ 0\.9566 \|/);
    expect(report).toMatch(/## Table 3[\s\S]*\| horizontal-flip \| \d\.\d{4}/);
    expect(report).toMatch(/## Fig\. 5[\s\S]*paired t-test p = /);
    expect(report).toMatch(/## Table 5[\s\S]*\| 5% \| 0\.\d{4}/);
    expect(report).toMatch(/## Fig\. 7[\s\S]*\| offset only \|/);
    expect(report).toMatch(/## Fig\. 6[\s\S]*\| 3 \| 0\.\d{4}/);
    expect(report).toMatch(/## Automatic configuration[\s\S]*Auto SSL - best baseline \([a-z-]+\): [+-]0\.\d{4} accuracy/);
    expect(report).toMatch(/\| 1 \| \d+ \| \d+ \| (global|autoscale) \| [\d.e-]+ \| - \| \d+, patience \d+ \| ((cross-fit of \d|refit) \(inner [01]\.\d\d; best probe [01]\.\d\d\)|pls-da on block \d \(inner [01]\.\d\d; fine-tuned [01]\.\d\d\)) \| [01]\.\d{4} \| \d+ (s|min \d+ s) \|/);
    expect(report).toContain(`Backend: ${expectedBackend()}`);
    expect(report).toMatch(/## Applicability domain of the test folds[\s\S]*\| 3 \| \d+ \| \d+ \|[\s\S]*fold,row,class,t2,q,outside\n1,/);
    // The sweep and the depth probes reused the multi-task run's pre-training: 3 folds, plus 6 x 3 single-task runs.
    const db = server.container.get((await import('../../src/services/database/database.service')).DatabaseService);
    // ... plus 3 of the auto SSL run, whose scaling was chosen with the labels.
    expect(await db.client.pretrainedEncoder.count()).toBe(3 + 6 * 3 + 3);
  }, 420000);
});
