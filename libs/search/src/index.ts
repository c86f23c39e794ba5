export * from './rrf.fusion.js';
