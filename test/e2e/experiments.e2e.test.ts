import path from 'node:path';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { ok, startTestServer, tempDir, waitFor, waitForStatus, experimentStatus as status, type TestServer } from '../helpers/server';
import { expectedBackend } from '../helpers/backend';

const CREATE = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id status model configHash } }`;
const PROGRESS = `subscription($id: ID) { experimentProgress(experimentId: $id) { experimentId status fold foldsDone foldsTotal stage epoch loss accuracy } }`;

interface Progress {
  experimentId: string;
  status: string;
  fold: number | null;
  foldsDone: number;
  foldsTotal: number;
  stage: string | null;
  epoch: number | null;
  loss: number | null;
}

/** A short SSL run: 2 pretext epochs, 3 fine-tuning epochs. */
const QUICK_SSL = { plugin: 'cnn-classifier', params: { epochs: 3, pretext: { epochs: 2 } } };

describe('experiments over HTTP and WebSocket', () => {
  let server: TestServer;
  let datasetId: string;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('experiments'), 'db.sqlite')}`, foldConcurrency: 2 });
    datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'tablet-slice', content: exampleSliceCsv('tablet', 15) } })).importDataset.id;
  });
  afterAll(() => server.close());

  /** Follows an experiment's subscription until it finishes; returns every event. */
  function follow(experimentId: string | null, until: (p: Progress) => boolean): { events: Progress[]; done: Promise<Progress[]> } {
    const events: Progress[] = [];
    const client = server.ws();
    const done = new Promise<Progress[]>((resolve, reject) => {
      client.subscribe<{ experimentProgress: Progress }>(
        { query: PROGRESS, variables: { id: experimentId } },
        {
          next: (msg) => {
            const p = msg.data!.experimentProgress;
            events.push(p);
            if (until(p)) resolve(events);
          },
          error: reject,
          complete: () => resolve(events),
        },
      );
    });
    return { events, done };
  }

  let sslId: string;
  let baselineId: string;

  it('runs a short SSL experiment, streaming progress to completion', async () => {
    // Subscribe to all experiments first so that no event is missed, then create.
    const sub = follow(null, (p) => p.status === 'SUCCEEDED' || p.status === 'FAILED');
    await new Promise((r) => setTimeout(r, 100));
    const created = ok(
      await server.gql<{ createExperiment: { id: string; status: string; model: string } }>(CREATE, {
        input: { name: 'ssl quick', tags: ['e2e'], datasetId, model: QUICK_SSL, protocol: { folds: 3, seed: 0 } },
      }),
    ).createExperiment;
    expect(created).toMatchObject({ status: 'QUEUED', model: 'ssl' });
    sslId = created.id;
    const events = (await sub.done).filter((e) => e.experimentId === sslId);
    expect(events[events.length - 1].status).toBe('SUCCEEDED');
    const stages = new Set(events.map((e) => e.stage).filter(Boolean));
    expect(stages).toEqual(new Set(['pretext', 'finetune']));
    expect(events.some((e) => e.epoch !== null && e.loss !== null)).toBe(true);
    expect(events[events.length - 1]).toMatchObject({ foldsDone: 3, foldsTotal: 3 });

    const { experiment } = ok(
      await server.gql<{ experiment: { status: string; backend: string; accuracy: { mean: number }; folds: { fold: number; accuracy: number; confusion: number[][]; pretextAccuracy: number; pretext: { transform: string; accuracy: number; f1: number }[]; curves: { stage: string }[]; perClass: { className: string }[] }[] } }>(
        `query($id: ID!) { experiment(id: $id) { status backend accuracy { mean std } folds { fold accuracy macroF1 confusion pretextAccuracy pretext { transform accuracy f1 } curves { stage epoch loss } perClass { className f1 } } } }`,
        { id: sslId },
      ),
    );
    expect(experiment.status).toBe('SUCCEEDED');
    expect(experiment.backend).toBe(expectedBackend());
    expect(experiment.folds.map((f) => f.fold)).toEqual([0, 1, 2]);
    for (const fold of experiment.folds) {
      expect(fold.pretext.map((p) => p.transform)).toEqual(['raw', 'add-noise', 'offset', 'multiplication', 'horizontal-flip', 'vertical-flip', 'permutation']);
      expect(fold.confusion.flat().reduce((a, b) => a + b, 0)).toBe(20);
      expect(fold.curves.filter((c) => c.stage === 'finetune')).toHaveLength(3);
      expect(fold.perClass.map((c) => c.className)).toEqual(['1', '2', '3', '4']);
    }
  }, 180000);

  it('stores a network that learned nothing with a warning on its folds and the experiment', async () => {
    const { id } = ok(
      await server.gql<{ createExperiment: { id: string } }>(CREATE, {
        input: { name: 'frozen', datasetId, model: { plugin: 'cnn-classifier', params: { ssl: false, learningRate: 0, epochs: 2, filters: [4, 8, 8], hidden: [16, 8] } }, protocol: { folds: 2, seed: 0 } },
      }),
    ).createExperiment;
    await waitForStatus(server, id, ['SUCCEEDED', 'FAILED']);
    const { experiment } = ok(
      await server.gql<{ experiment: { status: string; warnings: string[]; folds: { warnings: string[]; choices: object }[] } }>(
        `query($id: ID!) { experiment(id: $id) { status warnings folds { warnings choices } } }`,
        { id },
      ),
    );
    expect(experiment.status).toBe('SUCCEEDED');
    expect(experiment.warnings).toHaveLength(experiment.folds.reduce((n, f) => n + f.warnings.length, 0));
    expect(experiment.warnings[0]).toMatch(/^fold 1: the training loss never fell/);
    for (const fold of experiment.folds) expect(fold.choices).toEqual({});
  }, 120000);

  it('runs a baseline experiment on the same folds and compares the two', async () => {
    baselineId = ok(
      await server.gql<{ createExperiment: { id: string } }>(CREATE, {
        input: { name: 'pls-da', datasetId, preprocessing: [{ name: 'autoscale' }], model: { plugin: 'pls-da', params: { components: 5 } }, protocol: { folds: 3, seed: 0 } },
      }),
    ).createExperiment.id;
    const sub = follow(baselineId, (p) => p.status === 'SUCCEEDED' || p.status === 'FAILED');
    // It may have finished before the subscription started: poll as a fallback.
    await Promise.race([sub.done, waitForStatus(server, baselineId, ['SUCCEEDED', 'FAILED'])]);
    const { compareExperiments } = ok(
      await server.gql<{ compareExperiments: { metrics: { metric: string; entries: { experimentId: string; mean: number; perFold: number[]; rank: number }[] }[]; pairs: { metric: string; paired: boolean; differences: number[]; pValue: number | null }[] } }>(
        `query($ids: [ID!]!) { compareExperiments(ids: $ids) { metrics { metric entries { experimentId mean std perFold rank } } pairs { a b metric paired reason differences meanDifference t pValue } } }`,
        { ids: [sslId, baselineId] },
      ),
    );
    const accuracy = compareExperiments.metrics.find((m) => m.metric === 'accuracy')!;
    expect(accuracy.entries.map((e) => e.perFold.length)).toEqual([3, 3]);
    expect(accuracy.entries.map((e) => e.rank).sort()).toEqual([1, 2]);
    const pair = compareExperiments.pairs.find((p) => p.metric === 'accuracy')!;
    expect(pair.paired).toBe(true);
    expect(pair.differences).toHaveLength(3);
    accuracy.entries[0].perFold.forEach((a, k) => expect(pair.differences[k]).toBeCloseTo(a - accuracy.entries[1].perFold[k], 12));
    if (pair.differences.every((d) => d === pair.differences[0])) expect(pair.pValue).not.toBeNull();
    else expect(pair.pValue).toBeGreaterThan(0);

    const filtered = ok(await server.gql<{ experiments: { id: string }[] }>(`{ experiments(filter: { model: "pls-da" }) { id } }`)).experiments;
    expect(filtered.map((e) => e.id)).toEqual([baselineId]);
    const tagged = ok(await server.gql<{ experiments: { id: string }[] }>(`{ experiments(filter: { tag: "e2e", status: SUCCEEDED }) { id } }`)).experiments;
    expect(tagged.map((e) => e.id)).toEqual([sslId]);
  });

  it('cancels a running experiment', async () => {
    const long = { plugin: 'cnn-classifier', params: { epochs: 500, pretext: { epochs: 500 } } };
    const id = ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, { input: { name: 'to cancel', datasetId, model: long, protocol: { folds: 3 } } })).createExperiment.id;
    await waitFor(async () => (await status(server, id)).progress?.epoch != null);
    const cancelled = ok(await server.gql<{ cancelExperiment: { id: string } }>(`mutation($id: ID!) { cancelExperiment(id: $id) { id } }`, { id }));
    expect(cancelled.cancelExperiment.id).toBe(id);
    await waitForStatus(server, id, ['CANCELLED']);
    const again = await server.gql(`mutation($id: ID!) { cancelExperiment(id: $id) { id } }`, { id });
    expect(again.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['an unknown plugin', { model: { plugin: 'no-such-model' } }, /unknown model plugin "no-such-model"/],
    ['a transform as model', { model: { plugin: 'snv' } }, /is a transform/],
    ['a bad parameter', { model: { plugin: 'knn', params: { k: 0 } } }, /parameter "k"/],
    ['a bad pre-processing step', { model: { plugin: 'knn' }, preprocessing: [{ name: 'savitzky-golay', params: { window: 2 } }] }, /pipeline step 0/],
    ['k larger than the smallest class', { model: { plugin: 'knn' }, protocol: { folds: 16 } }, /at least 16 rows per class/],
    ['a label fraction out of range', { model: { plugin: 'knn' }, protocol: { labelFraction: 1.5 } }, /labelFraction must be in \(0, 1\]/],
    ['grouping without a group column', { model: { plugin: 'knn' }, protocol: { useGroups: true } }, /group column/],
  ])('rejects %s with BAD_USER_INPUT and stores nothing', async (_what, input, message) => {
    const before = ok(await server.gql<{ experiments: unknown[] }>('{ experiments { id } }')).experiments.length;
    const result = await server.gql(CREATE, { input: { name: 'bad', datasetId, ...input } });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(message);
    expect(ok(await server.gql<{ experiments: unknown[] }>('{ experiments { id } }')).experiments.length).toBe(before);
  });
});

