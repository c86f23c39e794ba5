export * from './ports/vector-store.port.js';
export * from './ports/embedder.port.js';
export * from './ports/answer-generator.port.js';
export * from './ports/search.port.js';
export * from './ports/job-queue.port.js';
export * from './ports/job-store.port.js';
