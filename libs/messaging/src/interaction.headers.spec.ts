import { describe, expect, it } from '@jest/globals';
import { defaultVariant, type InteractionRecord } from '@ragops/contracts';
import { INTERACTION_HEADERS, interactionHeaders, readInteractionHeaders } from './interaction.headers.js';

const record: InteractionRecord = {
  schemaVersion: 1,
  requestId: 'req:1',
  tenant: 'acme',
  timestamp: 1_763_000_000_123,
  variant: { ...defaultVariant, id: 'canary' },
  content: 'hash',
  outcome: 'ok',
  query: { hash: `sha256:${'0'.repeat(64)}` },
  filtered: false,
  latencyMs: { total: 1 },
};

describe('interaction headers', () => {
  it('carry what is read back: tenant, request id, variant, timestamp, outcome', () => {
    const headers = interactionHeaders(record);
    expect(headers).toEqual({ 'Ragops-Tenant': 'acme', 'Ragops-Request-Id': 'req:1', 'Ragops-Variant': 'canary', 'Ragops-Timestamp': '1763000000123', 'Ragops-Outcome': 'ok' });
    expect(readInteractionHeaders(headers)).toEqual({ tenant: 'acme', requestId: 'req:1', variant: 'canary', timestamp: 1_763_000_000_123, outcome: 'ok' });
  });

  it('read nothing from headers an older publisher sent (no timestamp, no outcome), or malformed ones', () => {
    const full = interactionHeaders(record);
    const without = (name: string) => Object.fromEntries(Object.entries(full).filter(([k]) => k !== name));
    expect(readInteractionHeaders({})).toBeUndefined();
    for (const name of Object.values(INTERACTION_HEADERS)) expect(readInteractionHeaders(without(name))).toBeUndefined();
    for (const timestamp of ['', '-1', '1.5', 'soon', '1e3', '9'.repeat(16)]) {
      expect(readInteractionHeaders({ ...full, [INTERACTION_HEADERS.timestamp]: timestamp })).toBeUndefined();
    }
    expect(readInteractionHeaders({ ...full, [INTERACTION_HEADERS.outcome]: 'maybe' })).toBeUndefined();
    expect(readInteractionHeaders({ ...full, [INTERACTION_HEADERS.variant]: '' })).toBeUndefined();
  });
});
