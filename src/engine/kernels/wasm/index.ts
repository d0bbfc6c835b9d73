import * as tf from '@tensorflow/tfjs-core';
import { adamStepHeapKernel } from './adam-step';
import { batchNormWasmKernels } from './batch-norm';
import { batchMatMulKernel } from './batch-mat-mul';
import { conv2DBackpropFilterKernel, conv2DBackpropInputKernel } from './conv-backprop';
import { conv2DKernel, fusedConv2DKernel } from './conv1d';
import { fusedMatMulKernel } from './fused-mat-mul';
import { heapKernels } from './heap';
import { identityKernel, sumKernel } from './identity-sum';
import { captureWasmPrimitives } from './primitives';
import type { WasmBackendInternals } from '../tensor-data';

let registered = false;

/**
 * Registers the project's wasm kernels. Must run after the wasm backend is initialised (the
 * stock kernels they build on are bound to the wasm module then) and after the JavaScript fused
 * kernels (registerFusedKernels('wasm')), which the batch-norm kernels replace.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  captureWasmPrimitives();
  const configs = [
    identityKernel(),
    batchMatMulKernel(),
    fusedMatMulKernel(),
    conv2DKernel(),
    fusedConv2DKernel(),
    conv2DBackpropFilterKernel(),
    conv2DBackpropInputKernel(),
  ];
  // Adam and the batch-norm block tail on the heap need the SIMD module bound to the backend's memory.
  if (heapKernels(tf.backend() as WasmBackendInternals)) configs.push(adamStepHeapKernel(), ...batchNormWasmKernels(), sumKernel());
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  registered = true;
}
