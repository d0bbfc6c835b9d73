import 'reflect-metadata';
import type { DatabaseService } from '../../src/services/database/database.service';
import type { PluginRegistry } from '../../src/plugins/registry';
import { PretrainedEncoderCache } from '../../src/services/experiments/pretrained-encoder-cache';
import type { PretrainedEncoderData } from '../../src/services/experiments/fold-runner';
import { Logger } from '../../src/logger';
import { RedisConnections } from '../../src/services/queue/redis-connections';
import { RedisLock } from '../../src/services/queue/redis-lock';

type Rows = Map<string, { metrics: string; curves: string; state: Uint8Array }>;

/** The cache over an in-memory table with the two calls it makes (row lookup, blob read). */
function inMemoryCache(rows: Rows = new Map(), lock?: RedisLock): PretrainedEncoderCache {
  const database = {
    client: {
      pretrainedEncoder: {
        findUnique: async ({ where }: { where: { key: string } }) => rows.get(where.key) ?? null,
        upsert: async ({ where, create }: { where: { key: string }; create: { metrics: string; curves: string; state: Uint8Array } }) => {
          if (!rows.has(where.key)) rows.set(where.key, create);
        },
      },
    },
    readBlob: async (_column: string, key: string) => rows.get(key)?.state ?? null,
  };
  return new PretrainedEncoderCache(database as unknown as DatabaseService, {} as PluginRegistry, lock);
}

const encoder = (tag: string): PretrainedEncoderData => ({ state: { tag } as unknown as PretrainedEncoderData['state'], metrics: null, curves: [] });
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('PretrainedEncoderCache.withEncoder', () => {
  it('lets one fold pre-train a key while the others wait and reuse its encoder', async () => {
    const cache = inMemoryCache();
    const events: string[] = [];
    const fold = (name: string) =>
      cache.withEncoder('fold-0', async (pretrained) => {
        events.push(`${name} starts with ${pretrained ? 'cached' : 'none'}`);
        await tick();
        if (!pretrained) await cache.store('fold-0', 'dataset', encoder(name));
        events.push(`${name} ends`);
        return pretrained ? (pretrained.state as unknown as { tag: string }).tag : name;
      });
    const results = await Promise.all([fold('a'), fold('b'), fold('c')]);
    expect(results).toEqual(['a', 'a', 'a']);
    expect(events.slice(0, 2)).toEqual(['a starts with none', 'a ends']);
    expect(events.filter((e) => e.endsWith('with none'))).toHaveLength(1);
  });

  it('runs different keys at the same time, and a failed fold lets the next one pre-train', async () => {
    const cache = inMemoryCache();
    let running = 0;
    let most = 0;
    const fold = (key: string, fail = false) =>
      cache.withEncoder(key, async (pretrained) => {
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
        if (fail) throw new Error('cancelled');
        return pretrained === null;
      });
    expect(await Promise.all([fold('x'), fold('y')])).toEqual([true, true]);
    expect(most).toBe(2);
    const failed = fold('z', true);
    const next = fold('z');
    await expect(failed).rejects.toThrow('cancelled');
    expect(await next).toBe(true);
  });

  it('lets a cancelled fold stop waiting for another fold\'s pre-training at once', async () => {
    const cache = inMemoryCache();
    let finishPretraining = (): void => undefined;
    const owner = cache.withEncoder('fold-0', async (pretrained) => {
      await new Promise<void>((resolve) => (finishPretraining = resolve));
      if (!pretrained) await cache.store('fold-0', 'dataset', encoder('owner'));
      return 'owner';
    });
    const cancel = new AbortController();
    let ran = false;
    const waiter = cache.withEncoder('fold-0', async () => ((ran = true), 'waiter'), cancel.signal);
    await tick();
    cancel.abort('cancel');
    await expect(waiter).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(ran).toBe(false);
    finishPretraining();
    expect(await owner).toBe('owner');
    // The key is free again for the next fold, which finds the stored encoder.
    expect(await cache.withEncoder('fold-0', async (pretrained) => (pretrained ? 'cached' : 'none'))).toBe('cached');
  });
});

(process.env.TEST_REDIS_URL ? describe : describe.skip)('PretrainedEncoderCache across machines (Redis lock)', () => {
  let first: RedisConnections;
  let second: RedisConnections;
  const prefix = `nir-ssl-test-lock-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    first = await RedisConnections.open(process.env.TEST_REDIS_URL!, prefix, new Logger('silent'));
    second = await RedisConnections.open(process.env.TEST_REDIS_URL!, prefix, new Logger('silent'));
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('lets one of two caches (two processes, one table) pre-train a key; the other waits and reuses it', async () => {
    const rows: Rows = new Map();
    // Two caches with their own in-process claims, as on two machines, sharing the table and Redis.
    const caches = [inMemoryCache(rows, new RedisLock(first, 2000, 20)), inMemoryCache(rows, new RedisLock(second, 2000, 20))];
    const started: string[] = [];
    const fold = (k: number) =>
      caches[k].withEncoder('fold-0', async (pretrained) => {
        started.push(pretrained ? 'cached' : 'none');
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (!pretrained) await caches[k].store('fold-0', 'dataset', encoder(`machine-${k}`));
        return pretrained ? (pretrained.state as unknown as { tag: string }).tag : `machine-${k}`;
      });
    const results = await Promise.all([fold(0), fold(1)]);
    expect(started.sort()).toEqual(['cached', 'none']);
    expect(new Set(results).size).toBe(1);
  });

  it('gives up waiting for a held lock when the fold is cancelled', async () => {
    const release = await new RedisLock(first, 2000, 20).acquire('held');
    const cancel = new AbortController();
    const waiting = new RedisLock(second, 2000, 1000).acquire('held', cancel.signal);
    setTimeout(() => cancel.abort('cancel'), 50);
    const started = Date.now();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    // Well before the next 1 s poll: the abort ends the pause.
    expect(Date.now() - started).toBeLessThan(900);
    await release();
  });

  it('frees the lock of a holder that died (stopped renewing it) after its time to live', async () => {
    // A dead machine's claim: its key, no longer renewed.
    await first.command.set(`${prefix}:lock:abandoned`, 'dead-holder', 'PX', 400);
    const started = Date.now();
    const release = await new RedisLock(second, 400, 20).acquire('abandoned');
    expect(Date.now() - started).toBeGreaterThan(200);
    expect(await second.command.get(`${prefix}:lock:abandoned`)).not.toBe('dead-holder');
    await release();
    expect(await second.command.get(`${prefix}:lock:abandoned`)).toBeNull();
  });
});
