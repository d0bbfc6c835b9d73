import { PluginRegistry } from '../../src/plugins/registry';
import { CNN_PLUGINS } from '../../src/plugins/models/cnn';
import type { CnnClassifierPlugin } from '../../src/plugins/models/cnn/cnn-classifier.plugin';
import type { CnnEncoderPlugin } from '../../src/plugins/models/cnn/cnn-encoder.plugin';
import type { TransformationRecognitionPlugin } from '../../src/plugins/models/cnn/transformation-recognition.plugin';
import { TRANSFORM_PLUGINS } from '../../src/plugins/transforms';
import { selectRows } from '../../src/numeric/matrix';
import { loadTablet, splitEvery } from '../engine/tablet';

const registry = new PluginRegistry([...TRANSFORM_PLUGINS, ...CNN_PLUGINS]);
const small = { filters: [4, 8, 8] };
const { x, y } = loadTablet();
const { train, test } = splitEvery(y, 4);
const trainRows = train.filter((_, i) => i % 3 === 0);
const xTrain = selectRows(x, trainRows);
const yTrain = Int32Array.from(trainRows, (i) => y[i]);
const xTest = selectRows(x, test);

describe('CNN plugins', () => {
  it('are registered with their kinds and reject bad parameters', () => {
    expect(registry.list('encoder').map((d) => d.name)).toEqual(['cnn-encoder']);
    expect(registry.list('pretext').map((d) => d.name)).toEqual(['transformation-recognition']);
    expect(registry.list('classifier').map((d) => d.name)).toEqual(['cnn-classifier', 'ssl-embedding-probe']);
    expect(() => registry.create('transformation-recognition', { transforms: ['offset', 'nope'] })).toThrow(/unknown transform "nope"/);
    expect(() => registry.create('transformation-recognition', { lossWeights: [1, 1] })).toThrow(/needs 7 values/);
    expect(() => registry.create('cnn-classifier', { pretext: { blocks: 2 } })).toThrow(/encoder is configured on the classifier/);
    expect(() => registry.create('ssl-embedding-probe', { blocks: 2, depth: 3 })).toThrow(/parameter "depth" must be at most the number of blocks/);
    expect(() => registry.create('ssl-embedding-probe', { probeParams: { components: 0 } })).toThrow(/parameter "components"/);
  });

  it('cnn-classifier: pre-trains, fine-tunes, and round-trips through serialize/restore exactly', async () => {
    const plugin = registry.create<CnnClassifierPlugin>('cnn-classifier', {
      ...small,
      hidden: [8, 8],
      epochs: 2,
      pretext: { epochs: 1, headHidden: [8, 8], transforms: ['vertical-flip'] },
    });
    const stages: string[] = [];
    await plugin.fit(xTrain, yTrain, 4, { onProgress: (p) => stages.push(`${p.stage}:${p.epoch}`) });
    expect(stages).toEqual(['pretext:1', 'finetune:1', 'finetune:2']);
    const proba = await plugin.predictProba(xTest);
    for (let r = 0; r < proba.rows; r++) {
      const sum = proba.data.subarray(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
    const json = JSON.parse(JSON.stringify(registry.serialize(plugin)));
    const restored = registry.restore<CnnClassifierPlugin>(json, 'classifier');
    expect(Array.from((await restored.predictProba(xTest)).data)).toEqual(Array.from(proba.data));
    expect(Array.from(await restored.predict(xTest))).toEqual(Array.from(await plugin.predict(xTest)));
    expect((await restored.embed(xTest, 2)).cols).toBe(8 * Math.floor(Math.floor(404 / 2) / 2));
    plugin.dispose();
    restored.dispose();
  });

  it('transformation-recognition hands its encoder to cnn-encoder and cnn-classifier', async () => {
    const pretext = registry.create<TransformationRecognitionPlugin>('transformation-recognition', {
      ...small,
      headHidden: [8, 8],
      epochs: 1,
    });
    await pretext.fit(xTrain);
    const metrics = await pretext.evaluate(xTest);
    expect(Object.keys(metrics.perTransform)).toEqual(['raw', 'add-noise', 'offset', 'multiplication', 'horizontal-flip', 'vertical-flip', 'permutation']);
    const state = await pretext.encoderState();
    const encoder = registry.create<CnnEncoderPlugin>('cnn-encoder', small);
    encoder.setState(state);
    const embedding = await encoder.embed(xTest, 3);
    expect([embedding.rows, embedding.cols]).toEqual([xTest.rows, 8 * 50]);
    const restored = registry.restore<TransformationRecognitionPlugin>(JSON.parse(JSON.stringify(registry.serialize(pretext))));
    expect(await restored.evaluate(xTest)).toEqual(metrics);
    const classifier = registry.create<CnnClassifierPlugin>('cnn-classifier', { ...small, hidden: [8, 8], epochs: 1, freezeEncoder: true });
    classifier.setPretrainedEncoder(state);
    const stages: string[] = [];
    await classifier.fit(xTrain, yTrain, 4, { onProgress: (p) => stages.push(p.stage) });
    expect(stages).toEqual(['finetune']);
    for (const p of [pretext, restored, classifier]) p.dispose();
  });
});
