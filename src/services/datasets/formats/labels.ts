import { UserInputError } from '../../../errors';
import { csvTable, decodeText } from './csv-dialect';
import { excerpt, type InputFile, type MetadataValue, type SpectrumRecord, type TableOptions } from './types';
import { metadataValue } from '../spectra-csv';

/** Headers that mark a CSV as the labels of the other files (case-insensitive). */
const KEY_COLUMNS = ['file', 'filename', 'file name', 'file_name'];

export interface LabelRow {
  readonly label: string;
  readonly group?: string;
  readonly metadata: Record<string, MetadataValue>;
}

/**
 * The CSV that maps the files of an import (or a zip) to labels: a column `file` (the file name,
 * with or without its extension; `name#k` for the k-th spectrum of a file of several, or the
 * spectrum's title), the label column, optionally the group column; any other column is kept as
 * metadata.
 */
export class LabelsTable {
  private readonly rows = new Map<string, LabelRow>();

  constructor(
    readonly fileName: string,
    readonly keyColumn: string,
    readonly metadataNames: string[],
  ) {}

  set(key: string, row: LabelRow): boolean {
    if (this.rows.has(key)) return false;
    this.rows.set(key, row);
    return true;
  }

  /** The row for a spectrum: by file#index, by title, by file name, by file name without extension. */
  find(r: SpectrumRecord): LabelRow | null {
    const base = r.file.replace(/^.*\//, '');
    const keys = [
      ...(r.index !== null ? [`${r.file}#${r.index}`, `${base}#${r.index}`] : []),
      ...(r.title ? [r.title] : []),
      r.file,
      base,
      base.replace(/\.[^.]*$/, ''),
    ];
    for (const key of keys) {
      const row = this.rows.get(key);
      if (row) return row;
    }
    return null;
  }
}

/** True when the text starts with a header that has a file-name column. */
export function isLabelsCsv(bytes: Uint8Array): boolean {
  const head = decodeText(bytes.subarray(0, 4096));
  const first = head.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return first.split(/[,;\t]/).some((h) => KEY_COLUMNS.includes(h.trim().replace(/^"(.*)"$/, '$1').toLowerCase()));
}

export function parseLabelsCsv(file: InputFile, options: TableOptions): LabelsTable {
  const table = csvTable(file.name, decodeText(file.bytes), options.delimiter);
  const header = table.rows[0].map((c) => String(c ?? '').trim());
  const keyIndex = header.findIndex((h) => KEY_COLUMNS.includes(h.toLowerCase()));
  const labelIndex = header.indexOf(options.labelColumn);
  if (labelIndex < 0 && !options.library) {
    throw new UserInputError(`${table.where(0, null)}: the labels CSV has no label column "${excerpt(options.labelColumn)}"`);
  }
  const groupIndex = options.groupColumn === null ? -1 : header.indexOf(options.groupColumn);
  if (options.groupColumn !== null && groupIndex < 0) throw new UserInputError(`${table.where(0, null)}: the labels CSV has no group column "${excerpt(options.groupColumn)}"`);
  const metadataIndices = header.map((_, i) => i).filter((i) => i !== keyIndex && i !== labelIndex && i !== groupIndex);
  const labels = new LabelsTable(file.name, header[keyIndex], metadataIndices.map((i) => header[i]));
  for (let r = 1; r < table.rows.length; r++) {
    const cells = table.rows[r].map((c) => String(c ?? '').trim());
    const key = cells[keyIndex] ?? '';
    if (key === '') throw new UserInputError(`${table.where(r, keyIndex)}: empty file name`);
    const group = groupIndex >= 0 ? (cells[groupIndex] ?? '') : undefined;
    const row: LabelRow = {
      label: labelIndex >= 0 ? (cells[labelIndex] ?? '') : '',
      group,
      metadata: Object.fromEntries(metadataIndices.map((i) => [header[i], metadataValue(cells[i] ?? '')])),
    };
    if (!labels.set(key, row)) throw new UserInputError(`${table.where(r, keyIndex)}: "${excerpt(key)}" appears twice`);
  }
  return labels;
}
