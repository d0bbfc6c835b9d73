import { UserInputError } from '../../errors';
import { matrix, type Matrix } from '../../numeric/matrix';

/**
 * Parses a table of spectra (CSV, TSV or semicolon-separated). Layout: a header row; the label
 * column, an optional group column and optional metadata columns come first; from the first
 * numeric header on, every column is a point of the spectral axis. Any defect is reported with
 * its line and column, and nothing is half-parsed.
 */
export type AxisUnit = 'nm' | 'cm-1';

export interface SpectraCsvOptions {
  /** Header of the class column (default "label"). */
  readonly labelColumn?: string;
  /** Header of a column of sample ids whose rows must stay together in one fold. */
  readonly groupColumn?: string | null;
  /** Field separator; detected from the header line when omitted. */
  readonly delimiter?: ',' | '\t' | ';';
  /** Unit of the axis; inferred when omitted (all values above 3500 read as cm-1, else nm). */
  readonly axisUnit?: AxisUnit;
  /** Largest accepted input in bytes. */
  readonly maxBytes?: number;
}

export interface ParsedSpectra {
  readonly axis: Float64Array;
  readonly axisUnit: AxisUnit;
  readonly x: Matrix;
  /** Class names in natural sort order; y holds indices into it. */
  readonly classes: string[];
  readonly y: Int32Array;
  readonly groups: string[] | null;
  readonly metadataNames: string[];
  /** Per sample, the metadata values (numbers where numeric, else strings; null when empty). */
  readonly metadata: (string | number | null)[][];
}

export function parseSpectraCsv(content: string, options: SpectraCsvOptions = {}): ParsedSpectra {
  const maxBytes = options.maxBytes ?? Infinity;
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > maxBytes) {
    throw new UserInputError(`the file is ${formatMiB(bytes)}, over the limit of ${formatMiB(maxBytes)}`, { bytes, maxBytes });
  }
  const lines = content.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0 || lines[0].trim() === '') throw new UserInputError('the file is empty');
  const delimiter = options.delimiter ?? detectDelimiter(lines[0]);
  const header = lines[0].split(delimiter).map((h) => unquote(h.trim()));

  const labelName = options.labelColumn ?? 'label';
  const labelIndex = header.indexOf(labelName);
  if (labelIndex < 0) {
    throw new UserInputError(`line 1: no label column "${excerpt(labelName)}" in the header (columns: ${preview(header)})`);
  }
  const groupName = options.groupColumn ?? null;
  const groupIndex = groupName === null ? -1 : header.indexOf(groupName);
  if (groupName !== null && groupIndex < 0) {
    throw new UserInputError(`line 1: no group column "${excerpt(groupName)}" in the header`);
  }

  const firstAxis = header.findIndex((h, i) => i !== labelIndex && i !== groupIndex && isNumeric(h));
  if (firstAxis < 0) throw new UserInputError('line 1: no numeric column header, so no spectral axis');
  if (labelIndex > firstAxis || groupIndex > firstAxis) {
    throw new UserInputError('line 1: the label and group columns must come before the spectral columns');
  }
  const nVariables = header.length - firstAxis;
  const axis = new Float64Array(nVariables);
  for (let j = 0; j < nVariables; j++) {
    const text = header[firstAxis + j];
    const value = decimal(text);
    if (text === '' || !Number.isFinite(value)) {
      throw new UserInputError(`line 1, column ${firstAxis + j + 1}: axis header "${excerpt(text)}" is not a number`);
    }
    axis[j] = value;
    if (j > 0) {
      if (value === axis[j - 1]) {
        throw new UserInputError(`line 1, column ${firstAxis + j + 1}: axis value ${excerpt(text)} repeats the previous column`);
      }
      if (j > 1 && Math.sign(value - axis[j - 1]) !== Math.sign(axis[1] - axis[0])) {
        throw new UserInputError(`line 1, column ${firstAxis + j + 1}: the axis must be monotonic (ascending or descending)`);
      }
    }
  }
  const metadataIndices = header.map((_, i) => i).filter((i) => i < firstAxis && i !== labelIndex && i !== groupIndex);

  const nSamples = lines.length - 1;
  if (nSamples === 0) throw new UserInputError('the file has a header but no spectra');
  const values = new Float32Array(nSamples * nVariables);
  const rawLabels: string[] = new Array(nSamples);
  const groups: string[] | null = groupIndex >= 0 ? new Array(nSamples) : null;
  const metadata: (string | number | null)[][] = new Array(nSamples);
  for (let i = 0; i < nSamples; i++) {
    const lineNo = i + 2;
    const fields = lines[i + 1].split(delimiter);
    if (fields.length !== header.length) {
      throw new UserInputError(`line ${lineNo} has ${fields.length} fields, expected ${header.length} as in the header`);
    }
    const label = unquote(fields[labelIndex].trim());
    if (label === '') throw new UserInputError(`line ${lineNo}, column ${labelIndex + 1}: empty label`);
    rawLabels[i] = label;
    if (groups) {
      const group = unquote(fields[groupIndex].trim());
      if (group === '') throw new UserInputError(`line ${lineNo}, column ${groupIndex + 1}: empty group`);
      groups[i] = group;
    }
    metadata[i] = metadataIndices.map((k) => metadataValue(fields[k]));
    const offset = i * nVariables;
    for (let j = 0; j < nVariables; j++) {
      const text = fields[firstAxis + j];
      const value = decimal(text);
      if (!Number.isFinite(value) || text.trim() === '') {
        const column = firstAxis + j + 1;
        const shown = text.trim();
        const reason = /^[+-]?(nan|inf(inity)?)$/i.test(shown)
          ? `${shown} is not allowed (values must be finite)`
          : shown === ''
            ? 'empty value'
            : `"${excerpt(shown)}" is not a number`;
        throw new UserInputError(`line ${lineNo}, column ${column}: ${reason}`, { line: lineNo, column });
      }
      values[offset + j] = value;
    }
  }

  const classes = [...new Set(rawLabels)].sort(naturalCompare);
  if (classes.length < 2) {
    throw new UserInputError(`the data has ${classes.length} class (${preview(classes)}); classification needs at least 2`);
  }
  const classIndex = new Map(classes.map((c, k) => [c, k]));
  const y = Int32Array.from(rawLabels, (label) => classIndex.get(label) as number);
  return {
    axis,
    axisUnit: options.axisUnit ?? inferAxisUnit(axis),
    x: matrix(nSamples, nVariables, values),
    classes,
    y,
    groups,
    metadataNames: metadataIndices.map((k) => header[k]),
    metadata,
  };
}

function detectDelimiter(headerLine: string): ',' | '\t' | ';' {
  const counts = ([',', '\t', ';'] as const).map((d) => [d, headerLine.split(d).length] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

function inferAxisUnit(axis: Float64Array): AxisUnit {
  return Math.min(axis[0], axis[axis.length - 1]) > 3500 ? 'cm-1' : 'nm';
}

function isNumeric(text: string): boolean {
  return text !== '' && Number.isFinite(decimal(text));
}

const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A decimal number (Number() would also take hex, octal and binary literals such as 0x1F); NaN otherwise. */
function decimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : NaN;
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text;
}

function metadataValue(field: string): string | number | null {
  const text = unquote(field.trim());
  if (text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** "2" < "10"; numbers before words. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function preview(items: string[]): string {
  const shown = items.slice(0, 6).map(excerpt).join(', ');
  return items.length > 6 ? `${shown}, ...` : shown;
}

/** At most a short excerpt of a cell in a message: an error must not echo the file back. */
function excerpt(text: string): string {
  return text.length > 24 ? `${text.slice(0, 20)}...` : text;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
