import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../tensor-data';

/**
 * The wasm backend's own kernels, captured before the project replaces some of them, and small
 * helpers that compose them. Every helper returns a fresh tensor the caller must dispose with
 * `backend.disposeData`; reshapes are free views (a TensorInfo with another shape, same data).
 */
export interface WasmPrimitives {
  /** XNNPACK fully-connected: a [M,K] x b [K,N] (b's packing is cached on b's tensor id). */
  readonly batchMatMul: KernelFunc;
  readonly transpose: KernelFunc;
  readonly conv2D: KernelFunc;
}

let captured: WasmPrimitives | null = null;

export function captureWasmPrimitives(): WasmPrimitives {
  if (captured) return captured;
  const get = (name: string): KernelFunc => {
    const config = tf.getKernel(name, 'wasm');
    if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
    return config.kernelFunc;
  };
  captured = { batchMatMul: get(tf.BatchMatMul), transpose: get(tf.Transpose), conv2D: get(tf.Conv2D) };
  return captured;
}

export function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function transpose2d(backend: WasmBackendInternals, x: TensorInfo, rows: number, cols: number): TensorInfo {
  const { transpose } = captureWasmPrimitives();
  const out = transpose({ inputs: { x: view(x, [rows, cols]) }, backend, attrs: { perm: [1, 0] } }) as TensorInfo;
  return view(out, [cols, rows]);
}

/**
 * C[M,N] = op(A) op(B) for 2-D operands, using only the XNNPACK fully-connected path (which
 * needs neither operand transposed). Of the two formulations, C = A'B' and C^T = B'^T A'^T, it
 * picks the one that moves fewer values: the "b" operand is packed (K x its columns), transposes
 * cost their size. For a dense layer this keeps the big weight matrix out of any transpose in
 * both the forward pass and the input gradient.
 */
export function matmul2d(
  backend: WasmBackendInternals,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const { batchMatMul } = captureWasmPrimitives();
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + k * n;
  const swapped = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * k + m * n;
  const temporaries: TensorInfo[] = [];
  const run = (left: TensorInfo, right: TensorInfo, rows: number, inner: number, cols: number): TensorInfo =>
    view(
      batchMatMul({
        inputs: { a: view(left, [1, rows, inner]), b: view(right, [1, inner, cols]) },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo,
      [rows, cols],
    );
  try {
    if (direct <= swapped) {
      const left = transposeA ? keep(temporaries, transpose2d(backend, a, aRows, aCols)) : a;
      const right = transposeB ? keep(temporaries, transpose2d(backend, b, bRows, bCols)) : b;
      return run(left, right, m, k, n);
    }
    const left = transposeB ? b : keep(temporaries, transpose2d(backend, b, bRows, bCols));
    const right = transposeA ? a : keep(temporaries, transpose2d(backend, a, aRows, aCols));
    const product = keep(temporaries, run(left, right, n, k, m));
    return transpose2d(backend, product, n, m);
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

function keep(list: TensorInfo[], info: TensorInfo): TensorInfo {
  list.push(info);
  return info;
}
