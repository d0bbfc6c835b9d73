import { planStudy, presetLabel, studySettings } from '../../src/services/studies/study-plan';
import { studyReport, type ReportExperiment } from '../../src/services/studies/study-report';
import { foldDomains } from '../../src/services/studies/fold-domain';
import { parseAutoResults, studySummary, summaryRows } from '../../src/services/studies/study-summary';
import { matrix } from '../../src/numeric/matrix';
import { Rng } from '../../src/numeric/rng';

describe('study settings', () => {
  it('names the epoch budget where it is not the preset\'s', () => {
    expect(presetLabel(studySettings({ preset: 'full' }))).toBe('full');
    expect(presetLabel(studySettings({ preset: 'full', pretextEpochs: 10, finetuneEpochs: 30 }))).toBe('full at 10 + 30 epochs');
    expect(presetLabel(studySettings({ preset: 'quick', finetuneEpochs: 5 }))).toBe('quick at 2 + 5 epochs');
  });

  it('rejects unknown presets and parts with a clear message', () => {
    expect(() => studySettings({ preset: 'huge' as 'full' })).toThrow('unknown study preset "huge"');
    expect(() => studySettings({ preset: 'full', parts: ['table9' as 'table4'] })).toThrow(/unknown study part "table9"/);
  });

  it('plans Table 4 and Fig. 5 as the SSL model, the CNN from scratch and the six baselines', () => {
    const plan = planStudy(studySettings({ preset: 'full', parts: ['table4', 'fig5'] }));
    expect(plan.map((p) => p.model.plugin)).toEqual(expect.arrayContaining(['cnn-classifier', 'random-forest', 'svm', 'knn', 'elm', 'bpnn', 'pls-da']));
    expect(plan).toHaveLength(8);
  });

  it('plans the automatic mode, from scratch and the baselines (tuned where they can be) at every label fraction', () => {
    const plan = planStudy(studySettings({ preset: 'full', parts: ['auto'] }));
    expect(plan).toHaveLength(3 * 9);
    expect(plan.find((p) => p.role === 'auto:0.2:paper')).toMatchObject({ labelFraction: 0.2, model: { params: { pretext: { magnitudes: 'paper' } } } });
    expect(plan.find((p) => p.role === 'auto:0.2:paper')?.model.params).not.toHaveProperty('auto');
    const withTable4 = planStudy(studySettings({ preset: 'full', parts: ['table4', 'auto'] }));
    expect(withTable4.some((p) => p.role === 'auto:1:paper')).toBe(false);
    expect(withTable4.some((p) => p.role === 'auto:0.1:paper')).toBe(true);
    const ssl = plan.find((p) => p.role === 'auto:0.1:ssl');
    expect(ssl).toMatchObject({ labelFraction: 0.1, model: { plugin: 'cnn-classifier', params: { auto: true, ssl: true } } });
    expect(plan.find((p) => p.role === 'auto:1:supervised')).toMatchObject({ labelFraction: null, model: { params: { auto: true, ssl: false } } });
    expect(plan.find((p) => p.role === 'auto:1:svm')?.model.params).toMatchObject({ tune: true });
    expect(plan.find((p) => p.role === 'auto:1:random-forest')?.model.params).not.toHaveProperty('tune');
  });
});

describe('study report', () => {
  const settings = studySettings({ preset: 'quick', parts: ['fig7'] });
  const experiment = (role: string, accuracies: number[]): ReportExperiment => ({
    role,
    name: role,
    status: 'succeeded',
    error: null,
    backend: 'wasm',
    startedAt: new Date(0),
    finishedAt: new Date(60_000),
    folds: accuracies.map((accuracy) => ({ accuracy, macroF1: accuracy, wallMs: 1000, pretext: null })),
  });
  const report = (experiments: ReportExperiment[]) =>
    studyReport({ studyName: 's', datasetName: 'mango', samples: 186, variables: 1557, classes: 4, settings, experiments, generatedAt: new Date(60_000) });

  it('ranks the Table 4 models only when there are several', () => {
    const fig7Only = [experiment('table4:ssl', [0.8, 0.9]), experiment('fig7:add-noise', [0.85, 0.9])];
    expect(report(fig7Only)).not.toMatch(/Best here/);
    expect(report(fig7Only)).toMatch(/\| add-noise only \| 0\.8750 ± /);
    expect(report([...fig7Only, experiment('table4:elm', [0.95, 1])])).toMatch(/Best here: \*\*elm\*\* \(0\.9750\)/);
  });

  it('reports the automatic mode against the best baseline with each fold\'s choices and every warning', () => {
    const ssl = experiment('auto:1:ssl', [0.9, 0.95, 1]);
    const inner = (candidate: string, valAccuracy: number) => ({ candidate, valAccuracy, valLoss: 1, bestEpoch: 0, epochsRun: 0, learned: true });
    const probeHead = { chosen: 'pls-da on block 2', probe: 'pls-da', depth: 2, candidates: [inner('fine-tuned', 0.8), inner('pls-da on block 1', 0.85), inner('pls-da on block 2', 0.9)] };
    const withChoices: ReportExperiment = {
      ...ssl,
      folds: ssl.folds.map((f, k) => ({ ...f, trainSize: 40, labelledSize: 40, choices: { scaling: { chosen: 'autoscale' }, learningRate: { chosen: 0.001 }, augmentation: k === 1, epochs: 30 + k, final: 'ensemble', ...(k === 2 ? { patience: 50 } : {}), ...(k === 0 ? { head: probeHead } : {}) }, warnings: k === 2 ? ['the training loss never fell'] : [] })),
    };
    const text = report([withChoices, experiment('auto:1:supervised', [0.8, 0.85, 0.9]), experiment('auto:1:elm', [0.92, 0.94, 0.96]), experiment('table4:ssl', [0.9, 0.9, 0.9])]);
    expect(text).toMatch(/Auto SSL - best baseline \(elm\): \+0\.0100 accuracy on the same folds \(paired t-test p = /);
    expect(text).toMatch(/\| 2 \| 40 \| 40 \| autoscale \| 0\.001 \| yes \| 31 \| ensemble \| 0\.9500 \| 1 s \|/);
    expect(text).toMatch(/\| 1 \| 40 \| 40 \| autoscale \| 0\.001 \| no \| 30 \| pls-da on block 2 \(inner 0\.90; fine-tuned 0\.80\) \| 0\.9000 \|/);
    expect(text).toContain('Auto SSL fold times (one core each): 1 s to 1 s, 3 s of core time in all.');
    // Core time is the folds' own (3 x 1 s); wall time also counts waiting for a slot (60 s here).
    expect(text).toMatch(/\| elm \| 0\.9400 ± 0\.0200 \| 0\.9400 ± 0\.0200 \| 3 s \| 1 min 0 s \|/);
    expect(text).toMatch(/\| 3 \| 40 \| 40 \| autoscale \| 0\.001 \| no \| 32, patience 50 \| ensemble \|/);
    expect(text).toMatch(/Auto SSL - SSL at the paper's settings \(table4:ssl\): \+0\.0500 accuracy/);
    expect(text).toMatch(/auto:1:ssl, fold 3: the training loss never fell/);
  });

  it('carries per-fold results that the cross-dataset summary reads back, with the target judged per fraction', () => {
    const autoSettings = studySettings({ preset: 'quick', parts: ['auto'], fractions: [1, 0.1] });
    const experiments = [
      experiment('auto:1:ssl', [0.96, 0.98, 1]),
      experiment('auto:1:supervised', [0.9, 0.92, 0.94]),
      experiment('auto:1:paper', [0.9, 0.9, 0.9]),
      experiment('auto:1:elm', [0.95, 0.97, 0.99]),
      experiment('auto:1:svm', [0.8, 0.8, 0.8]),
      experiment('auto:0.1:ssl', [0.7, 0.8, 0.9]),
      experiment('auto:0.1:supervised', [0.75, 0.8, 0.85]),
      experiment('auto:0.1:pls-da', [0.85, 0.85, 0.85]),
    ];
    const text = studyReport({ studyName: 's', datasetName: 'mango', samples: 186, variables: 1557, classes: 4, settings: autoSettings, experiments, generatedAt: new Date(0) });
    expect(text).toContain('0.1,ssl,3,0.900000,0.900000');
    const parsed = parseAutoResults(text)!;
    expect(parsed.dataset).toBe('mango');
    expect(parsed.fractions.get(0.1)?.models.get('pls-da')?.folds).toEqual([0.85, 0.85, 0.85]);
    const summary = studySummary([parsed]);
    // 100 %: above ELM (+0.01) and scratch, and above the paper's 0.9783 on Mango.
    expect(summary).toMatch(/\| mango \| 100 % \| elm 0\.9700 \| 0\.9800 ± 0\.0200 \| \+0\.010 \(p = 0\.\d+\) \| 0\.9200 ± 0\.0200 \| \+0\.060 \(p = [\d.e-]+\) \| 0\.9000 ± 0\.0000 \| met \|/);
    expect(summary).toMatch(/\| mango \| 10 % \| pls-da 0\.8500 \| .* \| short: 0\.050 below pls-da; not above scratch \|/);
    expect(summary).toContain('Target met in 1 of 2');
    // A report from before the per-fold block: the same rows from its tables and its own paired tests.
    const withoutBlock = text.slice(0, text.indexOf('<details><summary>Per-fold'));
    const fromTables = summaryRows([parseAutoResults(withoutBlock)!]);
    const fromFolds = summaryRows([parsed]);
    expect(fromTables).toHaveLength(2);
    fromTables.forEach((row, i) => {
      const expected = fromFolds[i]!;
      expect(row.shortfalls).toEqual(expected.shortfalls);
      expect(row.bestBaseline?.model).toBe(expected.bestBaseline?.model);
      expect(row.autoSsl).toBeCloseTo(expected.autoSsl!, 4);
      expect(row.versusBaseline!.difference).toBeCloseTo(expected.versusBaseline!.difference, 4);
      expect(row.versusBaseline!.pValue).toBeCloseTo(expected.versusBaseline!.pValue!, 2);
      expect(row.versusScratch!.pValue).toBeCloseTo(expected.versusScratch!.pValue!, 2);
    });
    const cancelled = experiments.map((e) => (e.role.startsWith('auto:0.1:') ? { ...e, status: 'cancelled', folds: [] } : e));
    const partial = studyReport({ studyName: 's', datasetName: 'mango', samples: 186, variables: 1557, classes: 4, settings: autoSettings, experiments: cancelled, generatedAt: new Date(0) });
    expect(partial).toMatch(/### 10 % of the labels\n\nCancelled before any fold finished\.\n/);
    expect(summaryRows([parseAutoResults(partial)!]).map((r) => r.fraction)).toEqual([1]);
    const paperCancelled = experiments.map((e) => (e.role === 'auto:1:paper' ? { ...e, status: 'cancelled', folds: [] } : e));
    const withoutPaper = studyReport({ studyName: 's', datasetName: 'mango', samples: 186, variables: 1557, classes: 4, settings: autoSettings, experiments: paperCancelled, generatedAt: new Date(0) });
    expect(withoutPaper).toContain("Auto SSL - SSL at the paper's settings (auto:1:paper): no paired test (3 vs 0 folds).");
    expect(parseAutoResults(report([experiment('table4:ssl', [0.9, 0.9])]))).toBeNull();
  });

  it('keeps, with --latest, only the newest report of each dataset and label fraction', () => {
    const autoReport = (fractions: number[], sslAccuracy: number, generatedAt: Date) =>
      studyReport({
        studyName: 's',
        datasetName: 'tablet',
        samples: 310,
        variables: 404,
        classes: 4,
        settings: studySettings({ preset: 'quick', parts: ['auto'], fractions }),
        experiments: fractions.flatMap((f) => [experiment(`auto:${f}:ssl`, [sslAccuracy, sslAccuracy]), experiment(`auto:${f}:elm`, [0.9, 0.9])]),
        generatedAt,
      });
    const older = parseAutoResults(autoReport([1, 0.1], 0.8, new Date('2026-12-01T00:00:00Z')), 'older.md')!;
    const newer = parseAutoResults(autoReport([0.1], 0.95, new Date('2026-12-07T00:00:00Z')), 'newer.md')!;
    expect(newer.generatedAt).toBe('2026-12-07T00:00:00.000Z');
    // Given newest first, the older report still loses its 10 % row but keeps the 100 % row only it has.
    const latest = summaryRows([newer, older], { latest: true });
    expect(latest.map((r) => [r.fraction, r.source])).toEqual([[1, 'older.md'], [0.1, 'newer.md']]);
    expect(summaryRows([newer, older])).toHaveLength(3);
    const undated = { ...newer, generatedAt: undefined, source: 'undated.md' };
    expect(summaryRows([older, undated], { latest: true }).map((r) => r.source)).toEqual(['older.md', 'older.md']);
    const table = studySummary([older, newer], { latest: true });
    expect(table).toMatch(/\| tablet \| 10 % \| elm 0\.9000 \| 0\.9500 ± 0\.0000 \| .* \| met \| newer\.md \(2026-12-07\) \|/);
    expect(table).toContain('Target met in 1 of 2 dataset and label-fraction rows (the newest report of each)');
  });

  it('counts the test spectra outside each training fold\'s domain and gives the T² vs Q plot data', () => {
    // Two classes of smooth spectra; the last row of the data is shifted far from everything else.
    const rng = new Rng(2);
    const rows = 40;
    const cols = 30;
    const x = matrix(rows, cols, Float32Array.from({ length: rows * cols }, (_, idx) => {
      const i = Math.floor(idx / cols);
      const j = idx % cols;
      return Math.sin(j / 5 + (i % 2)) + 0.05 * rng.normal() + (i === rows - 1 ? 8 : 0);
    }));
    const folds = [
      { train: Int32Array.from({ length: 30 }, (_, i) => i), test: Int32Array.from({ length: 10 }, (_, i) => 30 + i) },
      { train: Int32Array.from({ length: 30 }, (_, i) => i + 10), test: Int32Array.from({ length: 10 }, (_, i) => i) },
    ];
    const domains = foldDomains(x, folds);
    expect(domains[0].points.find((p) => p.row === rows - 1)?.outlier).toBe(true);
    expect(domains[0].points.filter((p) => p.outlier).length).toBeLessThanOrEqual(2);
    const text = studyReport({ studyName: 's', datasetName: 'd', samples: rows, variables: cols, classes: 2, settings, experiments: [], generatedAt: new Date(0), foldDomains: domains, rowClasses: Array.from({ length: rows }, (_, i) => (i % 2 ? 'b' : 'a')) });
    expect(text).toMatch(/## Applicability domain of the test folds/);
    expect(text).toMatch(/\| 1 \| 10 \| \d+ \| [\d.]+ \| [\d.e+-]+ \| \d+ \| \d+ \| [12] \|/);
    expect(text).toMatch(new RegExp(`\\n1,${rows - 1},b,[\\d.e+-]+,[\\d.e+-]+,1\\n`));
  });

  it('says how many unlabelled spectra each fold of the label-fraction sweep pre-trained on, and names transductive experiments', () => {
    const sweepSettings = studySettings({ preset: 'quick', parts: ['sweep'], fractions: [1, 0.1] });
    const withUse = (e: ReportExperiment, use: { spectra: number; unlabelled: number; transductive: boolean }[]): ReportExperiment => ({
      ...e,
      folds: e.folds.map((f, k) => ({ ...f, pretraining: use[k] })),
    });
    const experiments = [
      withUse(experiment('sweep:0.1:ssl', [0.7, 0.8]), [
        { spectra: 100, unlabelled: 91, transductive: false },
        { spectra: 101, unlabelled: 92, transductive: false },
      ]),
      withUse(experiment('table4:ssl', [0.9, 0.9]), [
        { spectra: 100, unlabelled: 0, transductive: true },
        { spectra: 101, unlabelled: 0, transductive: true },
      ]),
    ];
    const text = studyReport({ studyName: 's', datasetName: 'mango', samples: 186, variables: 1557, classes: 4, settings: sweepSettings, experiments, generatedAt: new Date(60_000) });
    expect(text).toMatch(/\| 10% \| 91 \/ 100, 92 \/ 101 \|/);
    expect(text).toMatch(/Pre-training saw the test folds' spectra \(never their labels\) in: table4:ssl\./);
    expect(report([experiment('table4:ssl', [0.8, 0.9])])).not.toMatch(/Transductive/);
  });
});
