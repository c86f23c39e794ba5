export * from './memory.cache.js';
export * from './redis.cache.js';
export { RESERVED_KEY_PREFIX } from './cache-key.guard.js';
