import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { ClassifierModel, DEFAULT_CLASSIFIER, type ClassifierConfig } from '../../src/engine/classifier';
import { DEFAULT_PRETEXT, PretextModel, type PretextConfig } from '../../src/engine/pretext';
import { CancelledError } from '../../src/errors';
import { selectRows } from '../../src/numeric/matrix';
import { accuracy } from '../../src/numeric/metrics';
import type { TrainingProgress } from '../../src/plugins/contract';
import { loadTablet, splitEvery } from './tablet';
import { createSslTransform } from '../../src/plugins/transforms';

/**
 * Training on a slice of Tablet with a narrowed network (same architecture, fewer filters and
 * hidden units) so that the file runs in well under a minute on two cores.
 */
const SMALL_ENCODER = { ...DEFAULT_PRETEXT.encoder, filters: [8, 16, 16] };
const pretextConfig = (epochs: number, seed = 0): PretextConfig => ({
  ...DEFAULT_PRETEXT,
  encoder: SMALL_ENCODER,
  headHidden: [32, 16],
  epochs,
  seed,
  adam: { ...DEFAULT_PRETEXT.adam, learningRate: 1e-3 },
});
const classifierConfig = (epochs: number): ClassifierConfig => ({
  ...DEFAULT_CLASSIFIER,
  encoder: SMALL_ENCODER,
  hidden: [32, 16],
  epochs,
  adam: { ...DEFAULT_CLASSIFIER.adam, learningRate: 1e-3 },
});

const tablet = loadTablet();
const { train, test } = splitEvery(tablet.y, 3);
const xTrain = selectRows(tablet.x, train);
const xTest = selectRows(tablet.x, test);
const yTrain = Int32Array.from(train, (i) => tablet.y[i]);
const yTest = Int32Array.from(test, (i) => tablet.y[i]);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('SSL training on Tablet', () => {
  it('learns the pretext task and then beats the majority class on held-out spectra', async () => {
    const counts: number[] = [];
    const progress: TrainingProgress[] = [];
    const before = tf.memory().numTensors;
    const { model } = await PretextModel.train(xTrain, pretextConfig(8), createSslTransform, {
      onProgress: (p) => {
        progress.push(p);
        counts.push(tf.memory().numTensors);
      },
    });
    const metrics = model.evaluate(xTest);
    // 7-way chance is 1/7; flips, permutation and noise alone are 4 of 7 variants.
    expect(metrics.accuracy).toBeGreaterThan(0.5);
    for (const name of ['horizontal-flip', 'vertical-flip']) expect(metrics.perTransform[name].f1).toBeGreaterThan(0.8);
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress[7].loss).toBeLessThan(progress[0].loss);
    expect(progress[0].extra?.['acc:permutation']).toBeGreaterThanOrEqual(0);
    expect(new Set(counts).size).toBe(1);

    const encoder = model.encoderBytes();
    model.dispose();
    const { model: classifier } = await ClassifierModel.train(xTrain, yTrain, 4, classifierConfig(25), { pretrainedEncoder: encoder });
    const heldOut = accuracy(yTest, classifier.predict(xTest));
    const majority = Math.max(...[0, 1, 2, 3].map((c) => yTest.filter((v) => v === c).length)) / yTest.length;
    expect(heldOut).toBeGreaterThan(majority + 0.2);
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // ~35 s alone on this VM; the margin is for two cores shared with other suites.
  }, 150_000);

  it('is deterministic for a seed and differs across seeds', async () => {
    const slice = selectRows(xTrain, Array.from({ length: 20 }, (_, i) => i * 5));
    const run = async (seed: number): Promise<Uint8Array> => {
      const { model } = await PretextModel.train(slice, pretextConfig(2, seed), createSslTransform);
      const bytes = model.toBytes();
      model.dispose();
      return bytes;
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('round-trips weights through bytes exactly', async () => {
    const slice = selectRows(xTrain, Array.from({ length: 24 }, (_, i) => i * 4));
    const labels = Int32Array.from({ length: 24 }, (_, i) => yTrain[i * 4]);
    const { model } = await ClassifierModel.train(slice, labels, 4, classifierConfig(2));
    const bytes = model.toBytes();
    const restored = ClassifierModel.fromBytes(model.config, model.inputLength, 4, model.scaler, bytes);
    expect(Buffer.from(restored.toBytes()).equals(Buffer.from(bytes))).toBe(true);
    expect(Array.from(restored.predictProba(xTest).data)).toEqual(Array.from(model.predictProba(xTest).data));
    // Running statistics are part of the weights: they moved away from their initial values.
    const running = [...model.store.running.values()][0];
    expect(running.mean.some((v) => v !== 0)).toBe(true);
    model.dispose();
    restored.dispose();
  });

  it('stops with CancelledError when aborted, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[] = [];
    const run = PretextModel.train(xTrain, pretextConfig(50), createSslTransform, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.epoch);
        controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toEqual([1]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops early when the monitored loss stops improving and restores the best weights', async () => {
    const slice = selectRows(xTrain, Array.from({ length: 24 }, (_, i) => i * 4));
    const labels = Int32Array.from({ length: 24 }, (_, i) => yTrain[i * 4]);
    const config: ClassifierConfig = {
      ...classifierConfig(40),
      adam: { ...DEFAULT_CLASSIFIER.adam, learningRate: 0.05 },
      earlyStopping: { patience: 2, minDelta: 0, restoreBest: true },
    };
    const { model, result } = await ClassifierModel.train(slice, labels, 4, config, { validation: { x: xTest, y: yTest } });
    expect(result.epochsRun).toBeLessThan(40);
    expect(result.bestEpoch).toBe(result.epochsRun - 2);
    expect(result.history[0].extra?.valLoss).toBeGreaterThan(0);
    model.dispose();
  });
});
