import { inferAxisUnit, parseSpectraCsv, parseSpectraCsvStream, rowsPerBlock, withMatrix } from '../../src/services/datasets/spectra-csv';

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('the streaming CSV parser', () => {
  // CRLF line ends, a UTF-8 label of two-byte characters, metadata, trailing blank lines.
  const csv = 'label;origin;1100;1102;1104\r\nAé;Zürich;0.5;0.25;-1e-3\r\nBø;Bern;1;2;3\r\nAé;;4.5;5.5;6.5\r\n\r\n\r\n';

  it('gives the same result whatever the chunk boundaries (inside a line ending or a UTF-8 character)', async () => {
    const whole = parseSpectraCsv(csv);
    expect(whole.classes).toEqual(['Aé', 'Bø']);
    expect(Array.from(whole.x.data)).toEqual([0.5, 0.25, -1e-3, 1, 2, 3, 4.5, 5.5, 6.5].map(Math.fround));
    const bytes = Buffer.from(csv, 'utf8');
    for (let size = 1; size <= bytes.length; size++) {
      const streamed = withMatrix(await parseSpectraCsvStream(chunks(bytes, size)));
      expect(streamed).toEqual(whole);
    }
  });

  it('fills Float32 blocks of whole rows and reports a bad row by its line', async () => {
    const cols = 3000;
    const perBlock = rowsPerBlock(cols);
    const rows = perBlock * 2 + 5;
    const lines = [`label,${Array.from({ length: cols }, (_, j) => 1000 + j).join(',')}`];
    for (let i = 0; i < rows; i++) lines.push(`c${i % 2},${Array.from({ length: cols }, (_, j) => (i + j) % 7).join(',')}`);
    const bytes = Buffer.from(lines.join('\n'), 'utf8');
    const parsed = await parseSpectraCsvStream(chunks(bytes, 65536));
    expect(parsed.blocks.map((b) => b.length / cols)).toEqual([perBlock, perBlock, 5]);
    expect(parsed.blocks[2][cols * 4 + 10]).toBe((rows - 1 + 10) % 7);
    lines[rows] = lines[rows].replace(/,6(?=,)/, ',x');
    await expect(parseSpectraCsvStream(chunks(Buffer.from(lines.join('\n')), 4096))).rejects.toThrow(new RegExp(`^line ${rows + 1}, column \\d+: "x" is not a number`));
  });

  it('stops at the byte limit with PAYLOAD_TOO_LARGE', async () => {
    const bytes = Buffer.from(csv, 'utf8');
    await expect(parseSpectraCsvStream(chunks(bytes, 8), { maxBytes: 20 })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(() => parseSpectraCsv(csv, { maxBytes: 20 })).toThrow(/over the limit/);
  });

  it('reads a table without a label column when labels are optional (predictions)', async () => {
    const parsed = parseSpectraCsv('1100,1102\n0.1,0.2\n0.3,0.4\n', { labelsOptional: true });
    expect(parsed.classes).toEqual([]);
    expect(parsed.x.rows).toBe(2);
    expect(() => parseSpectraCsv('1100,1102\n0.1,0.2\n')).toThrow(/no label column "label"/);
  });
});

describe('the axis unit of a header that does not name one', () => {
  it('reads NIR wavelengths as nm, NIR wavenumbers and Raman shifts as cm-1', () => {
    expect(inferAxisUnit(Float64Array.of(1000, 1600, 2500))).toBe('nm'); // Mango
    expect(inferAxisUnit(Float64Array.of(1014.48, 1901.4))).toBe('nm'); // plastics
    expect(inferAxisUnit(Float64Array.of(7398, 10507))).toBe('cm-1'); // Tablet NIR
    expect(inferAxisUnit(Float64Array.of(3600, 200))).toBe('cm-1'); // Tablet Raman, descending
  });
});
