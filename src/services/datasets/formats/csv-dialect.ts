import { parse } from 'csv-parse/sync';
import { UserInputError } from '../../../errors';
import { detectDelimiter } from '../spectra-csv';
import { parseTable, type Cell, type Table } from './table';
import type { InputFile, ParsedFile, TableOptions } from './types';

/**
 * CSV and TSV as instruments and spreadsheets write them, beside the plain CSV that the fast
 * streaming parser reads (spectra-csv.ts): UTF-16 or UTF-8 with a byte-order mark, a decimal
 * comma (with ';' or tab between fields), a separator at the end of every line, blank lines,
 * quoted fields, and the transposed layout (one column per sample). Fields are split by
 * csv-parse (a kept parser); the whole file is in memory, as for every non-CSV format.
 */
export function parseCsvDialect(file: InputFile, options: TableOptions): ParsedFile {
  const text = decodeText(file.bytes);
  return parseTable(csvTable(file.name, text, options.delimiter), options);
}

/** The text of a file: UTF-16 (LE or BE) or UTF-8, by its byte-order mark; UTF-8 without one. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  return new TextDecoder('utf-8').decode(bytes);
}

/** The rows of a delimited text, blank lines dropped, each with its line number. */
export function csvTable(fileName: string, text: string, delimiter?: ',' | '\t' | ';'): Table {
  const firstLine = text.split(/\r?\n|\r/).find((line) => line.trim() !== '') ?? '';
  if (firstLine === '') throw new UserInputError(`${fileName}: the file is empty`);
  const sep = delimiter ?? detectDelimiter(firstLine);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter: sep, info: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    const e = error as { message?: string; lines?: number };
    throw new UserInputError(`${fileName}${e.lines ? `, line ${e.lines}` : ''}: ${String(e.message ?? error).slice(0, 120)}`);
  }
  records = records.filter((r) => r.record.some((f) => f !== ''));
  // A separator at the end of every line (spreadsheets write it): the last, empty column goes.
  const notes: string[] = [];
  if (records.length > 0 && records.every((r) => r.record.length > 1 && r.record[r.record.length - 1] === '')) {
    for (const r of records) r.record.pop();
  }
  // A decimal comma: only where ',' is not the separator and numbers are written with one.
  const decimalComma = sep !== ',' && records.slice(1, 20).some((r) => r.record.some((f) => /^[+-]?\d*,\d+([eE][+-]?\d+)?$/.test(f)));
  const rows: Cell[][] = records.map((r) => (decimalComma ? r.record.map((f) => (/^[+-]?\d*,\d+([eE][+-]?\d+)?$/.test(f) ? f.replace(',', '.') : f)) : r.record));
  const lines = records.map((r) => r.info.lines);
  return {
    fileName,
    rows,
    where: (row, column) => `${fileName}, line ${lines[row]}${column === null ? '' : `, column ${column + 1}`}`,
    notes,
  };
}

/** isPlainCsv on the first bytes of a file: a byte-order mark (UTF-8 or UTF-16) makes it a dialect. */
export function isPlainCsvStart(head: Uint8Array, options: TableOptions, complete: boolean): boolean {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return false;
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return false;
  return isPlainCsv(new TextDecoder('utf-8', { ignoreBOM: true }).decode(head), options, complete);
}

/**
 * True when the start of a CSV can go through the fast streaming parser: UTF-8 without a
 * byte-order mark, the usual layout (label column, then numeric column headers), no separator
 * at the end of the lines, no decimal comma, no blank line between rows. Anything else is a
 * dialect, read by parseCsvDialect.
 */
export function isPlainCsv(head: string, options: TableOptions, complete: boolean): boolean {
  if (head.charCodeAt(0) === 0xfeff || head.startsWith('\u00ef\u00bb\u00bf')) return false;
  const lines = head.split('\n');
  if (!complete) lines.pop(); // the last line may be cut
  const rows = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (rows.length > 0 && rows[rows.length - 1].trim() === '') rows.pop();
  if (rows.length === 0) return true; // let the fast parser say what is wrong
  const sep = options.delimiter ?? detectDelimiter(rows[0]);
  const header = rows[0].split(sep).map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  if (header.length > 1 && header[header.length - 1] === '') return false;
  if (rows.some((r) => r.trim() === '')) return false;
  if (sep !== ',' && rows.slice(1).some((r) => /(^|[;\t])\s*[+-]?\d*,\d+\s*($|[;\t])/.test(r))) return false;
  // The transposed layout: numbers down the first column, too few numeric headers for an axis.
  const numericHeaders = header.filter((h) => h !== '' && Number.isFinite(Number(h))).length;
  const hasLabel = header.includes(options.labelColumn);
  if (numericHeaders < 2 || (!hasLabel && !options.library && !options.labelsOptional)) {
    const firstColumn = rows.slice(1, 6).map((r) => r.split(sep)[0].trim());
    if (firstColumn.length > 0 && firstColumn.every((c) => c !== '' && Number.isFinite(Number(c)))) return false;
  }
  return true;
}
