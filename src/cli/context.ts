import fs from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig, type AppConfig } from '../config';
import { Logger } from '../logger';
import { TokenService } from '../services/auth/tokens.service';
import { startServer } from '../server';
import { GraphqlClient, GraphqlError } from './graphql-client';

/**
 * What the commands share: the connection options (--server, --token), --json, how an action
 * reports its exit code, and the table and JSON printers. Every command prints with
 * process.stdout.write / process.stderr.write (results on stdout, progress and warnings on stderr).
 */

/** Options every command that talks to GraphQL takes. */
export interface ConnectionOptions {
  readonly server?: string;
  readonly token?: string;
}

/** ConnectionOptions plus --json. */
export interface OutputOptions extends ConnectionOptions {
  readonly json?: boolean;
}

/** The exit code of the command that ran (an action sets it; 0 unless it says otherwise). */
export const outcome = { code: 0 };

/** Wraps an async action: its returned number (if any) becomes the exit code. */
export function act<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await fn(...args);
    if (typeof code === 'number') outcome.code = code;
  };
}

/** Adds --server and --token to a command. */
export function connected(command: Command): Command {
  return command
    .addOption(
      new Option('--server <url>', 'talk to a running server (e.g. http://127.0.0.1:4000/graphql) instead of one started in this process on the configured database').helpGroup(
        'Connection:',
      ),
    )
    .addOption(new Option('--token <token>', 'bearer token sent with --server (default: NIR_SSL_TOKEN, else <data dir>/admin-token)').helpGroup('Connection:'));
}

/** Adds --server, --token and --json to a command. */
export function printing(command: Command): Command {
  return connected(command).option('--json', 'print JSON instead of a table');
}

/**
 * Runs `use` against the given server, or against a server embedded in this process (loopback,
 * free port, the configured database) that is shut down gracefully afterwards. The embedded
 * server imports the example datasets into a new database only with NIR_SSL_IMPORT_EXAMPLES=true.
 */
export async function withClient(options: ConnectionOptions, use: (client: GraphqlClient) => Promise<number | void>): Promise<number | void> {
  if (options.server) return use(new GraphqlClient(options.server, options.token ?? configuredToken(loadConfig())));
  const config = loadConfig(process.env, { host: '127.0.0.1', port: 0, importExamples: process.env.NIR_SSL_IMPORT_EXAMPLES === 'true' });
  const embedded = await startServer(config, new Logger(config.logLevel === 'info' ? 'warn' : config.logLevel));
  // The embedded server is this process's: it gets a short-lived admin token of its own, revoked after.
  const tokens = embedded.container.get(TokenService);
  const session = config.auth === 'off' ? null : await tokens.create({ role: 'admin', name: 'cli (in-process)', expiresAt: new Date(Date.now() + 86_400_000) });
  try {
    return await use(new GraphqlClient(embedded.url, session?.token ?? null));
  } finally {
    if (session) await tokens.revoke(session.record.id);
    await embedded.close();
  }
}

/** The token the CLI sends to a server: NIR_SSL_TOKEN, else the admin token file of the data directory. */
export function configuredToken(config: AppConfig): string | null {
  if (process.env.NIR_SSL_TOKEN) return process.env.NIR_SSL_TOKEN.trim();
  try {
    return fs.readFileSync(config.adminTokenFile, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * A `delete` subcommand of `parent`: `mutation` (e.g. deleteModel) on the id, printing
 * "deleted KEY" or { id, deleted } with --json; `resolve` turns the argument into the id.
 */
export function deleteCommand(
  parent: Command,
  mutation: string,
  description: string,
  argument: [string, string],
  resolve: (client: GraphqlClient, key: string) => Promise<string> = async (_client, key) => key,
): void {
  printing(parent.command('delete').description(description).argument(...argument)).action(
    act(async (key: string, options: OutputOptions) =>
      withClient(options, async (client) => {
        const id = await resolve(client, key);
        const deleted = (await client.request<Record<string, boolean>>(`mutation($id: ID!) { ${mutation}(id: $id) }`, { id }))[mutation];
        show(options, { id, deleted }, () => process.stdout.write(`deleted ${key}\n`));
      }),
    ),
  );
}

/** The error of a lookup that found nothing: printed as NOT_FOUND, as the server's are. */
export function notFound(message: string): GraphqlError {
  return new GraphqlError(message, 'NOT_FOUND');
}

/** A dataset given by name or id: its id (a key no dataset is named is taken as an id). */
export async function resolveDataset(client: GraphqlClient, key: string): Promise<string> {
  const { dataset } = await client.request<{ dataset: { id: string } | null }>(`query($name: String) { dataset(name: $name) { id } }`, { name: key });
  return dataset?.id ?? key;
}

export function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`);
}

/** Key/value lines, the keys aligned. */
export function fields(rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${`${k}:`.padEnd(width + 2)}${v}\n`);
}

/** The shortest text of a float32 value that reads back as the same float32 (0.41, not 0.4099999964237213). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let digits = 6; digits < 9; digits++) {
    const text = Number(v.toPrecision(digits));
    if (Math.fround(text) === f) return String(text);
  }
  return String(Number(v.toPrecision(9)));
}

/** A CSV cell, quoted where it holds a comma, a quote or a line break. */
export function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints `value` as JSON with --json, else with `human`. */
export function show<T>(options: { json?: boolean }, value: T, human: (value: T) => void): void {
  if (options.json) print(value);
  else human(value);
}

export function when(d: string | Date | null | undefined): string {
  return d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '-';
}

export function meanStd(m: { mean: number | null; std: number | null } | null | undefined): string {
  return !m || m.mean === null ? '-' : `${m.mean.toFixed(4)} ± ${(m.std ?? 0).toFixed(4)}`;
}

/** Option parsers: commander reports a refused value as a usage error. */
export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer.');
  return n;
}

/** A comma-separated list of integers. */
export function integers(value: string): number[] {
  return list(value).map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${v}" is not an integer.`);
    return n;
  });
}

export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number.');
  return n;
}

export function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('not JSON.');
  }
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A comma-separated list. */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
