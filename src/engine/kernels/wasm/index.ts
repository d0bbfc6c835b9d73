import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulKernel } from './batch-mat-mul';
import { conv2DBackpropFilterKernel, conv2DBackpropInputKernel } from './conv-backprop';
import { captureWasmPrimitives } from './primitives';

let registered = false;

/**
 * Registers the project's wasm kernels. Must run after the wasm backend is initialised: the
 * stock kernels they build on are set up (bound to the wasm module) at initialisation.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  captureWasmPrimitives();
  for (const config of [batchMatMulKernel(), conv2DBackpropFilterKernel(), conv2DBackpropInputKernel()]) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  registered = true;
}
