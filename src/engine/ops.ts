import * as tf from '@tensorflow/tfjs-core';
import { BN_RELU_POOL, BN_RELU_POOL_INFER, hasFusedKernels } from './kernels/fused';

/**
 * The building blocks of the network on tfjs-core: each uses the project's fused kernel where the
 * current backend has it, and an equivalent composite of stock ops elsewhere (tfjs-node).
 */

/** Batch-norm statistics of one block: per-channel mean and biased variance. */
export interface BatchStats {
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
}

/**
 * BatchNorm -> ReLU -> MaxPool(2) over length, on [batch, 1, length, channels]. Training mode
 * normalises with the batch statistics and returns them; otherwise `stats` (running values) are used.
 */
export function bnReluPool(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  stats: BatchStats | null,
): { y: tf.Tensor4D; batch: BatchStats | null } {
  const training = stats === null;
  if (hasFusedKernels(tf.getBackend())) {
    if (training) {
      const [y, mean, variance] = tf
        .engine()
        .runKernel(BN_RELU_POOL, { x, gamma, beta }, { training: true, epsilon }) as unknown as tf.Tensor[];
      return { y: y as tf.Tensor4D, batch: { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D } };
    }
    const [y] = tf
      .engine()
      .runKernel(
        BN_RELU_POOL_INFER,
        { x, gamma, beta, mean: stats.mean, variance: stats.variance },
        { training: false, epsilon },
      ) as unknown as tf.Tensor[];
    return { y: y as tf.Tensor4D, batch: null };
  }
  return bnReluPoolComposite(x, gamma, beta, epsilon, stats);
}

/** The same block tail from stock tfjs ops (reference for tests, fallback for other backends). */
export function bnReluPoolComposite(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  stats: BatchStats | null,
): { y: tf.Tensor4D; batch: BatchStats | null } {
  const batch = stats === null ? (tf.moments(x, [0, 1, 2]) as unknown as BatchStats) : null;
  const { mean, variance } = batch ?? (stats as BatchStats);
  const normalised = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  const y = tf.maxPool(tf.relu(normalised) as tf.Tensor4D, [1, 2], [1, 2], 'valid');
  return { y, batch };
}

/** Conv1D as a 2-D convolution over [batch, 1, length, channels] with a [1, k, in, out] filter. */
export function conv1d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, padding: 'same' | 'valid'): tf.Tensor4D {
  if (bias) return tf.fused.conv2d({ x, filter, bias, strides: 1, pad: padding });
  return tf.conv2d(x, filter, 1, padding);
}

/** x W + b with an optional fused ReLU. */
export function dense(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: weight, bias, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
}

/** Sum over heads of alpha_j x mean over the batch of BCE-with-logits(z_ij, y_ij). */
export function weightedBinaryCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, alpha: tf.Tensor1D): tf.Scalar {
  const perElement = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.softplus(tf.neg(tf.abs(logits))));
  return tf.sum(tf.mul(tf.mean(perElement, 0), alpha)) as tf.Scalar;
}

/** Mean softmax cross-entropy of logits against one-hot targets. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}
