#!/usr/bin/env node
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type AppConfig } from '../config';
import { createContainer } from '../container';
import { DomainError } from '../errors';
import { Logger } from '../logger';
import { TokenService, parseDuration } from '../services/auth/tokens.service';
import { DatabaseService } from '../services/database/database.service';
import { DatasetService, type DatasetSummary } from '../services/datasets/datasets.service';
import type { AxisUnit } from '../services/datasets/spectra-csv';
import { startServer } from '../server';
import { experimentsCommand, table } from './experiments.command';
import { GraphqlClient } from './graphql-client';
import { studyCommand } from './study.command';
import { encodersCommand } from './encoders.command';
import { workerCommand } from './worker.command';

const USAGE = `nir-ssl: NIR spectra classification with self-supervised learning

Usage:
  nir-ssl serve                                  start the GraphQL server (same as npm start)
  nir-ssl worker [--concurrency N]               train fold jobs from the distributed queue
                                                 (NIR_SSL_QUEUE, DATABASE_URL=postgresql://...)
  nir-ssl datasets list
  nir-ssl datasets import FILE --name NAME [--label-column label] [--group-column COL] [--library]
                                           [--axis-unit nm|cm-1] [--description TEXT] [--source TEXT]
  nir-ssl datasets delete NAME_OR_ID
  nir-ssl experiments run --dataset NAME --model PLUGIN [--params JSON] [--preprocessing JSON]
                          [--folds 5] [--seed 0] [--repeats 1] [--label-fraction F] [--groups]
                          [--name NAME] [--tag TAG]...      create, then watch with a progress bar
                          [--encoder ID] [--pretrain-dataset NAME]... [--transductive]
                                          SSL: start from a stored encoder, or add datasets (e.g.
                                          spectral libraries) to pre-training; --transductive also
                                          pre-trains on the test folds' spectra (results say so)
  nir-ssl experiments create ...                            (same flags) print the new ID
  nir-ssl experiments watch ID
  nir-ssl encoders pretrain --name NAME --dataset NAME [--pretrain-dataset NAME]... [--unlabelled-only]
                            [--params JSON] [--preprocessing JSON] [--seed 0]
                                          pre-train an SSL encoder once, wait until it is ready
  nir-ssl encoders list [--dataset NAME]   encoders with their pretext metrics
  nir-ssl encoders delete ID
  nir-ssl experiments list [--dataset NAME] [--model M] [--status S] [--tag TAG]
  nir-ssl experiments cancel ID
  nir-ssl experiments compare ID ID [ID...]

  nir-ssl study run --dataset NAME [--preset quick|full] [--parts table4,fig5,sweep,fig7,fig6,auto] [--fractions 1,0.2,0.1]
                    [--folds K] [--pretext-epochs N] [--finetune-epochs N] [--name NAME] [--out FILE]
                                                            the paper's experiment set and its report
  nir-ssl study report ID [--out FILE]

  nir-ssl tokens create --role reader|writer|admin [--name NAME] [--expires 30d]
                                                            print a new API token (shown once)
  nir-ssl tokens list
  nir-ssl tokens revoke ID

  Examples: --model cnn-classifier --params '{"epochs": 250, "pretext": {"epochs": 100}}'
            --model svm --preprocessing '[{"name": "autoscale"}]'

Options:
  --server URL   talk to a running server (e.g. http://127.0.0.1:4000/graphql) instead of
                 working in-process on the configured database (DATABASE_URL / NIR_SSL_DATA_DIR
                 as for the server; experiments then train in this process)
  --json         print JSON instead of a table

With --server the CLI sends the token in NIR_SSL_TOKEN, or else the admin token the server's first
start wrote to <data dir>/admin-token.
  -h, --help     this text
`;

interface Backend {
  list(): Promise<DatasetSummaryLike[]>;
  import(request: ImportArgs): Promise<DatasetSummaryLike>;
  delete(nameOrId: string): Promise<void>;
  close(): Promise<void>;
}

interface DatasetSummaryLike {
  id: string;
  name: string;
  sampleCount: number;
  variableCount: number;
  labelledCount: number;
  unlabelledCount: number;
  axisUnit: string;
  classes: string[];
}

interface ImportArgs {
  name: string;
  content: string;
  labelColumn?: string;
  groupColumn?: string | null;
  axisUnit?: AxisUnit;
  description?: string;
  source?: string;
  library?: boolean;
}

/** Runs one command; returns the exit code. Errors are printed, with their code, not thrown. */
async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    const message = error instanceof DomainError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`nir-ssl: ${message}\n`);
    return 1;
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      name: { type: 'string' },
      'label-column': { type: 'string' },
      'group-column': { type: 'string' },
      'axis-unit': { type: 'string' },
      description: { type: 'string' },
      source: { type: 'string' },
      json: { type: 'boolean', default: false },
      dataset: { type: 'string' },
      model: { type: 'string' },
      params: { type: 'string' },
      preprocessing: { type: 'string' },
      folds: { type: 'string' },
      seed: { type: 'string' },
      repeats: { type: 'string' },
      'label-fraction': { type: 'string' },
      groups: { type: 'boolean' },
      library: { type: 'boolean' },
      encoder: { type: 'string' },
      'pretrain-dataset': { type: 'string', multiple: true },
      transductive: { type: 'boolean' },
      'unlabelled-only': { type: 'boolean' },
      tag: { type: 'string', multiple: true },
      status: { type: 'string' },
      preset: { type: 'string' },
      parts: { type: 'string' },
      'pretext-epochs': { type: 'string' },
      'finetune-epochs': { type: 'string' },
      fractions: { type: 'string' },
      out: { type: 'string' },
      concurrency: { type: 'string' },
      role: { type: 'string' },
      expires: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (command === 'serve') {
    require('../main');
    return new Promise<number>(() => undefined);
  }
  if (command === 'worker') return workerCommand(values.concurrency);
  if (command === 'study' && sub) return withGraphqlEndpoint(values.server, (url, token) => studyCommand(sub, rest, url, token, values));
  if (command === 'encoders' && sub) return withGraphqlEndpoint(values.server, (url, token) => encodersCommand(sub, rest, { url, token, json: values.json === true, values }));
  if (command === 'experiments' && sub) return withGraphqlEndpoint(values.server, (url, token) => experimentsCommand(sub, rest, { url, token, json: values.json === true, values }));
  if (command === 'tokens' && sub) return tokensCommand(sub, rest, values);
  if (command !== 'datasets' || !sub) return usageError(`unknown command "${positionals.join(' ')}"`);

  const backend = values.server ? remoteBackend(values.server, configuredToken(loadConfig())) : await localBackend();
  try {
    switch (sub) {
      case 'list': {
        const list = await backend.list();
        if (values.json) print(list);
        else printTable(list);
        return 0;
      }
      case 'import': {
        const file = rest[0];
        if (!file) return usageError('datasets import needs a FILE');
        const axisUnit = values['axis-unit'];
        if (axisUnit !== undefined && axisUnit !== 'nm' && axisUnit !== 'cm-1') return usageError('--axis-unit must be nm or cm-1');
        const started = Date.now();
        const d = await backend.import({
          name: values.name ?? path.basename(file).replace(/\.[^.]+$/, ''),
          content: fs.readFileSync(file, 'utf8'),
          labelColumn: values['label-column'],
          groupColumn: values['group-column'] ?? null,
          axisUnit,
          description: values.description,
          source: values.source,
          library: values.library === true,
        });
        if (values.json) print(d);
        else process.stdout.write(`imported "${d.name}" (${d.id}): ${d.sampleCount} spectra (${d.labelledCount} labelled, ${d.unlabelledCount} unlabelled) x ${d.variableCount} points, ${d.classes.length} classes, in ${Date.now() - started} ms\n`);
        return 0;
      }
      case 'delete': {
        const key = rest[0];
        if (!key) return usageError('datasets delete needs a NAME_OR_ID');
        await backend.delete(key);
        process.stdout.write(`deleted ${key}\n`);
        return 0;
      }
      default:
        return usageError(`unknown datasets command "${sub}"`);
    }
  } finally {
    await backend.close();
  }
}

/**
 * Runs `use` against the given server, or against a server embedded in this process (loopback,
 * free port, the configured database) that is shut down gracefully afterwards.
 */
async function withGraphqlEndpoint(server: string | undefined, use: (url: string, token: string | null) => Promise<number>): Promise<number> {
  if (server) return use(server, configuredToken(loadConfig()));
  const config = loadConfig(process.env, { host: '127.0.0.1', port: 0 });
  const embedded = await startServer(config, new Logger(config.logLevel === 'info' ? 'warn' : config.logLevel));
  // The embedded server is this process's: it gets a short-lived admin token of its own, revoked after.
  const tokens = embedded.container.get(TokenService);
  const session = config.auth === 'off' ? null : await tokens.create({ role: 'admin', name: 'cli (in-process)', expiresAt: new Date(Date.now() + 86_400_000) });
  try {
    return await use(embedded.url, session?.token ?? null);
  } finally {
    if (session) await tokens.revoke(session.record.id);
    await embedded.close();
  }
}

/** The token the CLI sends to a server: NIR_SSL_TOKEN, else the admin token file of the data directory. */
function configuredToken(config: AppConfig): string | null {
  if (process.env.NIR_SSL_TOKEN) return process.env.NIR_SSL_TOKEN.trim();
  try {
    return fs.readFileSync(config.adminTokenFile, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** `tokens create|list|revoke`: in-process on the configured database, or through a server's GraphQL (admins). */
async function tokensCommand(sub: string, rest: string[], values: { server?: string; role?: string; name?: string; expires?: string; json?: boolean }): Promise<number> {
  type Row = { id: string; name: string; role: string; createdAt: string | Date; expiresAt: string | Date | null; revokedAt: string | Date | null; lastUsedAt: string | Date | null };
  const fields = 'id name role createdAt expiresAt revokedAt lastUsedAt';
  const show = (rows: Row[]) => {
    if (values.json) return print(rows);
    const when = (d: string | Date | null) => (d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '-');
    table(
      ['ID', 'NAME', 'ROLE', 'CREATED', 'EXPIRES', 'REVOKED', 'LAST USED'],
      rows.map((t) => [t.id, t.name, t.role, when(t.createdAt), when(t.expiresAt), when(t.revokedAt), when(t.lastUsedAt)]),
    );
  };
  if (!['create', 'list', 'revoke'].includes(sub)) return usageError(`unknown tokens command "${sub}"`);
  if (sub === 'create' && !values.role) return usageError('tokens create needs --role reader|writer|admin');
  if (sub === 'revoke' && !rest[0]) return usageError('tokens revoke needs an ID');
  const expiresMs = values.expires ? parseDuration(values.expires) : null;

  if (values.server) {
    const client = new GraphqlClient(values.server, configuredToken(loadConfig()));
    // The GraphQL enum spells roles in capitals; the CLI as everywhere else.
    const norm = (row: Row): Row => ({ ...row, role: row.role.toLowerCase() });
    if (sub === 'list') return show((await client.request<{ apiTokens: Row[] }>(`{ apiTokens { ${fields} } }`)).apiTokens.map(norm)), 0;
    if (sub === 'revoke') return show([norm((await client.request<{ revokeApiToken: Row }>(`mutation($id: ID!) { revokeApiToken(id: $id) { ${fields} } }`, { id: rest[0] })).revokeApiToken)]), 0;
    const input = { role: values.role!.toUpperCase(), name: values.name, expiresInDays: expiresMs === null ? null : Math.max(1, Math.round(expiresMs / 86_400_000)) };
    const created = (await client.request<{ createApiToken: { token: string; apiToken: Row } }>(`mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { ${fields} } } }`, { input })).createApiToken;
    return printCreated(created.token, norm(created.apiToken), values.json === true);
  }
  const config = loadConfig();
  const container = await createContainer(config, new Logger(config.logLevel === 'info' ? 'warn' : config.logLevel));
  try {
    const tokens = container.get(TokenService);
    if (sub === 'list') return show(await tokens.list()), 0;
    if (sub === 'revoke') return show([await tokens.revoke(rest[0])]), 0;
    const created = await tokens.create({ role: values.role!, name: values.name, expiresAt: expiresMs === null ? null : new Date(Date.now() + expiresMs) });
    return printCreated(created.token, created.record, values.json === true);
  } finally {
    await container.get(DatabaseService).close();
  }
}

function printCreated(token: string, record: { id: string; role: string; name: string }, json: boolean): number {
  if (json) print({ token, ...record });
  else process.stdout.write(`${token}\n(token ${record.id}, ${record.role}, "${record.name}"; shown once: store it now)\n`);
  return 0;
}

async function localBackend(): Promise<Backend> {
  const config = loadConfig();
  const container = await createContainer(config, new Logger(config.logLevel === 'info' ? 'warn' : config.logLevel));
  const datasets = container.get(DatasetService);
  const resolve = async (key: string) => (await datasets.find({ name: key })) ?? (await datasets.get(key));
  return {
    list: async () => (await datasets.list()).map(local),
    import: async ({ content, ...request }) => local(await datasets.importCsv({ ...request, table: { content } })),
    delete: async (key) => void (await datasets.delete((await resolve(key)).id)),
    close: () => container.get(DatabaseService).close(),
  };
}

function local(d: DatasetSummary): DatasetSummaryLike {
  return { id: d.id, name: d.name, sampleCount: d.nSamples, variableCount: d.nVariables, labelledCount: d.nLabelled, unlabelledCount: d.nUnlabelled, axisUnit: d.axisUnit, classes: d.classes };
}

function remoteBackend(url: string, token: string | null): Backend {
  const client = new GraphqlClient(url, token);
  const fields = 'id name sampleCount variableCount labelledCount unlabelledCount axisUnit classes { name }';
  type Remote = Omit<DatasetSummaryLike, 'classes'> & { classes: { name: string }[] };
  const flatten = (d: Remote): DatasetSummaryLike => ({ ...d, classes: d.classes.map((c) => c.name) });
  return {
    list: async () =>
      (
        await client.readAll<Remote>(
          `query($after: String) { datasetsConnection(first: 100, after: $after) { nodes { ${fields} } pageInfo { hasNextPage endCursor } } }`,
          'datasetsConnection',
        )
      ).map(flatten),
    import: async (request) => {
      const input = { ...request, axisUnit: request.axisUnit === 'cm-1' ? 'CM1' : request.axisUnit === 'nm' ? 'NM' : undefined };
      const data = await client.request<{ importDataset: Remote }>(
        `mutation($input: ImportDatasetInput!) { importDataset(input: $input) { ${fields} } }`,
        { input },
      );
      return flatten(data.importDataset);
    },
    delete: async (key) => {
      const found = await client.request<{ byName: { id: string } | null }>(`query($name: String) { byName: dataset(name: $name) { id } }`, { name: key });
      await client.request(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id: found.byName?.id ?? key });
    },
    close: async () => undefined,
  };
}

function printTable(list: DatasetSummaryLike[]): void {
  table(
    ['NAME', 'SAMPLES', 'LABELLED', 'UNLABELLED', 'POINTS', 'AXIS', 'CLASSES', 'ID'],
    list.map((d) => [d.name, String(d.sampleCount), String(d.labelledCount), String(d.unlabelledCount), String(d.variableCount), d.axisUnit, String(d.classes.length), d.id]),
  );
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function usageError(message: string): number {
  process.stderr.write(`nir-ssl: ${message}\n\n${USAGE}`);
  return 2;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}

export { main };
