import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SimdKernels } from './wasm/simd';
import type { WasmMemory } from './wasm/simd';

/**
 * The native kernels (native/, an N-API addon built at install by node-gyp; absent where the
 * build failed): the same kernel set as the WebAssembly SIMD module, called with the same byte
 * addresses into the wasm backend's heap, so the engine code that drives them is shared and no
 * tensor is copied. AVX-512, AVX2/FMA or generic code is picked by the addon from what the CPU
 * reports.
 */
export interface NativeAddon {
  /** The heap the kernels work on: the wasm memory's current ArrayBuffer (a new one after growth). */
  bind(heap: ArrayBuffer): void;
  /** Instruction sets this CPU can run, best first (e.g. avx512, avx2-fma, generic). */
  instructionSets(): string[];
  /** Switches this thread's kernels to one of instructionSets(). */
  use(name: string): void;
  /** The instruction set in use. */
  current(): string;
  /** Benchmarks: runs `steps` rounds of register-only multiply-adds; returns the flops done (one core's peak, timed by the caller). */
  multiplyAddPeak(steps: number): number;
}

type KernelName = keyof SimdKernels;
const KERNEL_NAMES: readonly KernelName[] = [
  'gemm',
  'adam',
  'columnSum',
  'columnSquaredDeviation',
  'scaleReluPool',
  'reluPoolGrad',
  'normInputGrad',
  'biasActivation',
  'winogradInput',
  'winogradOutput',
];

const ADDON_FILE = path.join('build', 'Release', 'nir_kernels.node');

let loaded: { addon: NativeAddon & SimdKernels } | { error: Error } | null = null;

/** build/Release/nir_kernels.node of the package this file belongs to (src/ or a compiled copy of it, e.g. dist/src/). */
function addonFile(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, ADDON_FILE);
    if (path.dirname(dir) === dir) return path.resolve(ADDON_FILE);
  }
}

/** The addon, or an Error that says why it is not there. */
function load(): NativeAddon & SimdKernels {
  if (!loaded) {
    const file = addonFile();
    try {
      if (!fs.existsSync(file)) throw new Error(`${ADDON_FILE} was not built (npm install builds it with node-gyp; a compiler and Node's headers are needed)`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { addon: require(file) as NativeAddon & SimdKernels };
    } catch (error) {
      loaded = { error: error instanceof Error ? error : new Error(String(error)) };
    }
  }
  if ('error' in loaded) throw loaded.error;
  return loaded.addon;
}

/** Whether the addon built and loads on this machine. */
export function nativeAddonLoads(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/** The addon (throws with the reason where it did not build or does not load). */
export function nativeAddon(): NativeAddon {
  return load();
}

/** The heap bound in the addon for this thread (one wasm backend per thread). */
let boundHeap: ArrayBuffer | null = null;
const instances = new WeakMap<WasmMemory, SimdKernels>();

/** The native kernels on `memory` (the wasm backend's heap), rebinding the heap after it grows. */
export function nativeKernels(memory: WasmMemory): SimdKernels {
  const known = instances.get(memory);
  if (known) return known;
  const addon = load();
  const kernels = { blocked: true } as Record<string, unknown>;
  for (const name of KERNEL_NAMES) {
    const kernel = addon[name] as (...args: number[]) => void;
    kernels[name] = (...args: number[]): void => {
      // Growing the heap detaches the old ArrayBuffer (and may move the memory).
      if (memory.buffer !== boundHeap) {
        boundHeap = memory.buffer;
        addon.bind(boundHeap);
      }
      kernel(...args);
    };
  }
  const bound = kernels as unknown as SimdKernels;
  instances.set(memory, bound);
  return bound;
}
