import * as tf from '@tensorflow/tfjs-core';
import type { ParameterStore } from './cnn';

/**
 * Weights to bytes and back, exactly (raw little-endian float32). Layout: "NIRW", a uint32 header
 * length, a JSON header { entries: [{ name, shape, kind }] } padded to 4 bytes, then the values
 * in header order. Running batch-norm statistics travel as two entries (mean, variance).
 */
const MAGIC = 'NIRW';

interface Entry {
  readonly name: string;
  readonly shape: number[];
  readonly kind: 'variable' | 'runningMean' | 'runningVariance';
}

export interface NamedArrays {
  readonly entries: { name: string; shape: number[]; kind: Entry['kind']; values: Float32Array }[];
}

export function storeToArrays(store: ParameterStore, prefixes?: readonly string[]): NamedArrays {
  const keep = (name: string): boolean => !prefixes || prefixes.some((p) => name.startsWith(p));
  const entries: NamedArrays['entries'] = [];
  for (const [name, v] of store.variables) {
    if (keep(name)) entries.push({ name, shape: v.shape, kind: 'variable', values: v.dataSync() as Float32Array });
  }
  for (const [name, stats] of store.running) {
    if (!keep(name)) continue;
    entries.push({ name, shape: [stats.mean.length], kind: 'runningMean', values: stats.mean });
    entries.push({ name, shape: [stats.variance.length], kind: 'runningVariance', values: stats.variance });
  }
  return { entries };
}

export function arraysToBytes(arrays: NamedArrays): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({ entries: arrays.entries.map(({ name, shape, kind }) => ({ name, shape, kind })) }),
  );
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const valueCount = arrays.entries.reduce((n, e) => n + e.values.length, 0);
  const bytes = new Uint8Array(8 + headerPadded + valueCount * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, header.length, true);
  bytes.set(header, 8);
  let offset = 8 + headerPadded;
  const view = new DataView(bytes.buffer);
  for (const e of arrays.entries) {
    for (let i = 0; i < e.values.length; i++) view.setFloat32(offset + 4 * i, e.values[i], true);
    offset += e.values.length * 4;
  }
  return bytes;
}

export function bytesToArrays(bytes: Uint8Array): NamedArrays {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new Error('not a nir-ssl weights file (bad magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as { entries: Entry[] };
  let offset = 8 + Math.ceil(headerLength / 4) * 4;
  const entries: NamedArrays['entries'] = [];
  for (const e of header.entries) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (offset + size * 4 > bytes.length) throw new Error(`weights file truncated at ${e.name}`);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = view.getFloat32(offset + 4 * i, true);
    offset += size * 4;
    entries.push({ ...e, values });
  }
  return { entries };
}

/**
 * Copies the arrays into a store whose parameters already exist with the same names and shapes
 * (an entry without a matching parameter is an error; parameters without an entry are kept).
 */
export function loadArraysIntoStore(store: ParameterStore, arrays: NamedArrays, rename?: (name: string) => string): void {
  for (const e of arrays.entries) {
    const name = rename ? rename(e.name) : e.name;
    if (e.kind === 'variable') {
      const v = store.get(name);
      if (v.shape.join(',') !== e.shape.join(',')) {
        throw new Error(`parameter ${name} has shape [${v.shape}] but the weights have [${e.shape}]`);
      }
      const values = tf.tensor(e.values, e.shape);
      v.assign(values);
      values.dispose();
    } else {
      const stats = store.running.get(name);
      if (!stats || stats.mean.length !== e.values.length) throw new Error(`batch-norm statistics ${name} do not match`);
      (e.kind === 'runningMean' ? stats.mean : stats.variance).set(e.values);
    }
  }
}

export function storeToBytes(store: ParameterStore, prefixes?: readonly string[]): Uint8Array {
  return arraysToBytes(storeToArrays(store, prefixes));
}
