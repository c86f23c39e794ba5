import { randomUUID } from 'node:crypto';
import { AppError } from '@ragops/contracts';
import type { Cache, CacheSetOptions } from '@ragops/rag';
import type { Redis } from 'ioredis';
import { openRedis, type RedisConnectionOptions } from './redis.connection.js';
import { assertKey, assertNamespace, assertTag, assertTtl } from './cache-key.guard.js';

export interface RedisCacheOptions extends RedisConnectionOptions {
  /** First segment of every key (`<keyPrefix>:<ns>:<key>`), so deployments and test runs can share one Redis. */
  keyPrefix: string;
}

/** SCAN and SSCAN page size: large enough to keep round trips few, small enough not to block Redis. */
const BATCH = 500;
/** Replies that mean Redis is there but cannot serve right now, as opposed to a bad command. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|OOM|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/;

/**
 * {@link Cache} on Redis. Entries are strings at `<keyPrefix>:<ns>:<key>` set with `PX`; each tag is a set
 * `<keyPrefix>:<ns>:tag:<tag>` of caller keys whose expiry is kept ≥ its longest-lived member's.
 *
 * The client never queues: with the offline queue off and no per-request retries, a call made while Redis is
 * down rejects at once with UNAVAILABLE, and one in flight when the connection drops rejects when it closes.
 * Reconnection runs in the background with capped exponential backoff, so calls succeed again as soon as Redis
 * is back.
 */
export class RedisCache implements Cache {
  private constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** The server's address without credentials, for error messages. */
    private readonly where: string,
  ) {}

  static async connect(options: RedisCacheOptions): Promise<RedisCache> {
    if (options.keyPrefix.length === 0) throw new AppError('VALIDATION_FAILED', 'RedisCache keyPrefix must be non-empty');
    const { redis, where } = await openRedis(options, 'Redis cache');
    return new RedisCache(redis, options.keyPrefix, where);
  }

  async get(ns: string, key: string): Promise<string | undefined> {
    assertKey(ns, key);
    try {
      return (await this.redis.get(this.entryKey(ns, key))) ?? undefined;
    } catch (err) {
      throw this.failure('get', err);
    }
  }

  async set(ns: string, key: string, value: string, opts: CacheSetOptions): Promise<void> {
    assertKey(ns, key);
    assertTtl(opts.ttlMs);
    if (opts.tags) for (const tag of opts.tags) assertTag(tag);
    const k = this.entryKey(ns, key);
    try {
      if (!opts.tags || opts.tags.length === 0) {
        await this.redis.set(k, value, 'PX', opts.ttlMs);
        return;
      }
      // One transaction, so invalidateTag (which renames the tag set away) sees the entry and its membership
      // together or not at all. NX then GT sets a new set's expiry and only ever extends an existing one.
      const tx = this.redis.multi().set(k, value, 'PX', opts.ttlMs);
      for (const tag of opts.tags) {
        const tk = this.tagKey(ns, tag);
        tx.sadd(tk, key).pexpire(tk, opts.ttlMs, 'NX').pexpire(tk, opts.ttlMs, 'GT');
      }
      throwOnFailedReply(await tx.exec());
    } catch (err) {
      throw this.failure('set', err);
    }
  }

  async delete(ns: string, key: string): Promise<boolean> {
    assertKey(ns, key);
    try {
      // Tag sets keep the key until they expire; a stale member only makes a later invalidation count nothing.
      return (await this.redis.unlink(this.entryKey(ns, key))) > 0;
    } catch (err) {
      throw this.failure('delete', err);
    }
  }

  async invalidatePrefix(ns: string, prefix: string): Promise<number> {
    assertNamespace(ns);
    const match = `${escapeGlob(`${this.keyPrefix}:${ns}:${prefix}`)}*`;
    // Tag sets live in the same keyspace; deleting them would orphan live entries from their tags.
    const tagSpace = `${this.keyPrefix}:${ns}:tag:`;
    let removed = 0;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', BATCH);
        cursor = next;
        const entries = keys.filter((k) => !k.startsWith(tagSpace));
        if (entries.length > 0) removed += await this.redis.unlink(...entries);
      } while (cursor !== '0');
      return removed;
    } catch (err) {
      throw this.failure('invalidatePrefix', err, { removedSoFar: removed });
    }
  }

  async invalidateTag(ns: string, tag: string): Promise<number> {
    assertNamespace(ns);
    assertTag(tag);
    const tk = this.tagKey(ns, tag);
    // Renaming takes the set out of reach atomically: entries tagged from now on go into a fresh set and survive,
    // and none tagged before can slip in between reading the members and deleting the set.
    const draining = `${tk}:~draining:${randomUUID()}`;
    let removed = 0;
    try {
      try {
        await this.redis.rename(tk, draining);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('ERR no such key')) return 0;
        throw err;
      }
      let cursor = '0';
      do {
        const [next, members] = await this.redis.sscan(draining, cursor, 'COUNT', BATCH);
        cursor = next;
        if (members.length > 0) removed += await this.redis.unlink(...members.map((m) => this.entryKey(ns, m)));
      } while (cursor !== '0');
      await this.redis.unlink(draining);
      return removed;
    } catch (err) {
      // A set left half-drained keeps its expiry, so it disappears by itself.
      throw this.failure('invalidateTag', err, { removedSoFar: removed });
    }
  }

  async health(): Promise<void> {
    try {
      await this.redis.ping();
    } catch (err) {
      throw this.failure('health', err);
    }
  }

  /** Drops the connection and stops reconnecting; later calls reject with UNAVAILABLE. */
  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private entryKey(ns: string, key: string): string {
    return `${this.keyPrefix}:${ns}:${key}`;
  }

  private tagKey(ns: string, tag: string): string {
    return `${this.keyPrefix}:${ns}:tag:${tag}`;
  }

  private failure(op: string, err: unknown, extra: Record<string, unknown> = {}): AppError {
    if (err instanceof AppError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const details = { backend: 'redis', op, ...extra };
    if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(message)) {
      return new AppError('INTERNAL', `Redis rejected the cache ${op}: ${message}`, details, { cause: err });
    }
    return new AppError(
      'UNAVAILABLE',
      `Redis cache at ${this.where} is unavailable (${op}: ${message}): check that Redis is running and reachable`,
      details,
      { cause: err },
    );
  }
}

/** A MULTI's reply holds per-command errors instead of rejecting; surface the first. */
function throwOnFailedReply(replies: [Error | null, unknown][] | null): void {
  if (replies === null) throw new Error('Redis discarded the transaction');
  for (const [err] of replies) if (err) throw err;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
