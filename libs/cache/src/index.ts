export * from './memory.cache.js';
export * from './redis.cache.js';
export { RESERVED_KEY_PREFIX } from './cache-key.guard.js';
export * from './flexible.rate-limiter.js';
export * from './redis.connection.js';
