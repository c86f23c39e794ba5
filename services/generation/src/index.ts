export * from './generation.module.js';
export * from './generation.config.js';
