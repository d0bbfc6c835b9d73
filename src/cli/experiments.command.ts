import { Command, Option } from 'commander';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { act, notFound, deleteCommand, collect, fields, integer, integers, json, meanStd, number, printing, resolveDataset, show, table, when, withClient, type OutputOptions } from './context';
import { GraphqlError, type GraphqlClient } from './graphql-client';
import { Progress, describeExperimentProgress, type ExperimentProgressEvent } from './progress';

/**
 * `nir-ssl experiments run|create|watch|list|show|cancel|delete|compare`: every operation a
 * GraphQL one, against a running server (--server) or one embedded in this process.
 */

const EXPERIMENT_FIELDS = 'id name model status backend error warnings transductive accuracy { mean std } macroF1 { mean std } progress { foldsDone foldsTotal }';
const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

interface ExperimentRow {
  id: string;
  name: string;
  model: string;
  status: string;
  backend: string | null;
  error: string | null;
  warnings: string[];
  transductive: boolean;
  accuracy: { mean: number | null; std: number | null };
  macroF1: { mean: number | null; std: number | null };
}

interface FoldRow {
  repeat: number;
  fold: number;
  accuracy: number;
  macroF1: number;
  wallMs: number;
  backend: string | null;
  worker: string | null;
  trainSize: number;
  labelledSize: number;
  testSize: number;
  pretextAccuracy: number | null;
  choices: Record<string, unknown>;
  warnings: string[];
}

interface ExperimentDetail extends ExperimentRow {
  tags: string[];
  datasetId: string;
  config: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  folds: FoldRow[];
  models: { id: string; name: string }[];
}

interface ComparisonRow {
  experiments: { id: string; name: string; model: string }[];
  metrics: { metric: string; entries: { experimentId: string; mean: number; std: number; perFold: number[]; rank: number }[] }[];
  pairs: { a: string; b: string; metric: string; paired: boolean; reason: string | null; meanDifference: number; pValue: number | null }[];
}

interface CreateOptions extends OutputOptions {
  dataset: string;
  model: string;
  params?: unknown;
  preprocessing?: unknown;
  split?: string;
  testFraction?: number;
  trainRows?: number[];
  testRows?: number[];
  folds?: number;
  seed?: number;
  repeats?: number;
  labelFraction?: number;
  groups?: boolean;
  name?: string;
  tag: string[];
  trainFinalModel?: boolean;
  encoder?: string;
  pretrainDataset: string[];
  transductive?: boolean;
}

export function experimentsCommand(): Command {
  const experiments = new Command('experiments').description('create, follow, inspect, cancel and compare experiments (k-fold cross-validation of a model on a dataset)');
  const create = (name: string, description: string) =>
    printing(experiments.command(name).description(description))
      .requiredOption('--dataset <name-or-id>', 'the dataset')
      .requiredOption('--model <plugin>', 'the model plugin (see `nir-ssl plugins list --kind classifier`), e.g. cnn-classifier, svm, pls-da')
      .option('--params <json>', 'the plugin\'s parameters, e.g. \'{"epochs": 250, "pretext": {"epochs": 100}}\'', json)
      .option('--preprocessing <json>', 'the pre-processing pipeline, e.g. \'[{"name": "autoscale"}]\'', json)
      .addOption(
        new Option('--split <method>', 'how rows are split: k-fold (default), kennard-stone or kennard-stone-classwise (one split that spans the spectral space), explicit (--train-rows / --test-rows)').choices([
          'k-fold',
          'kennard-stone',
          'kennard-stone-classwise',
          'explicit',
        ]),
      )
      .option('--test-fraction <f>', 'share of the rows a Kennard-Stone split tests (default 0.25)', number)
      .option('--train-rows <list>', 'explicit split: the dataset rows (0-based, comma-separated) to train on (default: every labelled row not tested)', integers)
      .option('--test-rows <list>', 'explicit split: the dataset rows (0-based, comma-separated) to test on', integers)
      .option('--folds <k>', 'k of k-fold cross-validation', integer)
      .option('--seed <n>', 'seed of the shuffle and of training', integer)
      .option('--repeats <n>', 'repeats of the cross-validation', integer)
      .option('--label-fraction <f>', 'train on this stratified fraction of each training fold\'s labels', number)
      .option('--groups', 'keep each group (the dataset\'s group column) in one fold')
      .option('--name <name>', 'the experiment name (default: "MODEL on DATASET")')
      .option('--tag <tag>', 'a tag (repeatable)', collect, [])
      .option('--train-final-model', 'after cross-validation, train on every row and store the model for predictions')
      .option('--encoder <id>', 'SSL: start from this pre-trained encoder')
      .option('--pretrain-dataset <name-or-id>', 'SSL: add this dataset (e.g. a spectral library) to pre-training (repeatable)', collect, [])
      .option('--transductive', 'SSL: also pre-train on the test folds\' spectra (never their labels; results say so)');

  create('run', 'create an experiment and follow it with a progress bar; prints its result (exit code 1 unless it succeeded)').action(
    act(async (options: CreateOptions) =>
      withClient(options, async (client) => {
        const id = await createExperiment(client, options);
        return watch(client, options, id);
      }),
    ),
  );
  create('create', 'create an experiment and print its id without waiting').action(
    act(async (options: CreateOptions) =>
      withClient(options, async (client) => {
        const id = await createExperiment(client, options);
        show(options, { id }, () => process.stdout.write(`${id}\n`));
      }),
    ),
  );

  printing(experiments.command('watch').description('follow an experiment to its end with a progress bar; prints its result').argument('<id>', 'the experiment'))
    .action(act(async (id: string, options: OutputOptions) => withClient(options, (client) => watch(client, options, id))));

  printing(experiments.command('list').description('list experiments with their mean accuracy and macro F1'))
    .option('--dataset <name-or-id>', 'only experiments on this dataset')
    .option('--model <model>', 'only experiments of this model (e.g. ssl, cnn, svm)')
    .option('--status <status>', 'only experiments in this state: queued, running, succeeded, failed, cancelled')
    .option('--tag <tag>', 'only experiments with this tag')
    .option('--name-contains <text>', 'only experiments whose name contains this text')
    .action(
      act(async (options: OutputOptions & { dataset?: string; model?: string; status?: string; tag?: string; nameContains?: string }) =>
        withClient(options, async (client) => {
          const datasetId = options.dataset ? await resolveDataset(client, options.dataset) : undefined;
          const rows = await client.readAll<ExperimentRow>(
            `query($filter: ExperimentFilter, $after: String) {
               experimentsConnection(filter: $filter, first: 100, after: $after) { nodes { ${EXPERIMENT_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
            'experimentsConnection',
            { filter: { datasetId, model: options.model, status: options.status?.toUpperCase(), tag: options.tag, nameContains: options.nameContains } },
          );
          show(options, rows, printExperiments);
        }),
      ),
    );

  printing(experiments.command('show').description('one experiment: its settings, every fold with its scores, warnings and choices, and its models').argument('<id>', 'the experiment'))
    .action(
      act(async (id: string, options: OutputOptions) =>
        withClient(options, async (client) => {
          const { experiment, models } = await client.request<{ experiment: ExperimentDetail | null; models: { nodes: { id: string; name: string }[] } }>(
            `query($id: ID!) {
               experiment(id: $id) { ${EXPERIMENT_FIELDS} tags datasetId config createdAt startedAt finishedAt
                 folds { repeat fold accuracy macroF1 wallMs backend worker trainSize labelledSize testSize pretextAccuracy choices warnings } }
               models: modelsConnection(experimentId: $id, first: 100) { nodes { id name } } }`,
            { id },
          );
          if (!experiment) throw notFound(`no experiment has the id "${id}"`);
          const detail = { ...experiment, models: models.nodes };
          show(options, detail, printExperiment);
        }),
      ),
    );

  printing(experiments.command('cancel').description('cancel a queued or running experiment (finished folds are kept)').argument('<id>', 'the experiment'))
    .action(
      act(async (id: string, options: OutputOptions) =>
        withClient(options, async (client) => {
          const { cancelExperiment } = await client.request<{ cancelExperiment: ExperimentRow }>(`mutation($id: ID!) { cancelExperiment(id: $id) { ${EXPERIMENT_FIELDS} } }`, { id });
          show(options, cancelExperiment, (e) => process.stdout.write(`${id}: ${e.status.toLowerCase()}\n`));
        }),
      ),
    );

  deleteCommand(experiments, 'deleteExperiment', 'delete a finished or queued experiment with its folds (its models stay)', ['<id>', 'the experiment']);

  printing(
    experiments
      .command('compare')
      .description('compare experiments: mean, std and per-fold values per metric with ranks; paired t-tests where the folds are identical')
      .argument('<ids...>', 'two or more experiments'),
  ).action(
    act(async (ids: string[], options: OutputOptions) => {
      if (ids.length < 2) return usage(experiments, 'compare needs at least two experiment ids');
      return withClient(options, async (client) => {
        const { compareExperiments } = await client.request<{ compareExperiments: ComparisonRow }>(
          `query($ids: [ID!]!) { compareExperiments(ids: $ids) {
             experiments { id name model }
             metrics { metric entries { experimentId mean std perFold rank } }
             pairs { a b metric paired reason meanDifference pValue } } }`,
          { ids },
        );
        show(options, compareExperiments, printComparison);
      });
    }),
  );

  return experiments;
}

/** A usage error of a subcommand: commander's own message and exit code (2). */
function usage(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: 2, code: 'nir-ssl.usage' });
}

async function createExperiment(client: GraphqlClient, o: CreateOptions): Promise<string> {
  const datasetId = await resolveDataset(client, o.dataset);
  const pretraining =
    o.encoder || o.pretrainDataset.length > 0 || o.transductive
      ? { encoderId: o.encoder, datasetIds: await Promise.all(o.pretrainDataset.map((key) => resolveDataset(client, key))), transductive: o.transductive === true }
      : undefined;
  const input = {
    name: o.name ?? `${o.model} on ${o.dataset}`,
    tags: o.tag,
    datasetId,
    preprocessing: o.preprocessing ?? [],
    model: { plugin: o.model, params: o.params ?? {} },
    protocol: {
      split: o.split?.toUpperCase().replace(/-/g, '_'),
      testFraction: o.testFraction,
      trainRows: o.trainRows,
      testRows: o.testRows,
      folds: o.folds,
      seed: o.seed,
      repeats: o.repeats,
      labelFraction: o.labelFraction,
      useGroups: o.groups === true ? true : undefined,
    },
    trainFinalModel: o.trainFinalModel === true,
    pretraining,
  };
  const { createExperiment } = await client.request<{ createExperiment: { id: string } }>(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, { input });
  return createExperiment.id;
}

/** Follows an experiment to its end with a progress bar; exit code 0 only when it succeeded. */
async function watch(client: GraphqlClient, options: OutputOptions, id: string): Promise<number> {
  const progress = new Progress();
  try {
    await follow(client, id, progress);
    const { experiment } = await client.request<{ experiment: ExperimentRow & { progress: { foldsDone: number; foldsTotal: number } | null } }>(
      `query($id: ID!) { experiment(id: $id) { ${EXPERIMENT_FIELDS} } }`,
      { id },
    );
    // The last line says how it ended, even when it ended before the subscription began.
    const { foldsDone, foldsTotal } = experiment.progress ?? { foldsDone: 0, foldsTotal: 0 };
    const end = describeExperimentProgress({ status: experiment.status, foldsDone, foldsTotal, fold: null, stage: null, epoch: null, epochs: null, loss: null, accuracy: null });
    progress.update(end.share, end.text, end.key);
    progress.stop();
    show(options, experiment, (e) => printExperiments([e]));
    return experiment.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    progress.stop();
  }
}

/** Shows the experiment's progress events until it has finished. */
async function follow(client: GraphqlClient, id: string, progress: Progress): Promise<void> {
  const ws = createClient({ url: client.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: client.token ? { authorization: `Bearer ${client.token}` } : {} });
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = false;
      const stop = (): void => {
        if (finished) return;
        finished = true;
        resolve();
      };
      ws.subscribe<{ experimentProgress: ExperimentProgressEvent }>(
        { query: `subscription($id: ID) { experimentProgress(experimentId: $id) { status foldsDone foldsTotal fold stage epoch epochs loss accuracy } }`, variables: { id } },
        {
          next: (msg) => {
            const p = msg.data?.experimentProgress;
            if (!p || finished) return;
            const { share, text, key } = describeExperimentProgress(p);
            if (!FINISHED.includes(p.status)) progress.update(share, text, key);
            else stop();
          },
          error: (e: unknown) => reject(subscriptionError(e)),
          complete: stop,
        },
      );
      // An experiment that finished before the subscription started sends nothing more.
      void client.request<{ experiment: { status: string } | null }>(`query($id: ID!) { experiment(id: $id) { status } }`, { id }).then((r) => {
        if (!r.experiment) reject(notFound(`no experiment has the id "${id}"`));
        else if (FINISHED.includes(r.experiment.status)) stop();
      }, reject);
    });
  } finally {
    await ws.dispose();
  }
}

/** graphql-ws reports GraphQL errors as an array, a closed socket as its close event. */
function subscriptionError(e: unknown): Error {
  if (e instanceof Error) return e;
  if (Array.isArray(e) && e.length > 0) {
    const first = e[0] as { message?: string; extensions?: { code?: string } };
    return new GraphqlError(String(first.message), first.extensions?.code ?? 'ERROR');
  }
  const closed = e as { code?: number; reason?: string };
  return new Error(`the subscription closed${closed.code ? ` (${closed.code}${closed.reason ? `: ${closed.reason}` : ''})` : ''}`);
}

function printExperiments(rows: ExperimentRow[]): void {
  table(
    ['ID', 'NAME', 'MODEL', 'STATUS', 'ACCURACY', 'MACRO F1'],
    rows.map((r) => [r.id, r.name, r.model, r.status.toLowerCase() + (r.error ? ` (${r.error})` : ''), meanStd(r.accuracy), meanStd(r.macroF1)]),
  );
  // Warnings go to stderr so that a script reading the table still sees them.
  for (const r of rows) for (const w of r.warnings ?? []) process.stderr.write(`warning: ${r.name} (${r.id}): ${w}\n`);
}

function printExperiment(e: ExperimentDetail): void {
  fields([
    ['id', e.id],
    ['name', e.name],
    ['model', e.model],
    ['status', e.status.toLowerCase() + (e.error ? ` (${e.error})` : '')],
    ['dataset', e.datasetId],
    ['tags', e.tags.join(', ') || '-'],
    ['accuracy', meanStd(e.accuracy)],
    ['macro F1', meanStd(e.macroF1)],
    ['backend', e.backend ?? '-'],
    ['transductive', e.transductive ? 'yes (pre-training saw the test folds\' spectra)' : 'no'],
    ['created', when(e.createdAt)],
    ['started', when(e.startedAt)],
    ['finished', when(e.finishedAt)],
    ['models', e.models.map((m) => m.id).join(', ') || '-'],
    ['config', JSON.stringify(e.config)],
  ]);
  if (e.folds.length > 0) {
    process.stdout.write('\nfolds\n');
    table(
      ['REPEAT', 'FOLD', 'ACCURACY', 'MACRO F1', 'TRAIN', 'LABELLED', 'TEST', 'PRETEXT ACC', 'SECONDS', 'BACKEND', 'WORKER'],
      e.folds.map((f) => [
        String(f.repeat),
        String(f.fold + 1),
        f.accuracy.toFixed(4),
        f.macroF1.toFixed(4),
        String(f.trainSize),
        String(f.labelledSize),
        String(f.testSize),
        f.pretextAccuracy === null ? '-' : f.pretextAccuracy.toFixed(4),
        (f.wallMs / 1000).toFixed(1),
        f.backend ?? '-',
        f.worker ?? '-',
      ]),
    );
    const chosen = e.folds.filter((f) => Object.keys(f.choices).length > 0);
    if (chosen.length > 0) {
      process.stdout.write('\nchoices (made on each fold\'s training rows only)\n');
      for (const f of chosen) process.stdout.write(`repeat ${f.repeat} fold ${f.fold + 1}: ${JSON.stringify(f.choices)}\n`);
    }
  }
  if (e.warnings.length > 0) {
    process.stdout.write('\nwarnings\n');
    for (const w of e.warnings) process.stdout.write(`${w}\n`);
  }
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
