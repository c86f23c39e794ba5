export * from './env.schema.js';
export * from './adapters.factory.js';
export * from './microservice.runner.js';
export * from './service.builders.js';
export * from './nats.connection.js';
export * from './service.runner.js';
