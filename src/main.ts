#!/usr/bin/env node
import 'reflect-metadata';
import { loadConfig } from './config';
import { Logger } from './logger';
import { startServer } from './server';

/** Starts the server and stops it cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger(config.logLevel);
  const server = await startServer(config, logger);
  if (server.adminToken) {
    // Shown this once (never logged); the CLI reads it from the file.
    process.stdout.write(`admin token (shown once; also in ${config.adminTokenFile}, readable by you only):\n  ${server.adminToken}\n`);
  }
  process.stdout.write(`nir-ssl GraphQL at ${server.url}\n`);
  const stop = async (signal: string) => {
    logger.info('signal received', { signal });
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    timer.unref();
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  process.stderr.write(`nir-ssl failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
