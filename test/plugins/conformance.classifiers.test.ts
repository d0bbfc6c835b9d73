import { DomainError, UserInputError } from '../../src/errors';
import { matrix, type Matrix } from '../../src/numeric/matrix';
import { accuracy, argmaxRows } from '../../src/numeric/metrics';
import { Rng } from '../../src/numeric/rng';
import type { ClassifierPlugin, PluginDefinition } from '../../src/plugins/contract';
import { BASELINE_PLUGINS } from '../../src/plugins/models/baselines';
import { CNN_PLUGINS } from '../../src/plugins/models/cnn';
import { ParamError, type ParamSpec, type Params } from '../../src/plugins/params';
import { PluginRegistry } from '../../src/plugins/registry';

/**
 * The contract every classifier plugin (kind 'baseline' or 'classifier') must meet. To cover a
 * new classifier, add its definitions to the registry below; slow ones get small settings in
 * FAST_PARAMS so that the whole suite stays at a few seconds.
 */
const registry = new PluginRegistry([...BASELINE_PLUGINS, ...CNN_PLUGINS]);
const SMALL_CNN = { blocks: 2, filters: [4, 8], pretext: { epochs: 2, headHidden: [8, 8] } };
const FAST_PARAMS: Record<string, Params> = {
  'random-forest': { trees: 15 },
  bpnn: { hidden: 16, learningRate: 1e-2, maxEpochs: 100 },
  elm: { hidden: 60 },
  'cnn-classifier': { ...SMALL_CNN, hidden: [16, 8], epochs: 40, learningRate: 1e-2, dropout: 0.1 },
  'ssl-embedding-probe': { ...SMALL_CNN, depth: 2, probeParams: { components: 3 } },
};
const classifiers: PluginDefinition[] = [...registry.list('baseline'), ...registry.list('classifier')];

/** Three well separated Gaussian classes in 12 variables, in shuffled order. */
function easyProblem(rows: number, seed: number): { x: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const cols = 12;
  const x = new Float32Array(rows * cols);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = i % 3;
    for (let j = 0; j < cols; j++) x[i * cols + j] = rng.normal() * 0.6 + (j % 3 === y[i] ? 2 : 0);
  }
  return { x: matrix(rows, cols, x), y };
}

/** Values that the spec must refuse. */
function invalidValues(spec: ParamSpec): unknown[] {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const bad: unknown[] = ['text', Number.NaN];
      if (spec.type === 'integer') bad.push(1.5);
      if (spec.min !== undefined) bad.push(spec.exclusiveMin ? spec.min : spec.min - 1);
      if (spec.max !== undefined) bad.push(spec.exclusiveMax ? spec.max : spec.max + 1);
      if (!spec.nullable) bad.push(null);
      return bad;
    }
    case 'boolean':
      return ['yes', 1, null];
    case 'enum':
      return ['no-such-option', 3];
    case 'numberArray':
    case 'integerArray':
      return ['text', ['x'], ...(spec.minLength ? [[]] : []), ...(spec.min !== undefined ? [[spec.min - 1]] : [])];
    case 'stringArray':
      return ['text', [1]];
    case 'string':
      return [5];
    case 'json':
      return [];
  }
}

describe.each(classifiers.map((d) => [d.name, d] as const))('classifier plugin %s', (name, definition) => {
  const params = FAST_PARAMS[name] ?? {};
  const create = (extra: Params = {}) => registry.create<ClassifierPlugin>(name, { ...params, ...extra });
  const train = easyProblem(90, 1);
  const test = easyProblem(45, 2);

  it('fits and predicts with the right shapes, probabilities summing to 1, well above chance', async () => {
    const model = create();
    expect(model.isFitted).toBe(false);
    await model.fit(train.x, train.y, 3);
    expect(model.isFitted).toBe(true);
    const proba = await model.predictProba(test.x);
    expect([proba.rows, proba.cols]).toEqual([45, 3]);
    for (let i = 0; i < proba.rows; i++) {
      const row = Array.from(proba.data.subarray(i * 3, i * 3 + 3));
      expect(row.every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    const predicted = await model.predict(test.x);
    expect(predicted).toHaveLength(45);
    expect(accuracy(test.y, predicted)).toBeGreaterThan(0.8);
  });

  it('predict() is classesOf() of its probabilities, else their argmax, and agrees with their argmax on easy data', async () => {
    const model = create();
    await model.fit(train.x, train.y, 3);
    const proba = await model.predictProba(test.x);
    const predicted = await model.predict(test.x);
    const argmax = argmaxRows(proba.data, proba.rows, proba.cols);
    expect(Array.from(predicted)).toEqual(Array.from(model.classesOf?.(test.x, proba) ?? argmax));
    expect(accuracy(argmax, predicted)).toBeGreaterThan(0.9);
  });

  it('gives identical predictions for the same parameters (seeded)', async () => {
    const first = create();
    const second = create();
    await first.fit(train.x, train.y, 3);
    await second.fit(train.x, train.y, 3);
    expect(Array.from((await first.predictProba(test.x)).data)).toEqual(Array.from((await second.predictProba(test.x)).data));
  });

  it('survives a JSON round trip through the registry with identical predictions', async () => {
    const model = create();
    await model.fit(train.x, train.y, 3);
    const restored = registry.restore<ClassifierPlugin>(JSON.parse(JSON.stringify(registry.serialize(model))));
    expect(restored.isFitted).toBe(true);
    expect(Array.from((await restored.predictProba(test.x)).data)).toEqual(Array.from((await model.predictProba(test.x)).data));
  });

  it('rejects invalid parameters, each derived from the schema, and unknown names', () => {
    for (const [param, spec] of Object.entries(definition.params)) {
      for (const value of invalidValues(spec)) {
        expect(() => registry.create(name, { ...params, [param]: value })).toThrow(ParamError);
      }
    }
    expect(() => registry.create(name, { noSuchParameter: 1 })).toThrow(/is unknown/);
  });

  it('refuses unusable training sets with a clear user error', async () => {
    const model = create();
    const single = new Int32Array(train.y.length).fill(1);
    await expect(model.fit(train.x, single, 3)).rejects.toThrow(UserInputError);
    await expect(model.fit(train.x, single, 3)).rejects.toThrow(/single class/);
    await expect(model.fit(matrix(0, 12), new Int32Array(0), 3)).rejects.toThrow(/empty/);
    await expect(model.fit(train.x, train.y.subarray(1), 3)).rejects.toThrow(UserInputError);
    await expect(model.fit(train.x, train.y, 2)).rejects.toThrow(/outside 0\.\.1/);
    const withNaN = matrix(train.x.rows, train.x.cols, train.x.data.slice());
    withNaN.data[5] = Number.NaN;
    await expect(model.fit(withNaN, train.y, 3)).rejects.toThrow(/non-finite/);
    expect(model.isFitted).toBe(false);
  });

  it('throws when predicting before fit, and on spectra of another length', async () => {
    const model = create();
    await expect(model.predict(test.x)).rejects.toThrow(DomainError);
    await model.fit(train.x, train.y, 3);
    await expect(model.predict(matrix(2, 5))).rejects.toThrow(/12 variables/);
  });
});
