export * from './local.embedder.js';
export * from './extractive.generator.js';
