import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config';
import { createContainer } from '../../src/container';
import { Logger } from '../../src/logger';
import { PROJECT_ROOT } from '../../src/paths';
import { DatabaseService } from '../../src/services/database/database.service';
import { JOB_QUEUE } from '../../src/services/experiments/job-queue';
import type { RedisJobQueue } from '../../src/services/queue/redis-job-queue';
import { IMPORT_DATASET } from '../helpers/datasets';
import { ok, startTestServer, syntheticCsv, tempDir, waitFor, type TestServer } from '../helpers/server';

/**
 * The distributed queue end to end: two API instances (in this process, each with its own
 * container, event bus and Redis connections) and two worker processes (`nir-ssl worker`, from
 * the TypeScript sources) on one PostgreSQL schema and one Redis (a key prefix of this run's own).
 * Folds are kept short and CPU-free with a test transform that waits while it is fitted.
 */
const REDIS = process.env.TEST_REDIS_URL;
const PG = process.env.TEST_DATABASE_URL;

const CREATE = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`;
const PROGRESS = `subscription($id: ID) { experimentProgress(experimentId: $id) { experimentId status foldsDone foldsTotal stage fold } }`;
const EXPERIMENT = `query($id: ID!) { experiment(id: $id) { status error folds { repeat fold backend worker } } }`;
const WORKERS = `{ workers { name host pid backend concurrency state lastSeen runningFolds { experimentId repeat fold } } }`;

/** Generous waits: on a loaded machine a fold's worker thread takes seconds to start from the TypeScript sources. */
const SLOW = 150000;

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

interface Fold {
  repeat: number;
  fold: number;
  backend: string | null;
  worker: string | null;
}
interface ExperimentView {
  status: string;
  error: string | null;
  folds: Fold[];
}
interface WorkerView {
  name: string;
  pid: number;
  backend: string;
  state: string;
  lastSeen: string;
  runningFolds: { experimentId: string; repeat: number; fold: number }[];
}

describe('configuration of the distributed queue', () => {
  it('refuses SQLite with a distributed queue, and a queue URL that is not Redis', () => {
    expect(() => loadConfig({ NIR_SSL_QUEUE: 'redis://127.0.0.1:6379' })).toThrow(/needs a shared database.*SQLite/);
    expect(() => loadConfig({ NIR_SSL_QUEUE: 'amqp://x', DATABASE_URL: 'postgresql://u@h/db' })).toThrow(/NIR_SSL_QUEUE must be a redis:\/\//);
    expect(loadConfig({ NIR_SSL_QUEUE: 'redis://h:6379', DATABASE_URL: 'postgresql://u@h/db' }).queueUrl).toBe('redis://h:6379');
    expect(loadConfig({}).queueUrl).toBeNull();
  });

  it('names the queue store when it is unreachable at start', async () => {
    const config = loadConfig({}, { databaseUrl: 'postgresql://postgres@127.0.0.1:5432/unused', queueUrl: 'redis://:secret@127.0.0.1:1', logLevel: 'silent' });
    await expect(createContainer(config, new Logger('silent'))).rejects.toThrow(
      /the queue store \(Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/?, NIR_SSL_QUEUE\) is unreachable: .*ECONNREFUSED/,
    );
  });
});

(REDIS ? describe : describe.skip)('distributed queue: two API instances, two worker processes', () => {
  const prefix = `nir-ssl-test-${process.pid}-${Date.now()}`;
  let databaseUrl: string;
  let pluginsDir: string;
  let a: TestServer;
  let b: TestServer;
  const workers: { child: ChildProcess; log: string[]; name: string }[] = [];
  let datasetId: string;

  const startWorker = async (): Promise<(typeof workers)[number]> => {
    const log: string[] = [];
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(PROJECT_ROOT, 'src/cli/main.ts'), 'worker', '--concurrency', '1'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        NIR_SSL_QUEUE: REDIS,
        NIR_SSL_QUEUE_PREFIX: prefix,
        NIR_SSL_QUEUE_LOCK_MS: '5000',
        NIR_SSL_PLUGINS_DIR: pluginsDir,
        NIR_SSL_TRAINING_SLOTS: '1',
        NIR_SSL_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    const name = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /nir-ssl worker (\S+) on/.exec(d.toString());
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${log.join('')}`)));
    });
    const worker = { child, log, name };
    workers.push(worker);
    return worker;
  };

  const create = async (server: TestServer, name: string, preprocessing: unknown[], folds: number): Promise<string> =>
    ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, { input: { name, datasetId, preprocessing, model: { plugin: 'knn' }, protocol: { folds } } })).createExperiment
      .id;
  const experiment = async (server: TestServer, id: string): Promise<ExperimentView> => ok(await server.gql<{ experiment: ExperimentView }>(EXPERIMENT, { id })).experiment;
  const listWorkers = async (server: TestServer): Promise<WorkerView[]> => ok(await server.gql<{ workers: WorkerView[] }>(WORKERS)).workers;
  const finished = (server: TestServer, id: string, timeoutMs = SLOW) =>
    waitFor(async () => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes((await experiment(server, id)).status), timeoutMs).then(() => experiment(server, id));

  beforeAll(async () => {
    if (!PG) throw new Error('the distributed queue tests need TEST_DATABASE_URL=postgresql://... beside TEST_REDIS_URL');
    const url = new URL(PG);
    url.searchParams.set('schema', `t_distributed_${process.pid}_${Date.now() % 1e6}`);
    databaseUrl = url.toString();
    pluginsDir = tempDir('dist-plugins');
    fs.writeFileSync(path.join(pluginsDir, 'test-transforms.js'), TEST_PLUGINS);
    const shared = { databaseUrl, queueUrl: REDIS!, queuePrefix: prefix, queueLockMs: 5000, pluginsDir };
    a = await startTestServer(shared); // creates and migrates the schema first
    b = await startTestServer(shared);
    await Promise.all([startWorker(), startWorker()]);
    datasetId = ok(await a.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'small', content: syntheticCsv({ classes: 2, perClass: 8 }) } })).importDataset.id;
  }, 3 * SLOW);

  afterAll(async () => {
    if (process.env.DEBUG_WORKERS) for (const w of workers) process.stderr.write(`--- worker ${w.name}\n${w.log.join('')}\n`);
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await b?.close();
    await a?.close();
    if (REDIS) {
      const redis = new Redis(REDIS);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('an experiment created on one instance is watched to completion through a subscription on the other; folds record backend and worker', async () => {
    const id = await create(a, 'watched', [{ name: 'waits', params: { ms: 300 } }], 3);
    const events: { status: string; stage: string | null; foldsDone: number }[] = [];
    const client: Client = b.ws();
    const ended = await new Promise<string>((resolve) => {
      client.subscribe<{ experimentProgress: (typeof events)[number] }>(
        { query: PROGRESS, variables: { id } },
        { next: (m) => m.data && events.push(m.data.experimentProgress), error: (e) => resolve(`error ${JSON.stringify(e)}`), complete: () => resolve('complete') },
      );
    });
    expect(ended).toBe('complete');
    expect(events[events.length - 1]).toMatchObject({ status: 'SUCCEEDED', foldsDone: 3 });
    // Published by the workers, received by instance B through Redis.
    expect(events.some((e) => e.status === 'RUNNING' && e.foldsDone > 0)).toBe(true);
    const result = await experiment(a, id);
    expect(result.folds.map((f) => `${f.repeat}:${f.fold}`)).toEqual(['0:0', '0:1', '0:2']);
    const names = workers.map((w) => w.name);
    for (const fold of result.folds) {
      expect(names).toContain(fold.worker);
      expect(fold.backend).toBe('typescript');
    }
    const seen = await listWorkers(b);
    expect(seen.map((w) => w.name).sort()).toEqual([...names].sort());
    expect(seen.every((w) => w.state === 'running' && Date.now() - Date.parse(w.lastSeen) < 30000)).toBe(true);
  }, 3 * SLOW);

  it('a worker killed with SIGKILL in the middle of a fold: the fold is retried elsewhere and every fold has exactly one result', async () => {
    const id = await create(a, 'survives a kill', [{ name: 'waits', params: { ms: 3000 } }], 3);
    let victim: (typeof workers)[number] | undefined;
    await waitFor(async () => {
      const busy = (await listWorkers(b)).find((w) => w.runningFolds.some((f) => f.experimentId === id));
      victim = busy && workers.find((w) => w.name === busy.name && w.child.exitCode === null);
      return victim !== undefined;
    }, SLOW);
    victim!.child.kill('SIGKILL');
    const result = await finished(a, id);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.folds.map((f) => `${f.repeat}:${f.fold}`)).toEqual(['0:0', '0:1', '0:2']);
    // A replacement for the next tests.
    await startWorker();
  }, 3 * SLOW);

  it('a second SSL experiment on the same folds reuses the encoders the workers pre-trained for the first', async () => {
    const ssl = (epochs: number) => ({ plugin: 'cnn-classifier', params: { epochs, batchSize: 8, pretext: { epochs: 1 } } });
    const foldEncoders = () => a.container.get(DatabaseService).client.pretrainedEncoder.count({ where: { origin: 'fold' } });
    // The stages the workers report (through Redis) until the experiment ends.
    const runWatched = async (server: TestServer, name: string, epochs: number) => {
      const id = ok(await server.gql<{ createExperiment: { id: string } }>(CREATE, { input: { name, datasetId, model: ssl(epochs), protocol: { folds: 2 } } })).createExperiment.id;
      const stages = new Set<string>();
      await new Promise<void>((resolve) => {
        server.ws().subscribe<{ experimentProgress: { stage: string | null } }>(
          { query: PROGRESS, variables: { id } },
          { next: (m) => m.data?.experimentProgress.stage && stages.add(m.data.experimentProgress.stage), error: () => resolve(), complete: () => resolve() },
        );
      });
      return { result: await experiment(server, id), stages };
    };
    const before = await foldEncoders();
    const first = await runWatched(a, 'ssl first', 1);
    expect(first.result.status).toBe('SUCCEEDED');
    expect(first.stages).toContain('pretext');
    expect(await foldEncoders()).toBe(before + 2);
    // Other fine-tuning, same pre-training and folds, created on the other instance: no fold pre-trains.
    const second = await runWatched(b, 'ssl second', 2);
    expect(second.result.status).toBe('SUCCEEDED');
    expect(second.result.folds.map((f) => `${f.repeat}:${f.fold}`)).toEqual(['0:0', '0:1']);
    expect(second.stages).not.toContain('pretext');
    expect(second.stages.size).toBeGreaterThan(0);
    expect(await foldEncoders()).toBe(before + 2);
  }, 3 * SLOW);

  it('cancel on one instance stops a fold running on a worker', async () => {
    const id = await create(a, 'cancelled', [{ name: 'waits', params: { ms: 60000 } }], 2);
    await waitFor(async () => (await listWorkers(b)).some((w) => w.runningFolds.some((f) => f.experimentId === id)), SLOW);
    // Running on a worker elsewhere: not deleted under it.
    const refused = await a.gql(`mutation($id: ID!) { deleteExperiment(id: $id) }`, { id });
    expect(refused.errors?.[0]).toMatchObject({ message: 'cancel the experiment before deleting it', extensions: { code: 'BAD_USER_INPUT' } });
    const cancelled = ok(await b.gql<{ cancelExperiment: { status: string } }>(`mutation($id: ID!) { cancelExperiment(id: $id) { status } }`, { id }));
    expect(cancelled.cancelExperiment.status).toBe('CANCELLED');
    // The workers drop the fold within seconds, not after its 60 s (30 s: a loaded machine).
    await waitFor(async () => (await listWorkers(a)).every((w) => !w.runningFolds.some((f) => f.experimentId === id)), 30000);
    const result = await experiment(a, id);
    expect(result.status).toBe('CANCELLED');
    expect(result.folds).toEqual([]);
  }, 3 * SLOW);

  it('a fold that keeps failing is not retried for ever: the experiment fails with its message', async () => {
    const id = await create(b, 'fails', [{ name: 'always-fails' }], 2);
    const result = await finished(a, id);
    expect(result.status).toBe('FAILED');
    expect(result.error).toContain('always-fails was fitted');
  }, 3 * SLOW);

  it('reports the queue in system and /health', async () => {
    const system = ok(await a.gql<{ system: { queue: { kind: string; up: boolean; url: string } } }>(`{ system { queue { kind up url } } }`));
    expect(system.system.queue).toMatchObject({ kind: 'redis', up: true });
    const health = (await (await fetch(a.url.replace('/graphql', '/health'))).json()) as { status: string; queue: { up: boolean } };
    expect(health).toMatchObject({ status: 'ok', queue: { kind: 'redis', up: true } });
  });

  it('a worker stopped with SIGTERM hands its running fold back and the experiment still completes', async () => {
    const id = await create(a, 'handed back', [{ name: 'waits', params: { ms: 2500 } }], 2);
    let target: (typeof workers)[number] | undefined;
    await waitFor(async () => {
      const busy = (await listWorkers(b)).find((w) => w.runningFolds.some((f) => f.experimentId === id));
      target = busy && workers.find((w) => w.name === busy.name && w.child.exitCode === null);
      return target !== undefined;
    }, SLOW);
    const exited = new Promise<number | null>((resolve) => target!.child.once('exit', (code) => resolve(code)));
    target!.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await startWorker();
    const result = await finished(a, id);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.folds).toHaveLength(2);
    const stopped = (await listWorkers(a)).find((w) => w.name === target!.name);
    expect(stopped?.state).toBe('stopped');
  }, 3 * SLOW);
});

(REDIS ? describe : describe.skip)('distributed queue: the queue store lost while running', () => {
  const prefix = `nir-ssl-test-lost-${process.pid}-${Date.now()}`;
  const sockets = new Set<net.Socket>();
  let proxy: net.Server;
  let port: number;
  let server: TestServer;

  /** A TCP proxy to Redis that the test can take down and bring back. */
  const listen = (p = 0) =>
    new Promise<void>((resolve) => {
      proxy = net.createServer((client) => {
        const target = new URL(REDIS!);
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      proxy.listen(p, '127.0.0.1', () => {
        port = (proxy.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const takeDown = () =>
    new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const s of sockets) s.destroy();
    });

  beforeAll(async () => {
    if (!PG) throw new Error('the distributed queue tests need TEST_DATABASE_URL=postgresql://... beside TEST_REDIS_URL');
    await listen();
    const url = new URL(PG);
    url.searchParams.set('schema', `t_queue_lost_${process.pid}_${Date.now() % 1e6}`);
    server = await startTestServer({ databaseUrl: url.toString(), queueUrl: `redis://127.0.0.1:${port}`, queuePrefix: prefix });
  }, SLOW);

  afterAll(async () => {
    if (proxy.listening) await takeDown();
    await server?.close();
    const redis = new Redis(REDIS!);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('keeps serving reads, reports the queue down, keeps a new experiment queued and queues it when Redis is back', async () => {
    const datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'lost', content: syntheticCsv({ classes: 2, perClass: 4 }) } })).importDataset.id;
    await takeDown();
    const queue = server.container.get<RedisJobQueue>(JOB_QUEUE);
    await waitFor(async () => !queue.status().up, 10000);

    const health = (await (await fetch(server.url.replace('/graphql', '/health'))).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'degraded', queue: { kind: 'redis', up: false } });
    const read = ok(await server.gql<{ system: { queue: { up: boolean } }; dataset: { id: string } }>(`query($id: ID!) { system { queue { up } } dataset(id: $id) { id } }`, { id: datasetId }));
    expect(read).toEqual({ system: { queue: { up: false } }, dataset: { id: datasetId } });

    const id = ok(await server.gql<{ createExperiment: { id: string; status: string } }>(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id status } }`, {
      input: { name: 'while down', datasetId, model: { plugin: 'knn' }, protocol: { folds: 2 } },
    })).createExperiment;
    expect(id.status).toBe('QUEUED');

    await listen(port);
    await waitFor(async () => queue.status().up, 20000);
    // No worker runs here: the experiment's two folds wait on the queue.
    await waitFor(async () => {
      const counts = await queue.queue.getJobCounts('prioritized', 'waiting');
      return counts.prioritized + counts.waiting === 2;
    }, 20000);
    const jobs = await queue.queue.getJobs(['prioritized', 'waiting']);
    expect(jobs.map((j) => j.data.experimentId)).toEqual([id.id, id.id]);
  }, SLOW);
});
