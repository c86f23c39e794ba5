import { describe, expect, it } from '@jest/globals';
import { AppError, defaultVariant } from '@ragops/contracts';
import { loadGatewayConfig } from './gateway.config.js';


/** The AppError loadGatewayConfig throws for `env`; fails the test when it does not throw one. */
function configError(env: Record<string, string>): AppError {
  try {
    loadGatewayConfig(env);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}
describe('loadGatewayConfig', () => {
  it('defaults every key; the default variant matches the contracts default', () => {
    expect(loadGatewayConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      natsUrl: 'nats://127.0.0.1:4222',
      requestTimeoutMs: 10_000,
      readinessTimeoutMs: 2_000,
      bodyLimitBytes: 16 * 1024 * 1024,
      logLevel: 'info',
      logContent: 'off',
      variant: defaultVariant,
      interactions: {
        INTERACTIONS: 'on',
        INTERACTION_CONTENT: 'redacted',
        INTERACTIONS_QUEUE_SIZE: 1000,
        INTERACTIONS_BUFFER: 1000,
        INTERACTIONS_MAX_BYTES: 1024 ** 3,
        INTERACTIONS_MAX_AGE: 7 * 86_400_000,
        INTERACTIONS_MAX_MSGS: -1,
        INTERACTIONS_REPLICAS: 1,
        FEEDBACK_MAX_BYTES: 256 * 1024 ** 2,
        FEEDBACK_MAX_AGE: 90 * 86_400_000,
      },
    });
  });

  it('reads overrides, treats empty values as unset and ignores unrelated variables', () => {
    const config = loadGatewayConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      REQUEST_TIMEOUT_MS: '2500',
      LOG_LEVEL: 'silent',
      INDEX: 'scifact-v2',
      RETRIEVAL_MODE: 'dense',
      DEFAULT_TOPK: '10',
      RERANK: 'true',
      MODEL: '',
      PATH: '/usr/bin',
    });
    expect(config).toMatchObject({ port: 9000, host: '127.0.0.1', requestTimeoutMs: 2500, logLevel: 'silent' });
    expect(config.variant).toEqual({
      ...defaultVariant,
      index: 'scifact-v2',
      retrieval: { ...defaultVariant.retrieval, mode: 'dense', topK: 10, rerank: true },
    });
  });

  it('names every bad key in one error', () => {
    const err = configError({
        PORT: 'eighty',
        REQUEST_TIMEOUT_MS: '0',
        BODY_LIMIT_BYTES: '1.5',
        LOG_LEVEL: 'loud',
        INDEX: 'has space',
        RETRIEVAL_MODE: 'magic',
        DEFAULT_TOPK: '1000',
        RERANK: 'sometimes',
        LOG_CONTENT: 'raw',
      });
    expect(err.code).toBe('VALIDATION_FAILED');
    const keys = ['PORT', 'REQUEST_TIMEOUT_MS', 'BODY_LIMIT_BYTES', 'LOG_LEVEL', 'INDEX', 'RETRIEVAL_MODE', 'DEFAULT_TOPK', 'RERANK', 'LOG_CONTENT'];
    for (const key of keys) expect(err.message).toContain(`${key}=`);
    expect(err.message).toContain('PORT="eighty": must be a number');
    expect(err.message).toContain('DEFAULT_TOPK="1000": must be at most 200');
    expect((err.details as { issues: { path: string }[] }).issues.map((i) => i.path).sort()).toEqual([...keys].sort());
  });
});

describe('loadGatewayConfig: rate limits (RATE_LIMIT_*)', () => {
  it('is off unless RATE_LIMIT_REQUESTS is set above 0', () => {
    expect(loadGatewayConfig({}).rateLimit).toBeUndefined();
    expect(loadGatewayConfig({ RATE_LIMIT_REQUESTS: '0', RATE_LIMIT_WINDOW_SECONDS: '10' }).rateLimit).toBeUndefined();
  });

  it('defaults to a 60 s window in memory that fails open', () => {
    expect(loadGatewayConfig({ RATE_LIMIT_REQUESTS: '100' }).rateLimit).toEqual({
      requests: 100,
      windowSeconds: 60,
      store: 'memory',
      fail: 'open',
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'ragops:rl:tenant-requests:60s',
    });
  });

  it('reads a Redis store and fail-closed, keying counters by REDIS_PREFIX and the window', () => {
    const config = loadGatewayConfig({
      RATE_LIMIT_REQUESTS: '5',
      RATE_LIMIT_WINDOW_SECONDS: '1',
      RATE_LIMIT_STORE: 'redis',
      RATE_LIMIT_FAIL: 'closed',
      REDIS_URL: 'redis://:secret@redis.ragops.svc:6379/2',
      REDIS_PREFIX: 'prod-eu',
    });
    expect(config.rateLimit).toEqual({
      requests: 5,
      windowSeconds: 1,
      store: 'redis',
      fail: 'closed',
      redisUrl: 'redis://:secret@redis.ragops.svc:6379/2',
      keyPrefix: 'prod-eu:rl:tenant-requests:1s',
    });
  });

  it('names every bad rate-limit key in one error', () => {
    const err = configError({
        RATE_LIMIT_REQUESTS: '-1',
        RATE_LIMIT_WINDOW_SECONDS: '0',
        RATE_LIMIT_STORE: 'disk',
        RATE_LIMIT_FAIL: 'maybe',
        REDIS_URL: 'http://redis:6379',
      });
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toContain('RATE_LIMIT_REQUESTS="-1": must be at least 0');
    expect(err.message).toContain('RATE_LIMIT_WINDOW_SECONDS="0": must be at least 1');
    expect(err.message).toContain('RATE_LIMIT_STORE="disk": must be memory or redis');
    expect(err.message).toContain('RATE_LIMIT_FAIL="maybe": must be open or closed');
    expect(err.message).toContain('REDIS_URL="http://redis:6379": must be a redis:// or rediss:// URL');
  });

  it.each([
    ['a fraction', { RATE_LIMIT_REQUESTS: '2.5' }, 'RATE_LIMIT_REQUESTS="2.5": must be a whole number'],
    ['not a number', { RATE_LIMIT_REQUESTS: 'ten' }, 'RATE_LIMIT_REQUESTS="ten": must be a number'],
    ['a window over a day', { RATE_LIMIT_WINDOW_SECONDS: '86401' }, 'RATE_LIMIT_WINDOW_SECONDS="86401": must be at most 86400'],
  ])('rejects %s', (_what, env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(message);
  });

  it('a Redis store needs REDIS_URL set explicitly, reported together with any other bad key', () => {
    const err = configError({ RATE_LIMIT_REQUESTS: '10', RATE_LIMIT_STORE: 'redis', PORT: 'eighty' });
    expect(err.message).toContain('REDIS_URL="": is required when RATE_LIMIT_STORE=redis (the Redis every gateway replica shares)');
    expect(err.message).toContain('PORT="eighty"');
  });
});
