import { UserInputError } from '../../../errors';
import { decimal, metadataValue } from '../spectra-csv';
import { excerpt, valueUnitOf, type MetadataValue, type ParsedFile, type SpectrumRecord, type TableOptions } from './types';

/** A cell of a table: text (CSV), or a number or nothing (a spreadsheet). */
export type Cell = string | number | null;

/** The rows of a table from any source, and how to name a cell in a message. */
export interface Table {
  readonly fileName: string;
  readonly rows: Cell[][];
  /** "file, line 3, column 4" or "file, sheet 'S', cell D3". column null names the row. */
  readonly where: (row: number, column: number | null) => string;
  readonly notes: string[];
}

/**
 * Reads a table of spectra in either layout:
 * - the usual one (as the CSV import): a header row; the label, group and metadata columns first,
 *   then one numeric column per axis point, one row per spectrum;
 * - transposed: the axis down the first column, one column per spectrum. The header row names
 *   the spectra (their labels, unless a row whose first cell is the label column's name gives
 *   them); rows whose first cell is not a number (the label column, the group column, anything
 *   else: metadata) come before the numeric rows.
 */
export function parseTable(table: Table, options: TableOptions): ParsedFile {
  const rows = table.rows.filter((r) => r.some((c) => text(c) !== ''));
  if (rows.length === 0) throw new UserInputError(`${table.fileName}: the file is empty`);
  return isTransposed(rows, options) ? transposed(table, options) : usual(table, options);
}

function text(cell: Cell | undefined): string {
  return cell === null || cell === undefined ? '' : typeof cell === 'number' ? String(cell) : cell.trim();
}

function numberOf(cell: Cell | undefined): number {
  if (typeof cell === 'number') return cell;
  const t = text(cell);
  return t === '' ? NaN : decimal(t);
}

function isNumber(cell: Cell | undefined): boolean {
  return Number.isFinite(numberOf(cell));
}

function isTransposed(rows: Cell[][], options: TableOptions): boolean {
  const header = rows[0].map(text);
  const numericHeaders = rows[0].filter(isNumber).length;
  const firstColumnNumeric = rows.length > 1 && rows.slice(1).filter((r) => isNumber(r[0])).length >= Math.min(2, rows.length - 1) && !isNumber(rows[0][0]);
  if (numericHeaders >= 2 && (header.includes(options.labelColumn) || options.library || options.labelsOptional)) return false;
  return firstColumnNumeric;
}

function badValue(table: Table, row: number, column: number, cell: Cell | undefined): UserInputError {
  const shown = text(cell);
  const reason = /^[+-]?(nan|inf(inity)?)$/i.test(shown) ? `${shown} is not allowed (values must be finite)` : shown === '' ? 'empty value' : `"${excerpt(shown)}" is not a number`;
  return new UserInputError(`${table.where(row, column)}: ${reason}`);
}

function checkedAxis(table: Table, cells: Cell[], at: (j: number) => [number, number]): Float64Array {
  const axis = new Float64Array(cells.length);
  for (let j = 0; j < cells.length; j++) {
    const value = numberOf(cells[j]);
    const [r, c] = at(j);
    if (!Number.isFinite(value)) throw new UserInputError(`${table.where(r, c)}: axis value "${excerpt(text(cells[j]))}" is not a number`);
    axis[j] = value;
    if (j > 0 && value === axis[j - 1]) throw new UserInputError(`${table.where(r, c)}: axis value ${value} repeats the previous one`);
    if (j > 1 && Math.sign(value - axis[j - 1]) !== Math.sign(axis[1] - axis[0])) {
      throw new UserInputError(`${table.where(r, c)}: the axis must be monotonic (ascending or descending)`);
    }
  }
  return axis;
}

function usual(table: Table, options: TableOptions): ParsedFile {
  const rows = table.rows;
  const header = rows[0].map(text);
  const labelIndex = header.indexOf(options.labelColumn);
  if (labelIndex < 0 && !options.library && !options.labelsOptional && !options.labelsElsewhere) {
    throw new UserInputError(
      `${table.where(0, null)}: no label column "${excerpt(options.labelColumn)}" in the header, and no axis down the first column; a spectral library without labels is imported with library: true`,
    );
  }
  const groupIndex = options.groupColumn === null ? -1 : header.indexOf(options.groupColumn);
  if (options.groupColumn !== null && groupIndex < 0 && !options.labelsElsewhere) {
    throw new UserInputError(`${table.where(0, null)}: no group column "${excerpt(options.groupColumn)}" in the header`);
  }
  const firstAxis = rows[0].findIndex((h, i) => i !== labelIndex && i !== groupIndex && isNumber(h));
  if (firstAxis < 0) throw new UserInputError(`${table.where(0, null)}: no numeric column header, so no spectral axis`);
  if (labelIndex > firstAxis || groupIndex > firstAxis) throw new UserInputError(`${table.where(0, null)}: the label and group columns must come before the spectral columns`);
  const axis = checkedAxis(table, rows[0].slice(firstAxis), (j) => [0, firstAxis + j]);
  const metadataIndices = header.map((_, i) => i).filter((i) => i < firstAxis && i !== labelIndex && i !== groupIndex);
  const metadataNames = metadataIndices.map((i) => header[i]);
  const width = firstAxis + axis.length;
  const spectra: SpectrumRecord[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.every((c) => text(c) === '')) continue;
    if (row.length > width && row.slice(width).some((c) => text(c) !== '')) throw new UserInputError(`${table.where(r, null)} has ${row.length} fields, expected ${width} as in the header`);
    if (row.length < width) throw new UserInputError(`${table.where(r, null)} has ${row.length} fields, expected ${width} as in the header`);
    const values = new Float64Array(axis.length);
    for (let j = 0; j < axis.length; j++) {
      const v = numberOf(row[firstAxis + j]);
      if (!Number.isFinite(v)) throw badValue(table, r, firstAxis + j, row[firstAxis + j]);
      values[j] = v;
    }
    const group = groupIndex >= 0 ? text(row[groupIndex]) : undefined;
    if (group === '') throw new UserInputError(`${table.where(r, groupIndex)}: empty group`);
    const metadata: Record<string, MetadataValue> = {};
    metadataIndices.forEach((i, k) => (metadata[metadataNames[k]] = cellValue(row[i])));
    spectra.push({
      where: table.where(r, null),
      file: table.fileName,
      index: spectra.length + 1,
      title: null,
      axis,
      values,
      label: labelIndex >= 0 ? text(row[labelIndex]) : undefined,
      group,
      metadata,
    });
  }
  if (spectra.length === 0) throw new UserInputError(`${table.fileName}: the file has a header but no spectra`);
  return { spectra, axisUnit: null, valueUnit: '', metadataNames, labelled: labelIndex >= 0, grouped: groupIndex >= 0, notes: table.notes };
}

function transposed(table: Table, options: TableOptions): ParsedFile {
  const rows = table.rows;
  const header = rows[0];
  const width = header.length;
  const n = width - 1;
  if (n < 1) throw new UserInputError(`${table.where(0, null)}: one column per spectrum is expected after the axis column`);
  let r = 1;
  const attributes = new Map<string, { row: number; cells: Cell[] }>();
  for (; r < rows.length && !isNumber(rows[r][0]); r++) attributes.set(text(rows[r][0]), { row: r, cells: rows[r] });
  const axisRows = rows.slice(r).map((row, k) => ({ row, index: r + k }));
  if (axisRows.length < 2) throw new UserInputError(`${table.fileName}: fewer than 2 axis points down the first column`);
  const axis = checkedAxis(table, axisRows.map((a) => a.row[0]), (j) => [axisRows[j].index, 0]);
  const labelRow = attributes.get(options.labelColumn);
  const groupRow = options.groupColumn === null ? undefined : attributes.get(options.groupColumn);
  if (options.groupColumn !== null && !groupRow && !options.labelsElsewhere) throw new UserInputError(`${table.where(0, null)}: no group row "${excerpt(options.groupColumn)}" (its name in the first column)`);
  const metadataRows = [...attributes.entries()].filter(([name]) => name !== options.labelColumn && name !== options.groupColumn);
  const headerName = text(header[0]) || 'sample';
  // With a label row, the header names the samples (kept as metadata); else it holds the labels,
  // unless it is the one column of a two-column export (x, then "absorbance", "%R", "y"...).
  const valueUnit = n === 1 ? valueUnitOf(text(header[1])) : '';
  const xy = n === 1 && !labelRow && (valueUnit !== '' || /^(y|value|intensity|signal|)$/i.test(text(header[1])));
  const headerIsLabels = !labelRow && !options.library && !xy;
  // An x,y export names its file, not a sample.
  const sampleName = xy ? 'file' : headerName;
  const metadataNames = [...(headerIsLabels ? [] : [sampleName]), ...metadataRows.map(([name]) => name)];
  const spectra: SpectrumRecord[] = [];
  for (let c = 1; c <= n; c++) {
    const values = new Float64Array(axis.length);
    for (let j = 0; j < axis.length; j++) {
      const { row, index } = axisRows[j];
      if (row.length > width && row.slice(width).some((x) => text(x) !== '')) throw new UserInputError(`${table.where(index, null)} has ${row.length} fields, expected ${width} as in the header`);
      const v = numberOf(row[c]);
      if (!Number.isFinite(v)) throw badValue(table, index, c, row[c]);
      values[j] = v;
    }
    const metadata: Record<string, MetadataValue> = {};
    if (!headerIsLabels) metadata[sampleName] = xy ? table.fileName : cellValue(header[c]);
    for (const [name, { cells }] of metadataRows) metadata[name] = cellValue(cells[c]);
    const group = groupRow ? text(groupRow.cells[c]) : undefined;
    if (group === '') throw new UserInputError(`${table.where(groupRow!.row, c)}: empty group`);
    spectra.push({
      where: `${table.fileName}, column ${c + 1}`,
      file: table.fileName,
      index: n === 1 ? null : c,
      title: headerIsLabels ? null : text(header[c]) || null,
      axis,
      values,
      label: labelRow ? text(labelRow.cells[c]) : headerIsLabels ? text(header[c]) : undefined,
      group,
      metadata,
    });
  }
  const labelled = labelRow !== undefined || headerIsLabels;
  return {
    spectra,
    axisUnit: null,
    valueUnit,
    metadataNames,
    labelled,
    grouped: groupRow !== undefined,
    notes: table.notes,
  };
}

function cellValue(cell: Cell | undefined): MetadataValue {
  if (typeof cell === 'number') return cell;
  return metadataValue(text(cell));
}
