/** DI tokens for values that are not classes (config, telemetry, the readiness function). */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const METRICS = Symbol('METRICS');
export const LOGGER = Symbol('LOGGER');
export const READINESS = Symbol('READINESS');
export const CLOCK = Symbol('CLOCK');
/** The FeedbackService, or null when interactions are off. */
export const FEEDBACK = Symbol('FEEDBACK');
/** Live interaction records, or null (all-in-one only; see InteractionsController). */
export const INTERACTION_FEED = Symbol('INTERACTION_FEED');
/** The TenantRateLimitPolicy, or null when RATE_LIMIT_REQUESTS=0 (see TenantRateLimitGuard). */
export const TENANT_RATE_LIMIT = Symbol('TENANT_RATE_LIMIT');
