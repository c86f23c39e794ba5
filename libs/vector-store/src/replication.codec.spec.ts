import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ChunkRecord } from '@ragops/rag';
import { decodeOp, encodeOp, encodeUpserts } from './replication.codec.js';

const f32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(Math.fround);

const chunkArb: fc.Arbitrary<ChunkRecord> = fc
  .record({
    docId: fc.string({ minLength: 1, maxLength: 8 }),
    chunkIndex: fc.nat({ max: 50 }),
    text: fc.string({ maxLength: 400 }),
    dense: fc.array(f32, { minLength: 8, maxLength: 8 }),
    terms: fc.uniqueArray(fc.nat({ max: 0xffffffff }), { maxLength: 12 }),
    title: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    metadata: fc.option(fc.dictionary(fc.constantFrom('lang', 'tags', 'n'), fc.oneof(fc.string(), fc.integer(), fc.array(fc.string()))), {
      nil: undefined,
    }),
  })
  .map(({ docId, chunkIndex, text, dense, terms, title, metadata }) => {
    const indices = [...terms].sort((a, b) => a - b);
    const c: ChunkRecord = {
      chunkId: `${docId}#${chunkIndex}`,
      docId,
      tenant: 't',
      chunkIndex,
      docHash: 'h',
      text,
      dense,
      sparse: { indices, values: indices.map((t) => Math.fround(t / 7)) },
    };
    if (title !== undefined) c.title = title;
    if (metadata !== undefined) c.metadata = metadata;
    return c;
  });

describe('replication codec', () => {
  it('splits an upsert into ops under the byte and count limits that decode back to the same chunks', () => {
    fc.assert(
      fc.property(fc.array(chunkArb, { maxLength: 40 }), fc.integer({ min: 3000, max: 20_000 }), fc.integer({ min: 1, max: 10 }), (chunks, maxBytes, maxChunks) => {
        let next = 7;
        const ops = encodeUpserts('idx', chunks, { maxBytes, maxChunks }, 'me', () => next++);
        expect(ops.map((o) => o.id)).toEqual(ops.map((_, i) => 7 + i));
        const decoded = ops.flatMap((o) => {
          expect(o.data.length).toBeLessThanOrEqual(maxBytes);
          const op = decodeOp(o.data);
          if (op.op !== 'upsert') throw new Error('expected an upsert');
          expect(op).toMatchObject({ origin: 'me', id: o.id, index: 'idx' });
          expect(op.chunks.length).toBeLessThanOrEqual(maxChunks);
          return op.chunks.map((c) => ({ ...c, dense: Array.from(c.dense) }));
        });
        expect(decoded).toEqual(chunks);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a chunk that cannot fit one message', () => {
    const big: ChunkRecord = {
      chunkId: 'a#0',
      docId: 'a',
      tenant: 't',
      chunkIndex: 0,
      docHash: 'h',
      text: 'x'.repeat(5000),
      dense: [1],
      sparse: { indices: [], values: [] },
    };
    expect(() => encodeUpserts('idx', [big], { maxBytes: 4000, maxChunks: 10 }, 'me', () => 1)).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
  });

  it('round-trips the small ops and rejects unknown versions and garbage', () => {
    const del = { v: 1, origin: 'o', id: 3, op: 'delete', index: 'i', tenant: 't', docId: 'd', exceptHash: 'h' } as const;
    expect(decodeOp(encodeOp(del))).toEqual(del);
    expect(() => decodeOp(Buffer.from('{"v":2,"op":"delete"}'))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => decodeOp(Buffer.from('not json'))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => decodeOp(Buffer.from('{"v":1,"op":"drop"}'))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('round-trips the alias ops, and still reads ops exactly as the first version wrote them', () => {
    const ops = [
      { v: 1, origin: 'o', id: 4, op: 'switchAlias', alias: 'docs', index: 'docs-v2' },
      { v: 1, origin: 'o', id: 5, op: 'deleteAlias', alias: 'docs' },
      { v: 1, origin: 'o', id: 6, op: 'dropIndex', index: 'docs-v1' },
    ] as const;
    for (const op of ops) expect(decodeOp(encodeOp(op))).toEqual(op);
    // Bytes as a log written before aliases existed holds them.
    const old = Buffer.from('{"v":1,"origin":"0123456789abcdef","id":1,"op":"ensureIndex","index":"default","dimensions":384}');
    expect(decodeOp(old)).toEqual({ v: 1, origin: '0123456789abcdef', id: 1, op: 'ensureIndex', index: 'default', dimensions: 384 });
  });
});
