import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { UserInputError } from '../errors';
import { registerGradients } from './gradients';
import type { HeapKernelKind } from './kernels/wasm/heap';

/**
 * Picks and initialises the tensor backend once per thread: tfjs-node-gpu, tfjs-node (both
 * optional native packages, absent where libtensorflow cannot be downloaded), then `native` (the
 * wasm backend with the project's kernels in the native addon, absent where it did not build),
 * then wasm with the project's WebAssembly SIMD kernels, then the pure-JS cpu backend.
 * NIR_SSL_BACKEND forces one and fails loudly.
 */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'];

export interface BackendInfo {
  /** Our name for the choice (tfjs registers both native packages as "tensorflow"). */
  readonly name: BackendName;
  /** Version of the package that provides it. */
  readonly version: string;
  /** Threads the backend computes with (wasm and cpu run single-threaded in Node). */
  readonly threads: number;
  readonly gpu: boolean;
  /** What the backend computes with beyond the stock build, e.g. the project's SIMD kernels, relaxed-SIMD FMA. */
  readonly features: string[];
  /** Why this backend runs: forced, or chosen automatically after the ones before it failed to load (and why they failed). */
  readonly reason: string;
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/** The environment variable that forces a backend. */
export const BACKEND_ENV = 'NIR_SSL_BACKEND';

/**
 * Initialises the backend (idempotent: later calls return the first result; a different
 * `preferred` after initialisation switches, which tests use to compare backends).
 */
export async function initBackend(preferred?: BackendName): Promise<BackendInfo> {
  const forced = preferred ?? forcedBackend();
  if (current && (!forced || forced === current.name)) return current;
  if (pending && !forced) return pending;
  registerGradients();
  // Production mode: no per-op debug checks, and no console nag about the native backend.
  tf.enableProdMode();
  const attempt = (async () => {
    const order = forced ? [forced] : BACKEND_NAMES;
    const failures: string[] = [];
    for (const name of order) {
      try {
        const reason = forced
          ? preferred
            ? `requested by the caller`
            : `forced by ${BACKEND_ENV}=${forced}`
          : `chosen automatically${failures.length > 0 ? ` (not loaded: ${failures.join('; ')})` : ''}`;
        current = { ...(await loadBackend(name)), reason };
        if (name === 'cpu' && !forced) {
          // Training on the pure-JS backend is ~400x slower: never let that pass unnoticed.
          process.emitWarning(`nir-ssl fell back to the pure-JS cpu backend (${failures.join('; ')})`, 'BackendFallbackWarning');
        }
        return current;
      } catch (error) {
        // The first line: a missing package's message goes on to list every path searched.
        failures.push(`${name}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
      }
    }
    throw new UserInputError(`no tensor backend could be loaded (${failures.join('; ')})`, { failures });
  })();
  pending = attempt;
  try {
    return await attempt;
  } finally {
    pending = null;
  }
}

/** What initBackend() chose; throws before initialisation. */
export function backendInfo(): BackendInfo {
  if (!current) throw new Error('tensor backend not initialised: await initBackend() first');
  return current;
}

/** backendInfo() or null, for a status query that must not fail. */
export function backendInfoOrNull(): BackendInfo | null {
  return current;
}

/** The backend NIR_SSL_BACKEND forces, or undefined (an unknown name is an error). */
export function forcedBackend(): BackendName | undefined {
  const value = process.env[BACKEND_ENV];
  if (!value) return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new UserInputError(`${BACKEND_ENV}=${value} is not one of ${BACKEND_NAMES.join(', ')}`);
  }
  return value as BackendName;
}

async function loadBackend(name: BackendName): Promise<Omit<BackendInfo, 'reason'>> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      // Optional native packages: a plain require keeps TypeScript from needing their types.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const native = require(pkg) as { version?: { 'tfjs-node'?: string } };
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its backend did not initialise`);
      return { name, version: native.version?.['tfjs-node'] ?? tf.version_core, threads: 0, gpu: name === 'tensorflow-gpu', features: ['native'] };
    }
    case 'native': {
      // The addon first: where it is missing, nothing else changes.
      const { nativeAddon } = await import('./kernels/native');
      const addon = nativeAddon();
      const version = await loadWasmBackend('native');
      const { winogradOn } = await import('./kernels/wasm/conv1d');
      const features = ['project-kernels', `native-${addon.current()}`, ...(winogradOn() ? ['winograd-f4x3'] : [])];
      return { name, version, threads: 1, gpu: false, features };
    }
    case 'wasm': {
      const version = await loadWasmBackend('wasm-simd');
      const { simdSupported, relaxedSimdSupported } = await import('./kernels/wasm/simd');
      const simd = simdSupported();
      const { winogradOn } = await import('./kernels/wasm/conv1d');
      const features = ['project-kernels', ...(simd ? ['simd'] : []), ...(simd && relaxedSimdSupported() ? ['relaxed-simd-fma'] : []), ...(simd && winogradOn() ? ['winograd-f4x3'] : [])];
      return { name, version, threads: 1, gpu: false, features };
    }
    case 'cpu': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const cpu = require('@tensorflow/tfjs-backend-cpu') as typeof import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      const { registerFusedKernels } = await import('./kernels/fused');
      registerFusedKernels('cpu');
      return { name, version: cpu.version_cpu, threads: 1, gpu: false, features: ['project-kernels'] };
    }
  }
}

let wasmPathsSet = false;

/**
 * The tfjs wasm backend with the project's kernels on its heap, from `kernels`: the WebAssembly
 * SIMD module or the native addon (both backends are tfjs's "wasm"; they differ in the kernels).
 * Returns the wasm backend's version.
 */
async function loadWasmBackend(kernels: HeapKernelKind): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  if (!wasmPathsSet) {
    // Node (and worker threads) resolve the binary from the installed package, never a URL.
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dist + path.sep);
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  // Imported here so that the kernels modules (which need the wasm backend) load lazily.
  const { useHeapKernels } = await import('./kernels/wasm/heap');
  useHeapKernels(kernels);
  // The JavaScript fused kernels first: the heap kernels replace some of them (and fall back to them).
  const { registerFusedKernels } = await import('./kernels/fused');
  registerFusedKernels('wasm');
  const { registerWasmKernels } = await import('./kernels/wasm');
  registerWasmKernels();
  return wasm.version_wasm;
}
