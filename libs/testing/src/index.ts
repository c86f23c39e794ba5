export {};
export * from './nats-server.harness.js';
export * from './vector-store.contract.js';
export * from './nats.harness.js';
export * from './request-context.fixture.js';
export * from './microservice.harness.js';
export * from './openai-double.server.js';
export * from './hf-hub-double.server.js';
export * from './redis-server.harness.js';
