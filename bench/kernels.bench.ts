import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/engine/backend';
import { ADAM_STEP_HEAP } from '../src/engine/kernels/wasm/adam-step';
import { BN_RELU_POOL } from '../src/engine/kernels/fused';
import { nativeAddon } from '../src/engine/kernels/native';

/**
 * Per-kernel speed of the pretext network's kernels at L = 404, batch 32 (the shapes one training
 * step runs), on the native kernels (each instruction set the CPU runs) and on wasm: GFLOP/s and
 * the fraction of one core's peak, which is measured (register-only multiply-adds of the widest
 * instruction set, native multiplyAddPeak). Convolutions count the direct algorithm's flops
 * (2 x outputs x taps x input channels), so Winograd shows as an effective rate. The batch-norm
 * tail and Adam move memory rather than compute: GB/s of their operands. CPU time (the machine
 * is shared), best of 7. One JSON line per measurement, then a table.
 * usage: node dist/bench/kernels.bench.js [L]
 */
const L = Number(process.argv[2] ?? 404);
const BATCH = 32;

interface Measurement {
  kernel: string;
  shape: string;
  flops?: number;
  bytes?: number;
  run: () => tf.Tensor | tf.Tensor[];
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function bestMs(run: () => tf.Tensor | tf.Tensor[]): number {
  const dispose = (out: tf.Tensor | tf.Tensor[]) => (Array.isArray(out) ? out.forEach((t) => t.dispose()) : out.dispose());
  dispose(run());
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = cpuMs();
    dispose(run());
    best = Math.min(best, cpuMs() - t0);
  }
  return best;
}

/** The network's kernels with their operands (created on the current backend). */
function measurements(): { list: Measurement[]; dispose: () => void } {
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(t);
    return t;
  };
  const list: Measurement[] = [];
  const layers: [number, number, number][] = [
    [L, 1, 32],
    [L, 32, 32],
    [L / 2, 32, 64],
    [L / 2, 64, 64],
    [L / 4, 64, 128],
    [L / 4, 128, 128],
  ].map(([len, ci, co]) => [Math.floor(len), ci, co]);
  for (const [len, ci, co] of layers) {
    const x = keep(tf.randomNormal([BATCH, 1, len, ci])) as tf.Tensor4D;
    const w = keep(tf.randomNormal([1, 3, ci, co])) as tf.Tensor4D;
    const dy = keep(tf.randomNormal([BATCH, 1, len, co])) as tf.Tensor4D;
    const flops = 2 * BATCH * len * 3 * ci * co;
    const shape = `${len} x ${ci} -> ${co}`;
    list.push({ kernel: 'conv forward', shape, flops, run: () => tf.conv2d(x, w, 1, 'same') });
    list.push({
      kernel: 'conv input gradient',
      shape,
      flops,
      run: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor,
    });
    list.push({
      kernel: 'conv filter gradient',
      shape,
      flops,
      run: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: w.shape }) as tf.Tensor,
    });
  }
  const features = 128 * Math.floor(L / 8);
  const hidden = 7 * 128;
  const h = keep(tf.randomNormal([BATCH, features])) as tf.Tensor2D;
  const wDense = keep(tf.randomNormal([features, hidden])) as tf.Tensor2D;
  const dyDense = keep(tf.randomNormal([BATCH, hidden])) as tf.Tensor2D;
  const denseFlops = 2 * BATCH * features * hidden;
  const denseShape = `${BATCH} x ${features} x ${hidden}`;
  list.push({ kernel: 'dense forward', shape: denseShape, flops: denseFlops, run: () => tf.matMul(h, wDense) });
  list.push({ kernel: 'dense input gradient', shape: denseShape, flops: denseFlops, run: () => tf.matMul(dyDense, wDense, false, true) });
  list.push({ kernel: 'dense weight gradient', shape: denseShape, flops: denseFlops, run: () => tf.matMul(h, dyDense, true, false) });
  const [len, channels] = [Math.floor(L / 4), 128];
  const xBn = keep(tf.randomNormal([BATCH, 1, len, channels]));
  const gamma = keep(tf.ones([channels]));
  const beta = keep(tf.zeros([channels]));
  // Reads x twice (statistics) and once more to normalise; writes the pooled half.
  list.push({ kernel: 'batch-norm + ReLU + pool', shape: `${len} x ${channels}`, bytes: 4 * BATCH * len * channels * 3.5, run: () => tf.engine().runKernel(BN_RELU_POOL, { x: xBn, gamma, beta }, { training: true, epsilon: 1e-5 }) as unknown as tf.Tensor[] });
  const size = features * hidden;
  const wAdam = keep(tf.randomNormal([size]));
  const gAdam = keep(tf.randomNormal([size]));
  const m = keep(tf.zeros([size]));
  const v = keep(tf.zeros([size]));
  list.push({
    kernel: 'Adam step',
    shape: `${size} weights`,
    bytes: 4 * size * 7,
    run: () => tf.engine().runKernel(ADAM_STEP_HEAP, { w: wAdam, g: gAdam, m, v }, { learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 1 }) as tf.Tensor,
  });
  return { list, dispose: () => tensors.forEach((t) => t.dispose()) };
}

function corePeak(): { isa: string; gflops: number } | null {
  try {
    const addon = nativeAddon();
    const isa = addon.instructionSets()[0];
    addon.use(isa);
    let best = 0;
    for (let r = 0; r < 5; r++) {
      const t0 = cpuMs();
      const flops = addon.multiplyAddPeak(3e7);
      best = Math.max(best, flops / (cpuMs() - t0) / 1e6);
    }
    return { isa, gflops: best };
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const peak = corePeak();
  console.log(JSON.stringify({ bench: 'kernels', machine: os.cpus()[0]?.model, loadAverage: os.loadavg(), corePeakGflops: peak?.gflops, peakInstructionSet: peak?.isa, date: new Date().toISOString() }));
  const targets: { label: string; backend: BackendName; isa?: string }[] = [];
  try {
    for (const isa of nativeAddon().instructionSets()) targets.push({ label: `native ${isa}`, backend: 'native', isa });
  } catch {
    // no addon: wasm only
  }
  targets.push({ label: 'wasm', backend: 'wasm' });
  const rows: Record<string, string>[] = [];
  for (const target of targets) {
    await initBackend(target.backend);
    if (target.isa) nativeAddon().use(target.isa);
    const { list, dispose } = measurements();
    for (const m of list) {
      const ms = bestMs(m.run);
      const gflops = m.flops ? m.flops / ms / 1e6 : undefined;
      const gbs = m.bytes ? m.bytes / ms / 1e6 : undefined;
      const record = { bench: 'kernel', impl: target.label, kernel: m.kernel, shape: m.shape, ms: Number(ms.toFixed(3)), gflops: gflops && Number(gflops.toFixed(1)), gbPerSecond: gbs && Number(gbs.toFixed(1)), ofPeak: gflops && peak ? Number((gflops / peak.gflops).toFixed(2)) : undefined };
      console.log(JSON.stringify(record));
      rows.push({ impl: target.label, kernel: m.kernel, shape: m.shape, ms: ms.toFixed(3), rate: gflops ? `${gflops.toFixed(0)} GFLOP/s` : `${gbs?.toFixed(1)} GB/s`, ofPeak: gflops && peak ? `${Math.round((100 * gflops) / peak.gflops)} %` : '-' });
    }
    dispose();
  }
  if (peak && nativeAddon().instructionSets().length > 0) nativeAddon().use(peak.isa);
  console.log(['', `one core's peak: ${peak ? `${peak.gflops.toFixed(0)} GFLOP/s (${peak.isa} multiply-adds)` : 'unknown (no native addon)'}`, '', '| kernel | shape | implementation | ms (CPU) | rate | of peak |', '|---|---|---|---|---|---|', ...rows.map((r) => `| ${r.kernel} | ${r.shape} | ${r.impl} | ${r.ms} | ${r.rate} | ${r.ofPeak} |`)].join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
