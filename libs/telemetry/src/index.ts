export * from './logger.js';
export * from './metrics.registry.js';
export * from './nest-logger.adapter.js';
export * from './metric.accessors.js';
export * from './metric.catalogue.js';
export * from './metric.labels.js';
