import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { adamUpdate } from '../fused';
import type { WasmBackendInternals } from '../tensor-data';
import { address, heapKernels } from './heap';

/**
 * Adam on the wasm heap with the SIMD kernel: inputs w, g and the moments m, v (float32 tensors
 * owned by the optimiser, which this kernel updates in place; they are never operands of other
 * kernels, so no cached packing can go stale); output the new weights as a new tensor (weights
 * are XNNPACK operands, whose packed copies are cached per tensor). One pass over memory.
 */
export const ADAM_STEP_HEAP = 'NirAdamStepHeap';

export interface AdamStepHeapAttrs {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Step number, from 1. */
  readonly step: number;
}

export function adamStepHeapKernel(): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { learningRate, beta1, beta2, epsilon, step } = attrs as unknown as AdamStepHeapAttrs;
    const { w, g, m, v } = inputs as Record<string, TensorInfo>;
    const wasm = backend as WasmBackendInternals;
    const kernels = heapKernels(wasm);
    if (!kernels) throw new Error(`${ADAM_STEP_HEAP}: WebAssembly SIMD is not available`);
    const size = w.shape.reduce((x, y) => x * y, 1);
    for (const t of [g, m, v]) {
      if (t.dtype !== 'float32' || t.shape.reduce((x, y) => x * y, 1) !== size) throw new Error(`${ADAM_STEP_HEAP}: operands differ in size or type`);
    }
    const out = wasm.makeOutput(w.shape, 'float32');
    const stepSize = learningRate / (1 - Math.pow(beta1, step));
    const secondCorrection = 1 / Math.sqrt(1 - Math.pow(beta2, step));
    const body = size - (size % 4);
    kernels.adam(address(wasm, w), address(wasm, g), address(wasm, m), address(wasm, v), address(wasm, out), body, stepSize, secondCorrection, beta1, beta2, epsilon, 1 - beta1, 1 - beta2);
    if (body < size) {
      const tail = (info: TensorInfo) => wasm.typedArrayFromHeap(info).subarray(body);
      adamUpdate(tail(w), tail(g), tail(m), tail(v), tail(out), learningRate, beta1, beta2, epsilon, step);
    }
    return out;
  };
  return { kernelName: ADAM_STEP_HEAP, backendName: 'wasm', kernelFunc };
}
