export * from './prompt.registry.js';
export * from './prompt.renderer.js';
export * from './sentence.splitter.js';
export * from './extractive.generator.js';
export * from './llm-answer.generator.js';
