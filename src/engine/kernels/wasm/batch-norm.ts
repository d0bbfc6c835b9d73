import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BN_RELU_POOL, BN_RELU_POOL_GRAD, BN_RELU_POOL_INFER, blockShape, type BnReluPoolAttrs } from '../fused';
import type { WasmBackendInternals } from '../tensor-data';
import { address, columnTotals, heapKernels } from './heap';
import type { SimdKernels } from './simd';

/**
 * The batch-norm + ReLU + max-pool kernels on the wasm heap with the SIMD pieces of
 * simd-batch-norm.ts: the same mathematics as the JavaScript kernels of ../fused.ts, which stay
 * the fallback (channels not a multiple of 4, no SIMD). Sums run in float32 over short runs of
 * rows and are added up in float64 (columnTotals), so the statistics keep the JavaScript
 * version's precision.
 */

export function batchNormWasmKernels(): KernelConfig[] {
  const fallback = (name: string): KernelFunc => {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`${name}: register the JavaScript kernels for wasm first`);
    return kernel.kernelFunc;
  };
  type SimdKernel = (wasm: WasmBackendInternals, kernels: SimdKernels, inputs: Record<string, TensorInfo>, attrs: BnReluPoolAttrs) => TensorInfo[];
  /** The SIMD kernel where it applies, else the JavaScript one registered before. */
  const withFallback = (simd: SimdKernel, js: KernelFunc): KernelFunc => (args) => {
    const wasm = args.backend as WasmBackendInternals;
    const inputs = args.inputs as Record<string, TensorInfo>;
    const kernels = heapKernels(wasm);
    if (!kernels || blockShape(inputs.x)[2] % 4 !== 0) return js(args);
    return simd(wasm, kernels, inputs, args.attrs as unknown as BnReluPoolAttrs);
  };
  const forward = withFallback(simdForward, fallback(BN_RELU_POOL));
  const backward = withFallback(simdBackward, fallback(BN_RELU_POOL_GRAD));
  return [
    { kernelName: BN_RELU_POOL, backendName: 'wasm', kernelFunc: forward },
    { kernelName: BN_RELU_POOL_INFER, backendName: 'wasm', kernelFunc: forward },
    { kernelName: BN_RELU_POOL_GRAD, backendName: 'wasm', kernelFunc: backward },
  ];
}

function simdForward(wasm: WasmBackendInternals, kernels: SimdKernels, inputs: Record<string, TensorInfo>, attrs: BnReluPoolAttrs): TensorInfo[] {
  const { x, gamma, beta, mean, variance } = inputs;
  const [n, length, channels] = blockShape(x);
  const pooled = Math.floor(length / 2);
  const rowBytes = 4 * channels;
  // Every allocation first: an allocation may grow the heap and detach earlier views.
  const y = wasm.makeOutput([n, 1, pooled, channels], 'float32');
  const stats = attrs.training ? [wasm.makeOutput([channels], 'float32'), wasm.makeOutput([channels], 'float32')] : [];
  const work = wasm.makeOutput([3 * channels], 'float32'); // scale, shift, partial sums
  try {
    const workView = wasm.typedArrayFromHeap(work);
    const meanValues = attrs.training ? wasm.typedArrayFromHeap(stats[0]) : wasm.typedArrayFromHeap(mean);
    const varValues = attrs.training ? wasm.typedArrayFromHeap(stats[1]) : wasm.typedArrayFromHeap(variance);
    const workAddress = address(wasm, work);
    if (attrs.training) {
      const partial = workView.subarray(2 * channels);
      const partialAddress = workAddress + 8 * channels;
      const rows = n * length;
      const xAddress = address(wasm, x);
      const sums = columnTotals(partial, rows, rowBytes, xAddress, (at, count) => kernels.columnSum(at, count, rowBytes, partialAddress));
      for (let c = 0; c < channels; c++) meanValues[c] = sums[c] / rows;
      const meanAddress = address(wasm, stats[0]);
      const squares = columnTotals(partial, rows, rowBytes, xAddress, (at, count) =>
        kernels.columnSquaredDeviation(at, count, rowBytes, meanAddress, partialAddress),
      );
      for (let c = 0; c < channels; c++) varValues[c] = squares[c] / rows;
    }
    const g = wasm.typedArrayFromHeap(gamma);
    const b = wasm.typedArrayFromHeap(beta);
    for (let c = 0; c < channels; c++) {
      const scale = g[c] / Math.sqrt(varValues[c] + attrs.epsilon);
      workView[c] = scale;
      workView[channels + c] = b[c] - meanValues[c] * scale;
    }
    const xAddress = address(wasm, x);
    const yAddress = address(wasm, y);
    for (let s = 0; s < n; s++) {
      kernels.scaleReluPool(xAddress + s * length * rowBytes, pooled, rowBytes, workAddress, workAddress + rowBytes, yAddress + s * pooled * rowBytes);
    }
  } finally {
    wasm.disposeData(work.dataId);
  }
  return attrs.training ? [y, stats[0], stats[1]] : [y];
}

function simdBackward(wasm: WasmBackendInternals, kernels: SimdKernels, inputs: Record<string, TensorInfo>, attrs: BnReluPoolAttrs): TensorInfo[] {
  const { dy, x, gamma, beta, mean, variance } = inputs;
  const [n, length, channels] = blockShape(x);
  const pooled = Math.floor(length / 2);
  const rowBytes = 4 * channels;
  const count = n * length;
  const dx = wasm.makeOutput(x.shape, 'float32');
  const dgammaOut = wasm.makeOutput([channels], 'float32');
  const dbetaOut = wasm.makeOutput([channels], 'float32');
  const dz = wasm.makeOutput(x.shape, 'float32');
  // invStd, partial dgamma, partial dbeta, k1, k2, k3
  const work = wasm.makeOutput([6 * channels], 'float32');
  try {
    const w = wasm.typedArrayFromHeap(work);
    const wAddress = address(wasm, work);
    const vector = (k: number) => ({ view: w.subarray(k * channels, (k + 1) * channels), at: wAddress + k * rowBytes });
    const [invStd, dgammaPart, dbetaPart, k1, k2, k3] = [0, 1, 2, 3, 4, 5].map(vector);
    const vr = wasm.typedArrayFromHeap(variance);
    const invStd64 = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      invStd64[c] = 1 / Math.sqrt(vr[c] + attrs.epsilon);
      invStd.view[c] = invStd64[c];
    }
    const [xAt, dyAt, dzAt, meanAt] = [x, dy, dz, mean].map((t) => address(wasm, t));
    const [gammaAt, betaAt] = [gamma, beta].map((t) => address(wasm, t));
    const dz32 = wasm.typedArrayFromHeap(dz);
    const dgamma = new Float64Array(channels);
    const dbeta = new Float64Array(channels);
    for (let s = 0; s < n; s++) {
      dgammaPart.view.fill(0);
      dbetaPart.view.fill(0);
      const sampleOffset = s * length * rowBytes;
      kernels.reluPoolGrad(xAt + sampleOffset, dyAt + s * pooled * rowBytes, pooled, rowBytes, meanAt, invStd.at, gammaAt, betaAt, dzAt + sampleOffset, dgammaPart.at, dbetaPart.at);
      // An odd last position is not in any pooling window.
      if (length % 2 === 1) dz32.fill(0, (s * length + length - 1) * channels, (s + 1) * length * channels);
      for (let c = 0; c < channels; c++) {
        dgamma[c] += dgammaPart.view[c];
        dbeta[c] += dbetaPart.view[c];
      }
    }
    // dx = g/sigma (dz - mean(dz) - xhat mean(dz xhat)), xhat = (x - mu)/sigma
    const g = wasm.typedArrayFromHeap(gamma);
    for (let c = 0; c < channels; c++) {
      const coefficient = g[c] * invStd64[c];
      k1.view[c] = coefficient;
      k2.view[c] = -coefficient * invStd64[c] * (dgamma[c] / count);
      k3.view[c] = -coefficient * (dbeta[c] / count);
    }
    kernels.normInputGrad(xAt, dzAt, count, rowBytes, meanAt, k1.at, k2.at, k3.at, address(wasm, dx));
    const dgv = wasm.typedArrayFromHeap(dgammaOut);
    const dbv = wasm.typedArrayFromHeap(dbetaOut);
    for (let c = 0; c < channels; c++) {
      dgv[c] = dgamma[c];
      dbv[c] = dbeta[c];
    }
  } finally {
    wasm.disposeData(work.dataId);
    wasm.disposeData(dz.dataId);
  }
  return [dx, dgammaOut, dbetaOut];
}
