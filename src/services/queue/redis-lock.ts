import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError } from '../../errors';
import type { RedisConnections } from './redis-connections';

/**
 * A lock held across machines; `acquire` waits until it is free and answers its release, or
 * rejects with CancelledError once the signal aborts.
 */
export interface DistributedLock {
  acquire(name: string, signal?: AbortSignal): Promise<() => Promise<void>>;
}

export const DISTRIBUTED_LOCK = Symbol.for('nir-ssl.DistributedLock');

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * One Redis key per lock (SET NX PX with a random token), renewed while held, so that a holder
 * that dies frees it after `ttlMs`; released only by its holder (checked in a script).
 */
export class RedisLock implements DistributedLock {
  constructor(
    private readonly redis: RedisConnections,
    private readonly ttlMs = 30000,
    private readonly pollMs = 500,
  ) {}

  async acquire(name: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    const key = this.redis.key(`lock:${name}`);
    const token = randomUUID();
    for (;;) {
      if (signal?.aborted) throw new CancelledError();
      if ((await this.redis.command.set(key, token, 'PX', this.ttlMs, 'NX')) === 'OK') break;
      // An abort ends the pause early; the check above then gives up.
      await sleep(this.pollMs, undefined, { signal }).catch(() => undefined);
    }
    const renew = setInterval(() => {
      this.redis.command.eval(RENEW, 1, key, token, String(this.ttlMs)).catch(() => undefined);
    }, Math.max(100, Math.floor(this.ttlMs / 3)));
    renew.unref();
    return async () => {
      clearInterval(renew);
      await this.redis.command.eval(RELEASE, 1, key, token).catch(() => undefined);
    };
  }
}
