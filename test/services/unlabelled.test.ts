import { parseSpectraCsv, UNLABELLED } from '../../src/services/datasets/spectra-csv';
import { planFolds, DEFAULT_PROTOCOL, labelledRows, unlabelledRows } from '../../src/services/experiments/experiment-spec';

const header = 'label,batch,1000,1002,1004';
const row = (label: string, batch: string, k: number) => `${label},${batch},${0.1 * k},${0.2 + 0.01 * k},${0.3 - 0.01 * k}`;

describe('unlabelled spectra in an import', () => {
  it('reads an empty label as an unlabelled row beside the labelled ones', () => {
    const csv = [header, row('A', 'b1', 1), row('', 'b2', 2), row('B', 'b3', 3), row('""', 'b4', 4), row('A', 'b5', 5)].join('\n');
    const parsed = parseSpectraCsv(csv, { groupColumn: 'batch' });
    expect(parsed.classes).toEqual(['A', 'B']);
    expect(Array.from(parsed.y)).toEqual([0, UNLABELLED, 1, UNLABELLED, 0]);
    expect(parsed.unlabelledCount).toBe(2);
    expect(parsed.x.rows).toBe(5);
  });

  it('imports a spectral library: every label empty, or no label column with library: true', () => {
    const allEmpty = parseSpectraCsv([header, row('', 'b1', 1), row('', 'b2', 2)].join('\n'));
    expect(allEmpty.classes).toEqual([]);
    expect(allEmpty.unlabelledCount).toBe(2);
    const noColumn = parseSpectraCsv(['1000,1002,1004', '0.1,0.2,0.3', '0.2,0.3,0.4', '0.3,0.4,0.5'].join('\n'), { library: true });
    expect(noColumn.classes).toEqual([]);
    expect(Array.from(noColumn.y)).toEqual([UNLABELLED, UNLABELLED, UNLABELLED]);
    expect(Array.from(noColumn.axis)).toEqual([1000, 1002, 1004]);
  });

  it('refuses a table without a label column unless it is a library, and a single class', () => {
    expect(() => parseSpectraCsv(['1000,1002', '0.1,0.2'].join('\n'))).toThrow(/no label column "label".*library: true/);
    expect(() => parseSpectraCsv([header, row('A', 'b1', 1), row('', 'b2', 2)].join('\n'))).toThrow(/1 class \(A\); classification needs at least 2/);
  });
});

describe('folds over a dataset with unlabelled rows', () => {
  // 3 classes x 6 labelled rows, with 7 unlabelled rows interleaved.
  const labels = [0, -1, 1, 2, -1, 0, 1, 2, 0, -1, 1, 2, 0, 1, -1, 2, 0, 1, 2, -1, -1, 0, 1, 2, -1];
  const y = Int32Array.from(labels);
  const unlabelled = new Set(unlabelledRows(y));

  it('splits only the labelled rows: no unlabelled row is trained on with a label or in a test fold', () => {
    for (const labelFraction of [null, 0.5]) {
      const plans = planFolds({ ...DEFAULT_PROTOCOL, folds: 3, labelFraction }, y, 3, null);
      const tested = new Set<number>();
      for (const plan of plans) {
        for (const rows of [plan.train, plan.labelled, plan.test]) for (const i of rows) expect(unlabelled.has(i)).toBe(false);
        for (const i of plan.test) tested.add(i);
        expect(plan.train.length + plan.test.length).toBe(labelledRows(y).length);
      }
      // Every labelled row is tested exactly once over the folds.
      expect([...tested].sort((a, b) => a - b)).toEqual(Array.from(labelledRows(y)));
    }
  });

  it('keeps groups together over the labelled rows only', () => {
    const groups = labels.map((_, i) => `g${Math.floor(i / 2)}`);
    const plans = planFolds({ ...DEFAULT_PROTOCOL, folds: 3, useGroups: true }, y, 3, groups);
    for (const plan of plans) {
      const testGroups = new Set(Array.from(plan.test, (i) => groups[i]));
      for (const i of plan.train) expect(testGroups.has(groups[i])).toBe(false);
      for (const i of plan.test) expect(unlabelled.has(i)).toBe(false);
    }
  });
});
