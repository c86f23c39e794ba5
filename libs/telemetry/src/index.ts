export * from './logger.js';
export * from './metrics.registry.js';
export * from './nest-logger.adapter.js';
