/** Per-entry options for {@link Cache.set}. */
export interface CacheSetOptions {
  /** Time to live in whole milliseconds (> 0). Every entry expires; there is no "forever". */
  ttlMs: number;
  /**
   * Labels to invalidate the entry by later, e.g. an index version or a prompt version, so a rollout or a
   * re-index can drop every answer that depended on it with one {@link Cache.invalidateTag} call.
   */
  tags?: string[];
}

/**
 * Port for the string caches on the query path (Redis in distributed mode, in-memory all-in-one).
 *
 * - Namespaces isolate caches from one another (`answers`, `embeddings`, …): the same key in two namespaces
 *   names two entries, and invalidation never crosses a namespace. A namespace is a non-empty name without `:`.
 * - Keys are the caller's: it derives them, typically by hashing the variant key together with the query, so a
 *   rollout never reads another variant's entry. Keys are non-empty and must not start with `tag:` (reserved
 *   for the adapters' tag bookkeeping).
 * - Values are strings; callers serialise. They are stored as UTF-8, so lone UTF-16 surrogates do not survive.
 * - Invalidation is conservative: it may also drop an entry that was overwritten since it was tagged, but it
 *   never leaves behind a live entry that carries the tag or matches the prefix.
 *
 * Errors: when the backend is down, slow or unreachable, every method rejects quickly with
 * `AppError('UNAVAILABLE', …)` — it never hangs waiting for a reconnect. Bad arguments reject with
 * `VALIDATION_FAILED`. Whether a cache outage fails a request (closed) or is treated as a miss (open) is the
 * caller's policy, never the adapter's.
 */
export interface Cache {
  /** The value, or `undefined` when absent or expired. */
  get(ns: string, key: string): Promise<string | undefined>;
  /** Stores (or replaces, with its new TTL and tags) one entry. */
  set(ns: string, key: string, value: string, opts: CacheSetOptions): Promise<void>;
  /** Removes one entry; `true` when a live entry was removed. */
  delete(ns: string, key: string): Promise<boolean>;
  /** Removes every entry of `ns` whose key starts with `prefix` (`''` clears the namespace); returns how many. */
  invalidatePrefix(ns: string, prefix: string): Promise<number>;
  /** Removes every entry of `ns` set with `tag`; returns how many live entries were removed. */
  invalidateTag(ns: string, tag: string): Promise<number>;
  /** Resolves when the backend answers; rejects with `UNAVAILABLE` otherwise (for readiness probes). */
  health(): Promise<void>;
}
