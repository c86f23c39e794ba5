// The benchmark helpers, for reuse from other benchmark scripts (the benchmarks themselves are the *.bench.ts entry points).
export * from './ir.evaluation.js';
export * from './machine.conditions.js';
export * from './stats.math.js';
export type * from './load.types.js';
