import fs from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { ok, startTestServer, syntheticCsv, tempDir, waitForStatus, type TestServer } from '../helpers/server';

const PROGRESS = `subscription($id: ID) { experimentProgress(experimentId: $id) { experimentId status foldsDone foldsTotal stage } }`;
const CREATE = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`;

interface Progress {
  experimentId: string;
  status: string;
  foldsDone: number;
  foldsTotal: number;
}

interface CodedError {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}

/** Everything one subscription sends, and how it ended. */
interface Outcome<T> {
  events: T[];
  ended: 'complete' | 'error';
  errors: CodedError[];
}

/** Subscribes on `client` and resolves when the server completes or fails the operation. */
function collect<T>(client: Client, query: string, variables: Record<string, unknown>, onEvent?: (event: T) => void): { events: T[]; end: Promise<Outcome<T>>; stop: () => void } {
  const events: T[] = [];
  let stop = () => {};
  const end = new Promise<Outcome<T>>((resolve) => {
    stop = client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (message) => {
          if (message.errors) return resolve({ events, ended: 'error', errors: message.errors as CodedError[] });
          const event = Object.values(message.data!)[0];
          events.push(event);
          onEvent?.(event);
        },
        error: (errors) => resolve({ events, ended: 'error', errors: Array.isArray(errors) ? (errors as CodedError[]) : [{ message: String(errors) }] }),
        complete: () => resolve({ events, ended: 'complete', errors: [] }),
      },
    );
  });
  return { events, end, stop };
}

/**
 * A transform that fails (to make an experiment FAIL) and one that waits without using the CPU
 * (to keep an experiment running while the tests look at it), loaded as custom plugins.
 */
const TEST_PLUGINS = `
'use strict';
const transform = (name, description, fit) => ({
  name, kind: 'transform', description, tags: ['test'],
  params: { ms: { type: 'integer', default: 0, min: 0, description: 'how long fit waits' } },
  create(params) {
    return { meta: this, params, requiresFit: true, isFitted: false, getState: () => null, setState() {},
      fit(x) { fit(params); this.isFitted = true; return this; }, transform: (x) => x };
  },
});
module.exports = { plugins: [
  transform('always-fails', 'throws when fitted', () => { throw new Error('always-fails was fitted'); }),
  transform('waits', 'waits ms milliseconds when fitted', (p) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, p.ms)),
] };
`;

describe('subscriptions that end', () => {
  let server: TestServer;
  let datasetId: string;

  beforeAll(async () => {
    const pluginsDir = tempDir('sub-plugins');
    fs.writeFileSync(path.join(pluginsDir, 'test-transforms.js'), TEST_PLUGINS);
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('subscriptions'), 'db.sqlite')}`, pluginsDir, jobConcurrency: 1 });
    datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'small', content: syntheticCsv({ classes: 2, perClass: 6 }) } })).importDataset.id;
  });
  afterAll(() => server.close());

  const create = async (name: string, preprocessing: unknown[] = []) =>
    ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, { input: { name, datasetId, preprocessing, model: { plugin: 'knn' }, protocol: { folds: 2 } } })).createExperiment.id;

  it('sends the current state first, then the events, and completes after SUCCEEDED; a late subscriber gets the final state and the end', async () => {
    const id = await create('succeeds', [{ name: 'waits', params: { ms: 200 } }]);
    const live = await collect<Progress>(server.ws(), PROGRESS, { id }).end;
    expect(live.ended).toBe('complete');
    expect(live.events.length).toBeGreaterThan(1);
    expect(['QUEUED', 'RUNNING']).toContain(live.events[0].status);
    expect(live.events.every((e) => e.experimentId === id)).toBe(true);
    expect(live.events[live.events.length - 1]).toMatchObject({ status: 'SUCCEEDED', foldsDone: 2, foldsTotal: 2 });

    const late = await collect<Progress>(server.ws(), PROGRESS, { id }).end;
    expect(late).toEqual({ events: [expect.objectContaining({ status: 'SUCCEEDED', foldsDone: 2, foldsTotal: 2 })], ended: 'complete', errors: [] });
  });

  it('completes after FAILED', async () => {
    const id = await create('fails', [{ name: 'always-fails' }]);
    const outcome = await collect<Progress>(server.ws(), PROGRESS, { id }).end;
    expect(outcome.ended).toBe('complete');
    expect(outcome.events[outcome.events.length - 1].status).toBe('FAILED');
  });

  it('completes after CANCELLED, for a running and for a queued experiment', async () => {
    const running = await create('runs long', [{ name: 'waits', params: { ms: 60000 } }]);
    const queued = await create('queued behind it');
    const client = server.ws();
    const followRunning = collect<Progress>(client, PROGRESS, { id: running });
    const followQueued = collect<Progress>(client, PROGRESS, { id: queued });
    await waitForStatus(server, running, ['RUNNING']);
    ok(await server.gql(`mutation($id: ID!) { cancelExperiment(id: $id) { id } }`, { id: queued }));
    ok(await server.gql(`mutation($id: ID!) { cancelExperiment(id: $id) { id } }`, { id: running }));
    for (const outcome of await Promise.all([followRunning.end, followQueued.end])) {
      expect(outcome.ended).toBe('complete');
      expect(outcome.events[outcome.events.length - 1].status).toBe('CANCELLED');
    }
  });

  it('ends with NOT_FOUND for an unknown experiment or study', async () => {
    const client = server.ws();
    const experiment = await collect(client, PROGRESS, { id: 'no-such-experiment' }).end;
    expect(experiment.ended).toBe('error');
    expect(experiment.errors[0]).toMatchObject({ message: 'experiment "no-such-experiment" not found', extensions: { code: 'NOT_FOUND' } });
    const study = await collect(client, `subscription { studyProgress(studyId: "no-such-study") { status } }`, {}).end;
    expect(study.errors[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('fails a document that does not parse, validate or coerce with a coded error, leaving the socket and its other subscriptions alone', async () => {
    const client = server.ws();
    const datasetEvents = collect<{ name: string }>(client, `subscription { datasetEvents { type name } }`, {});
    const broken = await Promise.all([
      collect(client, `subscription { experimentProgress(experimentId: "x") { status `, {}).end,
      collect(client, `subscription { experimentProgress { noSuchField } }`, {}).end,
      collect(client, `subscription($id: ID!) { experimentProgress(experimentId: $id) { status } }`, { id: { not: 'an id' } }).end,
    ]);
    expect(broken.map((o) => [o.ended, o.errors[0]?.extensions?.code])).toEqual([
      ['error', 'GRAPHQL_PARSE_FAILED'],
      ['error', 'GRAPHQL_VALIDATION_FAILED'],
      ['error', 'BAD_USER_INPUT'],
    ]);
    expect(JSON.stringify(broken)).not.toContain('not: ');
    // The first subscription still receives its events on the same socket.
    ok(await server.gql(IMPORT_DATASET, { input: { name: 'after-the-errors', content: syntheticCsv({ classes: 2, perClass: 3 }) } }));
    await waitForEvent(() => datasetEvents.events.some((e) => e.name === 'after-the-errors'));
    datasetEvents.stop();
  });

  it('follows a study: its state first, then each change, and the end once every experiment has finished', async () => {
    const tablet = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'tablet-slice', content: exampleSliceCsv('tablet', 6) } })).importDataset.id;
    const { createStudy } = ok(
      await server.gql<{ createStudy: { id: string } }>(`mutation($input: CreateStudyInput!) { createStudy(input: $input) { id } }`, {
        input: { datasetId: tablet, preset: 'QUICK', parts: ['fig5'], folds: 2, finetuneEpochs: 2 },
      }),
    );
    const outcome = await collect<{ status: string; experimentsFinished: number; experimentsTotal: number; running: { stage: string | null } | null }>(
      server.ws(),
      `subscription($id: ID!) { studyProgress(studyId: $id) { status experimentsFinished experimentsTotal running { status stage epoch } } }`,
      { id: createStudy.id },
    ).end;
    expect(outcome.ended).toBe('complete');
    expect(outcome.events[0]).toMatchObject({ status: 'RUNNING', experimentsFinished: 0, experimentsTotal: 1 });
    expect(outcome.events.some((e) => e.running?.stage === 'finetune')).toBe(true);
    expect(outcome.events[outcome.events.length - 1]).toMatchObject({ status: 'FINISHED', experimentsFinished: 1, running: null });
  });
});

async function waitForEvent(check: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for an event');
    await new Promise((r) => setTimeout(r, 20));
  }
}
