export * from './local.embedder.js';
export * from './extractive.generator.js';
export * from './openai.embedder.js';
export * from './openai.errors.js';
export * from './model2vec.embedder.js';
export * from './safetensors.reader.js';
