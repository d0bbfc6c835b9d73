import { inject, injectable } from 'inversify';
import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import { loadCustomPlugins } from '../plugins/loader';
import { DatabaseService } from './database/database.service';
import { DatasetService } from './datasets/datasets.service';
import { SHIPPED_EXAMPLES, exampleImportRequest } from './datasets/examples';
import { APP_CONFIG, LOGGER } from './tokens';
import { PluginRegistry } from '../plugins/registry';
import { ExperimentService } from './experiments/experiments.service';
import { EncoderService } from './encoders/encoders.service';

/** What happens once per start: custom plugins are loaded; a new database gets the examples. */
@injectable()
export class StartupService {
  constructor(
    @inject(APP_CONFIG) private readonly config: AppConfig,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(DatasetService) private readonly datasets: DatasetService,
    @inject(PluginRegistry) private readonly registry: PluginRegistry,
    @inject(ExperimentService) private readonly experiments: ExperimentService,
    @inject(EncoderService) private readonly encoders: EncoderService,
  ) {}

  async run(): Promise<void> {
    if (this.config.pluginsDir || this.config.pluginPackages.length > 0) {
      // A broken plugin is listed with its error by the loader; it never stops the server.
      const report = loadCustomPlugins(this.registry, { directory: this.config.pluginsDir ?? undefined, packages: this.config.pluginPackages });
      this.logger.info('custom plugins loaded', { report });
    }
    if (this.database.created && this.config.importExamples) await this.importExamples();
    const failed = await this.encoders.failInterrupted();
    if (failed > 0) this.logger.warn('encoder pre-trainings interrupted by the last shutdown marked failed', { encoders: failed });
    const resumed = await this.experiments.resumeUnfinished();
    if (resumed.length > 0) this.logger.info('resuming experiments', { experiments: resumed });
  }

  private async importExamples(): Promise<void> {
    for (const name of SHIPPED_EXAMPLES) {
      if (await this.datasets.find({ name })) continue;
      const started = Date.now();
      const d = await this.datasets.importCsv(exampleImportRequest(name));
      this.logger.info('imported example dataset', { name, samples: d.nSamples, variables: d.nVariables, ms: Date.now() - started });
    }
  }
}
