export * from './memory.store.js';
export * from './payload.filter.js';
export { SNAPSHOT_VERSION } from './snapshot.codec.js';
export * from './replicated.store.js';
export * from './qdrant.store.js';
export { qdrantPointId } from './qdrant.point-id.js';
export { mapQdrantError, type QdrantCallInfo } from './qdrant.errors.js';
