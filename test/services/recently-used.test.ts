import { RecentlyUsed } from '../../src/services/models/recently-used';

describe('RecentlyUsed', () => {
  it('makes an entry once, keeps the most recently used ones and frees the dropped', async () => {
    const dropped: string[] = [];
    const made: string[] = [];
    const cache = new RecentlyUsed<string, string>(2, (value) => dropped.push(value));
    const use = (key: string) => cache.use(key, () => (made.push(key), `value ${key}`));
    expect(await use('a')).toBe('value a');
    await use('b');
    await use('a'); // a is now the most recent
    await use('c'); // drops b
    expect(dropped).toEqual(['value b']);
    await use('a');
    expect(made).toEqual(['a', 'b', 'c']);
    cache.delete('a');
    await use('a');
    expect(made).toEqual(['a', 'b', 'c', 'a']);
  });

  it('stores nothing when making the entry fails', async () => {
    const cache = new RecentlyUsed<string, number>(2);
    await expect(cache.use('k', () => Promise.reject(new Error('no state')))).rejects.toThrow('no state');
    expect(await cache.use('k', () => 7)).toBe(7);
  });
});
