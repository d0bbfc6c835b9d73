import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { ADAM_STEP, BN_RELU_POOL, BN_RELU_POOL_INFER, adamUpdate } from '../../src/engine/kernels/fused';
import { ADAM_STEP_HEAP } from '../../src/engine/kernels/wasm/adam-step';
import { bnReluPoolComposite } from '../../src/engine/ops';
import { Rng } from '../../src/numeric/rng';
import { relativeError } from '../helpers/numeric';

/**
 * The project's wasm kernels against the stock cpu backend (and the fused kernels against a
 * composite of stock ops), on random shapes, plus a leak check for each.
 */
const rng = new Rng(7);
function random(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Runs `op` on fresh tensors of `inputs` on a backend; returns its output values. */
async function runOn(backend: 'cpu' | 'wasm', inputs: { values: Float32Array; shape: number[] }[], op: (...t: tf.Tensor[]) => tf.Tensor): Promise<Float32Array> {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const values = tf.tidy(() => op(...inputs.map((i) => tf.tensor(i.values, i.shape))).dataSync() as Float32Array);
  expect(tf.memory().numTensors).toBe(before);
  return Float32Array.from(values);
}

async function compare(shapes: number[][], op: (...t: tf.Tensor[]) => tf.Tensor): Promise<void> {
  const inputs = shapes.map((shape) => ({ values: random(shape), shape }));
  const expected = await runOn('cpu', inputs, op);
  const actual = await runOn('wasm', inputs, op);
  expect(relativeError(actual, expected)).toBeLessThan(1e-5);
}

afterAll(async () => {
  await initBackend('wasm');
});

describe('wasm BatchMatMul', () => {
  const cases: [number, number, number, boolean, boolean][] = [
    [32, 6400 / 50, 7 * 8, false, false],
    [5, 17, 9, false, true],
    [5, 17, 9, true, false],
    [6, 13, 11, true, true],
    [1, 33, 1, false, false],
    [1, 7, 300, false, true],
    [300, 7, 1, true, false],
    [64, 300, 3, true, false],
    // SIMD gemm paths (a side a multiple of 8), with depth chunks (k > 256) and row panels (> 128 rows).
    [16, 37, 24, false, false],
    [16, 37, 24, false, true],
    [16, 37, 24, true, false],
    [16, 37, 24, true, true],
    [13, 600, 8, false, false],
    [200, 300, 40, true, false],
    [32, 520, 13, false, true],
    [9, 19, 5, true, true],
  ];
  it.each(cases)('m=%i k=%i n=%i transposeA=%s transposeB=%s matches cpu', async (m, k, n, ta, tb) => {
    const aShape = ta ? [k, m] : [m, k];
    const bShape = tb ? [n, k] : [k, n];
    await compare([aShape, bShape], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb));
  });

  it('handles a batch of A against one shared B and true batches', async () => {
    await compare([[3, 4, 5], [5, 6]], (a, b) => tf.matMul(a, tf.reshape(b, [1, 5, 6])));
    await compare([[3, 4, 5], [3, 6, 5]], (a, b) => tf.matMul(a, b, false, true));
  });
});

describe('wasm _FusedMatMul', () => {
  const cases: [number, number, number, boolean, boolean, 'linear' | 'relu'][] = [
    [32, 300, 64, false, false, 'relu'],
    [7, 40, 16, false, false, 'linear'],
    [16, 30, 8, true, true, 'relu'],
    [5, 12, 3, false, false, 'relu'],
  ];
  it.each(cases)('m=%i k=%i n=%i transposeA=%s transposeB=%s %s with bias matches cpu', async (m, k, n, ta, tb, activation) => {
    const aShape = ta ? [k, m] : [m, k];
    const bShape = tb ? [n, k] : [k, n];
    await compare([aShape, bShape, [n]], (a, b, bias) =>
      tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: ta, transposeB: tb, bias, activation }),
    );
  });
});

describe('wasm convolution gradients', () => {
  type Shape4 = [number, number, number, number];
  const cases: { name: string; x: Shape4; f: Shape4; stride: number; pad: 'same' | 'valid' }[] = [
    { name: '1-D same, odd length', x: [3, 1, 101, 4], f: [1, 3, 4, 6], stride: 1, pad: 'same' },
    { name: '1-D valid', x: [2, 1, 57, 5], f: [1, 3, 5, 3], stride: 1, pad: 'valid' },
    { name: 'batch 1, one input channel', x: [1, 1, 33, 1], f: [1, 3, 1, 8], stride: 1, pad: 'same' },
    // Output channels a multiple of 8: the tap-wise SIMD paths (long rows cross the gemm's depth chunks).
    { name: '1-D same, 16 outputs', x: [3, 1, 301, 5], f: [1, 3, 5, 16], stride: 1, pad: 'same' },
    { name: '1-D valid, kernel 5, 8 outputs', x: [2, 1, 40, 9], f: [1, 5, 9, 8], stride: 1, pad: 'valid' },
    { name: '1-D same, even kernel', x: [2, 1, 21, 3], f: [1, 4, 3, 24], stride: 1, pad: 'same' },
    // Three taps over 16+ input channels: Winograd F(4, 3), with lengths that leave partial
    // tiles, batches over several chunks of samples, and valid padding.
    { name: 'Winograd same, partial last tile', x: [3, 1, 101, 16], f: [1, 3, 16, 8], stride: 1, pad: 'same' },
    { name: 'Winograd same, batch over several chunks', x: [45, 1, 50, 32], f: [1, 3, 32, 16], stride: 1, pad: 'same' },
    { name: 'Winograd valid', x: [2, 1, 57, 20], f: [1, 3, 20, 24], stride: 1, pad: 'valid' },
    // Its input gradient is a full-padded (pad 2) Winograd convolution of dy.
    { name: 'Winograd valid, input gradient too', x: [2, 1, 31, 16], f: [1, 3, 16, 24], stride: 1, pad: 'valid' },
    { name: 'Winograd, one tile', x: [1, 1, 4, 16], f: [1, 3, 16, 8], stride: 1, pad: 'same' },
    { name: '2-D stride 2 same', x: [2, 9, 11, 3], f: [3, 3, 3, 4], stride: 2, pad: 'same' },
    { name: '2-D stride 3 valid, even kernel', x: [2, 10, 13, 2], f: [2, 4, 2, 5], stride: 3, pad: 'valid' },
  ];
  it.each(cases)('$name: filter and input gradients match cpu', async ({ x, f, stride, pad }) => {
    const out = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(f) as tf.Tensor4D, stride, pad).shape as number[]);
    await compare([x, out], (xs, dy) =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xs, dy }, { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape: f }) as tf.Tensor,
    );
    await compare([out, f], (dy, filter) =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { strides: [stride, stride], pad, dataFormat: 'NHWC', inputShape: x }) as tf.Tensor,
    );
  });

  it.each(cases)('$name: forward convolution (plain and fused with bias and ReLU) matches cpu', async ({ x, f, stride, pad }) => {
    await compare([x, f], (xs, filter) => tf.conv2d(xs as tf.Tensor4D, filter as tf.Tensor4D, stride, pad));
    await compare([x, f, [f[3]]], (xs, filter, bias) =>
      tf.fused.conv2d({ x: xs as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: stride, pad, bias, activation: 'relu' }),
    );
  });

  it('conv1d gradients through tf.grads match cpu (the training path)', async () => {
    for (const shapes of [[[4, 1, 45, 3], [1, 3, 3, 7]], [[3, 1, 50, 8], [1, 3, 8, 16]], [[3, 1, 50, 16], [1, 3, 16, 16]]]) await compare(shapes, (xs, f) => {
      const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([xs, f]);
      return tf.concat([tf.reshape(gx, [-1]), tf.reshape(gf, [-1])]);
    });
  });
});

describe('fused batch-norm + ReLU + max-pool', () => {
  // Channels a multiple of 4 run the SIMD kernels on wasm, others the JavaScript ones; odd
  // lengths leave a position out of every pooling window; the last shape has more rows than one
  // float32 partial sum of the SIMD moments.
  const shapes = [
    [4, 1, 37, 5],
    [1, 1, 8, 3],
    [3, 1, 20, 16],
    [1, 1, 9, 4],
    [5, 1, 51, 32],
  ];
  it.each(shapes)('forward and gradients match the composite of stock ops (%j), on cpu and wasm', async (...shape) => {
    const channels = shape[3];
    const inputs = [
      { values: random(shape), shape },
      { values: Float32Array.from(random([channels]), (v) => 1 + 0.3 * v), shape: [channels] },
      { values: random([channels]), shape: [channels] },
      { values: random([shape[0], 1, Math.floor(shape[2] / 2), channels]), shape: [shape[0], 1, Math.floor(shape[2] / 2), channels] },
    ];
    const run = (fused: boolean) => (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, dy: tf.Tensor) => {
      const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor): tf.Tensor => {
        const y = fused
          ? (tf.engine().runKernel(BN_RELU_POOL, { x: xx, gamma: gg, beta: bb }, { training: true, epsilon: 1e-5 }) as unknown as tf.Tensor[])[0]
          : bnReluPoolComposite(xx as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5, null).y;
        return tf.sum(tf.mul(y, dy));
      };
      const { value, grads } = tf.valueAndGrads(f)([x, g, b]);
      return tf.concat([tf.reshape(value, [1]), ...grads.map((t) => tf.reshape(t, [-1]))]);
    };
    const expected = await runOn('cpu', inputs, run(false));
    for (const backend of ['cpu', 'wasm'] as const) {
      const actual = await runOn(backend, inputs, run(true));
      expect(relativeError(actual, expected)).toBeLessThan(1e-5);
    }
  });
});

describe('fused batch-norm + ReLU + max-pool, inference (given statistics)', () => {
  it.each([
    [2, 1, 11, 6],
    [3, 1, 40, 64],
  ])('matches the composite of stock ops (%j), on cpu and wasm', async (...shape) => {
    const channels = shape[3];
    const vector = (f: (v: number) => number) => ({ values: Float32Array.from(random([channels]), f), shape: [channels] });
    const inputs = [{ values: random(shape), shape }, vector((v) => 1 + 0.3 * v), vector((v) => v), vector((v) => 0.2 * v), vector((v) => 0.5 + 0.4 * Math.abs(v))];
    const run = (fused: boolean) => (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor) =>
      fused
        ? (tf.engine().runKernel(BN_RELU_POOL_INFER, { x, gamma, beta, mean, variance }, { training: false, epsilon: 1e-5 }) as unknown as tf.Tensor[])[0]
        : bnReluPoolComposite(x as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5, { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D }).y;
    const expected = await runOn('cpu', inputs, run(false));
    for (const backend of ['cpu', 'wasm'] as const) {
      expect(relativeError(await runOn(backend, inputs, run(true)), expected)).toBeLessThan(1e-5);
    }
  });
});

describe('Sum and Identity on wasm', () => {
  it.each([
    [[3, 1, 7, 8], [0, 1, 2], false],
    [[130, 12], [0], true],
    [[4, 6], [1], false],
    [[2, 3, 5], [0, 1], false],
  ] as [number[], number[], boolean][])('sum of %j over %j (keepDims %s) matches cpu', async (shape, axis, keepDims) => {
    await compare([shape], (x) => tf.sum(x, axis, keepDims));
  });

  it('a clone shares the data until the last reference is disposed', async () => {
    await initBackend('wasm');
    const dataIds = () => tf.backend().numDataIds();
    const before = dataIds();
    const x = tf.tensor([1, 2, 3, 4]);
    const copy = tf.clone(x);
    expect(dataIds()).toBe(before + 1);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3, 4]);
    copy.dispose();
    expect(dataIds()).toBe(before);
  });
});

describe('fused Adam step', () => {
  it('matches the reference formula on cpu and wasm and updates the moments in place', async () => {
    const w = random([1000]);
    const g = random([1000]);
    const expectedM = new Float32Array(1000);
    const expectedV = new Float32Array(1000);
    const expected = new Float32Array(1000);
    adamUpdate(w, g, expectedM, expectedV, expected, 1e-3, 0.9, 0.999, 1e-8, 1);
    // Second step from the first one's moments, written out by hand (PyTorch's formula).
    const w2 = expected.slice();
    const out2 = new Float32Array(1000);
    adamUpdate(w2, g, expectedM, expectedV, out2, 1e-3, 0.9, 0.999, 1e-8, 2);
    for (let i = 0; i < 5; i++) {
      const m1 = 0.1 * g[i];
      const v1 = 0.001 * g[i] * g[i];
      const first = w[i] - (1e-3 * m1) / 0.1 / (Math.sqrt(v1 / 0.001) + 1e-8);
      expect(expected[i]).toBeCloseTo(first, 6);
      const m2 = 0.9 * m1 + 0.1 * g[i];
      const v2 = 0.999 * v1 + 0.001 * g[i] * g[i];
      const second = first - (1e-3 * m2) / (1 - 0.81) / (Math.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-8);
      expect(out2[i]).toBeCloseTo(second, 6);
    }
    for (const backend of ['cpu', 'wasm'] as const) {
      const m = new Float32Array(1000);
      const v = new Float32Array(1000);
      const actual = await runOn(backend, [{ values: w, shape: [1000] }, { values: g, shape: [1000] }], (wt, gt) =>
        tf.engine().runKernel(ADAM_STEP, { w: wt, g: gt }, { m, v, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 1 } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
      expect(relativeError(actual, expected)).toBeLessThan(1e-6);
      expect(m[3]).toBeCloseTo(0.1 * g[3], 6);
    }
  });

  it('on the wasm heap (SIMD, odd size) matches the reference and updates the moments in place', async () => {
    const size = 1003;
    const w = random([size]);
    const g1 = random([size]);
    const g2 = random([size]);
    const m = new Float32Array(size);
    const v = new Float32Array(size);
    const first = new Float32Array(size);
    const second = new Float32Array(size);
    adamUpdate(w, g1, m, v, first, 1e-3, 0.9, 0.999, 1e-8, 1);
    adamUpdate(first, g2, m, v, second, 1e-3, 0.9, 0.999, 1e-8, 2);
    await initBackend('wasm');
    expect(tf.getKernel(ADAM_STEP_HEAP, 'wasm')).toBeDefined();
    const before = tf.memory().numTensors;
    const [wt, g1t, g2t, mt, vt] = [tf.tensor(w), tf.tensor(g1), tf.tensor(g2), tf.zeros([size]), tf.zeros([size])];
    const attrs = (step: number) => ({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step }) as unknown as tf.NamedAttrMap;
    const w1 = tf.engine().runKernel(ADAM_STEP_HEAP, { w: wt, g: g1t, m: mt, v: vt }, attrs(1)) as tf.Tensor;
    expect(relativeError(w1.dataSync(), first)).toBeLessThan(1e-6);
    const w2 = tf.engine().runKernel(ADAM_STEP_HEAP, { w: w1, g: g2t, m: mt, v: vt }, attrs(2)) as tf.Tensor;
    expect(relativeError(w2.dataSync(), second)).toBeLessThan(1e-6);
    expect(relativeError(mt.dataSync(), m)).toBeLessThan(1e-6);
    expect(relativeError(vt.dataSync(), v)).toBeLessThan(1e-6);
    expect(wt.dataSync()).toEqual(w);
    tf.dispose([wt, g1t, g2t, mt, vt, w1, w2]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
