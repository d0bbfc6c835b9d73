import { inject, injectable, optional } from 'inversify';
import { DatabaseService } from './database/database.service';
import { JOB_QUEUE, type JobQueue } from './experiments/job-queue';
import { PROJECT_ROOT } from '../paths';
import path from 'node:path';
import fs from 'node:fs';

export interface BackendInfo {
  readonly name: string;
  readonly version: string;
  readonly threads: number;
  readonly gpu: boolean;
  readonly features: string[];
  /** Why this backend runs: forced by NIR_SSL_BACKEND, or chosen after the ones before it failed to load. */
  readonly reason: string;
}

/** Supplies the compute backend description (bound by the training engine). */
export const BACKEND_INFO = Symbol.for('nir-ssl.BackendInfo');
export type BackendInfoProvider = () => Promise<BackendInfo>;

const VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

@injectable()
export class SystemService {
  private readonly startedAt = Date.now();

  constructor(
    @inject(DatabaseService) private readonly database: DatabaseService,
    @inject(BACKEND_INFO) @optional() private readonly backendInfo?: BackendInfoProvider,
    @inject(JOB_QUEUE) @optional() private readonly queue?: JobQueue,
  ) {}

  async info() {
    return {
      version: VERSION,
      nodeVersion: process.version,
      database: this.database.dialect,
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
      queue: this.queue?.status() ?? { kind: 'in-process' as const, url: null, up: true },
      backend: this.backendInfo ? await this.backendInfo() : { name: 'not loaded', version: '', threads: 0, gpu: false, features: [], reason: 'no training has run yet' },
    };
  }
}
