import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { tempDir } from '../helpers/server';

/**
 * Crash recovery: the server process is killed (SIGKILL) in the middle of an experiment; a new
 * server on the same database resumes it from the first missing fold and stores every fold once.
 */
interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
}

function startServerProcess(databaseUrl: string, dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(PROJECT_ROOT, 'src/main.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, NIR_SSL_DATA_DIR: dataDir, NIR_SSL_PORT: '0', NIR_SSL_IMPORT_EXAMPLES: 'false', NIR_SSL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /GraphQL at (\S+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.stderr!.on('data', () => undefined);
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${out}`)));
  });
}

/** The admin token the first start wrote to the data directory. */
let token = '';

async function gql<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

async function experimentState(url: string, id: string) {
  return (
    await gql<{ experiment: { status: string; folds: { repeat: number; fold: number; wallMs: number }[] } }>(url, `query($id: ID!) { experiment(id: $id) { status folds { repeat fold wallMs } } }`, { id })
  ).experiment;
}

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

describe('experiment resume after a crash', () => {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

  it('resumes from the last completed fold after SIGKILL, every fold exactly once', async () => {
    const dataDir = tempDir('resume');
    const databaseUrl = `file:${path.join(dataDir, 'db.sqlite')}`;
    const first = await startServerProcess(databaseUrl, dataDir);
    token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    children.push(first.child);
    const datasetId = (await gql<{ importDataset: { id: string } }>(first.url, IMPORT_DATASET, { input: { name: 'slice', content: exampleSliceCsv('tablet', 12) } })).importDataset.id;
    const id = (
      await gql<{ createExperiment: { id: string } }>(first.url, `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, {
        input: { name: 'resumable', datasetId, model: { plugin: 'cnn-classifier', params: { epochs: 4, pretext: { epochs: 3 } } }, protocol: { folds: 3 } },
      })
    ).createExperiment.id;

    // Kill as soon as the first fold is stored, while the second trains.
    const before = await waitFor(async () => {
      const s = await experimentState(first.url, id);
      return s.folds.length >= 1 ? s : null;
    }, 120000);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(before.folds.length).toBeLessThan(3);

    const second = await startServerProcess(databaseUrl, dataDir);
    children.push(second.child);
    const after = await waitFor(async () => {
      const s = await experimentState(second.url, id);
      return ['succeeded', 'SUCCEEDED', 'FAILED'].includes(s.status) ? s : null;
    }, 180000);
    expect(after.status).toBe('SUCCEEDED');
    expect(after.folds.map((f) => [f.repeat, f.fold])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
    // The folds finished before the kill were kept, not recomputed (folds train in parallel: the
    // first stored is not always fold 0).
    expect(after.folds.filter((f) => before.folds.some((b) => b.repeat === f.repeat && b.fold === f.fold))).toEqual(before.folds);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }, 360000);
});
