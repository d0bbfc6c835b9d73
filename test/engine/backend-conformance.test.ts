import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_ADAM } from '../../src/engine/adam';
import { initBackend, type BackendName } from '../../src/engine/backend';
import { BN_RELU_POOL, BN_RELU_POOL_INFER } from '../../src/engine/kernels/fused';
import { ADAM_STEP_HEAP } from '../../src/engine/kernels/wasm/adam-step';
import { nativeAddon } from '../../src/engine/kernels/native';
import { Rng } from '../../src/numeric/rng';
import { nativeBuilt } from '../helpers/backend';
import { relativeError } from '../helpers/numeric';

/**
 * Conformance of the engine's kernels on every backend that trains (native, with each
 * instruction set the CPU runs, and wasm) against float64 references written out here: the
 * convolutions (forward with bias and ReLU, both gradients; odd lengths, same and valid padding,
 * three- and five-tap filters, batch 1 and 32, Winograd and direct), the dense products in every
 * orientation, the batch-norm + ReLU + max-pool block tail both ways, and Adam. Agreement is to
 * float32 rounding: max |error| / max |reference| below a few units of 1e-6 for sums of
 * hundreds of products.
 */

const NATIVE_ISAS = nativeBuilt() ? nativeAddon().instructionSets() : [];
/** Each backend under test, by its label: `native:avx512` etc., and wasm. */
const TARGETS: { label: string; backend: BackendName; isa?: string }[] = [
  ...NATIVE_ISAS.map((isa) => ({ label: `native:${isa}`, backend: 'native' as const, isa })),
  { label: 'wasm', backend: 'wasm' },
];

async function use(target: (typeof TARGETS)[number]): Promise<void> {
  await initBackend(target.backend);
  if (target.isa) nativeAddon().use(target.isa);
}

afterAll(async () => {
  if (NATIVE_ISAS.length > 0) nativeAddon().use(NATIVE_ISAS[0]);
  await initBackend('wasm');
});

const rng = new Rng(11);
function random(size: number): Float64Array {
  return Float64Array.from({ length: size }, () => rng.normal());
}
/** Values rounded to float32, the inputs every backend and the reference see. */
function f32(values: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(values));
}

/** Runs `op` on every target; each result must match `expected` within `tolerance`. */
async function conforms(inputs: { values: Float64Array; shape: number[] }[], op: (...t: tf.Tensor[]) => tf.Tensor, expected: Float64Array, tolerance = 5e-6): Promise<void> {
  for (const target of TARGETS) {
    await use(target);
    const before = tf.memory().numTensors;
    const actual = tf.tidy(() => op(...inputs.map((i) => tf.tensor(Float32Array.from(i.values), i.shape))).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    const error = relativeError(actual, expected);
    if (!(error < tolerance)) throw new Error(`${target.label}: relative error ${error.toExponential(2)} (tolerance ${tolerance})`);
  }
}

// --- float64 references ----------------------------------------------------------------------

interface Conv {
  batch: number;
  length: number;
  ci: number;
  co: number;
  taps: number;
  pad: 'same' | 'valid';
}
function outLength(c: Conv): number {
  return c.pad === 'same' ? c.length : c.length - c.taps + 1;
}
/** tfjs's "same": the extra padding of an even filter goes to the right. */
function padLeft(c: Conv): number {
  return c.pad === 'same' ? Math.floor((c.taps - 1) / 2) : 0;
}

/** y[b, l, o] = relu?(sum_{t, i} x[b, l + t - pad, i] w[t, i, o] + bias[o]) */
function convForward(c: Conv, x: Float64Array, w: Float64Array, bias: Float64Array | null, relu: boolean): Float64Array {
  const lo = outLength(c);
  const y = new Float64Array(c.batch * lo * c.co);
  for (let b = 0; b < c.batch; b++)
    for (let l = 0; l < lo; l++)
      for (let o = 0; o < c.co; o++) {
        let sum = bias ? bias[o] : 0;
        for (let t = 0; t < c.taps; t++) {
          const p = l + t - padLeft(c);
          if (p < 0 || p >= c.length) continue;
          for (let i = 0; i < c.ci; i++) sum += x[(b * c.length + p) * c.ci + i] * w[(t * c.ci + i) * c.co + o];
        }
        y[(b * lo + l) * c.co + o] = relu && sum < 0 ? 0 : sum;
      }
  return y;
}

/** Calls visit(b, l, t, p) for every output position l and tap t whose input position p is inside the sample. */
function forEachTap(c: Conv, visit: (b: number, l: number, t: number, p: number) => void): void {
  for (let b = 0; b < c.batch; b++)
    for (let l = 0; l < outLength(c); l++)
      for (let t = 0; t < c.taps; t++) {
        const p = l + t - padLeft(c);
        if (p >= 0 && p < c.length) visit(b, l, t, p);
      }
}

function convInputGrad(c: Conv, dy: Float64Array, w: Float64Array): Float64Array {
  const lo = outLength(c);
  const dx = new Float64Array(c.batch * c.length * c.ci);
  forEachTap(c, (b, l, t, p) => {
    for (let i = 0; i < c.ci; i++) {
      let sum = 0;
      for (let o = 0; o < c.co; o++) sum += dy[(b * lo + l) * c.co + o] * w[(t * c.ci + i) * c.co + o];
      dx[(b * c.length + p) * c.ci + i] += sum;
    }
  });
  return dx;
}

function convFilterGrad(c: Conv, x: Float64Array, dy: Float64Array): Float64Array {
  const lo = outLength(c);
  const dw = new Float64Array(c.taps * c.ci * c.co);
  forEachTap(c, (b, l, t, p) => {
    for (let i = 0; i < c.ci; i++) {
      const xv = x[(b * c.length + p) * c.ci + i];
      for (let o = 0; o < c.co; o++) dw[(t * c.ci + i) * c.co + o] += xv * dy[(b * lo + l) * c.co + o];
    }
  });
  return dw;
}

function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): Float64Array {
  const out = new Float64Array(m * n);
  for (let r = 0; r < m; r++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (transposeA ? a[p * m + r] : a[r * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]);
      out[r * n + j] = sum;
    }
  return out;
}

/** Batch-norm (batch or given statistics) -> ReLU -> max-pool(2) over rows of [batch, length, channels]. */
function bnReluPool(x: Float64Array, batch: number, length: number, channels: number, gamma: Float64Array, beta: Float64Array, eps: number, given?: { mean: Float64Array; variance: Float64Array }) {
  const rows = batch * length;
  const mean = given?.mean ?? new Float64Array(channels);
  const variance = given?.variance ?? new Float64Array(channels);
  if (!given) {
    for (let r = 0; r < rows; r++) for (let ch = 0; ch < channels; ch++) mean[ch] += x[r * channels + ch] / rows;
    for (let r = 0; r < rows; r++) for (let ch = 0; ch < channels; ch++) variance[ch] += (x[r * channels + ch] - mean[ch]) ** 2 / rows;
  }
  const pooled = Math.floor(length / 2);
  const z = (b: number, l: number, ch: number) => ((x[(b * length + l) * channels + ch] - mean[ch]) / Math.sqrt(variance[ch] + eps)) * gamma[ch] + beta[ch];
  const y = new Float64Array(batch * pooled * channels);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < pooled; i++)
      for (let ch = 0; ch < channels; ch++) y[(b * pooled + i) * channels + ch] = Math.max(0, z(b, 2 * i, ch), z(b, 2 * i + 1, ch));
  return { y, mean, variance };
}

// --- cases -----------------------------------------------------------------------------------

// Every convolution the encoder runs (3 taps, same padding, 1 -> 32 -> 64 -> 128 channels at
// halving lengths from odd ones), valid padding (secondConvPadding) and five taps (kernelSize).
// Winograd F(4, 3) takes three-tap filters from 16 input channels on wasm, from 128 on native.
const CONVS: (Conv & { name: string })[] = [
  { name: 'first layer, 1 -> 32, batch 32, odd length', batch: 32, length: 101, ci: 1, co: 32, taps: 3, pad: 'same' },
  { name: '32 -> 32 (Winograd), batch 32', batch: 32, length: 101, ci: 32, co: 32, taps: 3, pad: 'same' },
  { name: '32 -> 64 (Winograd), batch 1, odd length', batch: 1, length: 51, ci: 32, co: 64, taps: 3, pad: 'same' },
  { name: '64 -> 128 (Winograd), batch 32, short', batch: 32, length: 25, ci: 64, co: 128, taps: 3, pad: 'same' },
  { name: '128 -> 128 (Winograd on both), batch 32, partial last tile', batch: 32, length: 13, ci: 128, co: 128, taps: 3, pad: 'same' },
  { name: '128 -> 128 (Winograd on both), valid, batch 1', batch: 1, length: 30, ci: 128, co: 128, taps: 3, pad: 'valid' },
  { name: '128 -> 128, batch 1, length under one tile', batch: 1, length: 3, ci: 128, co: 128, taps: 3, pad: 'same' },
  { name: 'valid padding (Winograd), batch 32', batch: 32, length: 47, ci: 32, co: 32, taps: 3, pad: 'valid' },
  { name: 'valid padding, first layer, batch 1', batch: 1, length: 57, ci: 1, co: 32, taps: 3, pad: 'valid' },
  { name: 'five taps, same, batch 32', batch: 32, length: 63, ci: 16, co: 32, taps: 5, pad: 'same' },
  { name: 'five taps, valid, batch 1', batch: 1, length: 29, ci: 8, co: 16, taps: 5, pad: 'valid' },
];

describe.each(CONVS)('1-D convolution: $name', (c) => {
  const xShape = [c.batch, 1, c.length, c.ci];
  const wShape = [1, c.taps, c.ci, c.co];
  const yShape = [c.batch, 1, outLength(c), c.co];
  const x = f32(random(c.batch * c.length * c.ci));
  const w = f32(random(c.taps * c.ci * c.co).map((v) => v / Math.sqrt(c.taps * c.ci)));
  const bias = f32(random(c.co));
  const dy = f32(random(c.batch * outLength(c) * c.co));

  it('forward, plain and fused with bias and ReLU', async () => {
    await conforms([{ values: x, shape: xShape }, { values: w, shape: wShape }], (xs, ws) => tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 1, c.pad), convForward(c, x, w, null, false));
    await conforms(
      [{ values: x, shape: xShape }, { values: w, shape: wShape }, { values: bias, shape: [c.co] }],
      (xs, ws, b) => tf.fused.conv2d({ x: xs as tf.Tensor4D, filter: ws as tf.Tensor4D, strides: 1, pad: c.pad, bias: b, activation: 'relu' }),
      convForward(c, x, w, bias, true),
    );
  });

  it('input and filter gradients', async () => {
    await conforms([{ values: dy, shape: yShape }, { values: w, shape: wShape }], (dys, ws) =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dys, filter: ws }, { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', inputShape: xShape }) as tf.Tensor,
      convInputGrad(c, dy, w),
    );
    await conforms([{ values: x, shape: xShape }, { values: dy, shape: yShape }], (xs, dys) =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xs, dy: dys }, { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', filterShape: wShape }) as tf.Tensor,
      convFilterGrad(c, x, dy),
    );
  });
});

describe('dense products', () => {
  // The heads' products and their gradients (rows = batch), odd sizes, and the remainders of
  // every register block.
  const cases: [number, number, number][] = [
    [32, 6400 / 25, 896 / 7],
    [1, 96, 64],
    [32, 129, 8],
    [13, 37, 40],
    [7, 300, 24],
  ];
  it.each(cases)('m=%i k=%i n=%i in all four orientations', async (m, k, n) => {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const a = f32(random(m * k));
      const b = f32(random(k * n));
      await conforms([{ values: a, shape: ta ? [k, m] : [m, k] }, { values: b, shape: tb ? [n, k] : [k, n] }], (as, bs) => tf.matMul(as as tf.Tensor2D, bs as tf.Tensor2D, ta, tb), matmul(a, b, m, k, n, ta, tb));
    }
  });
  it('a dense layer with bias and ReLU', async () => {
    const [m, k, n] = [32, 200, 64];
    const a = f32(random(m * k));
    const b = f32(random(k * n));
    const bias = f32(random(n));
    const expected = matmul(a, b, m, k, n, false, false).map((v, i) => Math.max(0, v + bias[i % n]));
    await conforms([{ values: a, shape: [m, k] }, { values: b, shape: [k, n] }, { values: bias, shape: [n] }], (as, bs, cs) => tf.fused.matMul({ a: as as tf.Tensor2D, b: bs as tf.Tensor2D, bias: cs, activation: 'relu' }), expected);
  });
});

describe('batch-norm + ReLU + max-pool', () => {
  const eps = 1e-5;
  const cases: [number, number, number][] = [
    [32, 101, 32],
    [1, 51, 64],
    [32, 25, 128],
    [3, 8, 4],
    [2, 13, 8],
  ];
  it.each(cases)('batch %i, length %i, %i channels: forward with batch statistics, gradients, and inference', async (batch, length, channels) => {
    const x = f32(random(batch * length * channels).map((v, i) => 2 * v + (i % channels) / channels));
    const gamma = f32(random(channels).map((v) => 1 + 0.3 * v));
    const beta = f32(random(channels).map((v) => 0.3 * v));
    const shape = [batch, 1, length, channels];
    const inputs = [{ values: x, shape }, { values: gamma, shape: [channels] }, { values: beta, shape: [channels] }];
    const reference = bnReluPool(x, batch, length, channels, gamma, beta, eps);
    await conforms(inputs, (xs, g, b) => {
      const [y, mean, variance] = tf.engine().runKernel(BN_RELU_POOL, { x: xs, gamma: g, beta: b }, { training: true, epsilon: eps }) as unknown as tf.Tensor[];
      return tf.concat([tf.reshape(y, [-1]), mean, variance]);
    }, Float64Array.from([...reference.y, ...reference.mean, ...reference.variance]));

    // Gradients of sum(y * r) for a fixed r: gamma and beta from the pooled positions the
    // reference picks; x by central differences of the reference (small cases: it costs a
    // forward pass per value).
    const r = f32(random(reference.y.length));
    const pooled = Math.floor(length / 2);
    const dgamma = new Float64Array(channels);
    const dbeta = new Float64Array(channels);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < pooled; i++)
        for (let ch = 0; ch < channels; ch++) {
          const o = (b * pooled + i) * channels + ch;
          if (reference.y[o] <= 0) continue;
          const xhat = (reference.y[o] - beta[ch]) / gamma[ch];
          dbeta[ch] += r[o];
          dgamma[ch] += r[o] * xhat;
        }
    const small = x.length <= 500;
    const h = 1e-6;
    const objective = (xv: Float64Array) => bnReluPool(xv, batch, length, channels, gamma, beta, eps).y.reduce((sum, v, i) => sum + v * r[i], 0);
    const dx = small
      ? x.map((_, i) => {
          const up = Float64Array.from(x);
          const down = Float64Array.from(x);
          up[i] += h;
          down[i] -= h;
          return (objective(up) - objective(down)) / (2 * h);
        })
      : null;
    await conforms([...inputs, { values: r, shape: [reference.y.length] }], (xs, g, b, rs) => {
      const [gx, gg, gb] = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
        const [y] = tf.engine().runKernel(BN_RELU_POOL, { x: a, gamma: c, beta: d }, { training: true, epsilon: eps }) as unknown as tf.Tensor[];
        return tf.sum(tf.mul(tf.reshape(y, [-1]), rs));
      })([xs, g, b]);
      return tf.concat([...(small ? [tf.reshape(gx, [-1])] : []), gg, gb]);
    }, Float64Array.from([...(dx ?? []), ...dgamma, ...dbeta]), 2e-5);

    const given = { mean: f32(random(channels).map((v) => 0.1 * v)), variance: f32(random(channels).map((v) => 1 + 0.5 * Math.abs(v))) };
    const inference = bnReluPool(x, batch, length, channels, gamma, beta, eps, given);
    await conforms([...inputs, { values: given.mean, shape: [channels] }, { values: given.variance, shape: [channels] }], (xs, g, b, mean, variance) => {
      const [y] = tf.engine().runKernel(BN_RELU_POOL_INFER, { x: xs, gamma: g, beta: b, mean, variance }, { training: false, epsilon: eps }) as unknown as tf.Tensor[];
      return y;
    }, inference.y);
  });
});

describe('Adam step', () => {
  it.each([1, 37, 4096 + 3])('%i values, three steps: weights and moments', async (size) => {
    const w0 = f32(random(size).map((v) => 0.1 * v));
    const grads = [0, 1, 2].map(() => f32(random(size)));
    const { learningRate, beta1, beta2, epsilon } = { ...DEFAULT_ADAM, learningRate: 1e-2 };
    const w = Float64Array.from(w0);
    const m = new Float64Array(size);
    const v = new Float64Array(size);
    grads.forEach((g, s) => {
      const step = s + 1;
      for (let i = 0; i < size; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        w[i] -= (learningRate / (1 - beta1 ** step)) * m[i] / (Math.sqrt(v[i] / (1 - beta2 ** step)) + epsilon);
      }
    });
    const inputs = [{ values: w0, shape: [size] }, ...grads.map((g) => ({ values: g, shape: [size] }))];
    await conforms(inputs, (ws, ...gs) => {
      const moments = [tf.zeros([size]), tf.zeros([size])];
      let current = ws;
      gs.forEach((g, s) => {
        current = tf.engine().runKernel(ADAM_STEP_HEAP, { w: current, g, m: moments[0], v: moments[1] }, { learningRate, beta1, beta2, epsilon, step: s + 1 }) as tf.Tensor;
      });
      return tf.concat([current, ...moments]);
    }, Float64Array.from([...w, ...m, ...v]), 2e-5);
  });
});

describe('backend selection', () => {
  it('names the native backend and its instruction set, and why it runs', async () => {
    if (NATIVE_ISAS.length === 0) return expect(initBackend('native')).rejects.toThrow(/nir_kernels\.node/);
    const info = await initBackend('native');
    expect(info.name).toBe('native');
    expect(info.features).toContain(`native-${nativeAddon().current()}`);
    expect(info.reason).toBe('requested by the caller');
    const wasm = await initBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(wasm.features).not.toContain(`native-${NATIVE_ISAS[0]}`);
  });

  it('falls back to wasm where the addon is missing, and says why', async () => {
    const forced = process.env.NIR_SSL_BACKEND;
    delete process.env.NIR_SSL_BACKEND;
    try {
      // A fresh engine whose file system has no addon.
      jest.resetModules();
      jest.doMock('node:fs', () => {
        const actual = jest.requireActual<typeof import('node:fs')>('node:fs');
        return { ...actual, existsSync: (file: string) => !String(file).endsWith('nir_kernels.node') && actual.existsSync(file) };
      });
      const fresh = jest.requireActual<typeof import('../../src/engine/backend')>('../../src/engine/backend');
      const info = await fresh.initBackend();
      expect(info.name).toBe('wasm');
      expect(info.reason).toMatch(/^chosen automatically \(not loaded: .*native: build\/Release\/nir_kernels\.node was not built/);
      await expect(fresh.initBackend('native')).rejects.toThrow(/no tensor backend could be loaded \(native: build\/Release\/nir_kernels\.node was not built/);
    } finally {
      jest.dontMock('node:fs');
      jest.resetModules();
      if (forced !== undefined) process.env.NIR_SSL_BACKEND = forced;
    }
  });

  it("gives the baselines' own arenas the addon's kernels where it loads, and WebAssembly SIMD when NIR_SSL_BACKEND forces wasm", () => {
    const forced = process.env.NIR_SSL_BACKEND;
    const arenaKernels = (env: string | undefined): unknown => {
      if (env === undefined) delete process.env.NIR_SSL_BACKEND;
      else process.env.NIR_SSL_BACKEND = env;
      jest.resetModules();
      const { SimdArena } = jest.requireActual<typeof import('../../src/engine/kernels/wasm/arena')>('../../src/engine/kernels/wasm/arena');
      return (new SimdArena([8]).kernels as unknown as { blocked?: boolean }).blocked === true ? 'native' : 'wasm-simd';
    };
    try {
      expect(arenaKernels(undefined)).toBe(NATIVE_ISAS.length > 0 ? 'native' : 'wasm-simd');
      expect(arenaKernels('wasm')).toBe('wasm-simd');
    } finally {
      jest.resetModules();
      if (forced === undefined) delete process.env.NIR_SSL_BACKEND;
      else process.env.NIR_SSL_BACKEND = forced;
    }
  });
});
