import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../tensor-data';
import { address, gemm, heapKernels } from './heap';
import { captureWasmPrimitives } from './primitives';

/**
 * 1-D convolutions (NHWC with height 1, stride and dilation 1, output channels a multiple of 8)
 * with the SIMD gemm: for a row whose receptive field lies inside the sample, the patch is kw x ci
 * contiguous values of x, so each sample is one product [rows, kw ci] x [kw ci, co] with both
 * operands read in place (no im2col, no packing of the filter, which changes every training
 * step); the few rows whose field reaches into the padding add their valid taps one by one.
 * Everything else (2-D, strides, other activations) keeps the stock XNNPACK kernels.
 */
export function conv1dFits(info: backend_util.Conv2DInfo): boolean {
  return (
    info.dataFormat === 'channelsLast' &&
    info.inHeight === 1 &&
    info.outHeight === 1 &&
    info.filterHeight === 1 &&
    info.padInfo.top === 0 &&
    info.strideWidth === 1 &&
    info.dilationWidth === 1 &&
    info.dilationHeight === 1 &&
    info.outChannels % 8 === 0
  );
}

/**
 * y = activation(conv(x, filter) + bias) into a new tensor; `filter` is the address of a
 * [kw, ci, co] row-major filter on the heap, `bias` the address of co values or null. Null where
 * the SIMD module is unavailable.
 */
export function conv1dGemm(
  wasm: WasmBackendInternals,
  x: TensorInfo,
  filter: number,
  bias: number | null,
  info: backend_util.Conv2DInfo,
  relu = false,
): TensorInfo | null {
  const kernels = heapKernels(wasm);
  if (!kernels) return null;
  const { batchSize, inWidth, inChannels: ci, outWidth, outChannels: co, filterWidth: kw, padInfo } = info;
  const y = wasm.makeOutput([batchSize, 1, outWidth, co], 'float32');
  const zeros = bias === null && relu ? wasm.makeOutput([co], 'float32') : null;
  const xBase = address(wasm, x);
  const yBase = address(wasm, y);
  const pad = padInfo.left;
  const xRow = (b: number, l: number) => xBase + 4 * (b * inWidth + l) * ci;
  const yRow = (b: number, l: number) => yBase + 4 * (b * outWidth + l) * co;
  // Rows [lo, hi) of a sample see only real input positions: l - pad >= 0 and l - pad + kw <= inWidth.
  const lo = Math.min(outWidth, pad);
  const hi = Math.max(lo, Math.min(outWidth, inWidth - kw + pad + 1));
  if (hi > lo && inWidth === outWidth) {
    // Same length in and out: row l of sample b reads x from row b W + l - pad on, so the whole
    // batch is one product; the rows whose patch straddles two samples are redone below.
    const rows = (batchSize - 1) * outWidth + hi - lo;
    gemm(kernels, rows, co, kw * ci, xRow(0, lo - pad), ci, 1, filter, yRow(0, lo), false);
  } else if (hi > lo) {
    for (let b = 0; b < batchSize; b++) gemm(kernels, hi - lo, co, kw * ci, xRow(b, lo - pad), ci, 1, filter, yRow(b, lo), false);
  }
  const out = wasm.typedArrayFromHeap(y);
  for (let b = 0; b < batchSize; b++) {
    for (let l = 0; l < outWidth; l++) {
      if (l === lo && hi > lo) l = hi;
      if (l >= outWidth) break;
      out.fill(0, (b * outWidth + l) * co, (b * outWidth + l + 1) * co);
      for (let t = 0; t < kw; t++) {
        const position = l - pad + t;
        if (position < 0 || position >= inWidth) continue;
        gemm(kernels, 1, co, ci, xRow(b, position), ci, 1, filter + 4 * t * ci * co, yRow(b, l), true);
      }
    }
  }
  if (bias !== null || relu) {
    const biasAddress = bias ?? address(wasm, zeros as TensorInfo);
    if (zeros) wasm.typedArrayFromHeap(zeros).fill(0);
    kernels.biasActivation(yBase, batchSize * outWidth, 4 * co, biasAddress, relu ? 0 : -Infinity);
  }
  if (zeros) wasm.disposeData(zeros.dataId);
  return y;
}

interface FusedConvAttrs extends Conv2DAttrs {
  activation?: string;
}

function convInfo(x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

function convKernel(kernelName: string, stock: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined> as {
      x: TensorInfo;
      filter: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    const { activation = 'linear' } = attrs as unknown as FusedConvAttrs;
    const wasm = backend as WasmBackendInternals;
    const info = convInfo(x, filter, attrs as unknown as Conv2DAttrs);
    const fits =
      conv1dFits(info) &&
      x.dtype === 'float32' &&
      filter.dtype === 'float32' &&
      !preluActivationWeights &&
      (activation === 'linear' || activation === 'relu') &&
      (!bias || bias.shape.reduce((a, b) => a * b, 1) === info.outChannels);
    const y = fits ? conv1dGemm(wasm, x, address(wasm, filter), bias ? address(wasm, bias) : null, info, activation === 'relu') : null;
    return y ?? stock({ inputs, backend, attrs });
  };
  return { kernelName, backendName: 'wasm', kernelFunc };
}

export function conv2DKernel(): KernelConfig {
  return convKernel(tf.Conv2D, captureWasmPrimitives().conv2D);
}

export function fusedConv2DKernel(): KernelConfig {
  return convKernel(tf.FusedConv2D, captureWasmPrimitives().fusedConv2D);
}
