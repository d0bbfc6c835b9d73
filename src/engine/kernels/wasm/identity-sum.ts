import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../tensor-data';
import { address, columnTotals, heapKernels } from './heap';

/**
 * Two small kernels the autodiff tape calls often on the wasm backend:
 *
 * - Identity: the tape clones every tensor it saves for the backward pass (73 per training step
 *   of the pretext network). The stock wasm kernel copies the data; tensors are immutable, so
 *   here the clone shares it with a reference count, as the cpu backend does.
 * - Sum over the leading axes (bias gradients: [batch, 1, length, channels] -> [channels]): the
 *   stock kernel transposes the whole tensor first; here one pass with the SIMD column sum
 *   (columnTotals). Other reductions keep the stock kernel.
 */

interface RefCounted {
  incRef(dataId: TensorInfo['dataId']): void;
}

export function identityKernel(): KernelConfig {
  const stock = tf.getKernel(tf.Identity, 'wasm')?.kernelFunc;
  if (!stock) throw new Error('the wasm backend has no Identity kernel');
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return stock(args);
    (args.backend as unknown as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: 'wasm', kernelFunc };
}

export function sumKernel(): KernelConfig {
  const stock = tf.getKernel(tf.Sum, 'wasm')?.kernelFunc;
  if (!stock) throw new Error('the wasm backend has no Sum kernel');
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const wasm = args.backend as WasmBackendInternals;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    const columns = x.shape.slice(axes.length).reduce((a, b) => a * b, 1);
    const kernels = heapKernels(wasm);
    if (!kernels || !leading || x.dtype !== 'float32' || columns % 4 !== 0) return stock(args);
    const rows = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
    const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const out = wasm.makeOutput(outShape, 'float32');
    const partial = wasm.makeOutput([columns], 'float32');
    try {
      const rowBytes = 4 * columns;
      const partialAddress = address(wasm, partial);
      const total = columnTotals(wasm.typedArrayFromHeap(partial), rows, rowBytes, address(wasm, x), (at, count) =>
        kernels.columnSum(at, count, rowBytes, partialAddress),
      );
      wasm.typedArrayFromHeap(out).set(total);
    } finally {
      wasm.disposeData(partial.dataId);
    }
    return out;
  };
  return { kernelName: tf.Sum, backendName: 'wasm', kernelFunc };
}
