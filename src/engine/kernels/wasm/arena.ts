import { ownMemoryKernels } from './heap';
import { simdSupported, type SimdKernels, type WasmMemory } from './simd';

/**
 * Float32 buffers in a WebAssembly memory of their own, with the project's kernels (native or
 * WebAssembly SIMD, see ownMemoryKernels) bound to it, for numeric code outside TensorFlow.js
 * (the baselines): the kernels take byte addresses, the caller reads and writes the same buffers
 * through Float32Array views. Sized once: the memory never grows, so views stay valid.
 */
export interface ArenaBuffer {
  /** Byte address for the kernels. */
  readonly address: number;
  readonly view: Float32Array;
}

const PAGE_BYTES = 65536;
/** Buffers start on 16-byte boundaries (one SIMD vector). */
const ALIGN = 16;

interface GrowableMemory extends WasmMemory {
  grow(pages: number): number;
}

interface MemoryConstructor {
  new (descriptor: { initial: number }): GrowableMemory;
}

export class SimdArena {
  readonly kernels: SimdKernels;
  private readonly memory: GrowableMemory;
  private used = 0;

  /** Room for buffers of these float counts. Throws where WebAssembly SIMD is unavailable. */
  constructor(floatCounts: readonly number[]) {
    if (!simdSupported()) throw new Error('this JavaScript engine has no WebAssembly SIMD');
    const Memory = (globalThis as unknown as { WebAssembly: { Memory: MemoryConstructor } }).WebAssembly.Memory;
    this.memory = new Memory({ initial: pagesFor(floatCounts) });
    this.kernels = ownMemoryKernels(this.memory);
  }

  /** Frees every buffer (their views must no longer be used) and makes room for buffers of these float counts. */
  reset(floatCounts: readonly number[]): this {
    this.used = 0;
    const missing = pagesFor(floatCounts) - this.memory.buffer.byteLength / PAGE_BYTES;
    if (missing > 0) this.memory.grow(missing);
    return this;
  }

  allocate(floats: number): ArenaBuffer {
    const address = this.used;
    if (address + 4 * floats > this.memory.buffer.byteLength) throw new RangeError('SimdArena: sized too small');
    this.used += aligned(4 * floats);
    return { address, view: new Float32Array(this.memory.buffer, address, floats) };
  }
}

let scratch: SimdArena | null = null;

/**
 * This thread's scratch arena, emptied and sized for buffers of these float counts: for a
 * product computed and copied out before the caller returns (a WebAssembly memory per call costs
 * more than a small product). Its buffers are invalid after the next call.
 */
export function scratchArena(floatCounts: readonly number[]): SimdArena {
  scratch = scratch ? scratch.reset(floatCounts) : new SimdArena(floatCounts);
  return scratch;
}

function pagesFor(floatCounts: readonly number[]): number {
  const bytes = floatCounts.reduce((sum, n) => sum + aligned(4 * n), 0);
  return Math.max(1, Math.ceil(bytes / PAGE_BYTES));
}

function aligned(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
