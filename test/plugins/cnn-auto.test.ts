import { initBackend } from '../../src/engine/backend';
import {
  DEFAULT_AUTO_SETTINGS,
  autoBatchSize,
  autoFinetune,
  chooseScaling,
  innerPatience,
  innerSplits,
  majorityRate,
  poolScores,
  stepsPerEpoch,
  type CandidateScore,
} from '../../src/engine/auto-finetune';
import { DEFAULT_CLASSIFIER } from '../../src/engine/classifier';
import { DEFAULT_ENCODER } from '../../src/engine/cnn';
import type { TrainingProgress } from '../../src/engine/training';
import { matrix, selectRows } from '../../src/numeric/matrix';
import { Rng } from '../../src/numeric/rng';
import { innerKFold, labelFractionSubset, stratifiedKFold, stratifiedHoldout } from '../../src/numeric/splits';
import type { ClassifierPlugin } from '../../src/plugins/contract';
import { CNN_PLUGINS } from '../../src/plugins/models/cnn';
import type { CnnClassifierPlugin } from '../../src/plugins/models/cnn/cnn-classifier.plugin';
import { chooseHead } from '../../src/plugins/models/cnn/probe-head';
import { PluginRegistry } from '../../src/plugins/registry';
import { runFoldJob, type FoldJob } from '../../src/services/experiments/fold-runner';
import { loadTablet } from '../engine/tablet';

/**
 * The CNN classifier's automatic mode on a small set (60 spectra, 4 classes, 404 points: the size
 * at which the fixed defaults predicted the majority class), its warnings, and its honesty:
 * every choice is made on the training rows only.
 */
const tablet = loadTablet();
const small = labelFractionSubset(Int32Array.from(tablet.y.keys()), tablet.y, 60 / tablet.y.length, 3);
const x = selectRows(tablet.x, small);
const y = Int32Array.from(small, (i) => tablet.y[i]);
const plugins = { directory: null, packages: [] };

function foldJob(train: Int32Array, test: Int32Array, params: Record<string, unknown>, spectra = x): FoldJob {
  return { x: spectra, y, nClasses: 4, train, labelled: train, test, preprocessing: [], model: { plugin: 'cnn-classifier', params }, seed: 0, plugins };
}

// The shipped architecture narrowed (fewer filters and hidden units) so that the file runs in
// well under a minute; the automatic mode's logic is what is under test.
const NARROW = { filters: [8, 16, 16], hidden: [32, 16] };
const AUTO = { ...NARROW, auto: true, epochs: 40, autoPatience: 10, pretext: { epochs: 4, headHidden: [16, 8] } };

beforeAll(async () => {
  await initBackend('wasm');
});

describe('cnn-classifier auto mode', () => {
  it('beats the majority class on every fold of a 60-spectrum, 4-class set', async () => {
    for (const [k, fold] of stratifiedKFold(y, 5, 0).entries()) {
      const outcome = await runFoldJob(foldJob(fold.train, fold.test, AUTO));
      const majority = majorityRate(Int32Array.from(fold.test, (i) => y[i]));
      expect({ fold: k, beatsMajority: outcome.report.accuracy > majority }).toEqual({ fold: k, beatsMajority: true });
      expect(outcome.warnings).toEqual([]);
      expect(outcome.choices).toMatchObject({
        scaling: { chosen: expect.any(String) },
        learningRate: { chosen: expect.any(Number) },
        innerFolds: 3,
        final: 'refit',
      });
    }
  }, 240_000);

  it.each([
    ['one hold-out split: the inner model and the refit', 1, true, 1, 'ensemble'],
    ['three inner folds: one network per fold', 3, true, 2, 'cross-fit'],
    ['three inner folds, the default: the refit alone', 3, false, 0, 'refit'],
  ])('stores the final model (%s) and predicts the same after a restore', async (_, innerFolds, ensemble, extraMembers, final) => {
    const fold = stratifiedKFold(y, 5, 0)[2];
    const params = { ...AUTO, ssl: false, epochs: 6, autoScalings: ['global'], autoLearningRates: [1e-3], autoAugment: false, autoInnerFolds: innerFolds, autoEnsemble: ensemble };
    const registry = new PluginRegistry(CNN_PLUGINS);
    const model = registry.create<ClassifierPlugin>('cnn-classifier', params);
    const xTrain = selectRows(x, fold.train);
    await model.fit(xTrain, Int32Array.from(fold.train, (i) => y[i]), 4);
    const saved = registry.serialize(model);
    expect((saved.state as { ensembleMembers?: unknown[] }).ensembleMembers ?? []).toHaveLength(extraMembers);
    expect(model.fitSummary?.().choices).toMatchObject({ innerFolds, final });
    const restored = registry.restore<ClassifierPlugin>(JSON.parse(JSON.stringify(saved)));
    const xTest = selectRows(x, fold.test);
    const before = await model.predictProba(xTest);
    const after = await restored.predictProba(xTest);
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
    for (let r = 0; r < after.rows; r++) expect(after.data.subarray(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  }, 60_000);

  it('makes every choice from the training rows: perturbing the test spectra changes none', async () => {
    const fold = stratifiedKFold(y, 5, 0)[1];
    const params = { ...AUTO, epochs: 15, autoLearningRates: [1e-3, 1e-4], autoAugment: true };
    const perturbed = matrix(x.rows, x.cols, Float32Array.from(x.data));
    const rng = new Rng(9);
    for (const row of fold.test) {
      for (let c = 0; c < x.cols; c++) perturbed.data[row * x.cols + c] = perturbed.data[row * x.cols + c] * (1 + rng.uniform(-0.5, 0.5)) + rng.normal();
    }
    const original = await runFoldJob(foldJob(fold.train, fold.test, params));
    const changed = await runFoldJob(foldJob(fold.train, fold.test, params, perturbed));
    expect(changed.choices).toEqual(original.choices);
    expect(Object.keys(original.choices)).toEqual(expect.arrayContaining(['scaling', 'learningRate', 'augmentation', 'epochs', 'head']));
  }, 120_000);

  it('trains a CNN from scratch once per candidate: the scaling choice\'s networks are its first learning rate\'s', async () => {
    const fold = stratifiedKFold(y, 5, 0)[3];
    const xTrain = selectRows(x, fold.train);
    const yTrain = Int32Array.from(fold.train, (i) => y[i]);
    const settings = { ...DEFAULT_AUTO_SETTINGS, learningRates: [1e-3, 3e-4], patience: 4, seed: 7 };
    const base = { ...DEFAULT_CLASSIFIER, encoder: { ...DEFAULT_ENCODER, filters: NARROW.filters }, hidden: NARROW.hidden, epochs: 8 };
    const splits = innerSplits(yTrain, settings);
    const counting = () => {
      const counter = { runs: 0, onProgress: (p: TrainingProgress) => void (p.stage === 'select' && p.epoch === 1 && counter.runs++) };
      return counter;
    };
    const reusing = counting();
    const scaling = await chooseScaling(xTrain, yTrain, 4, base, settings, splits, reusing, true);
    const scaled = { ...base, scaling: scaling.chosen };
    const reused = await autoFinetune(xTrain, yTrain, 4, scaled, null, settings, splits, reusing, scaling.winner);
    const fresh = counting();
    const retrained = await autoFinetune(xTrain, yTrain, 4, scaled, null, settings, splits, fresh);
    try {
      expect(reused.choices).toEqual(retrained.choices);
      expect(reusing.runs).toBe((2 + 1) * splits.length);
      expect(fresh.runs).toBe(2 * splits.length);
      const xTest = selectRows(x, fold.test);
      reused.models.forEach((model, k) => expect(Array.from(model.predictProba(xTest).data)).toEqual(Array.from(retrained.models[k].predictProba(xTest).data)));
    } finally {
      for (const model of [...reused.models, ...retrained.models]) model.dispose();
    }
    const plugin = new PluginRegistry(CNN_PLUGINS).create<CnnClassifierPlugin>('cnn-classifier', { ...AUTO, ssl: false, epochs: 8, autoLearningRates: [1e-3, 3e-4] });
    const viaPlugin = counting();
    await plugin.fit(xTrain, yTrain, 4, viaPlugin);
    // No pre-trained encoder, so no probe head to compare.
    expect(plugin.fitSummary().choices).not.toHaveProperty('head');
    plugin.dispose();
    expect(viaPlugin.runs).toBe((2 + 1) * splits.length);
  }, 60_000);

  it('predicts with a probe on the frozen encoder where fine-tuning learned nothing, and restores it', async () => {
    const fold = stratifiedKFold(y, 5, 0)[4];
    const params = { ...AUTO, epochs: 5, autoScalings: ['global'], autoLearningRates: [0], autoProbeDepths: [1, 2] };
    const registry = new PluginRegistry(CNN_PLUGINS);
    const model = registry.create<ClassifierPlugin>('cnn-classifier', params);
    await model.fit(selectRows(x, fold.train), Int32Array.from(fold.train, (i) => y[i]), 4);
    const { choices, warnings } = model.fitSummary!();
    const head = choices.head as { chosen: string; depth: number; candidates: CandidateScore[] };
    expect(head.candidates.map((c) => c.candidate)).toEqual(['fine-tuned', 'pls-da on block 1', 'pls-da on block 2']);
    expect(head.candidates[0].learned).toBe(false);
    expect(head.chosen).toBe(`pls-da on block ${head.depth}`);
    expect(warnings).toEqual([]);
    const xTest = selectRows(x, fold.test);
    const predicted = await model.predict(xTest);
    const hits = fold.test.filter((row, i) => predicted[i] === y[row]).length;
    expect(hits / fold.test.length).toBeGreaterThan(majorityRate(Int32Array.from(fold.test, (i) => y[i])));
    const saved = registry.serialize(model);
    expect(saved.state).toMatchObject({ head: 'probe', probe: 'pls-da', depth: head.depth });
    const restored = registry.restore<ClassifierPlugin>(JSON.parse(JSON.stringify(saved)));
    expect(Array.from((await restored.predictProba(xTest)).data)).toEqual(Array.from((await model.predictProba(xTest)).data));
  }, 60_000);

  it('warns when the network cannot learn (learning rate 0), with and without the automatic mode', async () => {
    const fold = stratifiedKFold(y, 5, 0)[0];
    const fixed = await runFoldJob(foldJob(fold.train, fold.test, { ...NARROW, ssl: false, learningRate: 0, epochs: 3 }));
    expect(fixed.warnings.join(' ')).toMatch(/loss never fell|majority class/);
    const auto = await runFoldJob(foldJob(fold.train, fold.test, { ...NARROW, ssl: false, auto: true, autoLearningRates: [0], autoScalings: ['global'], epochs: 5 }));
    expect(auto.warnings.join(' ')).toMatch(/no learning rate taught the network anything/);
  }, 60_000);
});

describe('stratifiedHoldout', () => {
  it('holds out about the fraction of each class, keeps a row of every class and keeps groups whole', () => {
    const labels = Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2]);
    const groups = ['a', 'a', 'b', 'c', 'd', 'e', 'e', 'f', 'g', 'h', 'i'];
    const { train, test } = stratifiedHoldout(labels, 0.4, 1, groups);
    expect(train.length + test.length).toBe(labels.length);
    for (const c of [0, 1, 2]) expect(Array.from(train).some((i) => labels[i] === c)).toBe(true);
    expect(Array.from(test).some((i) => labels[i] === 2)).toBe(false);
    const testGroups = new Set(Array.from(test, (i) => groups[i]));
    for (const i of train) expect(testGroups.has(groups[i])).toBe(false);
    expect(stratifiedHoldout(labels, 0.4, 1, groups)).toEqual({ train, test });
  });
});

describe('innerKFold', () => {
  const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 3, 3]);

  it('holds out every row of a class with two or more rows exactly once, and never a class of one row', () => {
    const folds = innerKFold(labels, 3, 4);
    expect(folds).toHaveLength(3);
    const heldOut = folds.flatMap((fold) => Array.from(fold.test)).sort((a, b) => a - b);
    expect(heldOut).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]);
    for (const fold of folds) {
      for (const c of [0, 1, 2, 3]) expect(Array.from(fold.train).some((i) => labels[i] === c)).toBe(true);
      expect(fold.train.length + fold.test.length).toBe(labels.length);
    }
    expect(Math.max(...folds.map((f) => f.test.length)) - Math.min(...folds.map((f) => f.test.length))).toBeLessThanOrEqual(1);
    expect(innerKFold(labels, 3, 4)).toEqual(folds);
  });

  it('keeps groups whole and leaves out folds that would hold out nothing', () => {
    const groups = ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd', 'e', 'e', 'f', 'g', 'g'];
    const folds = innerKFold(labels, 3, 1, groups);
    for (const fold of folds) {
      const testGroups = new Set(Array.from(fold.test, (i) => groups[i]));
      for (const i of fold.train) expect(testGroups.has(groups[i])).toBe(false);
    }
    expect(innerKFold(Int32Array.from([0, 0, 1, 1]), 5, 0)).toHaveLength(4);
    expect(innerKFold(Int32Array.from([0, 1, 2]), 3, 0)).toEqual([]);
  });
});

describe('innerPatience', () => {
  it('counts at least patienceSteps optimiser steps, so a run on a few rows is not stopped before it moved', () => {
    const settings = { ...DEFAULT_AUTO_SETTINGS, patience: 20, patienceSteps: 100, seed: 0 };
    // 6 rows in one batch of 8: one step per epoch, so 100 epochs; a last batch of one row is no step.
    expect(stepsPerEpoch(6, autoBatchSize(6, 32))).toBe(1);
    expect(innerPatience(settings, 6, autoBatchSize(6, 32))).toBe(100);
    expect(stepsPerEpoch(17, 8)).toBe(2);
    expect(stepsPerEpoch(18, 8)).toBe(3);
    expect(innerPatience(settings, 18, 8)).toBe(34);
    // 165 rows in batches of 32: 6 steps per epoch, and 20 epochs are already 120 steps.
    expect(innerPatience(settings, 165, autoBatchSize(165, 32))).toBe(20);
    expect(innerPatience({ ...settings, patienceSteps: 0 }, 6, 8)).toBe(20);
  });
});

describe('chooseHead', () => {
  const score = (candidate: string, valAccuracy: number, valLoss: number, learned = true): CandidateScore => ({ candidate, valAccuracy, valLoss, bestEpoch: 0, epochsRun: 0, learned });
  const network = score('fine-tuned', 0.8, 0.5);

  it('keeps the fine-tuned network unless a probe validates more accurately (losses are not compared)', () => {
    expect(chooseHead(network, [score('a', 0.8, 0.01), score('b', 0.7, 0.01)])).toBe(-1);
    expect(chooseHead(network, [score('a', 0.8, 0.9), score('b', 0.85, 1.3)])).toBe(1);
  });

  it('prefers among probes the higher accuracy, then the lower loss, then the shallower block', () => {
    expect(chooseHead(network, [score('a', 0.9, 1.2), score('b', 0.9, 1.1), score('c', 0.9, 1.1)])).toBe(1);
  });

  it('never picks a probe that learned nothing, and picks one that learned over a network that did not', () => {
    expect(chooseHead(network, [score('a', 0.95, 0.1, false)])).toBe(-1);
    expect(chooseHead(score('fine-tuned', 0.9, 0.2, false), [score('a', 0.6, 1.3)])).toBe(0);
  });
});

describe('poolScores', () => {
  const score = (valAccuracy: number, valLoss: number, bestEpoch: number, learned = true): CandidateScore => ({
    candidate: 'fold',
    valAccuracy,
    valLoss,
    bestEpoch,
    epochsRun: bestEpoch + 20,
    learned,
  });

  it('weights each inner fold by its validation rows and takes the median best epoch', () => {
    const labels = [Int32Array.from([0, 1, 0, 1]), Int32Array.from([0, 1]), Int32Array.from([0, 1])];
    const pooled = poolScores('3e-4', [score(1, 0.1, 40), score(0.5, 0.7, 10), score(0.5, 0.5, 90)], labels);
    expect(pooled).toMatchObject({ candidate: '3e-4', bestEpoch: 40, epochsRun: 200, foldEpochs: [40, 10, 90], learned: true });
    expect(pooled.valAccuracy).toBeCloseTo(0.75, 12);
    expect(pooled.valLoss).toBeCloseTo((0.4 + 1.4 + 1.0) / 8, 12);
  });

  it('has not learned when the pooled accuracy is at the majority rate or most inner runs did not learn', () => {
    const labels = [Int32Array.from([0, 0, 1]), Int32Array.from([0, 0, 1])];
    expect(poolScores('a', [score(2 / 3, 0.6, 5), score(2 / 3, 0.6, 5)], labels).learned).toBe(false);
    expect(poolScores('b', [score(1, 0.1, 5, false), score(1, 0.1, 5)], labels).learned).toBe(false);
    expect(poolScores('c', [score(1, 0.1, 5), score(1, 0.1, 5)], labels).learned).toBe(true);
  });
});
