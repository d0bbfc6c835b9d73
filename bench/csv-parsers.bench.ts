/**
 * Issue 17: should CSV parsing move to a kept parser? Parses a Coal-sized table (5016 spectra x
 * 1499 points, 12 classes, about 72 MB) into a float32 matrix with the project's streaming parser
 * (spectra-csv.ts), csv-parse and papaparse, from 64 KiB chunks as an upload arrives, and prints
 * CPU and wall time per run (JSON lines), best of each. The kept parsers get only the splitting
 * and number conversion; the checks the project's parser does besides are not counted for them.
 *   npm run build && node dist/bench/csv-parsers.bench.js [runs]
 */
import os from 'node:os';
import { parse as csvParse } from 'csv-parse';
import Papa from 'papaparse';
import { parseSpectraCsvStream } from '../src/services/datasets/spectra-csv';

const ROWS = 5016;
const COLS = 1499;

function coalShapedTable(): Buffer {
  const header = `label,${Array.from({ length: COLS }, (_, j) => (400 + 0.6 * j).toFixed(2)).join(',')}`;
  const lines = [header];
  let seed = 7;
  for (let i = 0; i < ROWS; i++) {
    const cells = new Array<string>(COLS);
    for (let j = 0; j < COLS; j++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      cells[j] = (0.3 + 0.1 * Math.sin(j / 50 + (i % 12)) + 0.01 * (seed / 2147483648 - 0.5)).toPrecision(7);
    }
    lines.push(`coal-${(i % 12) + 1},${cells.join(',')}`);
  }
  return Buffer.from(lines.join('\n'));
}

async function* chunks(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 65536) yield bytes.subarray(at, at + 65536);
}

async function ours(bytes: Buffer): Promise<number> {
  return (await parseSpectraCsvStream(chunks(bytes))).rows;
}

/** csv-parse's stream API: records as string arrays, numbers converted here. */
async function withCsvParse(bytes: Buffer): Promise<number> {
  const x = new Float32Array(ROWS * COLS);
  let row = -1;
  const parser = csvParse({ delimiter: ',' });
  const done = (async () => {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (row >= 0) for (let j = 1; j < record.length; j++) x[row * COLS + j - 1] = Number(record[j]);
      row++;
    }
  })();
  for await (const chunk of chunks(bytes)) if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
  parser.end();
  await done;
  return row;
}

/** papaparse on the text, number conversion by its dynamicTyping, row by row (step). */
function withPapaparse(bytes: Buffer): number {
  const x = new Float32Array(ROWS * COLS);
  let row = -1;
  Papa.parse<(string | number)[]>(bytes.toString('utf8'), {
    delimiter: ',',
    dynamicTyping: true,
    step: (result) => {
      if (row >= 0) for (let j = 1; j < result.data.length; j++) x[row * COLS + j - 1] = result.data[j] as number;
      row++;
    },
  });
  return row;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const bytes = coalShapedTable();
  const parsers: [string, (b: Buffer) => Promise<number> | number][] = [
    ['spectra-csv (ours)', ours],
    ['csv-parse', withCsvParse],
    ['papaparse', withPapaparse],
  ];
  console.log(JSON.stringify({ bytes: bytes.length, rows: ROWS, cols: COLS, cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg()[0] }));
  for (let run = 0; run < runs; run++) {
    for (const [name, parse] of parsers) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const rows = await parse(bytes);
      const wall = performance.now() - start;
      const used = process.cpuUsage(cpu);
      if (rows !== ROWS) throw new Error(`${name}: ${rows} rows`);
      console.log(JSON.stringify({ parser: name, run, wallMs: Math.round(wall), cpuMs: Math.round((used.user + used.system) / 1000) }));
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
