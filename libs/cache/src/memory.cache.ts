import { AppError, type Clock, systemClock } from '@ragops/contracts';
import type { Cache, CacheSetOptions } from '@ragops/rag';
import { assertKey, assertNamespace, assertTag, assertTtl } from './cache-key.guard.js';

export interface MemoryCacheOptions {
  /** Decides expiry; tests pass a ManualClock. */
  clock?: Clock;
  /** Bound on entries across all namespaces; the least recently used entry is evicted first. Default 10,000. */
  maxEntries?: number;
}

interface Entry {
  ns: string;
  value: string;
  expiresAt: number;
  tags: readonly string[] | undefined;
}

/**
 * In-process {@link Cache} for the all-in-one mode and for tests. A Map's insertion order is the LRU order: a
 * hit re-inserts its entry at the end, so eviction takes the first one. Expired entries are dropped when read
 * or when they reach the front; they never count as hits or as invalidated.
 */
export class MemoryCache implements Cache {
  private readonly clock: Clock;
  private readonly maxEntries: number;
  /** `<ns>:<key>` → entry (namespaces contain no `:`, so the id is unambiguous). */
  private readonly entries = new Map<string, Entry>();
  /** `<ns>:<tag>` → ids of entries currently set with that tag. */
  private readonly tagIndex = new Map<string, Set<string>>();

  constructor(options: MemoryCacheOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new AppError('VALIDATION_FAILED', `MemoryCache maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
  }

  /** Live entries (expired ones still held are not counted). */
  get size(): number {
    const now = this.clock.now();
    let n = 0;
    for (const e of this.entries.values()) if (e.expiresAt > now) n++;
    return n;
  }

  async get(ns: string, key: string): Promise<string | undefined> {
    assertKey(ns, key);
    const id = `${ns}:${key}`;
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.remove(id, entry);
      return undefined;
    }
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.value;
  }

  async set(ns: string, key: string, value: string, opts: CacheSetOptions): Promise<void> {
    assertKey(ns, key);
    assertTtl(opts.ttlMs);
    const tags = opts.tags && opts.tags.length > 0 ? [...new Set(opts.tags)] : undefined;
    if (tags) for (const t of tags) assertTag(t);
    const id = `${ns}:${key}`;
    const previous = this.entries.get(id);
    if (previous) this.remove(id, previous);
    this.entries.set(id, { ns, value, expiresAt: this.clock.now() + opts.ttlMs, tags });
    if (tags) {
      for (const t of tags) {
        const tagId = `${ns}:${t}`;
        let ids = this.tagIndex.get(tagId);
        if (!ids) this.tagIndex.set(tagId, (ids = new Set()));
        ids.add(id);
      }
    }
    while (this.entries.size > this.maxEntries) {
      const [oldestId, oldest] = this.entries.entries().next().value as [string, Entry];
      this.remove(oldestId, oldest);
    }
  }

  async delete(ns: string, key: string): Promise<boolean> {
    assertKey(ns, key);
    const id = `${ns}:${key}`;
    const entry = this.entries.get(id);
    return entry !== undefined && this.remove(id, entry);
  }

  async invalidatePrefix(ns: string, prefix: string): Promise<number> {
    assertNamespace(ns);
    const idPrefix = `${ns}:${prefix}`;
    let removed = 0;
    // Deleting the current entry while iterating a Map is safe: iteration continues with the next one.
    for (const [id, entry] of this.entries) {
      if (id.startsWith(idPrefix) && this.remove(id, entry)) removed++;
    }
    return removed;
  }

  async invalidateTag(ns: string, tag: string): Promise<number> {
    assertNamespace(ns);
    assertTag(tag);
    const ids = this.tagIndex.get(`${ns}:${tag}`);
    if (!ids) return 0;
    let removed = 0;
    for (const id of [...ids]) {
      const entry = this.entries.get(id);
      if (entry && this.remove(id, entry)) removed++;
    }
    return removed;
  }

  async health(): Promise<void> {}

  /** Drops an entry and its tag memberships; `true` when it was still live. */
  private remove(id: string, entry: Entry): boolean {
    this.entries.delete(id);
    if (entry.tags) {
      for (const t of entry.tags) {
        const tagId = `${entry.ns}:${t}`;
        const ids = this.tagIndex.get(tagId);
        if (ids && ids.delete(id) && ids.size === 0) this.tagIndex.delete(tagId);
      }
    }
    return entry.expiresAt > this.clock.now();
  }
}
