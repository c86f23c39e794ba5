import { describe, expect, it } from '@jest/globals';
import { defaultVariant, type InteractionRecord } from '@ragops/contracts';
import { formatInteraction, parseSince } from './interactions.format.js';

const sha = `sha256:${'ab'.repeat(32)}`;
const record: InteractionRecord = {
  schemaVersion: 1,
  requestId: 'req-1',
  tenant: 'acme',
  timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  variant: { ...defaultVariant, id: 'canary' },
  content: 'redacted',
  outcome: 'ok',
  query: { text: 'what is   RRF?\n', hash: sha },
  filtered: false,
  retrieval: { index: 'default', hits: [{ chunkId: 'a#0', docId: 'a', score: 1, textHash: sha }], rerankedIds: ['a#0'] },
  generation: {
    model: 'gpt-4o-mini',
    answer: { text: `${'word '.repeat(40)}end`, hash: sha },
    citations: [],
    finishReason: 'stop',
    usage: { promptTokens: 120, completionTokens: 30 },
    costUsd: 0.000123,
    droppedChunks: 0,
  },
  latencyMs: { total: 152.6 },
};

describe('formatInteraction', () => {
  it('one line: time, tenant, variant, request, latency, outcome, hits, model, tokens, cost, clipped texts', () => {
    const line = formatInteraction(record);
    expect(line.startsWith('2026-01-02T03:04:05.006Z acme canary req-1 153ms ok hits=1 reranked gpt-4o-mini stop 120+30tok $0.000123  "what is RRF?" → "word word')).toBe(true);
    expect(line).toMatch(/…"$/);
    expect(line).not.toContain('\n');
  });

  it('shows hashes when texts were not stored, and error outcomes', () => {
    const line = formatInteraction({ ...record, query: { hash: sha }, generation: undefined, outcome: 'error', error: { code: 'UPSTREAM_FAILED', stage: 'generation' } });
    expect(line).toContain('error:UPSTREAM_FAILED@generation');
    expect(line).toContain('sha256:abababababab');
  });

  it('says so for something that is not a record', () => {
    expect(formatInteraction({ invalid: 'x' })).toMatch(/^\(not an interaction record\)/);
    expect(formatInteraction(null)).toMatch(/^\(not an interaction record\)/);
  });
});

describe('parseSince', () => {
  const now = 1_700_000_000_000;
  it('reads durations back from now, epoch milliseconds and ISO times', () => {
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('1.5h', now)).toBe(now - 5_400_000);
    expect(parseSince('1700000000000', now)).toBe(1_700_000_000_000);
    expect(parseSince('2026-01-02T03:04:05Z', now)).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
  });
  it('refuses anything else', () => {
    expect(parseSince('yesterday', now)).toBeUndefined();
    expect(parseSince('10 parsecs', now)).toBeUndefined();
  });
});
