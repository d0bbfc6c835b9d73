import type { TensorInfo } from '@tensorflow/tfjs-core';
import { forcedBackend } from '../../backend';
import { nativeAddonLoads, nativeKernels } from '../native';
import type { WasmBackendInternals } from '../tensor-data';
import { simdKernels, simdSupported, wasmApi, type SimdKernels, type WasmMemory } from './simd';

/**
 * The wasm backend's heap as the project's kernels see it: byte addresses of tensors and the
 * kernels bound to the backend's memory, either the WebAssembly SIMD module or the native addon
 * (the same interface; see ../native.ts). Null where the memory is not reachable (another build
 * of the backend) or the chosen kernels cannot run: callers then keep their fallback.
 */
interface EmscriptenModule {
  asm?: { memory?: WasmMemory };
  wasmMemory?: WasmMemory;
}

let supported: boolean | null = null;

export type HeapKernelKind = 'wasm-simd' | 'native';
let chosen: HeapKernelKind | null = null;

/** Which kernels heapKernels() hands out on this thread (the backend choice sets it). */
export function useHeapKernels(next: HeapKernelKind): void {
  chosen = next;
}

export function heapKernelKind(): HeapKernelKind {
  return chosen ?? 'wasm-simd';
}

/**
 * Kernels for a memory of the caller's own (SimdArena: the BPNN, ELM and SVM products): this
 * thread's backend choice where one was made; otherwise (a baseline's fold thread loads no
 * tensor backend) the addon where it loads, unless NIR_SSL_BACKEND forces a non-native backend.
 */
export function ownMemoryKernels(memory: WasmMemory): SimdKernels {
  const kind = chosen ?? (ownMemoryKind ??= defaultOwnMemoryKind());
  return kind === 'native' ? nativeKernels(memory) : simdKernels(memory);
}

let ownMemoryKind: HeapKernelKind | null = null;

function defaultOwnMemoryKind(): HeapKernelKind {
  const forced = forcedBackend();
  return (forced === undefined || forced === 'native') && nativeAddonLoads() ? 'native' : 'wasm-simd';
}

export function heapKernels(backend: WasmBackendInternals): SimdKernels | null {
  const module = (backend as unknown as { wasm?: EmscriptenModule }).wasm;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  if (!(memory instanceof wasmApi.Memory)) return null;
  if (chosen === 'native') return nativeKernels(memory);
  supported ??= simdSupported();
  return supported ? simdKernels(memory) : null;
}

/** Byte address of a tensor's first value. */
export function address(backend: WasmBackendInternals, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/** Rows per float32 partial sum in columnTotals. */
const ROWS_PER_CHUNK = 64;

/**
 * Per-column totals in float64 of `rows` rows of `rowBytes` bytes from address `x`: `addRun`
 * adds a run of at most 64 rows into `partial` (a heap vector, zeroed before each run) with a
 * SIMD kernel in float32; the runs are summed here in float64, which keeps the precision of a
 * float64 sum over all rows.
 */
export function columnTotals(partial: Float32Array, rows: number, rowBytes: number, x: number, addRun: (runAddress: number, runRows: number) => void): Float64Array {
  const total = new Float64Array(partial.length);
  for (let r = 0; r < rows; r += ROWS_PER_CHUNK) {
    partial.fill(0);
    addRun(x + r * rowBytes, Math.min(ROWS_PER_CHUNK, rows - r));
    for (let c = 0; c < partial.length; c++) total[c] += partial[c];
  }
  return total;
}

/** Depth and row panel sizes that keep a panel of A (128 x 256 floats) and a strip of B in cache. */
const DEPTH_CHUNK = 256;
const ROW_PANEL = 128;

/**
 * C[m,n] = A B (or C += A B) with B row-major [k,n] in place, n a multiple of 8, k > 0; A(r,p) at
 * a + 4 (r aRow + p aDepth) (element strides), C row-major. Tiled over depth and rows.
 */
export function gemm(
  kernels: SimdKernels,
  m: number,
  n: number,
  k: number,
  a: number,
  aRow: number,
  aDepth: number,
  b: number,
  c: number,
  accumulate: boolean,
): void {
  if (n % 8 !== 0 || k < 1) throw new Error(`gemm: n = ${n} must be a multiple of 8 and k = ${k} positive`);
  if (kernels.blocked) {
    kernels.gemm(m, n, k, a, 4 * aRow, 4 * aDepth, b, 4 * n, c, 4 * n, accumulate ? 1 : 0);
    return;
  }
  for (let p0 = 0; p0 < k; p0 += DEPTH_CHUNK) {
    const depth = Math.min(DEPTH_CHUNK, k - p0);
    for (let r0 = 0; r0 < m; r0 += ROW_PANEL) {
      const rows = Math.min(ROW_PANEL, m - r0);
      kernels.gemm(
        rows,
        n,
        depth,
        a + 4 * (r0 * aRow + p0 * aDepth),
        4 * aRow,
        4 * aDepth,
        b + 4 * p0 * n,
        4 * n,
        c + 4 * r0 * n,
        4 * n,
        accumulate || p0 > 0 ? 1 : 0,
      );
    }
  }
}
