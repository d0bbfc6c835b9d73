/**
 * A map that keeps its `limit` most recently used entries: `use` returns the entry for a key,
 * making it on a miss, and drops the least recently used beyond the limit (`onDrop` frees it).
 */
export class RecentlyUsed<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    private readonly limit: number,
    private readonly onDrop: (value: V) => void = () => undefined,
  ) {}

  async use(key: K, make: () => V | Promise<V>): Promise<V> {
    let value = this.entries.get(key);
    if (value === undefined) value = await make();
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recent.
    this.entries.delete(key);
    this.entries.set(key, value);
    for (const [oldKey, old] of this.entries) {
      if (this.entries.size <= this.limit) break;
      this.entries.delete(oldKey);
      this.onDrop(old);
    }
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
