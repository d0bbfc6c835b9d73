import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import { detectFormat, isPlainCsv, parseFiles, type InputFile } from '../../src/services/datasets/formats';
import { PROJECT_ROOT } from '../../src/paths';
import { writeSpc } from '../helpers/spc';

const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/formats');
const options = { labelColumn: 'label', groupColumn: null, library: false, labelsOptional: false, format: 'AUTO' as const, maxBytes: 50 * 1024 * 1024, maxFiles: 100 };
const fixture = (name: string): InputFile => ({ name: path.basename(name), bytes: fs.readFileSync(path.join(FIXTURES, name)) });
const opusFiles = (withLabels = true) =>
  fs
    .readdirSync(path.join(FIXTURES, 'opus'))
    .filter((f) => withLabels || f.endsWith('.dx'))
    .sort()
    .map((f) => fixture(`opus/${f}`));
const text = (name: string, content: string): InputFile => ({ name, bytes: Buffer.from(content, 'utf8') });
const row = (parsed: { blocks: Float32Array[]; cols: number }, i: number) => Array.from(parsed.blocks[0].subarray(i * parsed.cols, (i + 1) * parsed.cols));

describe('import formats', () => {
  describe('JCAMP-DX', () => {
    it('reads Bruker OPUS exports (one spectrum a file, descending cm-1) with a labels CSV, resampling the file on another grid', async () => {
      const parsed = await parseFiles(opusFiles(), options);
      expect(parsed).toMatchObject({ rows: 4, axisUnit: 'cm-1', valueUnit: 'absorbance', classes: ['A', 'B'], metadataNames: ['file', 'title', 'batch', 'operator'] });
      expect(Array.from(parsed.y)).toEqual([0, 0, 1, 1]);
      expect(parsed.metadata[3]).toEqual(['tabB_2.dx', 'tabB_2', 'b2', 'lee']);
      // tabB_2 starts 4 cm-1 off: all four go onto the range they share, on the finest grid there.
      expect(parsed.notes).toEqual([expect.stringMatching(/2 different axes: .* resampled .* 4036 to 8996 cm-1, 125 points on the grid of tabB_2\.dx/)]);
      expect(parsed.axis[0]).toBeCloseTo(8996);
      expect(parsed.axis[parsed.cols - 1]).toBeCloseTo(4036);
      // OPUS writes integers scaled by ##YFACTOR=1E-06: the first file's value at 8960 cm-1 is interpolated from its own points.
      expect(row(parsed, 2)[0]).toBeGreaterThan(0.2);
    });

    it('reads a PerkinElmer LINK file of several blocks, with labels and groups from its ##$LABEL and ##$BATCH records', async () => {
      const parsed = await parseFiles([fixture('perkinelmer-link.jdx')], { ...options, groupColumn: 'batch' });
      expect(parsed).toMatchObject({ rows: 4, cols: 141, axisUnit: 'nm', valueUnit: 'reflectance', classes: ['barley', 'wheat'], notes: [] });
      expect(Array.from(parsed.y)).toEqual([1, 1, 0, 0]);
      expect(parsed.groups).toEqual(['lot-1', 'lot-2', 'lot-1', 'lot-2']);
      expect(parsed.metadata.map((m) => m[1])).toEqual(['wheat 01', 'wheat 02', 'barley 01', 'barley 02']);
      expect(parsed.axis[0]).toBe(1100);
      expect(row(parsed, 0)[0]).toBeCloseTo(0.62 - 0.12 * Math.exp(-(((1100 - 1450) / 40) ** 2)), 4);
    });

    it('reads a PEAK TABLE (points in any order) beside the XYDATA of the same instrument, resampled onto the shared range', async () => {
      const parsed = await parseFiles([fixture('peak-table.jdx'), fixture('perkinelmer-link.jdx')], { ...options, library: true });
      expect(parsed.rows).toBe(5);
      expect(parsed.cols).toBe(141);
      expect(parsed.notes[0]).toMatch(/resampled/);
    });

    it('reads compressed XYDATA (SQZ, DIF and DUP forms) and micrometres as nm', async () => {
      const jcamp = (xUnits: string, first: number, delta: number) =>
        `##TITLE=dif\n##JCAMP-DX=4.24\n##XUNITS=${xUnits}\n##YUNITS=ABSORBANCE\n##FIRSTX=${first}\n##LASTX=${first + 4 * delta}\n##DELTAX=${delta}\n##XFACTOR=1\n##YFACTOR=0.001\n##NPOINTS=5\n##FIRSTY=0.1\n##XYDATA=(X++(Y..Y))\n${first}A00J00V\n##END=\n`;
      const parsed = await parseFiles([text('d.jdx', jcamp('MICROMETERS', 1.1, 0.002))], { ...options, library: true });
      expect(row(parsed, 0)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5].map(Math.fround));
      expect(Array.from(parsed.axis).map((v) => Math.round(v))).toEqual([1100, 1102, 1104, 1106, 1108]);
      expect(parsed.axisUnit).toBe('nm');
    });

    it('refuses a file cut short, naming it, and says what the labels CSV lacks', async () => {
      await expect(parseFiles([fixture('broken-truncated.dx')], { ...options, library: true })).rejects.toThrow(/^broken-truncated\.dx: ##NPOINTS says 126 points but the data has \d+/);
      await expect(parseFiles([text('x.jdx', '##TITLE=x\n##JCAMP-DX=4.24\n##XUNITS=NANOMETERS\n')], { ...options, library: true })).rejects.toThrow(/ends early \(no ##END=\)/);
      const [a, b] = opusFiles(false);
      await expect(parseFiles([a, b, text('labels.csv', 'file,label\ntabA_1.dx,A\n')], options)).rejects.toThrow(/^tabA_2\.dx: no row for "tabA_2\.dx" in the labels CSV labels\.csv/);
      await expect(parseFiles([a, b], options)).rejects.toThrow(/carry no labels: add a CSV that maps file names to labels/);
    });
  });

  describe('SPC', () => {
    const x = Array.from({ length: 60 }, (_, j) => 1100 + 20 * j);
    const spectra = [0, 1, 2, 3, 4, 5].map((k) => ({ y: x.map((v) => 0.3 + 0.01 * k + 1e-4 * (v - 1100) * (k % 2 ? 1 : 2)) }));

    it('reads a multi-spectrum file (evenly spaced axis) with labels by file#index, and an uneven one (X array) in micrometres', async () => {
      const multi = writeSpc({ x, xType: 3, yType: 2, spectra });
      expect(detectFormat({ name: 'scan', bytes: multi })).toBe('SPC');
      const labels = text('labels.csv', `file,label\n${spectra.map((_, k) => `batch.spc#${k + 1},${k % 2 ? 'odd' : 'even'}`).join('\n')}\n`);
      const parsed = await parseFiles([{ name: 'batch.spc', bytes: multi }, labels], options);
      expect(parsed).toMatchObject({ rows: 6, cols: 60, axisUnit: 'nm', valueUnit: 'absorbance', classes: ['even', 'odd'] });
      expect(Array.from(parsed.y)).toEqual([0, 1, 0, 1, 0, 1]);
      expect(row(parsed, 3)[59]).toBeCloseTo(spectra[3].y[59], 5);
      const microns = writeSpc({ x: x.map((v) => v / 1000), xType: 2, yType: 129, withX: true, spectra: spectra.slice(0, 2) });
      const um = await parseFiles([{ name: 'um.spc', bytes: microns }], { ...options, library: true });
      expect(um).toMatchObject({ rows: 2, axisUnit: 'nm', valueUnit: 'reflectance' });
      expect(um.axis[1]).toBeCloseTo(1120, 3);
    });

    it('refuses a file cut short and a file that is not SPC', async () => {
      const cut = writeSpc({ x, xType: 3, yType: 2, spectra }).subarray(0, 1200);
      await expect(parseFiles([{ name: 'cut.spc', bytes: cut }], { ...options, format: 'SPC', library: true })).rejects.toThrow(
        /^cut\.spc: the SPC file ends early: 6 spectra of 60 points need 2144 bytes, the file has 1200/,
      );
      await expect(parseFiles([text('notes.spc', 'hello')], { ...options, format: 'SPC', library: true })).rejects.toThrow(/^notes\.spc: not an SPC file/);
    });
  });

  describe('Excel workbooks', () => {
    async function workbook(rows: (string | number | null)[][], sheetName = 'Spectra'): Promise<Uint8Array> {
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('Notes'); // an empty sheet first, as templates have
      const sheet = wb.addWorksheet(sheetName);
      rows.forEach((r) => sheet.addRow(r));
      return new Uint8Array(await wb.xlsx.writeBuffer());
    }

    it('reads the first sheet with data in the usual layout, numbers as numbers', async () => {
      const bytes = await workbook([
        ['label', 'batch', 1100, 1102, 1104],
        ['A', 'b1', 0.41, 0.43, 0.44],
        ['B', 'b2', 0.52, 0.5, 0.49],
        ['A', 'b3', '0,4', 0.42, 0.45],
      ]);
      expect(detectFormat({ name: 'lab.xlsx', bytes })).toBe('XLSX');
      const parsed = await parseFiles([{ name: 'lab.xlsx', bytes }], { ...options, groupColumn: 'batch' });
      expect(parsed).toMatchObject({ rows: 3, cols: 3, classes: ['A', 'B'], groups: ['b1', 'b2', 'b3'] });
      expect(row(parsed, 1)).toEqual([0.52, 0.5, 0.49].map(Math.fround));
    });

    it('names the sheet and cell of a bad value, and refuses a damaged workbook', async () => {
      const bytes = await workbook([
        ['label', 1100, 1102],
        ['A', 0.41, 0.43],
        ['B', 0.52, 'n/a'],
      ]);
      await expect(parseFiles([{ name: 'lab.xlsx', bytes }], options)).rejects.toThrow(/^lab\.xlsx, sheet "Spectra", cell C3: "n\/a" is not a number/);
      await expect(parseFiles([{ name: 'lab.xlsx', bytes: bytes.subarray(0, 300) }], { ...options, format: 'XLSX' })).rejects.toThrow(/^lab\.xlsx: not a readable Excel workbook/);
    });
  });

  describe('CSV dialects', () => {
    it('reads the transposed layout with decimal commas, a separator ending every line and blank lines', async () => {
      const csv = 'nm;A;A;B;B;\r\n\r\nbatch;b1;b2;b1;b2;\r\n1100;0,41;0,40;0,52;0,55;\r\n1102;0,43;0,42;0,50;0,51;\r\n\r\n1104;0,44;0,45;0,49;0,48;\r\n\r\n';
      expect(isPlainCsv(csv, options, true)).toBe(false);
      const parsed = await parseFiles([text('export.csv', csv)], { ...options, groupColumn: 'batch' });
      expect(parsed).toMatchObject({ rows: 4, cols: 3, classes: ['A', 'B'], groups: ['b1', 'b2', 'b1', 'b2'], axisUnit: 'nm' });
      expect(Array.from(parsed.axis)).toEqual([1100, 1102, 1104]);
      expect(row(parsed, 2)).toEqual([0.52, 0.5, 0.49].map(Math.fround));
    });

    it('reads semicolons with decimal commas in the usual layout, and UTF-16 with a byte-order mark', async () => {
      const csv = 'label;origin;1100;1102\nA;x;0,5;1,25\nB;y;-0,5;2e-1\n';
      const parsed = await parseFiles([text('de.csv', csv)], options);
      expect(row(parsed, 0)).toEqual([0.5, 1.25]);
      expect(row(parsed, 1)).toEqual([-0.5, 0.2].map(Math.fround));
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('label\t1100\t1102\r\nAé\t0.5\t0.6\r\nBø\t0.7\t0.8\r\n', 'utf16le')]);
      const wide = await parseFiles([{ name: 'wide.txt', bytes: utf16 }], options);
      expect(wide.classes).toEqual(['Aé', 'Bø']);
      expect(row(wide, 1)).toEqual([0.7, 0.8].map(Math.fround));
    });

    it('keeps plain CSV for the fast parser', () => {
      expect(isPlainCsv('label,1100,1102\nA,0.5,0.6\nB,0.1,0.2\n', options, true)).toBe(true);
      expect(isPlainCsv('label;1100;1102\nA;0.5;0.6\n', options, true)).toBe(true);
      expect(isPlainCsv('label,1100,1102,\nA,0.5,0.6,\n', options, true)).toBe(false);
      expect(isPlainCsv('\uFEFFlabel,1100\nA,1\n', options, true)).toBe(false);
    });

    it('names the line and column of a bad value in a dialect', async () => {
      const csv = 'nm;A;B\n1100;0,41;0,52\n\n1102;0,43;oops\n';
      await expect(parseFiles([text('export.csv', csv)], options)).rejects.toThrow(/^export\.csv, line 4, column 3: "oops" is not a number/);
    });
  });

  describe('zip archives', () => {
    it('reads one-spectrum files of several formats with the labels CSV inside', async () => {
      const entries: Record<string, Uint8Array> = {};
      for (const f of opusFiles(false)) entries[`run1/${f.name}`] = f.bytes;
      const x = Array.from({ length: 126 }, (_, j) => 9000 - 40 * j);
      entries['run1/extra.spc'] = writeSpc({ x, xType: 1, yType: 2, spectra: [{ y: x.map((v) => 0.3 + 1e-5 * v) }] });
      entries['run1/extra2.csv'] = Buffer.from(`cm-1,absorbance\n${x.map((v) => `${v},${(0.31 + 1e-5 * v).toFixed(5)}`).join('\n')}\n`);
      entries['run1/labels.csv'] = Buffer.concat([Buffer.from('file,label,batch,operator\n'), Buffer.from(fs.readFileSync(path.join(FIXTURES, 'opus/labels.csv'), 'utf8').split('\n').slice(1).join('\n')), Buffer.from('extra.spc,B,b3,kim\nextra2,A,b3,kim\n')]);
      entries['__MACOSX/run1/._tabA_1.dx'] = Buffer.from('junk');
      const zip = zipSync(entries);
      expect(detectFormat({ name: 'run.zip', bytes: zip })).toBe('ZIP');
      const parsed = await parseFiles([{ name: 'run.zip', bytes: zip }], { ...options, groupColumn: 'batch' });
      expect(parsed).toMatchObject({ rows: 6, axisUnit: 'cm-1', valueUnit: 'absorbance', classes: ['A', 'B'] });
      expect(parsed.groups).toEqual(['b3', 'b3', 'b1', 'b2', 'b1', 'b2']);
      // The x,y CSV is one spectrum, its file name kept like the instrument files'.
      expect(parsed.metadata[1][parsed.metadataNames.indexOf('file')]).toBe('run1/extra2.csv');
      expect(Array.from(parsed.y)).toEqual([1, 0, 0, 0, 1, 1]);
    });

    it('refuses a damaged archive and one that unpacks past the limit', async () => {
      const zip = zipSync({ 'a.csv': Buffer.alloc(200_000, 48) });
      await expect(parseFiles([{ name: 'run.zip', bytes: zip.subarray(0, zip.length - 30) }], options)).rejects.toThrow(/^run\.zip: not a readable zip archive/);
      await expect(parseFiles([{ name: 'run.zip', bytes: zip }], { ...options, maxBytes: 100_000 })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });
  });

  it('refuses spectra whose axes do not overlap, and a file that is not in the named format', async () => {
    const spc = (from: number) => writeSpc({ x: Array.from({ length: 20 }, (_, j) => from + 10 * j), xType: 3, yType: 2, spectra: [{ y: Array(20).fill(0.5) }] });
    await expect(parseFiles([{ name: 'a.spc', bytes: spc(1100) }, { name: 'b.spc', bytes: spc(1500) }], { ...options, library: true })).rejects.toThrow(/axes do not overlap/);
    await expect(parseFiles([fixture('perkinelmer-link.jdx')], { ...options, format: 'ZIP' })).rejects.toThrow(/^perkinelmer-link\.jdx: not a readable zip archive/);
  });

  it('refuses files whose units disagree', async () => {
    await expect(parseFiles([...opusFiles(), fixture('perkinelmer-link.jdx')], { ...options, library: true })).rejects.toThrow(/axes in different units \(cm-1 and nm\)/);
  });
});
