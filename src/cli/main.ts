#!/usr/bin/env node
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, type Option } from 'commander';
import { DomainError } from '../errors';
import { PROJECT_ROOT } from '../paths';
import { outcome } from './context';
import { datasetsCommand } from './datasets.command';
import { encodersCommand } from './encoders.command';
import { experimentsCommand } from './experiments.command';
import { GraphqlError } from './graphql-client';
import { modelsCommand } from './models.command';
import { pluginsCommand } from './plugins.command';
import { predictCommand, predictionsCommand } from './predict.command';
import { serveCommand, systemCommand, workersCommand } from './server.command';
import { studyCommand } from './study.command';
import { auditCommand, tokensCommand } from './tokens.command';
import { workerCommand } from './worker.command';

const EPILOG = `
Every command but serve, worker and tokens is a GraphQL operation: against a running server with
--server URL (sending --token, else NIR_SSL_TOKEN, else <data dir>/admin-token as a bearer token),
or else against a server started inside this process on the configured database (DATABASE_URL /
NIR_SSL_DATA_DIR, as for the server; experiments then train in this process).

Results go to stdout (a table, or JSON with --json), progress and warnings to stderr. Exit codes:
0 done, 1 failed (a GraphQL error prints its code and message), 2 usage error.

Examples:
  nir-ssl datasets import grains.csv --name grains --group-column batch
  nir-ssl experiments run --dataset grains --model pls-da --folds 5 --train-final-model
  nir-ssl models list --dataset grains
  nir-ssl predict --model MODEL_ID new-batch.csv --out predictions.csv
  nir-ssl experiments run --dataset tablet --model cnn-classifier --params '{"epochs": 250, "pretext": {"epochs": 100}}'
  nir-ssl plugins list --kind classifier`;

/** The command tree: one group per *.command.ts file. */
export function buildProgram(): Command {
  const program = new Command('nir-ssl')
    .description('NIR spectra classification with self-supervised learning: the command-line client of the GraphQL API')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addHelpText('after', EPILOG);
  for (const command of [
    serveCommand(),
    workerCommand(),
    datasetsCommand(),
    experimentsCommand(),
    modelsCommand(),
    predictCommand(),
    predictionsCommand(),
    encodersCommand(),
    studyCommand(),
    pluginsCommand(),
    systemCommand(),
    workersCommand(),
    tokensCommand(),
    auditCommand(),
  ]) {
    program.addCommand(command);
  }
  configure(program);
  return program;
}

/** Every command of the tree: errors thrown (not process.exit), help shown after a usage error. */
function configure(command: Command): void {
  command.exitOverride().showHelpAfterError().helpOption('-h, --help', 'show this help');
  // A command's own options first in its help, then --server and --token (Connection:).
  (command.options as Option[]).sort((a, b) => Number(a.helpGroupHeading === 'Connection:') - Number(b.helpGroupHeading === 'Connection:'));
  for (const sub of command.commands) configure(sub);
}

/** Every command of the tree, depth first, with its full name ("datasets import"). */
export function walk(command: Command, prefix: string[] = []): { name: string; command: Command }[] {
  return command.commands.flatMap((sub) => [{ name: [...prefix, sub.name()].join(' '), command: sub }, ...walk(sub, [...prefix, sub.name()])]);
}

/** Runs one command; returns the exit code. Errors are printed, with their code, not thrown. */
export async function main(argv: string[]): Promise<number> {
  outcome.code = 0;
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return outcome.code;
  } catch (error) {
    // Commander has already printed its message (and the help): 0 for --help and --version.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message =
      error instanceof GraphqlError || error instanceof DomainError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`nir-ssl: ${message}\n`);
    return 1;
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

if (require.main === module) {
  // A reader that stops early (`nir-ssl predict ... | head`) closes the pipe: stop quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
