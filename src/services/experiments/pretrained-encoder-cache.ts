import { createHash } from 'node:crypto';
import { inject, injectable, optional } from 'inversify';
import { DISTRIBUTED_LOCK, type DistributedLock } from '../queue/redis-lock';
import { PluginRegistry } from '../../plugins/registry';
import { isSslPretrainable } from '../../plugins/models/cnn/ssl-pretrainable';
import { DatabaseService } from '../database/database.service';
import { canonicalJson, type ExperimentSpec, type FoldPlan } from './experiment-spec';
import type { PretrainedEncoderData } from './fold-runner';
import { CancelledError, NotFoundError, UserInputError } from '../../errors';

/** A stored, named encoder as an experiment uses it. */
export interface NamedEncoderUse {
  readonly data: PretrainedEncoderData;
  readonly config: Record<string, unknown>;
  /** Spectra it was pre-trained on, and how many of them carried no label it could have used. */
  readonly spectra: number;
  readonly unlabelled: number;
  /** True when it saw the spectra of this dataset's labelled rows: cross-validation on that dataset is then transductive. */
  transductiveFor(datasetId: string): boolean;
}

/**
 * Encoders pre-trained on a fold, shared between experiments that would pre-train the same one:
 * same dataset, training and test rows, pre-processing, and pretext and encoder settings. The
 * label-fraction sweep and SSL-vs-single-fraction runs thus pre-train once per fold.
 */
@injectable()
export class PretrainedEncoderCache {
  /** Keys being pre-trained in this process, settled when that fold has finished (and stored). */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(PluginRegistry) private readonly registry: PluginRegistry,
    /** With a distributed queue: the same claim across machines (one pre-training per key). */
    @inject(DISTRIBUTED_LOCK) @optional() private readonly lock?: DistributedLock,
  ) {}

  /**
   * The key for an SSL fold, or null when the model does not pre-train. Beyond the fold's rows it
   * covers what else pre-training saw: the dataset's unlabelled rows, extra datasets, test spectra.
   */
  keyFor(spec: ExperimentSpec, datasetId: string, plan: FoldPlan, unlabelledRows = 0): string | null {
    const classifier = this.registry.create(spec.model.plugin, spec.model.params);
    if (!isSslPretrainable(classifier) || !classifier.usesSslPretraining()) return null;
    const hash = createHash('sha256');
    const extra = spec.pretraining && (spec.pretraining.datasetIds.length > 0 || spec.pretraining.transductive)
      ? { extraDatasets: [...spec.pretraining.datasetIds].sort(), transductive: spec.pretraining.transductive }
      : {};
    const unlabelled = unlabelledRows > 0 ? { unlabelledRows } : {};
    hash.update(canonicalJson({ datasetId, preprocessing: spec.preprocessing, pretext: classifier.pretextParams(), ...extra, ...unlabelled }));
    hash.update(Buffer.from(plan.train.buffer, plan.train.byteOffset, plan.train.byteLength));
    hash.update('|');
    hash.update(Buffer.from(plan.test.buffer, plan.test.byteOffset, plan.test.byteLength));
    if (classifier.pretextChoiceUsesLabels?.()) {
      hash.update('|labelled|');
      hash.update(Buffer.from(plan.labelled.buffer, plan.labelled.byteOffset, plan.labelled.byteLength));
    }
    return hash.digest('hex');
  }

  /**
   * Runs a fold with the cached encoder for `key`, or with none (it pre-trains and should store
   * the encoder before returning). A fold whose key is already pre-training in this process
   * waits for it and then reuses its encoder instead of pre-training the same one at the same
   * time; with a distributed lock, the same holds for folds on other machines. A cancelled
   * fold stops waiting at once (the fold it waits for may pre-train for many minutes).
   */
  async withEncoder<T>(key: string, run: (pretrained: PretrainedEncoderData | null) => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let running = this.pending.get(key); running; running = this.pending.get(key)) await unlessAborted(running, signal);
    if (signal?.aborted) throw new CancelledError();
    // Claimed before the lookup: a fold arriving meanwhile waits instead of missing the cache too.
    let release = (): void => undefined;
    this.pending.set(key, new Promise<void>((resolve) => (release = resolve)));
    let unlock: (() => Promise<void>) | null = null;
    try {
      unlock = this.lock ? await this.lock.acquire(`encoder:${key}`, signal) : null;
      return await run(await this.find(key));
    } finally {
      await unlock?.();
      this.pending.delete(key);
      release();
    }
  }

  /** A named encoder (pretrainEncoder) ready to start experiments from; NOT_FOUND or BAD_USER_INPUT otherwise. */
  async named(id: string): Promise<NamedEncoderUse> {
    const row = await this.database.client.pretrainedEncoder.findUnique({ where: { key: id } });
    if (!row || row.origin !== 'pretrain') throw new NotFoundError('encoder', id);
    if (row.status !== 'ready') throw new UserInputError(`encoder "${row.name}" is ${row.status}${row.error ? ` (${row.error})` : ''}; only a ready encoder can start an experiment`, { encoderId: id });
    const data = await this.find(id);
    if (!data) throw new NotFoundError('encoder', id);
    const config = JSON.parse(row.config) as { labelledOf?: string[] };
    return {
      data,
      config: JSON.parse(row.config) as Record<string, unknown>,
      spectra: row.spectraCount,
      unlabelled: row.unlabelledCount,
      transductiveFor: (datasetId) => (config.labelledOf ?? []).includes(datasetId),
    };
  }

  async find(key: string): Promise<PretrainedEncoderData | null> {
    const row = await this.database.client.pretrainedEncoder.findUnique({ where: { key }, select: { metrics: true, curves: true } });
    if (!row) return null;
    const state = await this.database.readBlob('PretrainedEncoder.state', key);
    if (!state) return null;
    return {
      state: JSON.parse(Buffer.from(state).toString('utf8')),
      metrics: JSON.parse(row.metrics),
      curves: JSON.parse(row.curves),
    };
  }

  async store(key: string, datasetId: string, data: PretrainedEncoderData): Promise<void> {
    const fields = {
      datasetId,
      state: new Uint8Array(Buffer.from(JSON.stringify(data.state), 'utf8')),
      metrics: JSON.stringify(data.metrics),
      curves: JSON.stringify(data.curves),
    };
    // Two experiments may finish the same fold together: the second write is the same encoder's twin.
    await this.database.client.pretrainedEncoder.upsert({ where: { key }, create: { key, ...fields }, update: {} });
  }
}

/** Waits for `settled` (a promise that never rejects), or rejects with CancelledError when the signal aborts first. */
function unlessAborted(settled: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return settled;
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    void settled.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
