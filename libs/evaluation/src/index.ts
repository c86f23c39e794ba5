export * from './ir.metrics.js';
export * from './beir.parser.js';
