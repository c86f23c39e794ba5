export * from './memory.store.js';
export * from './payload.filter.js';
export { SNAPSHOT_VERSION } from './snapshot.codec.js';
export * from './replicated.store.js';
