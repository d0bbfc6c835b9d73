import type { ParseResult } from 'spc-parser';
import { UserInputError } from '../../../errors';
import { axisUnitOf, excerpt, valueUnitOf, type InputFile, type ParsedFile, type SpectrumRecord } from './types';

/** The file-type byte of an SPC file (its second byte): new format LSB, new format MSB, old format. */
const SPC_VERSIONS = [0x4b, 0x4c, 0x4d];

/** True when the bytes look like an SPC file: its version byte, and binary content. */
export function looksLikeSpc(bytes: Uint8Array): boolean {
  return bytes.length >= 256 && SPC_VERSIONS.includes(bytes[1]) && bytes.subarray(0, 512).includes(0);
}

/**
 * Thermo Galactic GRAMS SPC files (one spectrum, or a multifile of several on one axis, evenly
 * spaced or with an X array), read by spc-parser (cheminfo). The reader walks the bytes it is
 * told to, so the sizes in the header are checked against the file first: a file cut short is
 * refused with what it lacks instead of read past its end. Loaded on first use (its
 * ml-spectra-processing is an ES module).
 */
export async function parseSpc(file: InputFile): Promise<ParsedFile> {
  const bytes = file.bytes;
  if (!looksLikeSpc(bytes)) throw new UserInputError(`${file.name}: not an SPC file (no SPC version byte 4B, 4C or 4D at offset 1)`);
  if (bytes[1] === 0x4d) checkOldFormatSize(file);
  else checkNewFormatSize(file);
  const { parse } = await import('spc-parser');
  let parsed: ParseResult;
  try {
    parsed = parse(bytes);
  } catch (error) {
    throw new UserInputError(`${file.name}: not a readable SPC file (${excerpt(String((error as Error).message ?? error))})`);
  }
  if (parsed.spectra.length === 0) throw new UserInputError(`${file.name}: the SPC file holds no spectrum`);
  const xType = String(parsed.meta.xUnitsType ?? '');
  const unit = axisUnitOf(xType);
  if (unit === null) throw new UserInputError(`${file.name}: the x axis is "${excerpt(xType)}", not a spectral axis (nm, micrometers or cm-1)`);
  const several = parsed.spectra.length > 1;
  const spectra: SpectrumRecord[] = parsed.spectra.map((s, k) => {
    const x = s.variables.x.data as ArrayLike<number>;
    const y = s.variables.y.data as ArrayLike<number>;
    return {
      where: several ? `${file.name}, spectrum ${k + 1}` : file.name,
      file: file.name,
      index: several ? k + 1 : null,
      title: null,
      axis: Float64Array.from(x, (v) => v * unit.scale),
      values: Float64Array.from(y),
      metadata: { file: file.name, title: several ? `${file.name}#${k + 1}` : null },
    };
  });
  return {
    spectra,
    axisUnit: unit.unit,
    valueUnit: valueUnitOf(String(parsed.meta.yUnitsType ?? '')),
    metadataNames: ['file', 'title'],
    labelled: false,
    grouped: false,
    notes: [],
  };
}

/** Old-format (LabCalc) files: the point count is a float in the header; it must fit in the file. */
function checkOldFormatSize(file: InputFile): void {
  const view = new DataView(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
  const points = view.getFloat32(4, true);
  if (!Number.isInteger(points) || points < 2 || 256 + 2 * points > file.bytes.length) {
    throw new UserInputError(`${file.name}: the SPC file (old format) says ${Number.isFinite(points) ? points : 'no number of'} points, which its ${file.bytes.length} bytes cannot hold`);
  }
}

/** New-format header sizes against the file's length (the 512-byte header, then the data block). */
function checkNewFormatSize(file: InputFile): void {
  const bytes = file.bytes;
  if (bytes.length < 512) throw new UserInputError(`${file.name}: the SPC file ends early (${bytes.length} bytes, its header alone has 512)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[1] === 0x4b;
  const flags = bytes[0];
  const points = view.getUint32(4, le);
  const count = view.getUint32(24, le);
  if (flags & 64) return; // XYXY: each subfile says its own length; the reader's bounds check applies
  const yBytes = flags & 1 ? 2 : 4;
  const spectra = flags & 4 ? count : 1;
  if (points < 2 || points > 1e7 || spectra < 1 || spectra > 1e6) {
    throw new UserInputError(`${file.name}: the SPC header says ${points} points and ${spectra} spectra, which cannot be right`);
  }
  const needed = 512 + (flags & 128 ? 4 * points : 0) + spectra * (32 + yBytes * points);
  if (bytes.length < needed) {
    throw new UserInputError(`${file.name}: the SPC file ends early: ${spectra} spectra of ${points} points need ${needed} bytes, the file has ${bytes.length}`);
  }
}
