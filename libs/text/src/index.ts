export * from './analyzer.service.js';
export * from './token-counter.service.js';
