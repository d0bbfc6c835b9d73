import type { DataId, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Zero-copy access to float32 tensor data inside a kernel, for the wasm and cpu backends. The
 * wasm heap may grow (and detach earlier views) whenever a tensor is allocated, so callers
 * allocate every output first and take views afterwards.
 */
export interface WasmBackendInternals extends KernelBackend {
  dataIdMap: { get(dataId: DataId): { id: number; memoryOffset: number; shape: number[] } };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

interface CpuBackendInternals extends KernelBackend {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  readSync(dataId: DataId): Float32Array;
}

export type FusedBackendName = 'wasm' | 'cpu';

export interface Output {
  readonly info: TensorInfo;
  /** Valid until the next allocation on this backend. */
  view(): Float32Array;
}

export class TensorData {
  constructor(
    readonly backend: KernelBackend,
    readonly backendName: FusedBackendName,
  ) {}

  /** A new float32 tensor; its contents are undefined until written. */
  alloc(shape: number[]): Output {
    const size = shape.reduce((a, b) => a * b, 1);
    if (this.backendName === 'wasm') {
      const backend = this.backend as WasmBackendInternals;
      const info = backend.makeOutput(shape, 'float32');
      return { info, view: () => backend.typedArrayFromHeap(info) };
    }
    const values = new Float32Array(size);
    const info = (this.backend as CpuBackendInternals).makeTensorInfo(shape, 'float32', values);
    return { info, view: () => values };
  }

  /** The tensor's values (a view, not a copy). */
  read(info: TensorInfo): Float32Array {
    if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
    if (this.backendName === 'wasm') return (this.backend as WasmBackendInternals).typedArrayFromHeap(info);
    return (this.backend as CpuBackendInternals).readSync(info.dataId);
  }
}
