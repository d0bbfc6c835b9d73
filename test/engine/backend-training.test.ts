import { initBackend, type BackendName } from '../../src/engine/backend';
import { ClassifierModel, DEFAULT_CLASSIFIER, type ClassifierConfig } from '../../src/engine/classifier';
import { DEFAULT_PRETEXT, PretextModel, type PretextConfig } from '../../src/engine/pretext';
import { selectRows } from '../../src/numeric/matrix';
import { nativeBuilt } from '../helpers/backend';
import { relativeError } from '../helpers/numeric';
import { loadTablet, splitEvery } from './tablet';
import { createSslTransform } from '../../src/plugins/transforms';

/**
 * The native and wasm backends train and predict alike: a few epochs of pretext training give
 * the same losses to 1e-4 relative, and a classifier trained on one predicts the same
 * probabilities on the other. The encoder is narrowed but keeps 16+ channels after the first
 * layer, so the Winograd convolutions run too. The paper's learning rate: Adam's first steps move
 * every weight by about the learning rate whatever the gradient's size, so a gradient that is
 * zero up to rounding moves its weight by +-lr on one backend and -+lr on the other; the losses
 * drift apart by some 5e-5 per epoch from that alone (2e-5, 4e-5, 1.5e-4 over three epochs on
 * this VM), so two epochs are compared (docs/benchmarks/native-kernels.md).
 */
const describeNative = nativeBuilt() ? describe : describe.skip;

const ENCODER = { ...DEFAULT_PRETEXT.encoder, filters: [16, 32, 32] };
const pretextConfig: PretextConfig = { ...DEFAULT_PRETEXT, encoder: ENCODER, headHidden: [32, 16], epochs: 2 };
const classifierConfig: ClassifierConfig = { ...DEFAULT_CLASSIFIER, encoder: ENCODER, hidden: [32, 16], epochs: 3, adam: { ...DEFAULT_CLASSIFIER.adam, learningRate: 1e-3 } };

const tablet = loadTablet();
const { train, test } = splitEvery(tablet.y, 3);
const xTrain = selectRows(tablet.x, train.slice(0, 64));
const yTrain = Int32Array.from(train.slice(0, 64), (i) => tablet.y[i]);
const xTest = selectRows(tablet.x, test);
const nClasses = tablet.classes.length;

afterAll(async () => {
  await initBackend('wasm');
});

async function pretextLosses(backend: BackendName): Promise<number[]> {
  await initBackend(backend);
  const { model, result } = await PretextModel.train(xTrain, pretextConfig, createSslTransform);
  model.dispose();
  return result.history.map((p) => p.loss);
}

describeNative('native and wasm backends agree', () => {
  it('pretext training: the same loss every epoch (two) to 1e-4 relative', async () => {
    const native = await pretextLosses('native');
    const wasm = await pretextLosses('wasm');
    expect(native).toHaveLength(2);
    native.forEach((loss, epoch) => expect(Math.abs(loss - wasm[epoch]) / wasm[epoch]).toBeLessThan(1e-4));
  });

  it.each([
    ['native', 'wasm'],
    ['wasm', 'native'],
  ] as const)('a classifier trained on %s predicts the same on %s', async (trainedOn, predictedOn) => {
    await initBackend(trainedOn);
    const { model } = await ClassifierModel.train(xTrain, yTrain, nClasses, classifierConfig);
    const expected = model.predictProba(xTest).data;
    const bytes = model.toBytes();
    const scaler = model.scaler;
    model.dispose();
    await initBackend(predictedOn);
    const moved = ClassifierModel.fromBytes(classifierConfig, xTest.cols, nClasses, scaler, bytes);
    const actual = moved.predictProba(xTest).data;
    moved.dispose();
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });
});
