import { inject, injectable } from 'inversify';
import type { AppConfig } from '../../config';
import { NotFoundError, PayloadTooLargeError, UserInputError } from '../../errors';
import { PluginRegistry } from '../../plugins/registry';
import { summarize } from '../../numeric/stats';
import { DatabaseService } from '../database/database.service';
import { APP_CONFIG } from '../tokens';
import { bundleFileName, decodeBundle, encodeBundle, type BundledExperiment, type ModelBundlePayload } from './model-bundle';
import type { StoredModelConfig, StoredModelState } from './model-config';
import { ModelService, type ModelRecord } from './models.service';

export interface ExportedBundle {
  readonly fileName: string;
  readonly content: Buffer;
}

/** A bundle to import: its bytes, or a stream of them (an upload). */
export type BundleSource = { readonly content: Uint8Array } | { readonly stream: AsyncIterable<Uint8Array | string>; readonly fileName?: string | null };

/** Exports trained models as bundle files (model-bundle.ts) and imports them as new models. */
@injectable()
export class ModelBundleService {
  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(ModelService) private readonly models: ModelService,
    @inject(PluginRegistry) private readonly registry: PluginRegistry,
    @inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async exportModel(id: string): Promise<ExportedBundle> {
    const model = await this.models.get(id);
    const db = this.database.client;
    const stateBytes = await this.database.readBlob('Model.state', id);
    if (!stateBytes) throw new NotFoundError('model weights', id);
    const experiment = model.experimentId ? await db.experiment.findUnique({ where: { id: model.experimentId }, include: { folds: { select: { repeat: true, fold: true, accuracy: true, macroF1: true } } } }) : null;
    const dataset = model.datasetId ? await db.dataset.findUnique({ where: { id: model.datasetId }, select: { id: true, name: true, classes: true } }) : null;
    const payload: ModelBundlePayload = {
      model: { id: model.id, name: model.name, createdAt: model.createdAt.toISOString(), config: model.config, metrics: model.metrics },
      experiment: experiment ? summarizeExperiment(experiment) : ((model.config.imported?.experiment as BundledExperiment | undefined) ?? null),
      dataset: dataset ? { id: dataset.id, name: dataset.name, classes: JSON.parse(dataset.classes) as string[] } : null,
      state: JSON.parse(Buffer.from(stateBytes).toString('utf8')) as StoredModelState,
      exportedAt: new Date().toISOString(),
    };
    return { fileName: bundleFileName(model.name), content: encodeBundle(payload) };
  }

  /** Stores the bundle's model as a new model of this installation (no experiment, no dataset here). */
  async importModel(source: BundleSource, name?: string | null): Promise<ModelRecord> {
    const bytes = 'content' in source ? source.content : await this.read(source.stream);
    const payload = decodeBundle(bytes);
    const config: StoredModelConfig = payload.model.config;
    const missing = [config.plugin, ...pipelineSteps(payload.state)].filter((plugin) => !this.registry.has(plugin));
    if (missing.length > 0) throw new UserInputError(`this installation has no plugin ${missing.map((p) => `"${p}"`).join(', ')} that the model needs; install it first`);
    const fileName = 'content' in source ? null : (source.fileName ?? null);
    const stored: StoredModelConfig = {
      ...config,
      imported: { fileName, at: new Date().toISOString(), experiment: payload.experiment ?? config.imported?.experiment ?? null },
    };
    const trimmed = name?.trim();
    const row = await this.database.client.model.create({
      data: {
        name: trimmed ? trimmed : payload.model.name,
        config: JSON.stringify(stored),
        state: new Uint8Array(Buffer.from(JSON.stringify(payload.state), 'utf8')),
        metrics: JSON.stringify(payload.model.metrics ?? {}),
      },
      select: { id: true },
    });
    return this.models.get(row.id);
  }

  /** An uploaded bundle's bytes, refused over the upload limit. */
  private async read(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      const part = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
      total += part.length;
      if (total > this.config.maxUploadBytes) throw new PayloadTooLargeError(`the model bundle is larger than the upload limit of ${this.config.maxUploadBytes} bytes`);
      parts.push(part);
    }
    return Buffer.concat(parts);
  }
}

function pipelineSteps(state: StoredModelState): string[] {
  const steps = (state.pipeline as { steps?: { name?: unknown }[] } | null)?.steps;
  return Array.isArray(steps) ? steps.map((s) => String(s?.name)) : [];
}

function summarizeExperiment(e: {
  id: string;
  name: string;
  config: string;
  createdAt: Date;
  finishedAt: Date | null;
  folds: { repeat: number; fold: number; accuracy: number; macroF1: number }[];
}): BundledExperiment {
  const folds = [...e.folds].sort((a, b) => a.repeat - b.repeat || a.fold - b.fold);
  const stat = (values: number[]) => {
    const s = summarize(values);
    return values.length > 0 ? { mean: s.mean, std: s.std } : null;
  };
  return {
    id: e.id,
    name: e.name,
    spec: JSON.parse(e.config),
    accuracy: stat(folds.map((f) => f.accuracy)),
    macroF1: stat(folds.map((f) => f.macroF1)),
    folds,
    createdAt: e.createdAt.toISOString(),
    finishedAt: e.finishedAt?.toISOString() ?? null,
  };
}
