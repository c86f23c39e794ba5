import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { qdrantPointId, uuidV5 } from './qdrant.point-id.js';

describe('qdrantPointId', () => {
  it('is a standard UUIDv5 (same value as Python’s uuid.uuid5)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    // python3 -c 'import uuid; print(uuid.uuid5(uuid.UUID("0c0007b8-b5bb-498e-8b63-766ce9c4bd94"), "[\"t1\",\"a#0\"]"))'
    expect(qdrantPointId('t1', 'a#0')).toBe('c0c54eb5-f6bd-5c37-aba6-177a3023ed78');
  });

  it('is deterministic and a valid version-5 UUID for any strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (tenant, chunkId) => {
        const id = qdrantPointId(tenant, chunkId);
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(qdrantPointId(tenant, chunkId)).toBe(id);
      }),
    );
  });

  it('keeps tenants apart, whatever the split between tenant and chunk id', () => {
    expect(qdrantPointId('a', 'b#0')).not.toBe(qdrantPointId('ab', '#0'));
    expect(qdrantPointId('a\u0000b', 'c')).not.toBe(qdrantPointId('a', 'b\u0000c'));
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (t1, c1, t2, c2) => {
        fc.pre(t1 !== t2 || c1 !== c2);
        expect(qdrantPointId(t1, c1)).not.toBe(qdrantPointId(t2, c2));
      }),
    );
  });
});
