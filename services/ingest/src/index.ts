export * from './ingest.module.js';
export * from './ingest.config.js';
