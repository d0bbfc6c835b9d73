import { UserInputError } from '../../../errors';
import { assembleSpectra, type AssembledSpectra } from './assemble';
import { parseCsvDialect } from './csv-dialect';
import { parseJcamp } from './jcamp';
import { isLabelsCsv, parseLabelsCsv, type LabelsTable } from './labels';
import { looksLikeSpc, parseSpc } from './spc';
import { parseXlsx } from './xlsx';
import { unzipFiles } from './zip';
import type { AxisUnit } from '../spectra-csv';
import type { ImportFormat, InputFile, ParsedFile, TableOptions } from './types';

export type { AssembledSpectra } from './assemble';
export type { ImportFormat, InputFile } from './types';
export { isPlainCsv, isPlainCsvStart } from './csv-dialect';

export interface FormatOptions extends TableOptions {
  readonly format: ImportFormat;
  readonly axisUnit?: AxisUnit;
  /** Largest total size, the unpacked zips included. */
  readonly maxBytes: number;
  /** Most files in one import, the zips' entries included. */
  readonly maxFiles: number;
}

/** The format of a file from its first bytes (and, for workbooks, its name). */
export function detectFormat(file: InputFile): Exclude<ImportFormat, 'AUTO'> {
  const b = file.bytes;
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
    return /\.xlsx$/i.test(file.name) || hasText(b.subarray(0, 65536), 'xl/') ? 'XLSX' : 'ZIP';
  }
  if (looksLikeSpc(b)) return 'SPC';
  const head = new TextDecoder(b[0] === 0xff && b[1] === 0xfe ? 'utf-16le' : 'utf-8').decode(b.subarray(0, 512)).replace(/^\uFEFF/, '');
  if (/^\s*##\s*TITLE\s*=/i.test(head)) return 'JCAMP_DX';
  return 'CSV';
}

function hasText(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(text, 0, 'latin1');
}

/**
 * Reads the files of one import whatever their formats (a zip's entries each by its own) and
 * puts their spectra on one axis. A CSV with a file-name column is the labels of the others.
 */
export async function parseFiles(files: InputFile[], options: FormatOptions): Promise<AssembledSpectra> {
  const expanded: { file: InputFile; format: Exclude<ImportFormat, 'AUTO'> }[] = [];
  for (const file of files) {
    const format = options.format === 'AUTO' ? detectFormat(file) : options.format;
    if (format === 'ZIP') {
      for (const entry of unzipFiles(file, options.maxBytes, options.maxFiles)) {
        const inner = detectFormat(entry);
        if (inner === 'ZIP') throw new UserInputError(`${file.name}: a zip inside the zip (${entry.name}) is not read; unpack it first`);
        expanded.push({ file: entry, format: inner });
      }
    } else {
      expanded.push({ file, format });
    }
  }
  if (expanded.length > options.maxFiles) throw new UserInputError(`${expanded.length} files in one import, more than ${options.maxFiles} (NIR_SSL_MAX_IMPORT_FILES)`);
  let labels: LabelsTable | null = null;
  const spectra = expanded.filter(({ file, format }) => {
    if (format !== 'CSV' || expanded.length === 1 || !isLabelsCsv(file.bytes)) return true;
    if (labels) throw new UserInputError(`two labels CSVs in one import (${labels.fileName} and ${file.name}): give one`);
    labels = parseLabelsCsv(file, options);
    return false;
  });
  const parsed: ParsedFile[] = [];
  for (const { file, format } of spectra) {
    if (format === 'ZIP') throw new UserInputError(`${file.name}: a zip inside the zip is not read; unpack it first`);
    parsed.push(await parseOne(file, format, { ...options, labelsElsewhere: labels !== null }));
  }
  if (parsed.length === 0) throw new UserInputError('the import holds no spectra, only a labels CSV');
  return assembleSpectra(parsed, labels, options);
}

async function parseOne(file: InputFile, format: Exclude<ImportFormat, 'AUTO' | 'ZIP'>, options: TableOptions): Promise<ParsedFile> {
  switch (format) {
    case 'CSV':
      return parseCsvDialect(file, options);
    case 'JCAMP_DX':
      return parseJcamp(file, options);
    case 'SPC':
      return parseSpc(file);
    case 'XLSX':
      return parseXlsx(file, options);
  }
}
