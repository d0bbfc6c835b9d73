import ExcelJS from 'exceljs';
import { UserInputError } from '../../../errors';
import { parseTable, type Cell } from './table';
import { excerpt, type InputFile, type ParsedFile, type TableOptions } from './types';

/**
 * An Excel workbook (.xlsx) read by exceljs: the first worksheet with data, laid out as a CSV
 * table would be (either layout, see table.ts). Numbers stay numbers (no decimal-separator
 * question); a formula counts by its cached result. Messages name the sheet and the cell (B3).
 */
export async function parseXlsx(file: InputFile, options: TableOptions): Promise<ParsedFile> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength) as never);
  } catch (error) {
    throw new UserInputError(`${file.name}: not a readable Excel workbook (${excerpt(String((error as Error).message ?? error))})`);
  }
  const sheet = workbook.worksheets.find((s) => s.actualRowCount > 0);
  if (!sheet) throw new UserInputError(`${file.name}: the workbook has no data`);
  const rows: Cell[][] = [];
  const rowNumbers: number[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: Cell[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellOf(row.getCell(c).value));
    rows.push(cells);
    rowNumbers.push(rowNumber);
  });
  const name = sheet.name;
  return parseTable(
    {
      fileName: file.name,
      rows,
      where: (row, column) => `${file.name}, sheet "${excerpt(name)}", ${column === null ? `row ${rowNumbers[row]}` : `cell ${columnName(column)}${rowNumbers[row]}`}`,
      notes: workbook.worksheets.filter((s) => s.actualRowCount > 0).length > 1 ? [`${file.name}: only the first worksheet with data ("${excerpt(name)}") was read`] : [],
    },
    options,
  );
}

function cellOf(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  // A number typed as text in a locale with a decimal comma ("0,41") reads as the number.
  if (typeof value === 'string') return /^\s*[+-]?\d*,\d+([eE][+-]?\d+)?\s*$/.test(value) ? value.replace(',', '.') : value;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    if ('result' in value) return cellOf((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('richText' in value) return (value as ExcelJS.CellRichTextValue).richText.map((t) => t.text).join('');
    if ('text' in value) return String((value as ExcelJS.CellHyperlinkValue).text);
    if ('error' in value) return String((value as ExcelJS.CellErrorValue).error);
  }
  return String(value);
}

/** 0 -> A, 25 -> Z, 26 -> AA. */
function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}
