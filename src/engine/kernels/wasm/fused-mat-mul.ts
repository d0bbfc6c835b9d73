import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../tensor-data';
import { captureWasmPrimitives, simdMatmul2d, view } from './primitives';

interface FusedMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

/**
 * _FusedMatMul (dense layers: x W + b, optional ReLU) for the wasm backend. The stock kernel
 * hands W to XNNPACK's fully-connected operator, which packs it again for every new tensor, i.e.
 * on every training step (about 27 ms for the 6400 x 896 head layer on this VM); the SIMD gemm
 * reads W in place. Other activations, PReLU weights and batched operands keep the stock kernel.
 */
export function fusedMatMulKernel(): KernelConfig {
  const stock = captureWasmPrimitives().fusedMatMul;
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights } = inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const { transposeA, transposeB, activation = 'linear' } = attrs as unknown as FusedMatMulAttrs;
    const wasm = backend as WasmBackendInternals;
    // The matMul op hands over rank-3 operands ([1, rows, cols] for a plain product).
    const single = (t: TensorInfo) => t.shape.length >= 2 && t.shape.slice(0, -2).every((d) => d === 1);
    const plain =
      single(a) &&
      single(b) &&
      a.dtype === 'float32' &&
      b.dtype === 'float32' &&
      !preluActivationWeights &&
      (activation === 'linear' || activation === 'relu') &&
      (!bias || (bias.shape.length === 1 && bias.dtype === 'float32'));
    const out = plain ? simdMatmul2d(wasm, view(a, a.shape.slice(-2)), view(b, b.shape.slice(-2)), transposeA, transposeB) : null;
    if (!out) return stock({ inputs, backend, attrs });
    const [m, n] = out.shape;
    const outer = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    if (bias || activation === 'relu') {
      const c = wasm.typedArrayFromHeap(out);
      const add = bias ? wasm.typedArrayFromHeap(bias) : null;
      if (add && add.length !== n && add.length !== 1) {
        wasm.disposeData(out.dataId);
        return stock({ inputs, backend, attrs });
      }
      const relu = activation === 'relu';
      for (let r = 0; r < m; r++) {
        const base = r * n;
        for (let j = 0; j < n; j++) {
          let value = c[base + j] + (add ? add[add.length === 1 ? 0 : j] : 0);
          if (relu && value < 0) value = 0;
          c[base + j] = value;
        }
      }
    }
    return view(out, [...outer, m, n]);
  };
  return { kernelName: tf._FusedMatMul, backendName: 'wasm', kernelFunc };
}
