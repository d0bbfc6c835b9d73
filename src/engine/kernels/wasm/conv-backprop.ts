import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../tensor-data';
import { conv1dFits, conv1dGemm } from './conv1d';
import { address, gemm, heapKernels } from './heap';
import { captureWasmPrimitives, matmul2d, view } from './primitives';

/**
 * Convolution gradients for the wasm backend, expressed through XNNPACK (the stock backend has
 * no Conv2DBackpropFilter and a scalar Conv2DBackpropInput). NHWC only, as the wasm Conv2D.
 */

/** dW[kh,kw,ci,co] = sum over pixels of patch^T dy: a transposed im2col, then one XNNPACK product. */
export function conv2DBackpropFilterKernel(): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    if (info.dataFormat !== 'channelsLast') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
    const wasm = backend as WasmBackendInternals;
    const tapwise = backpropFilterByTaps(wasm, x, dy, info);
    if (tapwise) return tapwise;
    const pixels = info.batchSize * info.outHeight * info.outWidth;
    const patchSize = info.filterHeight * info.filterWidth * info.inChannels;
    const patchesT = wasm.makeOutput([patchSize, pixels], 'float32');
    try {
      const out = wasm.typedArrayFromHeap(patchesT);
      const input = wasm.typedArrayFromHeap(x);
      transposedIm2col(input, out, info);
      const dw = matmul2d(wasm, patchesT, view(dy, [pixels, info.outChannels]), false, false);
      return view(dw, filterShape);
    } finally {
      wasm.disposeData(patchesT.dataId);
    }
  };
  return { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc };
}

/**
 * 1-D convolutions (height 1, stride and dilation 1, output channels a multiple of 8): for each
 * sample and filter tap one SIMD gemm, dW[tap] += x_shifted^T dy, reading x and dy in place
 * (x through strides as the transposed operand, no im2col copy); the shifted rows that fall into
 * the padding are left out of the product's depth range.
 */
function backpropFilterByTaps(wasm: WasmBackendInternals, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | null {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co, filterHeight, filterWidth, padInfo } = info;
  const oneD = inHeight === 1 && outHeight === 1 && filterHeight === 1 && padInfo.top === 0;
  const unit = info.strideWidth === 1 && info.dilationWidth === 1 && info.dilationHeight === 1;
  if (!oneD || !unit || co % 8 !== 0 || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const kernels = heapKernels(wasm);
  if (!kernels) return null;
  const dw = wasm.makeOutput([filterHeight, filterWidth, ci, co], 'float32');
  wasm.typedArrayFromHeap(dw).fill(0);
  const xBase = address(wasm, x);
  const dyBase = address(wasm, dy);
  const dwBase = address(wasm, dw);
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < filterWidth; t++) {
      const shift = t - padInfo.left;
      const lo = Math.max(0, -shift);
      const hi = Math.min(outWidth, inWidth - shift);
      if (hi <= lo) continue;
      const a = xBase + 4 * (b * inWidth + lo + shift) * ci;
      gemm(kernels, ci, co, hi - lo, a, 1, ci, dyBase + 4 * (b * outWidth + lo) * co, dwBase + 4 * t * ci * co, true);
    }
  }
  return dw;
}

/**
 * dx: for stride 1 a forward convolution of dy with the flipped, in/out-swapped filter (one
 * XNNPACK call); otherwise an XNNPACK product dy W^T followed by a col2im scatter.
 */
export function conv2DBackpropInputKernel(): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as Conv2DBackpropInputAttrs;
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    if (info.dataFormat !== 'channelsLast') throw new Error('Conv2DBackpropInput (wasm): only NHWC is supported');
    const wasm = backend as WasmBackendInternals;
    const { filterHeight: kh, filterWidth: kw, padInfo } = info;
    const flipPads = [kh - 1 - padInfo.top, kh - 1 - padInfo.bottom, kw - 1 - padInfo.left, kw - 1 - padInfo.right];
    if (info.strideHeight === 1 && info.strideWidth === 1 && flipPads.every((p) => p >= 0)) {
      return backpropInputByConvolution(wasm, dy, filter, info, flipPads);
    }
    return backpropInputByCol2im(wasm, dy, filter, info);
  };
  return { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc };
}

function backpropInputByConvolution(
  wasm: WasmBackendInternals,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  [top, bottom, left, right]: number[],
): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const flipped = wasm.makeOutput([kh, kw, co, ci], 'float32');
  try {
    const out = wasm.typedArrayFromHeap(flipped);
    const w = wasm.typedArrayFromHeap(filter);
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const src = ((kh - 1 - y) * kw + (kw - 1 - x)) * ci * co;
        const dst = (y * kw + x) * co * ci;
        for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[dst + o * ci + i] = w[src + i * co + o];
      }
    }
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    const convInfo = backend_util.computeConv2DInfo(
      dy.shape as [number, number, number, number],
      [kh, kw, co, ci],
      [1, 1],
      [1, 1],
      pad as unknown as backend_util.ExplicitPadding,
      undefined,
      false,
      'channelsLast',
    );
    const simd = conv1dFits(convInfo) && dy.dtype === 'float32' ? conv1dGemm(wasm, dy, address(wasm, flipped), null, convInfo) : null;
    if (simd) return simd;
    const { conv2D } = captureWasmPrimitives();
    return conv2D({
      inputs: { x: dy, filter: flipped },
      backend: wasm,
      attrs: { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
    }) as TensorInfo;
  } finally {
    wasm.disposeData(flipped.dataId);
  }
}

function backpropInputByCol2im(
  wasm: WasmBackendInternals,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const patchSize = info.filterHeight * info.filterWidth * info.inChannels;
  const patches = matmul2d(wasm, view(dy, [pixels, info.outChannels]), view(filter, [patchSize, info.outChannels]), false, true);
  try {
    const dx = wasm.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32');
    const out = wasm.typedArrayFromHeap(dx);
    out.fill(0);
    col2im(wasm.typedArrayFromHeap(patches), out, info);
    return dx;
  } finally {
    wasm.disposeData(patches.dataId);
  }
}

/** out[(fy,fx,c), pixel] = x at the input position that filter tap (fy,fx) sees from pixel; 0 in padding. */
export function transposedIm2col(x: Float32Array, out: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const pixels = batchSize * outHeight * outWidth;
  for (let fy = 0; fy < filterHeight; fy++) {
    for (let fx = 0; fx < filterWidth; fx++) {
      const rowBase = (fy * filterWidth + fx) * ci;
      for (let b = 0; b < batchSize; b++) {
        for (let oy = 0; oy < outHeight; oy++) {
          const iy = oy * strideHeight + fy * dilationHeight - padInfo.top;
          const pixelBase = (b * outHeight + oy) * outWidth;
          for (let ox = 0; ox < outWidth; ox++) {
            const ix = ox * strideWidth + fx * dilationWidth - padInfo.left;
            const pixel = pixelBase + ox;
            if (iy < 0 || iy >= inHeight || ix < 0 || ix >= inWidth) {
              for (let c = 0; c < ci; c++) out[(rowBase + c) * pixels + pixel] = 0;
            } else {
              const src = ((b * inHeight + iy) * inWidth + ix) * ci;
              for (let c = 0; c < ci; c++) out[(rowBase + c) * pixels + pixel] = x[src + c];
            }
          }
        }
      }
    }
  }
}

/** Adds each patch row back onto the input positions it was gathered from. */
function col2im(patches: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const patchSize = filterHeight * filterWidth * ci;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const rowBase = ((b * outHeight + oy) * outWidth + ox) * patchSize;
        for (let fy = 0; fy < filterHeight; fy++) {
          const iy = oy * strideHeight + fy * dilationHeight - padInfo.top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let fx = 0; fx < filterWidth; fx++) {
            const ix = ox * strideWidth + fx * dilationWidth - padInfo.left;
            if (ix < 0 || ix >= inWidth) continue;
            const src = rowBase + (fy * filterWidth + fx) * ci;
            const dst = ((b * inHeight + iy) * inWidth + ix) * ci;
            for (let c = 0; c < ci; c++) dx[dst + c] += patches[src + c];
          }
        }
      }
    }
  }
}
