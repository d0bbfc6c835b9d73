import { initBackend } from '../../src/engine/backend';
import { DEFAULT_PRETEXT, PretextModel, STREAM_VARIANTS_BYTES, fillVariantRows, fitTransforms, streamsVariants, type PretextConfig } from '../../src/engine/pretext';
import { selectRows } from '../../src/numeric/matrix';
import { loadTablet, splitEvery } from './tablet';
import { createSslTransform } from '../../src/plugins/transforms';

const config = (epochs: number): PretextConfig => ({
  ...DEFAULT_PRETEXT,
  encoder: { ...DEFAULT_PRETEXT.encoder, filters: [8, 16, 16] },
  headHidden: [32, 16],
  epochs,
  adam: { ...DEFAULT_PRETEXT.adam, learningRate: 1e-3 },
  streamVariants: true,
});

const tablet = loadTablet();
const { train, test } = splitEvery(tablet.y, 3);
const xTrain = selectRows(tablet.x, train);
const xTest = selectRows(tablet.x, test);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('pre-training with streamed variants', () => {
  it('streams above the size limit (or when asked) and holds the variants below it', () => {
    const rowsAtLimit = Math.floor(STREAM_VARIANTS_BYTES / (7 * 404 * 4));
    expect(streamsVariants(DEFAULT_PRETEXT, rowsAtLimit, 404)).toBe(false);
    expect(streamsVariants(DEFAULT_PRETEXT, rowsAtLimit + 1, 404)).toBe(true);
    // A 20,000-spectrum library of 1557 points: its 7 variants would take 872 MB of float32.
    expect(streamsVariants(DEFAULT_PRETEXT, 20_000, 1557)).toBe(true);
    // The 20,000-spectrum library of the benchmark (404 points): 226 MB held, so streamed.
    expect(streamsVariants(DEFAULT_PRETEXT, 20_000, 404)).toBe(true);
    // Tablet's training folds stay as they were.
    expect(streamsVariants(DEFAULT_PRETEXT, 248, 404)).toBe(false);
    expect(streamsVariants({ ...DEFAULT_PRETEXT, streamVariants: false }, 20_000, 1557)).toBe(false);
  });

  it('generates a row the same way whichever batch it falls in: raw rows as they are, variants seeded per spectrum', () => {
    const x = selectRows(xTrain, [0, 1, 2, 3, 4]);
    const transforms = fitTransforms(DEFAULT_PRETEXT, createSslTransform, x);
    const n = x.rows;
    const rowsA = Int32Array.from([0, 1 * n + 2, 6 * n + 4, 3 * n + 1]);
    const rowsB = Int32Array.from([3 * n + 1, 6 * n + 4, 1 * n + 2]);
    const outA = new Float32Array(rowsA.length * x.cols);
    const outB = new Float32Array(rowsB.length * x.cols);
    fillVariantRows(x, transforms, 7, rowsA, outA);
    fillVariantRows(x, transforms, 7, rowsB, outB);
    const rowOf = (out: Float32Array, k: number) => Array.from(out.subarray(k * x.cols, (k + 1) * x.cols));
    expect(rowOf(outA, 0)).toEqual(Array.from(x.data.subarray(0, x.cols)));
    expect(rowOf(outA, 1)).toEqual(rowOf(outB, 2));
    expect(rowOf(outA, 2)).toEqual(rowOf(outB, 1));
    expect(rowOf(outA, 3)).toEqual(rowOf(outB, 0));
    // A transformed variant differs from its raw spectrum.
    expect(rowOf(outA, 1)).not.toEqual(Array.from(x.data.subarray(2 * x.cols, 3 * x.cols)));
  });

  it('learns the pretext task from streamed batches as from held variants', async () => {
    const { model } = await PretextModel.train(xTrain, config(8), createSslTransform);
    try {
      const metrics = model.evaluate(xTest);
      expect(metrics.accuracy).toBeGreaterThan(0.5);
      for (const name of ['horizontal-flip', 'vertical-flip']) expect(metrics.perTransform[name].f1).toBeGreaterThan(0.8);
    } finally {
      model.dispose();
    }
  }, 300_000);
});
