import { UserInputError } from '../../src/errors';
import { fromRows, globalMeanStd, matrix, toRows } from '../../src/numeric/matrix';
import { Rng } from '../../src/numeric/rng';
import type { TransformPlugin } from '../../src/plugins/contract';
import { PluginRegistry } from '../../src/plugins/registry';
import { TRANSFORM_PLUGINS } from '../../src/plugins/transforms';
import { NotFittedError } from '../../src/plugins/transforms/base';
import { TransformPipeline } from '../../src/plugins/transforms/pipeline';

const registry = new PluginRegistry(TRANSFORM_PLUGINS);

function batch(rows: number, cols: number, seed: number) {
  const rng = new Rng(seed);
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, (_, i) => 2 + Math.sin(i % cols) + rng.normal()));
}

describe('TransformPipeline', () => {
  const train = batch(30, 20, 1);
  const test = batch(10, 20, 2);

  it('fits each step on the output of the previous one, on training data only', () => {
    const pipeline = TransformPipeline.fromSteps(registry, [{ name: 'snv' }, { name: 'global-scale' }]);
    expect(pipeline.isFitted).toBe(false);
    const trainOut = pipeline.fitTransform(train);
    expect(pipeline.isFitted).toBe(true);
    // SNV rows are already mean 0 std 1, so the second step learnt mean ~0 and std ~1 from them.
    const state = pipeline.toJSON().steps[1].state as { mean: number; std: number };
    expect(state.mean).toBeCloseTo(0, 6);
    expect(state.std).toBeCloseTo(1, 5);
    expect(globalMeanStd(trainOut).std).toBeCloseTo(1, 5);
    const snvOfTest = registry.create<TransformPlugin>('snv', {}, 'transform').transform(test);
    const expected = toRows(snvOfTest).map((row) => row.map((v) => (v - state.mean) / state.std));
    toRows(pipeline.transform(test)).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 5)));
  });

  it('round-trips through JSON with identical output, random steps included', () => {
    const steps = [{ name: 'msc' }, { name: 'savitzky-golay', params: { window: 7, derivative: 1 } }, { name: 'add-noise', params: { seed: 3 } }];
    const pipeline = TransformPipeline.fromSteps(registry, steps).fit(train);
    const restored = TransformPipeline.fromJSON(registry, JSON.parse(JSON.stringify(pipeline.toJSON())));
    expect(restored.transform(test).data).toEqual(pipeline.transform(test).data);
    expect(restored.transform(test, new Rng(8)).data).toEqual(pipeline.transform(test, new Rng(8)).data);
    expect(restored.describe()).toEqual([
      { name: 'msc', params: {} },
      { name: 'savitzky-golay', params: { window: 7, polyOrder: 2, derivative: 1, delta: 1 } },
      { name: 'add-noise', params: { sigmaFactor: 0.1, seed: 3 } },
    ]);
  });

  it('refuses transform() before fit() when a step learns from data', () => {
    const pipeline = TransformPipeline.fromSteps(registry, [{ name: 'vertical-flip' }, { name: 'autoscale' }]);
    expect(() => pipeline.transform(test)).toThrow(NotFittedError);
    expect(TransformPipeline.fromSteps(registry, []).transform(test)).toBe(test);
  });

  it('names the step index and plugin of an invalid step', () => {
    const build = (steps: unknown) => () => TransformPipeline.fromSteps(registry, steps);
    expect(build({ name: 'snv' })).toThrow(/must be a list/);
    expect(build([{ name: 'snv' }, { params: {} }])).toThrow(/pipeline step 1: needs a plugin "name"/);
    expect(build([{ name: 'snv' }, { name: 'no-such-plugin' }])).toThrow(/pipeline step 1 \("no-such-plugin"\): plugin "no-such-plugin" not found/);
    expect(build([{ name: 'savitzky-golay', params: { window: 4 } }])).toThrow(/pipeline step 0 \("savitzky-golay"\): .*"window" must be odd/);
    expect(build([{ name: 'detrend', params: { order: -1 } }])).toThrow(UserInputError);
    expect(build([{ name: 'snv', params: [1] }])).toThrow(/pipeline step 0 \("snv"\): params must be an object/);
    try {
      build([{ name: 'snv' }, { name: 'permutation', params: { segments: 1 } }])();
      throw new Error('expected a UserInputError');
    } catch (error) {
      expect(error).toBeInstanceOf(UserInputError);
      expect((error as UserInputError).details).toMatchObject({ step: 1, plugin: 'permutation', param: 'segments' });
    }
  });

  it('rejects a non-transform plugin and malformed JSON', () => {
    const withClassifier = new PluginRegistry([
      ...TRANSFORM_PLUGINS,
      { name: 'fake-classifier', kind: 'baseline', description: 'not a transform', params: {}, create: () => ({}) as never },
    ]);
    expect(() => TransformPipeline.fromSteps(withClassifier, [{ name: 'fake-classifier' }])).toThrow(
      /pipeline step 0 \("fake-classifier"\): .*not a transform/,
    );
    expect(() => TransformPipeline.fromJSON(registry, { steps: 'snv' })).toThrow(/must be a list/);
    expect(() => TransformPipeline.fromJSON(registry, { steps: [{ name: 'global-scale', params: {}, state: { mean: 'x' } }] })).toThrow(
      /pipeline step 0 \("global-scale"\): .*"mean" must be a finite number/,
    );
    expect(toRows(TransformPipeline.fromSteps(registry, [{ name: 'vertical-flip' }]).transform(fromRows([[1, 2]])))).toEqual([[-1, -2]]);
  });
});
