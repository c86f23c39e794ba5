export * from './ir.metrics.js';
export * from './metrics.aggregate.js';
export * from './seeded.random.js';
export * from './beir.parser.js';
