import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../tensor-data';
import { address, gemm, heapKernels } from './heap';

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
  readonly fusedMatMul: KernelFunc;
  readonly fusedConv2D: KernelFunc;
}

let captured: WasmPrimitives | null = null;

export function captureWasmPrimitives(): WasmPrimitives {
  if (captured) return captured;
  const get = (name: string): KernelFunc => {
    const config = tf.getKernel(name, 'wasm');
    if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
    return config.kernelFunc;
  };
  captured = { batchMatMul: get(tf.BatchMatMul), transpose: get(tf.Transpose), conv2D: get(tf.Conv2D), fusedMatMul: get(tf._FusedMatMul), fusedConv2D: get(tf.FusedConv2D) };
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
 * C[M,N] = op(A) op(B) for 2-D operands with the project's SIMD gemm, which reads its right
 * operand in place as row-major [K, cols] (cols a multiple of 8) and its left operand through
 * strides (so either orientation). Of the formulations C = A'B' and C^T = B'^T A'^T it takes one
 * whose right operand is stored that way, else transposes the cheaper operand; null when no
 * formulation fits (the caller falls back to XNNPACK). No operand is packed, so a weight matrix
 * that changes every step costs nothing extra.
 */
export function simdMatmul2d(
  backend: WasmBackendInternals,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  const kernels = heapKernels(backend);
  if (!kernels) return null;
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if (k < 1 || m < 1 || n < 1) return null;
  // left(r, p) strides of op(A) and of op(B)^T, as stored.
  const aStrides: [number, number] = transposeA ? [1, aCols] : [aCols, 1];
  const bTStrides: [number, number] = transposeB ? [bCols, 1] : [1, bCols];
  const direct = (right: TensorInfo): TensorInfo => {
    const out = backend.makeOutput([m, n], 'float32');
    gemm(kernels, m, n, k, address(backend, a), aStrides[0], aStrides[1], address(backend, right), address(backend, out), false);
    return out;
  };
  const swapped = (right: TensorInfo): TensorInfo => {
    const outT = backend.makeOutput([n, m], 'float32');
    try {
      gemm(kernels, n, m, k, address(backend, b), bTStrides[0], bTStrides[1], address(backend, right), address(backend, outT), false);
      return transpose2d(backend, outT, n, m);
    } finally {
      backend.disposeData(outT.dataId);
    }
  };
  const withTransposed = (info: TensorInfo, rows: number, cols: number, use: (t: TensorInfo) => TensorInfo): TensorInfo => {
    const t = transpose2d(backend, info, rows, cols);
    try {
      return use(t);
    } finally {
      backend.disposeData(t.dataId);
    }
  };
  // Values each feasible formulation moves through transposes (B stored [K,N] or A stored [K,M]
  // need none).
  const options: { cost: number; run: () => TensorInfo }[] = [];
  if (n % 8 === 0) {
    options.push(transposeB ? { cost: k * n, run: () => withTransposed(b, bRows, bCols, direct) } : { cost: 0, run: () => direct(b) });
  }
  if (m % 8 === 0) {
    options.push(
      transposeA
        ? { cost: m * n, run: () => swapped(a) }
        : { cost: m * k + m * n, run: () => withTransposed(a, aRows, aCols, swapped) },
    );
  }
  if (options.length === 0) return null;
  options.sort((x, y) => x.cost - y.cost);
  return options[0].run();
}

/**
 * C[M,N] = op(A) op(B) for 2-D operands: the SIMD gemm where it fits, else the XNNPACK
 * fully-connected path (which needs neither operand transposed). Of the two formulations for
 * XNNPACK, C = A'B' and C^T = B'^T A'^T, it picks the one that moves fewer values: the "b"
 * operand is packed (K x its columns), transposes cost their size.
 */
export function matmul2d(
  backend: WasmBackendInternals,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const simd = simdMatmul2d(backend, a, b, transposeA, transposeB);
  if (simd) return simd;
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
