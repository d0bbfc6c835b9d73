import { Command } from 'commander';
import { loadConfig } from '../config';
import { createContainer } from '../container';
import { initBackend } from '../engine/backend';
import { Logger } from '../logger';
import { loadCustomPlugins } from '../plugins/loader';
import { PluginRegistry } from '../plugins/registry';
import { DatabaseService } from '../services/database/database.service';
import { ExperimentRunner } from '../services/experiments/experiment-runner.service';
import { JOB_QUEUE } from '../services/experiments/job-queue';
import { FoldWorker } from '../services/queue/fold-worker';
import type { RedisConnections } from '../services/queue/redis-connections';
import type { RedisJobQueue } from '../services/queue/redis-job-queue';
import { REDIS_CONNECTIONS } from '../services/tokens';
import { act, integer } from './context';

export function workerCommand(): Command {
  return new Command('worker')
    .description('train fold jobs from the distributed queue until SIGINT/SIGTERM (needs NIR_SSL_QUEUE=redis://... and DATABASE_URL=postgresql://..., the API servers\' settings)')
    .option('--concurrency <n>', 'folds trained at once (default: NIR_SSL_WORKER_CONCURRENCY, else 1)', integer)
    .action(act(async (o: { concurrency?: number }) => runWorker(o.concurrency)));
}

/**
 * `nir-ssl worker [--concurrency N]`: takes fold jobs from the distributed queue until SIGINT or
 * SIGTERM, then hands its running folds back and exits. Needs NIR_SSL_QUEUE and a PostgreSQL
 * DATABASE_URL (the same as the API servers').
 */
async function runWorker(concurrencyFlag: number | undefined): Promise<number> {
  const config = loadConfig();
  if (!config.queueUrl) throw new Error('nir-ssl worker needs NIR_SSL_QUEUE=redis://host:6379 and DATABASE_URL=postgresql://... (the API servers\' settings)');
  const concurrency = concurrencyFlag ?? config.workerConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got "${concurrencyFlag}"`);
  const logger = new Logger(config.logLevel);
  const container = await createContainer(config, logger, { worker: true });
  if (config.pluginsDir || config.pluginPackages.length > 0) {
    loadCustomPlugins(container.get(PluginRegistry), { directory: config.pluginsDir ?? undefined, packages: config.pluginPackages });
  }
  const backend = await initBackend();
  const queue = container.get<RedisJobQueue>(JOB_QUEUE);
  const worker = new FoldWorker(config, logger, container.get(ExperimentRunner), queue, container.get<RedisConnections>(REDIS_CONNECTIONS), backend.name, concurrency);
  await worker.start();
  process.stdout.write(`nir-ssl worker ${worker.name} on ${backend.name}, ${concurrency} fold(s) at a time\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info('signal received; handing running folds back', { signal });
  await worker.stop();
  await queue.stop();
  await container.get(DatabaseService).close();
  return 0;
}
