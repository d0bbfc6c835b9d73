import { simdKernels, simdSupported, type SimdKernels, type WasmMemory } from './simd';

/**
 * Float32 buffers in a WebAssembly memory of their own, with the project's SIMD kernels bound to
 * it, for numeric code outside TensorFlow.js (the BPNN baseline): the kernels take byte
 * addresses, the caller reads and writes the same buffers through Float32Array views. Sized once:
 * the memory never grows, so views stay valid.
 */
export interface ArenaBuffer {
  /** Byte address for the kernels. */
  readonly address: number;
  readonly view: Float32Array;
}

const PAGE_BYTES = 65536;
/** Buffers start on 16-byte boundaries (one SIMD vector). */
const ALIGN = 16;

interface MemoryConstructor {
  new (descriptor: { initial: number }): WasmMemory;
}

export class SimdArena {
  readonly kernels: SimdKernels;
  private readonly memory: WasmMemory;
  private used = 0;

  /** Room for buffers of these float counts. Throws where WebAssembly SIMD is unavailable. */
  constructor(floatCounts: readonly number[]) {
    if (!simdSupported()) throw new Error('this JavaScript engine has no WebAssembly SIMD');
    const bytes = floatCounts.reduce((sum, n) => sum + aligned(4 * n), 0);
    const Memory = (globalThis as unknown as { WebAssembly: { Memory: MemoryConstructor } }).WebAssembly.Memory;
    this.memory = new Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)) });
    this.kernels = simdKernels(this.memory);
  }

  allocate(floats: number): ArenaBuffer {
    const address = this.used;
    if (address + 4 * floats > this.memory.buffer.byteLength) throw new RangeError('SimdArena: sized too small');
    this.used += aligned(4 * floats);
    return { address, view: new Float32Array(this.memory.buffer, address, floats) };
  }
}

function aligned(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
