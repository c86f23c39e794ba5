export * from './online.sampler.js';
export * from './online.evaluator.js';
