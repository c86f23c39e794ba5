import { describe, expect, it } from '@jest/globals';
import { documentFilter, payloadPath, qdrantFilter } from './qdrant.filter.js';

const tenant = { key: 'tenant', match: { value: 't' } };

describe('qdrantFilter', () => {
  it('always filters by tenant', () => {
    expect(qdrantFilter('t', undefined)).toEqual({ must: [tenant] });
    expect(qdrantFilter('t', {})).toEqual({ must: [tenant] });
  });

  it('maps each key with its meaning: exact values, any-of lists, strict types', () => {
    expect(
      qdrantFilter('t', {
        docId: 'a',
        source: ['s1', 's2', 's1'],
        'metadata.year': [2020, 2021],
        'metadata.draft': false,
        'metadata.score': 0.5,
        'metadata.mixed': ['1', 1],
        'metadata.frac': [1.5, 2],
      }),
    ).toEqual({
      must: [
        tenant,
        { key: 'docId', match: { value: 'a' } },
        { key: 'source', match: { any: ['s1', 's2'] } },
        { key: 'metadata.year', match: { any: [2020, 2021] } },
        { key: 'metadata.draft', match: { value: false } },
        { key: 'metadata.score', range: { gte: 0.5, lte: 0.5 } },
        { should: [{ key: 'metadata.mixed', match: { value: '1' } }, { key: 'metadata.mixed', match: { value: 1 } }] },
        { should: [{ key: 'metadata.frac', range: { gte: 1.5, lte: 1.5 } }, { key: 'metadata.frac', match: { value: 2 } }] },
      ],
    });
  });

  it('makes an empty list match nothing, as the in-memory store does', () => {
    expect(qdrantFilter('t', { docId: [] as never }).must).toContainEqual({ key: 'tenant', match: { any: [] } });
  });

  it('refuses keys outside docId, source and metadata.<key> (the tenant among them)', () => {
    for (const key of ['tenant', 'text', 'metadata.', 'metadata.a b', 'metadata."x"']) {
      expect(() => qdrantFilter('t', { [key]: 'x' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});

describe('payloadPath', () => {
  it('quotes metadata keys with dots, which Qdrant would read as nesting', () => {
    expect(payloadPath('docId')).toBe('docId');
    expect(payloadPath('metadata.lang')).toBe('metadata.lang');
    expect(payloadPath('metadata.a-b_c')).toBe('metadata.a-b_c');
    expect(payloadPath('metadata.v1.2')).toBe('metadata."v1.2"');
  });
});

describe('documentFilter', () => {
  it('selects one document of one tenant, optionally all but one version', () => {
    expect(documentFilter('t', 'd', 'h')).toEqual({
      must: [tenant, { key: 'docId', match: { value: 'd' } }],
      must_not: [{ key: 'docHash', match: { value: 'h' } }],
    });
    expect(documentFilter('t', 'd')).not.toHaveProperty('must_not');
  });
});
