export * from './evaluation.config.js';
export * from './evaluation.module.js';
export * from './evaluation.metrics.js';
export * from './online-evaluation.factory.js';
export * from './online-metrics.factory.js';
