import { PayloadTooLargeError, UserInputError } from '../../errors';
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
  /**
   * A spectral library: spectra without labels. The label column may then be missing (every row
   * is unlabelled); where it is present, its values are read as usual.
   */
  readonly library?: boolean;
  /**
   * Spectra to predict: the label column may be missing (then `classes` and `y` are empty) and
   * any number of classes is accepted.
   */
  readonly labelsOptional?: boolean;
}

/** The class index of an unlabelled row (empty label, or a library without a label column). */
export const UNLABELLED = -1;

export interface ParsedSpectra {
  readonly axis: Float64Array;
  readonly axisUnit: AxisUnit;
  readonly x: Matrix;
  /** Class names in natural sort order; y holds indices into it, UNLABELLED (-1) for a row without a label. */
  readonly classes: string[];
  readonly y: Int32Array;
  /** Rows without a label. */
  readonly unlabelledCount: number;
  readonly groups: string[] | null;
  readonly metadataNames: string[];
  /** Per sample, the metadata values (numbers where numeric, else strings; null when empty). */
  readonly metadata: (string | number | null)[][];
}

/** A parsed table whose spectra are kept in row-aligned Float32 blocks (how they are stored). */
export interface ParsedSpectraBlocks extends Omit<ParsedSpectra, 'x'> {
  readonly rows: number;
  readonly cols: number;
  /** Row-major blocks of whole rows, in order; together rows x cols values. */
  readonly blocks: Float32Array[];
}

/** Values per storage block: about 4 MiB of float32, whole rows. */
export const BLOCK_VALUES = 1 << 20;

/** Rows per block for a given number of variables (at least one row). */
export function rowsPerBlock(cols: number): number {
  return Math.max(1, Math.floor(BLOCK_VALUES / cols));
}

/** Raised when the input is larger than SpectraCsvOptions.maxBytes. */
export class InputTooLargeError extends PayloadTooLargeError {
  constructor(readonly maxBytes: number) {
    super(`the file is over the limit of ${formatMiB(maxBytes)} (NIR_SSL_MAX_UPLOAD_MB)`, { maxBytes });
  }
}

/** Parses a whole table given as one string (small tables, scripts, the inline GraphQL argument). */
export function parseSpectraCsv(content: string, options: SpectraCsvOptions = {}): ParsedSpectra {
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > (options.maxBytes ?? Infinity)) throw new InputTooLargeError(options.maxBytes as number);
  const parser = new SpectraCsvParser({ ...options, maxBytes: undefined });
  parser.write(content);
  return withMatrix(parser.end());
}

/**
 * Parses a table that arrives in chunks (an upload): each chunk's complete lines are parsed into
 * Float32 blocks as it comes, so the file is never held as one string. Rejects as soon as the
 * input passes maxBytes or a line is invalid; the source is then left unread.
 */
export async function parseSpectraCsvStream(
  source: AsyncIterable<Uint8Array | string>,
  options: SpectraCsvOptions = {},
): Promise<ParsedSpectraBlocks> {
  const parser = new SpectraCsvParser(options);
  for await (const chunk of source) parser.write(chunk);
  return parser.end();
}

/** The blocks joined into one matrix. */
export function withMatrix(parsed: ParsedSpectraBlocks): ParsedSpectra {
  const { rows, cols, blocks, ...rest } = parsed;
  let data: Float32Array;
  if (blocks.length === 1 && blocks[0].length === rows * cols) {
    data = blocks[0];
  } else {
    data = new Float32Array(rows * cols);
    let offset = 0;
    for (const block of blocks) {
      data.set(block, offset);
      offset += block.length;
    }
  }
  return { ...rest, x: matrix(rows, cols, data) };
}

/** A parsed matrix cut into row-aligned block views (no copy), for storage. */
export function toBlocks(parsed: ParsedSpectra): ParsedSpectraBlocks {
  const { x, ...rest } = parsed;
  const step = rowsPerBlock(x.cols) * x.cols;
  const blocks: Float32Array[] = [];
  for (let offset = 0; offset < x.data.length; offset += step) blocks.push(x.data.subarray(offset, Math.min(x.data.length, offset + step)));
  return { ...rest, rows: x.rows, cols: x.cols, blocks };
}

interface Layout {
  readonly delimiter: string;
  readonly width: number;
  readonly labelIndex: number;
  readonly groupIndex: number;
  readonly firstAxis: number;
  readonly nVariables: number;
  readonly axis: Float64Array;
  readonly metadataIndices: number[];
  readonly metadataNames: string[];
}

/** The incremental parser behind parseSpectraCsv and parseSpectraCsvStream. */
export class SpectraCsvParser {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxBytes: number;
  private bytes = 0;
  private rest = '';
  private lineNo = 0;
  /** Blank lines seen since the last row: fine at the end, an error before another row. */
  private blankRun = 0;
  private layout: Layout | null = null;
  private readonly blocks: Float32Array[] = [];
  private block: Float32Array | null = null;
  private blockRow = 0;
  private blockRows = 0;
  private rows = 0;
  private readonly rawLabels: string[] = [];
  private readonly groups: string[] = [];
  private readonly metadata: (string | number | null)[][] = [];

  constructor(private readonly options: SpectraCsvOptions = {}) {
    this.maxBytes = options.maxBytes ?? Infinity;
  }

  write(chunk: Uint8Array | string): void {
    if (typeof chunk === 'string') {
      this.bytes += Buffer.byteLength(chunk, 'utf8');
    } else {
      this.bytes += chunk.byteLength;
    }
    if (this.bytes > this.maxBytes) throw new InputTooLargeError(this.maxBytes);
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.line(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  end(): ParsedSpectraBlocks {
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    if (last !== '') this.line(last.endsWith('\r') ? last.slice(0, -1) : last);
    const layout = this.layout;
    if (!layout) throw new UserInputError('the file is empty');
    if (this.rows === 0) throw new UserInputError('the file has a header but no spectra');
    if (this.block && this.blockRow > 0) this.blocks.push(this.block.subarray(0, this.blockRow * layout.nVariables));
    this.block = null;
    const { classes, y, unlabelledCount } = labelIndices(this.rawLabels, this.options.labelsOptional ?? false);
    return {
      axis: layout.axis,
      axisUnit: this.options.axisUnit ?? inferAxisUnit(layout.axis),
      rows: this.rows,
      cols: layout.nVariables,
      blocks: this.blocks,
      classes,
      y,
      unlabelledCount,
      groups: layout.groupIndex >= 0 ? this.groups : null,
      metadataNames: layout.metadataNames,
      metadata: this.metadata,
    };
  }

  private line(line: string): void {
    this.lineNo++;
    if (line.trim() === '') {
      if (this.layout === null && this.lineNo === 1) throw new UserInputError('the file is empty');
      this.blankRun++;
      return;
    }
    if (this.blankRun > 0) {
      // A blank line followed by more data: report it like any row with the wrong width.
      const width = this.layout ? this.layout.width : 0;
      throw new UserInputError(`line ${this.lineNo - this.blankRun} has 1 fields, expected ${width} as in the header`);
    }
    if (this.layout === null) this.layout = this.header(line);
    else this.row(line, this.layout);
  }

  private header(line: string): Layout {
    const options = this.options;
    const delimiter = options.delimiter ?? detectDelimiter(line);
    const header = line.split(delimiter).map((h) => unquote(h.trim()));
    const labelName = options.labelColumn ?? 'label';
    const labelIndex = header.indexOf(labelName);
    if (labelIndex < 0 && !options.library && !options.labelsOptional) {
      throw new UserInputError(
        `line 1: no label column "${excerpt(labelName)}" in the header (columns: ${preview(header)}); a spectral library without labels is imported with library: true`,
      );
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
    this.blockRows = rowsPerBlock(nVariables);
    return {
      delimiter,
      width: header.length,
      labelIndex,
      groupIndex,
      firstAxis,
      nVariables,
      axis,
      metadataIndices,
      metadataNames: metadataIndices.map((k) => header[k]),
    };
  }

  private row(line: string, layout: Layout): void {
    const lineNo = this.lineNo;
    const fields = line.split(layout.delimiter);
    if (fields.length !== layout.width) {
      throw new UserInputError(`line ${lineNo} has ${fields.length} fields, expected ${layout.width} as in the header`);
    }
    // '' marks an unlabelled row; null: no label column (spectra to predict).
    const label = layout.labelIndex >= 0 ? unquote(fields[layout.labelIndex].trim()) : this.options.library ? '' : null;
    let group: string | null = null;
    if (layout.groupIndex >= 0) {
      group = unquote(fields[layout.groupIndex].trim());
      if (group === '') throw new UserInputError(`line ${lineNo}, column ${layout.groupIndex + 1}: empty group`);
    }
    const nVariables = layout.nVariables;
    if (this.block === null) this.block = new Float32Array(this.blockRows * nVariables);
    const block = this.block;
    const offset = this.blockRow * nVariables;
    for (let j = 0; j < nVariables; j++) {
      const text = fields[layout.firstAxis + j];
      const value = decimal(text);
      if (!Number.isFinite(value) || text.trim() === '') {
        const column = layout.firstAxis + j + 1;
        const shown = text.trim();
        const reason = /^[+-]?(nan|inf(inity)?)$/i.test(shown)
          ? `${shown} is not allowed (values must be finite)`
          : shown === ''
            ? 'empty value'
            : `"${excerpt(shown)}" is not a number`;
        throw new UserInputError(`line ${lineNo}, column ${column}: ${reason}`, { line: lineNo, column });
      }
      block[offset + j] = value;
    }
    if (label !== null) this.rawLabels.push(label);
    if (group !== null) this.groups.push(group);
    this.metadata.push(layout.metadataIndices.map((k) => metadataValue(fields[k])));
    this.rows++;
    if (++this.blockRow === this.blockRows) {
      this.blocks.push(block);
      this.block = null;
      this.blockRow = 0;
    }
  }
}

/**
 * Class names (natural order) and the class index of every row. Empty labels are unlabelled
 * rows: allowed beside at least 2 classes, or in a table with no labels at all (a spectral library).
 */
export function labelIndices(rawLabels: readonly string[], labelsOptional: boolean): { classes: string[]; y: Int32Array; unlabelledCount: number } {
  const classes = [...new Set(rawLabels)].filter((label) => label !== '').sort(naturalCompare);
  if (classes.length === 1 && !labelsOptional) {
    throw new UserInputError(
      `the data has 1 class (${preview(classes)}); classification needs at least 2 (leave every label empty, or import with library: true, for a spectral library)`,
    );
  }
  const classIndex = new Map(classes.map((c, k) => [c, k]));
  const y = Int32Array.from(rawLabels, (label) => (label === '' ? UNLABELLED : (classIndex.get(label) as number)));
  const unlabelledCount = rawLabels.reduce((n, label) => n + (label === '' ? 1 : 0), 0);
  return { classes, y, unlabelledCount };
}

export function detectDelimiter(headerLine: string): ',' | '\t' | ';' {
  const counts = ([',', '\t', ';'] as const).map((d) => [d, headerLine.split(d).length] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

/**
 * The axis unit a table's header most likely means, where the file does not say: NIR
 * wavenumbers start above 3500 cm-1, and no NIR axis in nm reaches 3000, whereas a Raman shift
 * axis (e.g. 200-3600 cm-1) does.
 */
export function inferAxisUnit(axis: Float64Array): AxisUnit {
  const low = Math.min(axis[0], axis[axis.length - 1]);
  const high = Math.max(axis[0], axis[axis.length - 1]);
  return low > 3500 || high > 3000 ? 'cm-1' : 'nm';
}

function isNumeric(text: string): boolean {
  return text !== '' && Number.isFinite(decimal(text));
}

const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A decimal number (Number() would also take hex, octal and binary literals such as 0x1F); NaN otherwise. */
export function decimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : NaN;
}

export function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text;
}

export function metadataValue(field: string): string | number | null {
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
