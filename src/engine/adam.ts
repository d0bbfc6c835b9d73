import * as tf from '@tensorflow/tfjs-core';
import { ADAM_STEP, adamUpdate, hasFusedKernels, type AdamStepAttrs } from './kernels/fused';
import { ADAM_STEP_HEAP, type AdamStepHeapAttrs } from './kernels/wasm/adam-step';

export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export const DEFAULT_ADAM: AdamOptions = { learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

interface Moments {
  /** JavaScript arrays (fused JS kernel, or the fallback) or tensors on the wasm heap (SIMD kernel). */
  readonly m: Float32Array | tf.Tensor;
  readonly v: Float32Array | tf.Tensor;
}

/**
 * Adam as PyTorch computes it, one fused pass per variable. On wasm with SIMD the moments are
 * tensors on the wasm heap updated in place by one SIMD pass; elsewhere they stay in JavaScript
 * arrays. The new weights go to a new tensor that the variable then takes over (a new tensor id,
 * so that XNNPACK's packed copies of the old weights are never reused). dispose() frees the
 * moments.
 */
export class Adam {
  private readonly moments = new Map<tf.Variable, Moments>();
  private step = 0;

  constructor(readonly options: AdamOptions = DEFAULT_ADAM) {}

  apply(grads: Map<tf.Variable, tf.Tensor>): void {
    this.step++;
    const backend = tf.getBackend();
    const heap = tf.getKernel(ADAM_STEP_HEAP, backend) !== undefined;
    const fused = hasFusedKernels(backend);
    for (const [variable, grad] of grads) {
      let state = this.moments.get(variable);
      if (!state) {
        state = heap
          ? { m: tf.fill(variable.shape, 0), v: tf.fill(variable.shape, 0) }
          : { m: new Float32Array(variable.size), v: new Float32Array(variable.size) };
        this.moments.set(variable, state);
      }
      let next: tf.Tensor;
      if (state.m instanceof tf.Tensor && state.v instanceof tf.Tensor) {
        const attrs: AdamStepHeapAttrs = { ...this.options, step: this.step };
        next = tf.engine().runKernel(ADAM_STEP_HEAP, { w: variable, g: grad, m: state.m, v: state.v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      } else if (fused) {
        const attrs: AdamStepAttrs = { ...this.options, m: state.m as Float32Array, v: state.v as Float32Array, step: this.step };
        next = tf.engine().runKernel(ADAM_STEP, { w: variable, g: grad }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      } else {
        const out = new Float32Array(variable.size);
        const o = this.options;
        adamUpdate(variable.dataSync() as Float32Array, grad.dataSync() as Float32Array, state.m as Float32Array, state.v as Float32Array, out, o.learningRate, o.beta1, o.beta2, o.epsilon, this.step);
        next = tf.tensor(out, variable.shape);
      }
      variable.assign(next);
      next.dispose();
    }
  }

  /** Frees the moments held on the backend (a no-op for JavaScript arrays). */
  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      if (m instanceof tf.Tensor) m.dispose();
      if (v instanceof tf.Tensor) v.dispose();
    }
    this.moments.clear();
  }
}
