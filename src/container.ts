import 'reflect-metadata';
import { Container } from 'inversify';
import type { AppConfig } from './config';
import { Logger } from './logger';
import { pluginsModule } from './plugins/plugins.module';
import { RESOLVERS } from './schema/resolvers';
import { DatabaseService } from './services/database/database.service';
import { DatasetService } from './services/datasets/datasets.service';
import { EventBus } from './services/events';
import { ProgressService } from './services/progress.service';
import { ExperimentRunner } from './services/experiments/experiment-runner.service';
import { PretrainedEncoderCache } from './services/experiments/pretrained-encoder-cache';
import { ModelService } from './services/models/models.service';
import { StudyService } from './services/studies/studies.service';
import { ExperimentService } from './services/experiments/experiments.service';
import { InProcessJobQueue, JOB_QUEUE, type JobQueue } from './services/experiments/job-queue';
import { TrainingSlots } from './services/experiments/training-slots';
import { TransformPreviewService } from './services/plugins/transform-preview.service';
import { StartupService } from './services/startup.service';
import { BACKEND_INFO, SystemService, type BackendInfoProvider } from './services/system.service';
import { initBackend } from './engine/backend';
import { APP_CONFIG, LOGGER } from './services/tokens';
import { AuditService } from './services/auth/audit.service';
import { AuthService } from './services/auth/auth.service';
import { TokenService } from './services/auth/tokens.service';

/**
 * The one container: configuration, database, services, plugins and resolvers. The database is
 * opened (and migrated) before, since inversify resolves synchronously.
 */
export async function createContainer(config: AppConfig, logger = new Logger(config.logLevel)): Promise<Container> {
  const container = new Container();
  container.bind<AppConfig>(APP_CONFIG).toConstantValue(config);
  container.bind<Logger>(LOGGER).toConstantValue(logger);
  const database = await DatabaseService.open(config.databaseUrl);
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
      return new InProcessJobQueue((id, signal) => runner.execute(id, signal), config.jobConcurrency, (id, error) =>
        logger.error('experiment job crashed', { experimentId: id, error: String(error) }),
      );
    })
    .inSingletonScope();
  container.bind(ExperimentService).toSelf().inSingletonScope();
  container.bind(ModelService).toSelf().inSingletonScope();
  container.bind(StudyService).toSelf().inSingletonScope();
  container.bind(ProgressService).toSelf().inSingletonScope();
  await container.load(pluginsModule);
  for (const resolver of RESOLVERS) container.bind(resolver).toSelf().inSingletonScope();
  return container;
}
