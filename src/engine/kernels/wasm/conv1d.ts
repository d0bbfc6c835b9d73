import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../tensor-data';
import { address, gemm, heapKernelKind, heapKernels, type HeapKernelKind } from './heap';
import { captureWasmPrimitives } from './primitives';
import type { SimdKernels } from './simd';
import { WINOGRAD_SPAN, WINOGRAD_TILE, winogradFilter } from './simd-winograd';

/**
 * 1-D convolutions (NHWC with height 1, stride and dilation 1, output channels a multiple of 8)
 * with the SIMD gemm: for a row whose receptive field lies inside the sample, the patch is kw x ci
 * contiguous values of x, so each sample is one product [rows, kw ci] x [kw ci, co] with both
 * operands read in place (no im2col, no packing of the filter, which changes every training
 * step); the few rows whose field reaches into the padding add their valid taps one by one.
 * Three-tap filters over enough input channels take Winograd's F(4, 3) instead (half the
 * multiply-adds; see simd-winograd.ts). Everything else (2-D, strides, other activations) keeps
 * the stock XNNPACK kernels.
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
  if (winogradFits(info)) return conv1dWinograd(wasm, kernels, x, filter, bias, info, relu);
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

/**
 * Below this many input channels the transforms cost more than the halved products save (the
 * first layer of the encoder has one). The native gemm runs at about 150 GFLOP/s where the wasm
 * one reaches about 40, so the transforms (memory passes, and the filter transform in
 * JavaScript) weigh more there: on this VM Winograd won only at 128 channels (docs/benchmarks/native-kernels.md).
 */
const WINOGRAD_MIN_CHANNELS: Record<HeapKernelKind, number> = { 'wasm-simd': 16, native: 128 };
/** Tiles transformed and multiplied per pass: a few samples, so the operands stay near the cache. */
const WINOGRAD_CHUNK_TILES = 512;

let winogradEnabled: boolean | null = null;

/** Whether the Winograd path is on: NIR_SSL_WINOGRAD=0 turns it off. */
export function winogradOn(): boolean {
  winogradEnabled ??= process.env.NIR_SSL_WINOGRAD !== '0';
  return winogradEnabled;
}

/** Whether a convolution takes the Winograd path. */
export function winogradFits(info: backend_util.Conv2DInfo): boolean {
  return winogradOn() && info.filterWidth === 3 && info.inChannels % 4 === 0 && info.inChannels >= WINOGRAD_MIN_CHANNELS[heapKernelKind()] && info.outWidth >= WINOGRAD_TILE;
}

/** conv1dGemm by F(4, 3), a chunk of samples at a time: pad, transform, six gemms, transform back. */
function conv1dWinograd(
  wasm: WasmBackendInternals,
  kernels: SimdKernels,
  x: TensorInfo,
  filter: number,
  bias: number | null,
  info: backend_util.Conv2DInfo,
  relu: boolean,
): TensorInfo {
  const { batchSize, inWidth, inChannels: ci, outWidth, outChannels: co, padInfo } = info;
  const pad = padInfo.left;
  const tiles = Math.ceil(outWidth / WINOGRAD_TILE);
  const fullTiles = Math.floor(outWidth / WINOGRAD_TILE);
  // Tile j reads padded rows 4j .. 4j + 5 of its sample; padded row r is input row r - pad or zero.
  const paddedRows = WINOGRAD_TILE * tiles + WINOGRAD_SPAN - WINOGRAD_TILE;
  const copiedRows = Math.min(inWidth, paddedRows - pad);
  const chunk = Math.max(1, Math.min(batchSize, Math.floor(WINOGRAD_CHUNK_TILES / tiles)));
  const chunkTiles = chunk * tiles;
  const y = wasm.makeOutput([batchSize, 1, outWidth, co], 'float32');
  // Scratch, in floats: U (6 planes [ci, co]), padded input, V (6 planes [tile, ci]), M (6 planes [tile, co]), a last partial tile, zero bias.
  const sizes = [WINOGRAD_SPAN * ci * co, chunk * paddedRows * ci, WINOGRAD_SPAN * chunkTiles * ci, WINOGRAD_SPAN * chunkTiles * co, WINOGRAD_TILE * co, co];
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const scratch = wasm.makeOutput([starts[5] + co], 'float32');
  const scratchBase = address(wasm, scratch);
  const [uAt, paddedAt, vAt, mAt, tailAt, zeroAt] = starts.map((start) => scratchBase + 4 * start);
  // Views last: allocating may grow the heap, which detaches earlier views.
  const heap = new Float32Array(wasm.typedArrayFromHeap(scratch).buffer);
  const xAt = address(wasm, x);
  const yAt = address(wasm, y);
  winogradFilter(heap.subarray(filter / 4, filter / 4 + 3 * ci * co), ci * co, heap.subarray(uAt / 4, uAt / 4 + WINOGRAD_SPAN * ci * co));
  heap.fill(0, zeroAt / 4, zeroAt / 4 + co);
  const biasAt = bias ?? zeroAt;
  const floor = relu ? 0 : -Infinity;
  const vPlane = 4 * chunkTiles * ci;
  const mPlane = 4 * chunkTiles * co;
  for (let first = 0; first < batchSize; first += chunk) {
    const samples = Math.min(chunk, batchSize - first);
    for (let b = 0; b < samples; b++) {
      const padded = paddedAt / 4 + b * paddedRows * ci;
      const source = xAt / 4 + (first + b) * inWidth * ci;
      heap.fill(0, padded, padded + pad * ci);
      heap.copyWithin(padded + pad * ci, source, source + copiedRows * ci);
      heap.fill(0, padded + (pad + copiedRows) * ci, padded + paddedRows * ci);
      kernels.winogradInput(4 * padded, tiles, 4 * ci, vAt + 4 * b * tiles * ci, vPlane);
    }
    for (let k = 0; k < WINOGRAD_SPAN; k++) gemm(kernels, samples * tiles, co, ci, vAt + k * vPlane, ci, 1, uAt + 4 * k * ci * co, mAt + k * mPlane, false);
    for (let b = 0; b < samples; b++) {
      const m = mAt + 4 * b * tiles * co;
      const yRow = yAt + 4 * (first + b) * outWidth * co;
      kernels.winogradOutput(m, fullTiles, 4 * co, mPlane, biasAt, floor, yRow);
      if (fullTiles < tiles) {
        kernels.winogradOutput(m + 4 * fullTiles * co, 1, 4 * co, mPlane, biasAt, floor, tailAt);
        heap.copyWithin(yRow / 4 + fullTiles * WINOGRAD_TILE * co, tailAt / 4, tailAt / 4 + (outWidth - fullTiles * WINOGRAD_TILE) * co);
      }
    }
  }
  wasm.disposeData(scratch.dataId);
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
