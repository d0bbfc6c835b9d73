import { UserInputError } from '../../../errors';

/**
 * Fitted models to JSON and back, exactly: Float64Array and Int32Array values become
 * { "$float64" | "$int32": base64 of their little-endian bytes } (about a third of the size of a
 * JSON number list), recursively through plain objects and arrays; other values pass as they are.
 */
export function encodeState(value: unknown): unknown {
  if (value instanceof Float64Array) return { $float64: base64(value) };
  if (value instanceof Int32Array) return { $int32: base64(value) };
  if (ArrayBuffer.isView(value)) throw new TypeError(`cannot serialise a ${value.constructor.name}; use Float64Array or Int32Array`);
  if (Array.isArray(value)) return value.map(encodeState);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, encodeState(v)]));
  }
  return value;
}

export function decodeState(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeState);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if ('$float64' in record) return fromBase64(record.$float64, 8, (buffer) => new Float64Array(buffer));
  if ('$int32' in record) return fromBase64(record.$int32, 4, (buffer) => new Int32Array(buffer));
  return Object.fromEntries(Object.entries(record).map(([key, v]) => [key, decodeState(v)]));
}

function base64(values: Float64Array | Int32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function fromBase64<T>(text: unknown, bytesPerValue: number, view: (buffer: ArrayBuffer) => T): T {
  if (typeof text !== 'string') throw new UserInputError('invalid model state: a typed array must be a base64 string');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % bytesPerValue !== 0) throw new UserInputError('invalid model state: truncated typed array');
  // Copy into a fresh, aligned buffer: Buffer's pool may start at any offset.
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return view(buffer);
}
