/**
 * Writes SPC files (Thermo Galactic GRAMS, "new format" little-endian, version byte 0x4B) as the
 * format's published layout describes them (a 512-byte main header; per spectrum a 32-byte
 * subheader and float32 Y values; the X array after the header when the axis is uneven), so
 * that tests need no binary fixtures. Y values are written as IEEE floats (exponent 0x80).
 */
export interface SpcSpectrum {
  readonly y: ArrayLike<number>;
}

export interface SpcOptions {
  readonly x: ArrayLike<number>;
  readonly spectra: SpcSpectrum[];
  /** SPC x type: 1 wavenumber (cm-1), 2 micrometres, 3 nanometres. */
  readonly xType: number;
  /** SPC y type: 2 absorbance, 10 log(1/R), 128 transmission, 129 reflectance. */
  readonly yType: number;
  /** Write the X array (uneven axis, TXVALS) instead of first/last. */
  readonly withX?: boolean;
  readonly memo?: string;
}

export function writeSpc(options: SpcOptions): Uint8Array {
  const n = options.x.length;
  const multi = options.spectra.length > 1;
  const size = 512 + (options.withX ? 4 * n : 0) + options.spectra.length * (32 + 4 * n);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let flags = 0;
  if (multi) flags |= 0x04; // TMULTI
  if (options.withX) flags |= 0x80; // TXVALS
  view.setUint8(0, flags);
  view.setUint8(1, 0x4b);
  view.setUint8(2, 0); // experiment type: general
  view.setInt8(3, -128); // Y as float
  view.setUint32(4, n, true);
  view.setFloat64(8, options.x[0], true);
  view.setFloat64(16, options.x[n - 1], true);
  view.setUint32(24, options.spectra.length, true);
  view.setUint8(28, options.xType);
  view.setUint8(29, options.yType);
  const memo = new TextEncoder().encode((options.memo ?? 'nir-ssl test').slice(0, 129));
  bytes.set(memo, 88);
  let offset = 512;
  if (options.withX) {
    for (let j = 0; j < n; j++, offset += 4) view.setFloat32(offset, options.x[j], true);
  }
  options.spectra.forEach((s, k) => {
    view.setUint8(offset, 0);
    view.setInt8(offset + 1, -128);
    view.setUint16(offset + 2, k, true);
    view.setUint32(offset + 16, n, true);
    offset += 32;
    for (let j = 0; j < n; j++, offset += 4) view.setFloat32(offset, s.y[j], true);
  });
  return bytes;
}
