import { inject, injectable, optional } from 'inversify';
import { REDIS_CONNECTIONS } from '../tokens';
import { listWorkers, type WorkerRecord } from './fold-worker';
import type { RedisConnections } from './redis-connections';

/** The worker processes of a distributed queue, from their heartbeats (none in-process). */
@injectable()
export class WorkersService {
  constructor(@inject(REDIS_CONNECTIONS) @optional() private readonly redis?: RedisConnections) {}

  async list(): Promise<WorkerRecord[]> {
    if (!this.redis) return [];
    return listWorkers(this.redis);
  }
}
