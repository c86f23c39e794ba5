import { AppError } from '@ragops/contracts';

/** Caller keys must not start with this: Redis keeps tag sets at `<prefix>:<ns>:tag:<tag>` beside the entries. */
export const RESERVED_KEY_PREFIX = 'tag:';

// Both adapters validate the same way, so a key that works in the all-in-one mode also works against Redis.

export function assertNamespace(ns: string): void {
  if (ns.length === 0 || ns.includes(':')) {
    throw new AppError('VALIDATION_FAILED', `cache namespace "${ns}" must be non-empty and contain no ":"`, { ns });
  }
}

export function assertKey(ns: string, key: string): void {
  assertNamespace(ns);
  if (key.length === 0 || key.startsWith(RESERVED_KEY_PREFIX)) {
    throw new AppError('VALIDATION_FAILED', `cache key "${key}" must be non-empty and not start with "${RESERVED_KEY_PREFIX}"`, { ns, key });
  }
}

export function assertTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new AppError('VALIDATION_FAILED', `cache ttlMs must be a positive whole number of milliseconds, got ${ttlMs}`, { ttlMs });
  }
}

export function assertTag(tag: string): void {
  if (tag.length === 0) throw new AppError('VALIDATION_FAILED', 'cache tags must be non-empty strings');
}
