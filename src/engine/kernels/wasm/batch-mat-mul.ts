import * as tf from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../tensor-data';
import { captureWasmPrimitives, matmul2d, view } from './primitives';

/**
 * BatchMatMul for the wasm backend. The stock kernel uses XNNPACK only when neither operand is
 * transposed and falls back to a scalar triple loop otherwise, which is every gradient of a dense
 * layer. Here every single-batch product (and a batch of A against one shared B) goes through
 * XNNPACK; true batched products with transposes keep the stock kernel.
 */
export function batchMatMulKernel(): KernelConfig {
  const { batchMatMul: stock } = captureWasmPrimitives();
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const wasm = backend as WasmBackendInternals;
    const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const outer = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    const [aRows, aCols] = a.shape.slice(-2);
    const [bRows, bCols] = b.shape.slice(-2);
    const m = transposeA ? aCols : aRows;
    const n = transposeB ? bRows : bCols;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock({ inputs, backend, attrs });
    if (batchA === 1 && batchB === 1) {
      const out = matmul2d(wasm, view(a, [aRows, aCols]), view(b, [bRows, bCols]), transposeA, transposeB);
      return view(out, [...outer, m, n]);
    }
    if (batchB === 1 && !transposeA) {
      // Rows of every batch of A share B: one product with batchA x M rows.
      const out = matmul2d(wasm, view(a, [batchA * aRows, aCols]), view(b, [bRows, bCols]), false, transposeB);
      return view(out, [...outer, m, n]);
    }
    return stock({ inputs, backend, attrs });
  };
  return { kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc };
}
