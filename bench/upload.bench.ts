/**
 * A large CSV uploaded through the GraphQL multipart request (issue 19): time to import and the
 * server's peak RSS growth over its RSS before the upload. Target: a 200 MB file imports with
 * peak RSS growth under 300 MB. The server runs in a child process (bench/child-server.ts).
 *   node dist/bench/upload.bench.js [megabytes=200]
 */
import fs from 'node:fs';
import path from 'node:path';
import { nextMessage, runServerBenchmark, uploadFile } from './child-server';

const VARIABLES = 1000;

/** Writes a CSV of about `bytes` bytes: 3 classes, VARIABLES points, values with 4 decimals. */
async function writeCsv(file: string, bytes: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const header = `label,${Array.from({ length: VARIABLES }, (_, j) => 900 + j).join(',')}\n`;
  out.write(header);
  let written = header.length;
  let rows = 0;
  while (written < bytes) {
    const line = `c${rows % 3},${Array.from({ length: VARIABLES }, (_, j) => (((rows * 31 + j * 7) % 9973) / 9973).toFixed(4)).join(',')}\n`;
    written += line.length;
    rows++;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return rows;
}

runServerBenchmark(
  __filename,
  async (dir) => {
    const file = path.join(dir, 'big.csv');
    const rows = await writeCsv(file, Number(process.argv[2] ?? 200) * 1e6);
    return { file, rows, size: fs.statSync(file).size };
  },
  async ({ child, url, token }, { file, rows, size }) => {
    child.send({ kind: 'baseline' });
    const { baseline } = await nextMessage<{ baseline: number }>(child, 'baseline');
    const query = 'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id sampleCount variableCount } }';
    const start = performance.now();
    const body = await uploadFile(url, token, query, { name: 'big upload' }, file);
    const seconds = (performance.now() - start) / 1000;
    if (body.errors || body.data?.importDataset.sampleCount !== rows) throw new Error(`import failed: ${JSON.stringify(body.errors ?? body.data)}`);
    child.send({ kind: 'peak' });
    const { peak } = await nextMessage<{ peak: number; cpuMs: number }>(child, 'peak');
    const mb = (n: number) => (n / 1e6).toFixed(0);
    console.log(
      `upload of ${mb(size)} MB CSV (${rows} x ${VARIABLES}, ${mb(rows * VARIABLES * 4)} MB as float32): ` +
        `${seconds.toFixed(1)} s (${(size / 1e6 / seconds).toFixed(1)} MB/s), server RSS ${mb(baseline)} MB before, peak growth ${mb(peak - baseline)} MB (target < 300 MB)`,
    );
  },
);
