export * from './gateway.config.js';
export * from './gateway.deps.js';
export * from './gateway.module.js';
export * from './create-gateway.app.js';
export * from './readiness.js';
export { REQUEST_ID_HEADER, TENANT_HEADER, DEFAULT_TENANT } from './request-context.factory.js';
