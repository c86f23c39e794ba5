import { describe, expect, it } from '@jest/globals';
import { checkDependencies, probeReadiness } from './readiness.js';

describe('checkDependencies', () => {
  it('is ready when every check resolves', async () => {
    expect(await checkDependencies({ nats: async () => 'pong', store: async () => undefined }, 100)).toEqual({
      ready: true,
      dependencies: { nats: { ready: true }, store: { ready: true } },
    });
  });

  it('reports every failing and hanging check, not just the first', async () => {
    const report = await checkDependencies(
      { nats: async () => undefined, qdrant: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6333')), llm: () => new Promise(() => {}) },
      20,
    );
    expect(report).toEqual({
      ready: false,
      dependencies: {
        nats: { ready: true },
        qdrant: { ready: false, detail: 'ECONNREFUSED 127.0.0.1:6333' },
        llm: { ready: false, detail: 'llm: no answer within 20 ms' },
      },
    });
  });

  it('is ready with no dependencies at all', async () => {
    expect(await checkDependencies({}, 10)).toEqual({ ready: true, dependencies: {} });
  });
});

describe('probeReadiness', () => {
  it('turns a thrown non-Error into a not-ready report', async () => {
    expect(await probeReadiness(() => Promise.reject('down'), 10)).toEqual({
      ready: false,
      dependencies: { readiness: { ready: false, detail: 'down' } },
    });
  });
});
