export * from './rrf.fusion.js';
export * from './term-id.js';
export * from './top-k.heap.js';
export * from './bm25.encoder.js';
export * from './inverted.index.js';
export * from './dense.math.js';
