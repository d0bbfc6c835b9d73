import * as tf from '@tensorflow/tfjs-core';
import { ADAM_STEP, adamUpdate, hasFusedKernels, type AdamStepAttrs } from './kernels/fused';

export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export const DEFAULT_ADAM: AdamOptions = { learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/**
 * Adam as PyTorch computes it, one fused pass per variable: the moments stay in JavaScript
 * arrays, the new weights go to a new tensor that the variable then takes over (a new tensor id,
 * so that XNNPACK's packed copies of the old weights are never reused).
 */
export class Adam {
  private readonly moments = new Map<tf.Variable, { m: Float32Array; v: Float32Array }>();
  private step = 0;

  constructor(readonly options: AdamOptions = DEFAULT_ADAM) {}

  apply(grads: Map<tf.Variable, tf.Tensor>): void {
    this.step++;
    const fused = hasFusedKernels(tf.getBackend());
    for (const [variable, grad] of grads) {
      let state = this.moments.get(variable);
      if (!state) {
        state = { m: new Float32Array(variable.size), v: new Float32Array(variable.size) };
        this.moments.set(variable, state);
      }
      const attrs: AdamStepAttrs = { ...this.options, m: state.m, v: state.v, step: this.step };
      let next: tf.Tensor;
      if (fused) {
        next = tf.engine().runKernel(ADAM_STEP, { w: variable, g: grad }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      } else {
        const out = new Float32Array(variable.size);
        const o = this.options;
        adamUpdate(variable.dataSync() as Float32Array, grad.dataSync() as Float32Array, state.m, state.v, out, o.learningRate, o.beta1, o.beta2, o.epsilon, this.step);
        next = tf.tensor(out, variable.shape);
      }
      variable.assign(next);
      next.dispose();
    }
  }
}
