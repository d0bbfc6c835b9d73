import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { TensorData, type FusedBackendName } from './tensor-data';

/**
 * Fused JavaScript kernels for the tail of each encoder block and for Adam, registered for the
 * wasm and cpu backends (data accessed in place). A composite of tfjs ops costs one pass over
 * memory per op, and the batch-norm gradient built from them broadcasts with Tile; these make
 * one or two passes instead.
 *
 * Layout: x is NHWC with H = 1, i.e. [batch, length, channels]; pooling is max over windows of 2
 * along length (an odd last position is dropped, as MaxPool1d(2) does).
 */
export const BN_RELU_POOL = 'NirBatchNormReluPool';
export const BN_RELU_POOL_GRAD = 'NirBatchNormReluPoolGrad';
/** The same computation with given statistics (inference); it has no gradient. */
export const BN_RELU_POOL_INFER = 'NirBatchNormReluPoolInfer';
export const ADAM_STEP = 'NirAdamStep';

export interface BnReluPoolAttrs {
  /** True: normalise with the batch's statistics (and output them); false: with mean/variance inputs. */
  readonly training: boolean;
  readonly epsilon: number;
}

export interface AdamStepAttrs {
  /** First and second moments, updated in place (they live outside tfjs). */
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Step number, from 1. */
  readonly step: number;
}

const registeredFor = new Set<FusedBackendName>();

export function registerFusedKernels(backendName: FusedBackendName): void {
  if (!registeredFor.has(backendName)) {
    for (const config of fusedKernelConfigs(backendName)) {
      if (tf.getKernel(config.kernelName, backendName)) tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
    registeredFor.add(backendName);
  }
  if (!tf.getGradient(BN_RELU_POOL)) tf.registerGradient(bnReluPoolGradConfig);
}

export function hasFusedKernels(backendName: string): boolean {
  return registeredFor.has(backendName as FusedBackendName);
}

/** [batch, length, channels] of a block tensor [batch, 1, length, channels]. */
export function blockShape(x: TensorInfo): [number, number, number] {
  const s = x.shape;
  if (s.length !== 4 || s[1] !== 1) throw new Error(`expected [batch, 1, length, channels], got [${s.join(', ')}]`);
  return [s[0], s[2], s[3]];
}

function fusedKernelConfigs(backendName: FusedBackendName): KernelConfig[] {
  const forward: KernelFunc = ({ inputs, backend, attrs }) => {
    const { training, epsilon } = attrs as unknown as BnReluPoolAttrs;
    const { x, gamma, beta, mean, variance } = inputs as Record<string, TensorInfo>;
    const [n, length, channels] = blockShape(x);
    const pooled = Math.floor(length / 2);
    const data = new TensorData(backend as KernelBackend, backendName);
    const y = data.alloc([n, 1, pooled, channels]);
    const stats = training ? [data.alloc([channels]), data.alloc([channels])] : [];
    const xv = data.read(x);
    let meanValues: Float32Array;
    let varValues: Float32Array;
    if (training) {
      meanValues = stats[0].view();
      varValues = stats[1].view();
      channelMoments(xv, n * length, channels, meanValues, varValues);
    } else {
      meanValues = data.read(mean);
      varValues = data.read(variance);
    }
    const scale = new Float32Array(channels);
    const shift = new Float32Array(channels);
    const g = data.read(gamma);
    const b = data.read(beta);
    for (let c = 0; c < channels; c++) {
      scale[c] = g[c] / Math.sqrt(varValues[c] + epsilon);
      shift[c] = b[c] - meanValues[c] * scale[c];
    }
    const out = y.view();
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < pooled; i++) {
        const a0 = (s * length + 2 * i) * channels;
        const a1 = a0 + channels;
        const o = (s * pooled + i) * channels;
        for (let c = 0; c < channels; c++) {
          const z0 = xv[a0 + c] * scale[c] + shift[c];
          const z1 = xv[a1 + c] * scale[c] + shift[c];
          const z = z0 >= z1 ? z0 : z1;
          out[o + c] = z > 0 ? z : 0;
        }
      }
    }
    return training ? [y.info, stats[0].info, stats[1].info] : [y.info];
  };

  const backward: KernelFunc = ({ inputs, backend, attrs }) => {
    const { epsilon } = attrs as unknown as BnReluPoolAttrs;
    const { dy, x, gamma, beta, mean, variance } = inputs as Record<string, TensorInfo>;
    const [n, length, channels] = blockShape(x);
    const pooled = Math.floor(length / 2);
    const data = new TensorData(backend as KernelBackend, backendName);
    const dxOut = data.alloc(x.shape);
    const dgammaOut = data.alloc([channels]);
    const dbetaOut = data.alloc([channels]);
    const xv = data.read(x);
    const dyv = data.read(dy);
    const g = data.read(gamma);
    const b = data.read(beta);
    const mu = data.read(mean);
    const vr = data.read(variance);
    const invStd = new Float64Array(channels);
    for (let c = 0; c < channels; c++) invStd[c] = 1 / Math.sqrt(vr[c] + epsilon);
    // Pass 1: route dy through the pool and the ReLU to dz (gradient at the batch-norm output),
    // accumulating the parameter gradients on the way.
    const dz = scratch(n * length * channels);
    const dgamma = new Float64Array(channels);
    const dbeta = new Float64Array(channels);
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < pooled; i++) {
        const a0 = (s * length + 2 * i) * channels;
        const a1 = a0 + channels;
        const o = (s * pooled + i) * channels;
        for (let c = 0; c < channels; c++) {
          const h0 = (xv[a0 + c] - mu[c]) * invStd[c];
          const h1 = (xv[a1 + c] - mu[c]) * invStd[c];
          const z0 = h0 * g[c] + b[c];
          const z1 = h1 * g[c] + b[c];
          const first = z0 >= z1;
          const z = first ? z0 : z1;
          const grad = z > 0 ? dyv[o + c] : 0;
          dz[a0 + c] = first ? grad : 0;
          dz[a1 + c] = first ? 0 : grad;
          dbeta[c] += grad;
          dgamma[c] += grad * (first ? h0 : h1);
        }
      }
      if (length % 2 === 1) dz.fill(0, (s * length + length - 1) * channels, (s * length + length) * channels);
    }
    // Pass 2: the batch-norm input gradient, dx = g/sigma (dz - mean(dz) - xhat mean(dz xhat)).
    const count = n * length;
    const dx = dxOut.view();
    const coefA = new Float64Array(channels);
    const meanDz = new Float64Array(channels);
    const meanDzH = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      coefA[c] = g[c] * invStd[c];
      meanDz[c] = dbeta[c] / count;
      meanDzH[c] = dgamma[c] / count;
    }
    for (let p = 0; p < count; p++) {
      const base = p * channels;
      for (let c = 0; c < channels; c++) {
        const h = (xv[base + c] - mu[c]) * invStd[c];
        dx[base + c] = coefA[c] * (dz[base + c] - meanDz[c] - h * meanDzH[c]);
      }
    }
    const dgv = dgammaOut.view();
    const dbv = dbetaOut.view();
    for (let c = 0; c < channels; c++) {
      dgv[c] = dgamma[c];
      dbv[c] = dbeta[c];
    }
    return [dxOut.info, dgammaOut.info, dbetaOut.info];
  };

  const adam: KernelFunc = ({ inputs, backend, attrs }) => {
    const { m, v, learningRate, beta1, beta2, epsilon, step } = attrs as unknown as AdamStepAttrs;
    const { w, g } = inputs as Record<string, TensorInfo>;
    const data = new TensorData(backend as KernelBackend, backendName);
    const next = data.alloc(w.shape);
    adamUpdate(data.read(w), data.read(g), m, v, next.view(), learningRate, beta1, beta2, epsilon, step);
    return next.info;
  };

  return [
    { kernelName: BN_RELU_POOL, backendName, kernelFunc: forward },
    { kernelName: BN_RELU_POOL_INFER, backendName, kernelFunc: forward },
    { kernelName: BN_RELU_POOL_GRAD, backendName, kernelFunc: backward },
    { kernelName: ADAM_STEP, backendName, kernelFunc: adam },
  ];
}

/** Per-channel mean and biased variance (two passes, float64 sums) of rows x channels values. */
export function channelMoments(x: Float32Array, rows: number, channels: number, mean: Float32Array, variance: Float32Array): void {
  const sum = new Float64Array(channels);
  for (let r = 0; r < rows; r++) {
    const base = r * channels;
    for (let c = 0; c < channels; c++) sum[c] += x[base + c];
  }
  for (let c = 0; c < channels; c++) sum[c] /= rows;
  const squares = new Float64Array(channels);
  for (let r = 0; r < rows; r++) {
    const base = r * channels;
    for (let c = 0; c < channels; c++) {
      const d = x[base + c] - sum[c];
      squares[c] += d * d;
    }
  }
  for (let c = 0; c < channels; c++) {
    mean[c] = sum[c];
    variance[c] = squares[c] / rows;
  }
}

/** PyTorch's Adam (no weight decay), writing the new weights to `out`. */
export function adamUpdate(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  out: Float32Array,
  learningRate: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  step: number,
): void {
  const stepSize = learningRate / (1 - Math.pow(beta1, step));
  const secondCorrection = 1 / Math.sqrt(1 - Math.pow(beta2, step));
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + oneMinusBeta1 * gi;
    const vi = beta2 * v[i] + oneMinusBeta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    out[i] = w[i] - (stepSize * mi) / (Math.sqrt(vi) * secondCorrection + epsilon);
  }
}

let scratchBuffer = new Float32Array(0);
/** A reusable buffer (kernels run one at a time on a thread). */
function scratch(size: number): Float32Array {
  if (scratchBuffer.length < size) scratchBuffer = new Float32Array(size);
  return scratchBuffer.subarray(0, size);
}

const bnReluPoolGradConfig: GradConfig = {
  kernelName: BN_RELU_POOL,
  inputsToSave: ['x', 'gamma', 'beta'],
  outputsToSave: [false, true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, gamma, beta, mean, variance] = saved;
    const dyPool = Array.isArray(dy) ? dy[0] : dy;
    const [dx, dgamma, dbeta] = tf
      .engine()
      .runKernel(BN_RELU_POOL_GRAD, { dy: dyPool, x, gamma, beta, mean, variance }, attrs) as unknown as Tensor[];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
};
