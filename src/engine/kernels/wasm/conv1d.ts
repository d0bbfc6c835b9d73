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
 * y = conv(x, filter) (+ bias) into a new tensor; `filter` is the address of a [kw, ci, co]
 * row-major filter on the heap. Null where the SIMD module is unavailable.
 */
export function conv1dGemm(
  wasm: WasmBackendInternals,
  x: TensorInfo,
  filter: number,
  bias: Float32Array | null,
  info: backend_util.Conv2DInfo,
): TensorInfo | null {
  const kernels = heapKernels(wasm);
  if (!kernels) return null;
  const { batchSize, inWidth, inChannels: ci, outWidth, outChannels: co, filterWidth: kw, padInfo } = info;
  const y = wasm.makeOutput([batchSize, 1, outWidth, co], 'float32');
  const out = wasm.typedArrayFromHeap(y);
  if (bias) for (let r = 0; r < batchSize * outWidth; r++) out.set(bias, r * co);
  else out.fill(0);
  const xBase = address(wasm, x);
  const yBase = address(wasm, y);
  const pad = padInfo.left;
  // Rows [lo, hi) see only real input positions: l - pad >= 0 and l - pad + kw <= inWidth.
  const lo = Math.min(outWidth, pad);
  const hi = Math.max(lo, Math.min(outWidth, inWidth - kw + pad + 1));
  for (let b = 0; b < batchSize; b++) {
    const xRow = (l: number) => xBase + 4 * (b * inWidth + l) * ci;
    const yRow = (l: number) => yBase + 4 * (b * outWidth + l) * co;
    if (hi > lo) gemm(kernels, hi - lo, co, kw * ci, xRow(lo - pad), ci, 1, filter, yRow(lo), true);
    for (let l = 0; l < outWidth; l++) {
      if (l === lo && hi > lo) l = hi;
      if (l >= outWidth) break;
      for (let t = 0; t < kw; t++) {
        const position = l - pad + t;
        if (position < 0 || position >= inWidth) continue;
        gemm(kernels, 1, co, ci, xRow(position), ci, 1, filter + 4 * t * ci * co, yRow(l), true);
      }
    }
  }
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
    const y = fits ? conv1dGemm(wasm, x, address(wasm, filter), bias ? wasm.typedArrayFromHeap(bias).slice() : null, info) : null;
    if (!y) return stock({ inputs, backend, attrs });
    if (activation === 'relu') {
      const out = wasm.typedArrayFromHeap(y);
      for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = 0;
    }
    return y;
  };
  return { kernelName, backendName: 'wasm', kernelFunc };
}

export function conv2DKernel(): KernelConfig {
  return convKernel(tf.Conv2D, captureWasmPrimitives().conv2D);
}

export function fusedConv2DKernel(): KernelConfig {
  return convKernel(tf.FusedConv2D, captureWasmPrimitives().fusedConv2D);
}
