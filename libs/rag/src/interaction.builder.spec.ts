import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { type ChunkHit, defaultVariant, type GenerateReply, InteractionLimits, InteractionRecord, parseOrThrow, type RequestContext, type SearchReply } from '@ragops/contracts';
import { buildInteractionRecord, type InteractionMaterial, shrinkToFit, storeText } from './interaction.builder.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s, 'utf8').digest('hex')}`;
/** A stand-in for the telemetry lib's redactPii: masks every run of 4+ digits, and says it ran. */
const redact = (s: string) => s.replace(/\d{4,}/g, '[NUM]');

const ctx: RequestContext = { requestId: 'req-7', tenant: 'acme', deadline: 99_999, variant: { ...defaultVariant, retrieval: { ...defaultVariant.retrieval, topK: 2 } } };
const hits: ChunkHit[] = [
  { chunkId: 'a#0', docId: 'a', score: 2.5, text: 'Account 12345678 is the main one.', title: 'A' },
  { chunkId: 'b#1', docId: 'b', score: 1.25, text: 'Nothing secret here.' },
];
const search: SearchReply = { index: 'default', hits, timings: { embedMs: 0, searchMs: 3 } };
const reply: GenerateReply = {
  answer: 'Use account 12345678 [1].',
  citations: [{ n: 1, chunkId: 'a#0', docId: 'a' }],
  model: 'extractive',
  usage: { promptTokens: 40, completionTokens: 7 },
  finishReason: 'stop',
  droppedChunks: 0,
  costUsd: 0.001,
  promptHash: sha('p'),
  prompt: [
    { role: 'system', content: 'Answer from the passages.' },
    { role: 'user', content: 'Question: which account is 12345678?' },
  ],
};
const material: InteractionMaterial = {
  ctx,
  query: 'which account is 12345678?',
  filtered: true,
  startedAt: 1_700_000_000_000,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  search,
  reply,
  retrievalMs: 4,
  generationMs: 9,
  totalMs: 13,
};

describe('buildInteractionRecord', () => {
  it('records the request, variant, hits with scores, generation and per-stage latency; valid against the contract', () => {
    const r = buildInteractionRecord(material, 'redacted', redact);
    expect(parseOrThrow(InteractionRecord, r, 'record')).toEqual(r);
    expect(r).toMatchObject({
      schemaVersion: 1,
      requestId: 'req-7',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      tenant: 'acme',
      timestamp: 1_700_000_000_000,
      variant: ctx.variant,
      content: 'redacted',
      outcome: 'ok',
      filtered: true,
      latencyMs: { total: 13, retrieval: 4, generation: 9, retrievalStages: { embedMs: 0, searchMs: 3 } },
    });
    expect(r.retrieval?.hits.map(({ chunkId, docId, score }) => ({ chunkId, docId, score }))).toEqual([
      { chunkId: 'a#0', docId: 'a', score: 2.5 },
      { chunkId: 'b#1', docId: 'b', score: 1.25 },
    ]);
    expect(r.retrieval?.rerankedIds).toBeUndefined();
    expect(r.generation).toMatchObject({ model: 'extractive', citations: reply.citations, finishReason: 'stop', usage: reply.usage, costUsd: 0.001, droppedChunks: 0, promptHash: sha('p') });
  });

  it('redacted (default): texts masked, hashes of the originals kept, no prompt', () => {
    const r = buildInteractionRecord(material, 'redacted', redact);
    expect(r.query).toEqual({ text: 'which account is [NUM]?', hash: sha(material.query) });
    expect(r.generation?.answer).toEqual({ text: 'Use account [NUM] [1].', hash: sha(reply.answer) });
    expect(r.retrieval?.hits[0]).toMatchObject({ text: 'Account [NUM] is the main one.', textHash: sha(hits[0]!.text) });
    expect(r.generation?.prompt).toBeUndefined();
    expect(JSON.stringify(r)).not.toContain('12345678');
  });

  it('full: texts verbatim and the prompt itself', () => {
    const r = buildInteractionRecord(material, 'full', redact);
    expect(r.query.text).toBe(material.query);
    expect(r.generation?.answer.text).toBe(reply.answer);
    expect(r.retrieval?.hits[0]?.text).toBe(hits[0]!.text);
    expect(r.generation?.prompt).toEqual(reply.prompt);
  });

  it('hash: no text anywhere, only hashes', () => {
    const r = buildInteractionRecord(material, 'hash', redact);
    expect(r.query).toEqual({ hash: sha(material.query) });
    expect(r.generation?.answer).toEqual({ hash: sha(reply.answer) });
    expect(r.retrieval?.hits.every((h) => h.text === undefined && h.textHash.startsWith('sha256:'))).toBe(true);
    expect(r.generation?.prompt).toBeUndefined();
    const json = JSON.stringify(r);
    for (const text of [material.query, reply.answer, hits[0]!.text, hits[1]!.text]) expect(json).not.toContain(text);
  });

  it('lists reranked ids only when the variant reranks and the retrieval service ran the stage', () => {
    const rerankCtx = { ...ctx, variant: { ...ctx.variant, retrieval: { ...ctx.variant.retrieval, rerank: true } } };
    const ran = buildInteractionRecord({ ...material, ctx: rerankCtx, search: { ...search, timings: { ...search.timings, rerankMs: 2 } } }, 'hash', redact);
    expect(ran.retrieval?.rerankedIds).toEqual(['a#0', 'b#1']);
    expect(buildInteractionRecord({ ...material, ctx: rerankCtx }, 'hash', redact).retrieval?.rerankedIds).toBeUndefined();
  });

  it('a failed query records the error code and stage with what was known', () => {
    const r = buildInteractionRecord({ ...material, reply: undefined, generationMs: undefined, totalMs: 20, error: { code: 'UPSTREAM_FAILED', stage: 'generation' } }, 'redacted', redact);
    expect(parseOrThrow(InteractionRecord, r, 'record')).toEqual(r);
    expect(r).toMatchObject({ outcome: 'error', error: { code: 'UPSTREAM_FAILED', stage: 'generation' }, latencyMs: { total: 20, retrieval: 4 } });
    expect(r.retrieval?.hits).toHaveLength(2);
    expect(r.generation).toBeUndefined();
  });

  it('drops an invalid or all-zero trace id rather than storing it', () => {
    expect(buildInteractionRecord({ ...material, traceId: '0'.repeat(32) }, 'hash', redact).traceId).toBeUndefined();
    expect(buildInteractionRecord({ ...material, traceId: 'not-a-trace' }, 'hash', redact).traceId).toBeUndefined();
  });

  it('keeps passage texts in rank order up to the context budget, then only their hashes', () => {
    const big = 'x'.repeat(InteractionLimits.maxContextChars / 2 + 1);
    const many = [0, 1, 2].map((i) => ({ chunkId: `d#${i}`, docId: 'd', score: 1, text: big }));
    const r = buildInteractionRecord({ ...material, search: { ...search, hits: many } }, 'full', redact);
    expect(r.retrieval?.hits.map((h) => h.text !== undefined)).toEqual([true, false, false]);
    expect(r.retrieval?.contextsTruncated).toBe(true);
  });
});

describe('storeText', () => {
  it('caps a long text and says so, hashing the whole original', () => {
    const long = 'y'.repeat(50);
    expect(storeText(long, 'full', redact, 10)).toEqual({ text: 'y'.repeat(10), hash: sha(long), truncated: true });
  });
});

describe('shrinkToFit', () => {
  it('returns the record itself when it fits', () => {
    const r = buildInteractionRecord(material, 'full', redact);
    expect(shrinkToFit(r, 1_000_000)).toBe(r);
  });

  it('drops the prompt, then passages, then the answer and the query text, until it fits; hashes stay', () => {
    const r = buildInteractionRecord({ ...material, search: { ...search, hits: [{ ...hits[0]!, text: 'z'.repeat(5000) }] } }, 'full', redact);
    const size = (x: unknown) => Buffer.byteLength(JSON.stringify(x));
    const noPrompt = shrinkToFit(r, size(r) - 1)!;
    expect(noPrompt.generation?.prompt).toBeUndefined();
    expect(noPrompt.retrieval?.hits[0]?.text).toBe('z'.repeat(5000));
    const noPassages = shrinkToFit(r, size(noPrompt) - 1)!;
    expect(noPassages.retrieval?.hits[0]).toEqual({ chunkId: 'a#0', docId: 'a', score: 2.5, textHash: sha('z'.repeat(5000)) });
    expect(noPassages.retrieval?.contextsTruncated).toBe(true);
    expect(noPassages.query.text).toBe(material.query);
    expect(parseOrThrow(InteractionRecord, noPassages, 'record')).toEqual(noPassages);
    expect(r.generation?.prompt).toBeDefined(); // the original is untouched
    expect(shrinkToFit(r, 10)).toBeUndefined();
  });
});
