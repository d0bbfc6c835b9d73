import 'reflect-metadata';
import type { DatabaseService } from '../../src/services/database/database.service';
import type { PluginRegistry } from '../../src/plugins/registry';
import { PretrainedEncoderCache } from '../../src/services/experiments/pretrained-encoder-cache';
import type { PretrainedEncoderData } from '../../src/services/experiments/fold-runner';

/** The cache over an in-memory table with the two calls it makes (row lookup, blob read). */
function inMemoryCache(): PretrainedEncoderCache {
  const rows = new Map<string, { metrics: string; curves: string; state: Uint8Array }>();
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
  return new PretrainedEncoderCache(database as unknown as DatabaseService, {} as PluginRegistry);
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
});
