export * from './retrieval.module.js';
export * from './retrieval.config.js';
