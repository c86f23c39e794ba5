export * from './analyzer.service.js';
export * from './token-counter.service.js';
export * from './content-hash.service.js';
export * from './chunker.service.js';
export { sentenceSpans } from './sentence.splitter.js';
