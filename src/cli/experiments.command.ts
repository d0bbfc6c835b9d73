import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GraphqlClient } from './graphql-client';
import { ProgressBar, type ProgressLine } from './progress-bar';

/**
 * `nir-ssl experiments ...`: every operation is a GraphQL operation, against a running server
 * (--server) or against a server embedded in this process on the configured database.
 */
export interface ExperimentsOptions {
  readonly url: string;
  readonly token: string | null;
  readonly json: boolean;
  readonly values: Record<string, string | boolean | string[] | undefined>;
}

const EXPERIMENT_FIELDS = 'id name model status backend error warnings accuracy { mean std } macroF1 { mean std } progress { foldsDone foldsTotal }';
const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export async function experimentsCommand(sub: string, args: string[], options: ExperimentsOptions): Promise<number> {
  const client = new GraphqlClient(options.url, options.token);
  const v = options.values;
  switch (sub) {
    case 'create':
    case 'run': {
      const datasetId = await resolveDataset(client, requireString(v.dataset, '--dataset'));
      const input = {
        name: (v.name as string | undefined) ?? `${v.model} on ${v.dataset}`,
        tags: (v.tag as string[] | undefined) ?? [],
        datasetId,
        preprocessing: v.preprocessing ? parseJson(v.preprocessing as string, '--preprocessing') : [],
        model: { plugin: requireString(v.model, '--model'), params: v.params ? parseJson(v.params as string, '--params') : {} },
        protocol: {
          folds: optionalNumber(v.folds, '--folds'),
          seed: optionalNumber(v.seed, '--seed'),
          repeats: optionalNumber(v.repeats, '--repeats'),
          labelFraction: optionalNumber(v['label-fraction'], '--label-fraction'),
          useGroups: v.groups === true ? true : undefined,
        },
        pretraining: await pretrainingOption(client, v),
      };
      const { createExperiment } = await client.request<{ createExperiment: { id: string } }>(
        `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
        { input },
      );
      if (sub === 'create') {
        process.stdout.write(`${createExperiment.id}\n`);
        return 0;
      }
      return watch(client, options, createExperiment.id);
    }
    case 'watch':
      return watch(client, options, requireString(args[0], 'an experiment ID'));
    case 'list': {
      const datasetId = v.dataset ? await resolveDataset(client, v.dataset as string) : undefined;
      const experiments = await client.readAll<ExperimentRow>(
        `query($filter: ExperimentFilter, $after: String) {
           experimentsConnection(filter: $filter, first: 100, after: $after) { nodes { ${EXPERIMENT_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
        'experimentsConnection',
        { filter: { datasetId, model: v.model, status: typeof v.status === 'string' ? v.status.toUpperCase() : undefined, tag: (v.tag as string[] | undefined)?.[0] } },
      );
      if (options.json) print(experiments);
      else printExperiments(experiments);
      return 0;
    }
    case 'cancel': {
      const id = requireString(args[0], 'an experiment ID');
      const { cancelExperiment } = await client.request<{ cancelExperiment: { status: string } }>(`mutation($id: ID!) { cancelExperiment(id: $id) { status } }`, { id });
      process.stdout.write(`${id}: ${cancelExperiment.status.toLowerCase()}\n`);
      return 0;
    }
    case 'compare': {
      if (args.length < 2) throw new Error('compare needs at least two experiment IDs');
      const { compareExperiments } = await client.request<{ compareExperiments: ComparisonRow }>(
        `query($ids: [ID!]!) { compareExperiments(ids: $ids) {
           experiments { id name model }
           metrics { metric entries { experimentId mean std perFold rank } }
           pairs { a b metric paired reason meanDifference pValue } } }`,
        { ids: args },
      );
      if (options.json) print(compareExperiments);
      else printComparison(compareExperiments);
      return 0;
    }
    default:
      throw new Error(`unknown experiments command "${sub}"`);
  }
}

/** Follows an experiment to its end with a progress bar; exit code 0 only when it succeeded. */
async function watch(client: GraphqlClient, options: ExperimentsOptions, id: string): Promise<number> {
  const bar = new ProgressBar();
  const ws = createClient({ url: options.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {} });
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = false;
      const stop = (): void => {
        if (finished) return;
        finished = true;
        resolve();
      };
      ws.subscribe<{ experimentProgress: ProgressLine }>(
        { query: `subscription($id: ID) { experimentProgress(experimentId: $id) { status foldsDone foldsTotal fold stage epoch epochs loss accuracy } }`, variables: { id } },
        {
          next: (msg) => {
            const p = msg.data?.experimentProgress;
            if (!p) return;
            bar.update(p);
            if (FINISHED.includes(p.status)) stop();
          },
          error: reject,
          complete: stop,
        },
      );
      // An experiment that finished before the subscription started sends nothing more.
      void client.request<{ experiment: { status: string } }>(`query($id: ID!) { experiment(id: $id) { status } }`, { id }).then((r) => {
        if (FINISHED.includes(r.experiment.status)) stop();
      }, reject);
    });
  } finally {
    bar.done();
    await ws.dispose();
  }
  const { experiment } = await client.request<{ experiment: ExperimentRow }>(`query($id: ID!) { experiment(id: $id) { ${EXPERIMENT_FIELDS} } }`, { id });
  if (options.json) print(experiment);
  else printExperiments([experiment]);
  return experiment.status === 'SUCCEEDED' ? 0 : 1;
}

interface ExperimentRow {
  id: string;
  name: string;
  model: string;
  status: string;
  backend: string | null;
  error: string | null;
  warnings: string[];
  accuracy: { mean: number | null; std: number | null };
  macroF1: { mean: number | null; std: number | null };
}

interface ComparisonRow {
  experiments: { id: string; name: string; model: string }[];
  metrics: { metric: string; entries: { experimentId: string; mean: number; std: number; perFold: number[]; rank: number }[] }[];
  pairs: { a: string; b: string; metric: string; paired: boolean; reason: string | null; meanDifference: number; pValue: number | null }[];
}

/** --encoder ID, --pretrain-dataset NAME (repeatable), --transductive: the experiment's pretraining input. */
async function pretrainingOption(client: GraphqlClient, v: ExperimentsOptions['values']): Promise<Record<string, unknown> | undefined> {
  const extra = (v['pretrain-dataset'] as string[] | undefined) ?? [];
  if (!v.encoder && extra.length === 0 && v.transductive !== true) return undefined;
  const datasetIds = await Promise.all(extra.map((key) => resolveDataset(client, key)));
  return { encoderId: v.encoder, datasetIds, transductive: v.transductive === true };
}

export async function resolveDataset(client: GraphqlClient, key: string): Promise<string> {
  const { dataset } = await client.request<{ dataset: { id: string } | null }>(`query($name: String) { dataset(name: $name) { id } }`, { name: key });
  return dataset?.id ?? key;
}

function printExperiments(rows: ExperimentRow[]): void {
  const fmt = (m: { mean: number | null; std: number | null }) => (m.mean === null ? '-' : `${m.mean.toFixed(4)} ± ${(m.std ?? 0).toFixed(4)}`);
  table(
    ['ID', 'NAME', 'MODEL', 'STATUS', 'ACCURACY', 'MACRO F1'],
    rows.map((r) => [r.id, r.name, r.model, r.status.toLowerCase() + (r.error ? ` (${r.error})` : ''), fmt(r.accuracy), fmt(r.macroF1)]),
  );
  // Warnings go to stderr so that a script reading the table still sees them.
  for (const r of rows) for (const w of r.warnings ?? []) process.stderr.write(`warning: ${r.name} (${r.id}): ${w}\n`);
}

function printComparison(c: ComparisonRow): void {
  const name = new Map(c.experiments.map((e) => [e.id, `${e.name} [${e.model}]`]));
  for (const m of c.metrics) {
    process.stdout.write(`\n${m.metric}\n`);
    table(
      ['RANK', 'EXPERIMENT', 'MEAN', 'STD', 'PER FOLD'],
      [...m.entries].sort((a, b) => a.rank - b.rank).map((e) => [String(e.rank), name.get(e.experimentId) ?? e.experimentId, e.mean.toFixed(4), e.std.toFixed(4), e.perFold.map((v) => v.toFixed(3)).join(' ')]),
    );
  }
  process.stdout.write('\npairs\n');
  table(
    ['A', 'B', 'METRIC', 'MEAN A-B', 'P (PAIRED T)'],
    c.pairs.map((p) => [name.get(p.a) ?? p.a, name.get(p.b) ?? p.b, p.metric, p.meanDifference.toFixed(4), p.paired ? (p.pValue ?? NaN).toPrecision(3) : `n/a: ${p.reason}`]),
  );
}

export function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`);
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`missing ${what}`);
  return value;
}

export function optionalNumber(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${flag} must be a number, got "${value}"`);
  return n;
}

export function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${flag} must be JSON, got ${text}`);
  }
}
