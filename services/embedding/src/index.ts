export * from './embedding.module.js';
export * from './embedding.config.js';
