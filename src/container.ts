import 'reflect-metadata';
import { Container } from 'inversify';
import type { AppConfig } from './config';
import { Logger } from './logger';
import { pluginsModule } from './plugins/plugins.module';
import { RESOLVERS } from './schema/resolvers';
import { DatabaseService } from './services/database/database.service';
import { DatasetService } from './services/datasets/datasets.service';
import { EVENT_TRANSPORT, EventBus } from './services/events';
import { RedisConnections } from './services/queue/redis-connections';
import { RedisEventTransport } from './services/queue/redis-event-transport';
import { RedisJobQueue } from './services/queue/redis-job-queue';
import { DISTRIBUTED_LOCK, RedisLock } from './services/queue/redis-lock';
import { WorkersService } from './services/queue/workers.service';
import { ProgressService } from './services/progress.service';
import { ExperimentRunner } from './services/experiments/experiment-runner.service';
import { PretrainedEncoderCache } from './services/experiments/pretrained-encoder-cache';
import { ModelService } from './services/models/models.service';
import { ModelBundleService } from './services/models/model-bundles.service';
import { EncoderService } from './services/encoders/encoders.service';
import { StudyService } from './services/studies/studies.service';
import { ExperimentService } from './services/experiments/experiments.service';
import { InProcessJobQueue, JOB_QUEUE, type JobQueue } from './services/experiments/job-queue';
import { TrainingSlots } from './services/experiments/training-slots';
import { TransformPreviewService } from './services/plugins/transform-preview.service';
import { StartupService } from './services/startup.service';
import { BACKEND_INFO, SystemService, type BackendInfoProvider } from './services/system.service';
import { initBackend } from './engine/backend';
import { APP_CONFIG, LOGGER, REDIS_CONNECTIONS } from './services/tokens';
import { AuditService } from './services/auth/audit.service';
import { AuthService } from './services/auth/auth.service';
import { TokenService } from './services/auth/tokens.service';

/**
 * The one container: configuration, database, services, plugins and resolvers. The database is
 * opened (and migrated) before, since inversify resolves synchronously. With a distributed queue
 * (NIR_SSL_QUEUE) Redis is connected first (an unreachable one fails the start, named), and the
 * queue, the events and the encoder lock go through it. `worker`: connections for a worker process.
 */
export async function createContainer(config: AppConfig, logger = new Logger(config.logLevel), options: { worker?: boolean } = {}): Promise<Container> {
  const container = new Container();
  container.bind<AppConfig>(APP_CONFIG).toConstantValue(config);
  container.bind<Logger>(LOGGER).toConstantValue(logger);
  const redis = config.queueUrl ? await RedisConnections.open(config.queueUrl, config.queuePrefix, logger, options) : null;
  if (redis) {
    container.bind(REDIS_CONNECTIONS).toConstantValue(redis);
    container.bind(EVENT_TRANSPORT).toConstantValue(await RedisEventTransport.open(redis, logger));
    container.bind(DISTRIBUTED_LOCK).toConstantValue(new RedisLock(redis, config.queueLockMs));
  }
  const database = await DatabaseService.open(config.databaseUrl).catch(async (error: unknown) => {
    await redis?.close();
    throw error;
  });
  container.bind(DatabaseService).toConstantValue(database);
  container.bind(EventBus).toSelf().inSingletonScope();
  container.bind(TokenService).toSelf().inSingletonScope();
  container.bind(AuthService).toSelf().inSingletonScope();
  container.bind(AuditService).toSelf().inSingletonScope();
  container.bind(DatasetService).toSelf().inSingletonScope();
  // The backend this process would train and predict with (loaded on first use).
  container.bind<BackendInfoProvider>(BACKEND_INFO).toConstantValue(() => initBackend());
  container.bind(SystemService).toSelf().inSingletonScope();
  container.bind(StartupService).toSelf().inSingletonScope();
  container.bind(TransformPreviewService).toSelf().inSingletonScope();
  container.bind(PretrainedEncoderCache).toSelf().inSingletonScope();
  container.bind(TrainingSlots).toConstantValue(new TrainingSlots({ slots: config.trainingSlots }));
  container.bind(ExperimentRunner).toSelf().inSingletonScope();
  container
    .bind<JobQueue>(JOB_QUEUE)
    .toDynamicValue((context) => {
      const runner = context.get(ExperimentRunner);
      if (redis) {
        return new RedisJobQueue(redis, { pending: (id) => runner.pendingFolds(id), unfinished: () => runner.unfinished() }, config.queueAttempts, logger);
      }
      return new InProcessJobQueue((id, signal) => runner.execute(id, signal), config.jobConcurrency, (id, error) =>
        logger.error('experiment job crashed', { experimentId: id, error: String(error) }),
      );
    })
    .inSingletonScope();
  container.bind(ExperimentService).toSelf().inSingletonScope();
  container.bind(ModelService).toSelf().inSingletonScope();
  container.bind(ModelBundleService).toSelf().inSingletonScope();
  container.bind(StudyService).toSelf().inSingletonScope();
  container.bind(EncoderService).toSelf().inSingletonScope();
  container.bind(ProgressService).toSelf().inSingletonScope();
  container.bind(WorkersService).toSelf().inSingletonScope();
  await container.load(pluginsModule);
  for (const resolver of RESOLVERS) container.bind(resolver).toSelf().inSingletonScope();
  return container;
}
