import * as os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './paths';

/**
 * Configuration from environment variables. Every setting has a default that works on a
 * fresh clone: SQLite in ./data, GraphQL on 127.0.0.1:4000.
 */
export interface AppConfig {
  /** NIR_SSL_HOST (default 127.0.0.1: not reachable from other machines unless asked). */
  readonly host: string;
  /** NIR_SSL_PORT (default 4000; 0 picks a free port, as the tests do). */
  readonly port: number;
  /** NIR_SSL_DATA_DIR (default ./data): the SQLite database and other local state. */
  readonly dataDir: string;
  /** DATABASE_URL: postgresql://... selects PostgreSQL; file:... or unset selects SQLite in dataDir. */
  readonly databaseUrl: string;
  /** NIR_SSL_LOG_LEVEL: debug, info, warn, error or silent (default info). */
  readonly logLevel: LogLevel;
  /** NIR_SSL_MAX_UPLOAD_MB: the largest dataset file accepted, in MiB (default 100). */
  readonly maxUploadBytes: number;
  /** NIR_SSL_MAX_IMPORT_FILES: the most files one import takes, uploaded or inside a zip (default 1000). */
  readonly maxImportFiles: number;
  /** NIR_SSL_IMPORT_EXAMPLES: import the shipped example datasets on first start (default true). */
  readonly importExamples: boolean;
  /** NIR_SSL_PLUGINS_DIR: a directory of custom plugin modules loaded at start (default none). */
  readonly pluginsDir: string | null;
  /** NIR_SSL_PLUGIN_PACKAGES: comma-separated npm packages exporting plugins (default none). */
  readonly pluginPackages: string[];
  /** NIR_SSL_SHUTDOWN_TIMEOUT_MS: how long in-flight requests may take to finish on shutdown. */
  readonly shutdownTimeoutMs: number;
  /**
   * NIR_SSL_TRAINING_SLOTS: folds trained at the same time over all experiments, each in a worker
   * thread (default: the machine's cores, os.availableParallelism()). Fewer start when their
   * estimated memory does not fit in free memory.
   */
  readonly trainingSlots: number;
  /** NIR_SSL_JOB_CONCURRENCY: experiments run at the same time (default: the training slots). */
  readonly jobConcurrency: number;
  /** NIR_SSL_FOLD_CONCURRENCY: folds of one experiment trained at the same time (default: the training slots). */
  readonly foldConcurrency: number;
  /** NIR_SSL_TRAINING_NICE: how much nicer than the server training threads run, 0-19 (default 10: queries and predictions come first). */
  readonly trainingNice: number;
  /** NIR_SSL_PREDICT_THREADS: warm worker threads that share the rows of a prediction (default: cores, at most 4). */
  readonly predictThreads: number;
  /**
   * NIR_SSL_QUEUE: redis://host:6379[/db] puts fold jobs on a distributed BullMQ queue (worker
   * processes train them: `nir-ssl worker`); unset keeps the in-process queue (default).
   */
  readonly queueUrl: string | null;
  /** NIR_SSL_QUEUE_PREFIX: prefix of the queue's Redis keys and channels (default nir-ssl); deployments (or test runs) sharing one Redis use different ones. */
  readonly queuePrefix: string;
  /** NIR_SSL_QUEUE_ATTEMPTS: tries of a fold that fails before its experiment fails (default 2). */
  readonly queueAttempts: number;
  /** NIR_SSL_QUEUE_LOCK_MS: how long a fold job's lock lasts without renewal; a worker silent for longer is taken as dead and its fold retried elsewhere (default 30000). */
  readonly queueLockMs: number;
  /** NIR_SSL_WORKER_CONCURRENCY: folds a `nir-ssl worker` trains at once (default 1; --concurrency overrides). */
  readonly workerConcurrency: number;
  /**
   * NIR_SSL_WEB_DIR: the built dashboard served at / (default web/dist in the project, built by
   * `npm run build` and at install by scripts/build-web.js). Not served when it holds no index.html.
   */
  readonly webDir: string;
  /**
   * NIR_SSL_AUTH: `on` (default) needs a token (Authorization: Bearer) for every operation;
   * `off` lets anybody do anything and is refused unless the server listens on loopback only.
   */
  readonly auth: 'on' | 'off';
  /** NIR_SSL_ANONYMOUS_READ: requests without a token may query and subscribe (default false). */
  readonly anonymousRead: boolean;
  /** Where the first start writes the admin token it creates (<data dir>/admin-token, mode 0600). */
  readonly adminTokenFile: string;
  /** NIR_SSL_DEV_ERRORS: send stack traces to clients, for development only (default false). */
  readonly devErrors: boolean;
  /** NIR_SSL_CORS_ORIGINS: comma-separated origins allowed to call from a browser (default none: same origin only). */
  readonly corsOrigins: string[];
  /** NIR_SSL_KEEP_ALIVE_TIMEOUT_MS: how long an idle kept-alive connection stays open (default 65000, longer than clients keep theirs). */
  readonly keepAliveTimeoutMs: number;
  /** NIR_SSL_HEADERS_TIMEOUT_MS: how long a client may take to send a request's headers (default keep-alive + 1000). */
  readonly headersTimeoutMs: number;
  /** NIR_SSL_MAX_QUERY_DEPTH: deepest selection a query may nest (default 10; introspection is exempt). */
  readonly maxQueryDepth: number;
  /** NIR_SSL_MAX_ALIASES: aliases in one operation (default 15). */
  readonly maxAliases: number;
  /** NIR_SSL_MAX_QUERY_COST: the estimated cost of one operation (graphql-armor's cost limit, default 20000). */
  readonly maxQueryCost: number;
  /** NIR_SSL_RATE_LIMIT: requests per minute per token (per address without a token); 0 turns it off (default 1200). */
  readonly rateLimitPerMinute: number;
  /** NIR_SSL_MAX_ACTIVE_EXPERIMENTS: queued and running experiments one token may have (default 100; a study's count too). */
  readonly maxActiveExperiments: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** What the defaults are sized from; injectable so that tests do not depend on the machine. */
export interface MachineShape {
  readonly cores: number;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AppConfig> = {},
  machine: MachineShape = { cores: os.availableParallelism() },
): AppConfig {
  const dataDir = path.resolve(env.NIR_SSL_DATA_DIR ?? 'data');
  const logLevel = (env.NIR_SSL_LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`NIR_SSL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.NIR_SSL_LOG_LEVEL}"`);
  }
  const keepAliveTimeoutMs = integer(env, 'NIR_SSL_KEEP_ALIVE_TIMEOUT_MS', 65000);
  const trainingSlots = Math.max(1, integer(env, 'NIR_SSL_TRAINING_SLOTS', machine.cores));
  const config: AppConfig = {
    host: env.NIR_SSL_HOST ?? '127.0.0.1',
    port: integer(env, 'NIR_SSL_PORT', 4000),
    dataDir,
    databaseUrl: env.DATABASE_URL ?? `file:${path.join(dataDir, 'nir-ssl.db')}`,
    logLevel,
    maxUploadBytes: integer(env, 'NIR_SSL_MAX_UPLOAD_MB', 100) * 1024 * 1024,
    maxImportFiles: integer(env, 'NIR_SSL_MAX_IMPORT_FILES', 1000),
    importExamples: (env.NIR_SSL_IMPORT_EXAMPLES ?? 'true') !== 'false',
    pluginsDir: env.NIR_SSL_PLUGINS_DIR ? path.resolve(env.NIR_SSL_PLUGINS_DIR) : null,
    pluginPackages: (env.NIR_SSL_PLUGIN_PACKAGES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    shutdownTimeoutMs: integer(env, 'NIR_SSL_SHUTDOWN_TIMEOUT_MS', 10000),
    trainingSlots,
    jobConcurrency: Math.max(1, integer(env, 'NIR_SSL_JOB_CONCURRENCY', trainingSlots)),
    foldConcurrency: Math.max(1, integer(env, 'NIR_SSL_FOLD_CONCURRENCY', trainingSlots)),
    trainingNice: Math.min(19, integer(env, 'NIR_SSL_TRAINING_NICE', 10)),
    predictThreads: Math.max(1, integer(env, 'NIR_SSL_PREDICT_THREADS', Math.min(4, machine.cores))),
    queueUrl: queueUrl(env.NIR_SSL_QUEUE),
    queuePrefix: env.NIR_SSL_QUEUE_PREFIX || 'nir-ssl',
    queueAttempts: Math.max(1, integer(env, 'NIR_SSL_QUEUE_ATTEMPTS', 2)),
    queueLockMs: Math.max(1000, integer(env, 'NIR_SSL_QUEUE_LOCK_MS', 30000)),
    workerConcurrency: Math.max(1, integer(env, 'NIR_SSL_WORKER_CONCURRENCY', 1)),
    webDir: env.NIR_SSL_WEB_DIR ? path.resolve(env.NIR_SSL_WEB_DIR) : path.join(PROJECT_ROOT, 'web/dist'),
    auth: choice(env, 'NIR_SSL_AUTH', ['on', 'off'] as const, 'on'),
    anonymousRead: flag(env, 'NIR_SSL_ANONYMOUS_READ', false),
    adminTokenFile: path.join(dataDir, 'admin-token'),
    devErrors: flag(env, 'NIR_SSL_DEV_ERRORS', false),
    corsOrigins: (env.NIR_SSL_CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    keepAliveTimeoutMs,
    headersTimeoutMs: integer(env, 'NIR_SSL_HEADERS_TIMEOUT_MS', keepAliveTimeoutMs + 1000),
    maxQueryDepth: Math.max(1, integer(env, 'NIR_SSL_MAX_QUERY_DEPTH', 10)),
    maxAliases: integer(env, 'NIR_SSL_MAX_ALIASES', 15),
    maxQueryCost: Math.max(1, integer(env, 'NIR_SSL_MAX_QUERY_COST', 20000)),
    rateLimitPerMinute: integer(env, 'NIR_SSL_RATE_LIMIT', 1200),
    maxActiveExperiments: Math.max(1, integer(env, 'NIR_SSL_MAX_ACTIVE_EXPERIMENTS', 100)),
  };
  const merged = { ...config, ...overrides };
  // The admin token file follows an overridden data directory (tests give each server its own).
  if (overrides.dataDir && !overrides.adminTokenFile) merged.adminTokenFile = path.join(overrides.dataDir, 'admin-token');
  if (merged.queueUrl && !isPostgresUrl(merged.databaseUrl)) {
    throw new Error(
      'NIR_SSL_QUEUE (a distributed queue) needs a shared database: set DATABASE_URL=postgresql://...; SQLite is a file on one machine and cannot be shared by workers on others',
    );
  }
  return merged;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function queueUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '' || raw === 'in-process') return null;
  if (!/^rediss?:\/\//.test(raw)) throw new Error(`NIR_SSL_QUEUE must be a redis://host:port URL (or unset for the in-process queue), got "${raw}"`);
  return raw.trim();
}

/** A URL fit for logs and the API: without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

function choice<T extends string>(env: NodeJS.ProcessEnv, name: string, options: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(options as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${options.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** Whether `host` is a loopback address (auth may be turned off only there). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
