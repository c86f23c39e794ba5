// Protocol doubles and server harnesses without the Jest-based suites, for benchmarks and scripts that run
// outside Jest (importing the main entry would load @jest/globals).
export * from './openai-double.server.js';
export * from './hf-hub-double.server.js';
export * from './redis-server.harness.js';
export * from './nats-server.harness.js';
export * from './qdrant-double.server.js';
