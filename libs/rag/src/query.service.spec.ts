import { describe, expect, it } from '@jest/globals';
import {
  AppError,
  type ChunkHit,
  defaultVariant,
  type GenerateReply,
  ManualClock,
  type RequestContext,
  type SearchReply,
  type SearchRequest,
} from '@ragops/contracts';
import type { AnswerGenerator, GenerateInput } from './ports/answer-generator.port.js';
import type { Searcher } from './ports/search.port.js';
import { QueryService } from './query.service.js';

const hits: ChunkHit[] = [
  { chunkId: 'd1#0', docId: 'd1', score: 0.9, text: 'Paris is the capital of France.' },
  { chunkId: 'd2#3', docId: 'd2', score: 0.4, text: 'France is in Europe.', title: 'Europe' },
];

const ctx: RequestContext = { requestId: 'r1', tenant: 'acme', deadline: 10_000, variant: defaultVariant };

/** A searcher that advances the clock by `ms` and records its calls; it fails loudly when not expected. */
function searcher(clock: ManualClock, ms: number, reply?: SearchReply | Error) {
  const calls: { req: SearchRequest; ctx: RequestContext }[] = [];
  const s: Searcher = {
    async search(req, c) {
      calls.push({ req, ctx: c });
      if (reply === undefined) throw new Error('unexpected call: Searcher.search');
      clock.advance(ms);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  };
  return { s, calls };
}

function generator(clock: ManualClock, ms: number, reply?: GenerateReply | Error) {
  const calls: { input: GenerateInput; ctx: RequestContext }[] = [];
  const g: AnswerGenerator = {
    async generate(input, c) {
      calls.push({ input, ctx: c });
      if (reply === undefined) throw new Error('unexpected call: AnswerGenerator.generate');
      clock.advance(ms);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  };
  return { g, calls };
}

const searchReply: SearchReply = { index: 'default', hits, timings: { denseMs: 3, sparseMs: 1 } };
const genReply: GenerateReply = {
  answer: 'Paris [1].',
  citations: [{ n: 1, chunkId: 'd1#0', docId: 'd1' }],
  model: 'extractive',
  usage: { promptTokens: 40, completionTokens: 3 },
  finishReason: 'stop',
  droppedChunks: 0,
};

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as AppError).code;
  }
  return 'resolved';
}

describe('QueryService.query', () => {
  it('retrieves, then generates from the hits, and times each step on the clock', async () => {
    const clock = new ManualClock(1_000);
    const { s, calls: sc } = searcher(clock, 12, searchReply);
    const { g, calls: gc } = generator(clock, 30, genReply);
    const result = await new QueryService(s, g, clock).query({ query: 'capital of France?', topK: 2 }, ctx);

    expect(sc).toEqual([{ req: { query: 'capital of France?', topK: 2 }, ctx }]);
    expect(gc).toEqual([{ input: { query: 'capital of France?', chunks: hits }, ctx }]);
    expect(result).toEqual({
      answer: 'Paris [1].',
      citations: [{ n: 1, chunkId: 'd1#0', docId: 'd1' }],
      finishReason: 'stop',
      usage: { promptTokens: 40, completionTokens: 3 },
      variant: { id: 'default', prompt: 'rag-answer@1', model: 'extractive', index: 'default' },
      model: 'extractive',
      timings: { retrievalMs: 12, generationMs: 30, totalMs: 42 },
      hits: 2,
    });
  });

  it('passes only the keys that are set to the searcher (topK defaults to the variant there)', async () => {
    const clock = new ManualClock(0);
    const { s, calls } = searcher(clock, 0, searchReply);
    const { g } = generator(clock, 0, genReply);
    await new QueryService(s, g, clock).query({ query: 'q', filter: { docId: 'd1' } }, ctx);
    expect(calls[0].req).toEqual({ query: 'q', filter: { docId: 'd1' } });
    expect('topK' in calls[0].req).toBe(false);
  });

  it('reports the model that answered when it differs from the variant (fallback)', async () => {
    const clock = new ManualClock(0);
    const variant = { ...defaultVariant, id: 'canary', model: 'gpt-x' };
    const { s } = searcher(clock, 0, searchReply);
    const { g } = generator(clock, 0, { ...genReply, model: 'extractive' });
    const r = await new QueryService(s, g, clock).query({ query: 'q' }, { ...ctx, variant });
    expect(r.variant).toEqual({ id: 'canary', prompt: 'rag-answer@1', model: 'gpt-x', index: 'default' });
    expect(r.model).toBe('extractive');
  });

  it('fails DEADLINE_EXCEEDED without calling any port when the deadline already passed', async () => {
    const clock = new ManualClock(10_000); // == deadline
    const { s, calls: sc } = searcher(clock, 0);
    const { g, calls: gc } = generator(clock, 0);
    expect(await codeOf(new QueryService(s, g, clock).query({ query: 'q' }, ctx))).toBe('DEADLINE_EXCEEDED');
    expect(sc).toHaveLength(0);
    expect(gc).toHaveLength(0);
  });

  it('does not start generation when retrieval used up the deadline', async () => {
    const clock = new ManualClock(9_000);
    const { s, calls: sc } = searcher(clock, 1_000, searchReply);
    const { g, calls: gc } = generator(clock, 0);
    expect(await codeOf(new QueryService(s, g, clock).query({ query: 'q' }, ctx))).toBe('DEADLINE_EXCEEDED');
    expect(sc).toHaveLength(1);
    expect(gc).toHaveLength(0);
  });

  it('propagates a port error unchanged', async () => {
    const clock = new ManualClock(0);
    const { s } = searcher(clock, 0, new AppError('UNKNOWN_INDEX', 'no index v9'));
    const { g, calls } = generator(clock, 0);
    expect(await codeOf(new QueryService(s, g, clock).query({ query: 'q' }, ctx))).toBe('UNKNOWN_INDEX');
    expect(calls).toHaveLength(0);
  });
});

describe('QueryService.search', () => {
  it('passes through and adds totalMs to the searcher timings', async () => {
    const clock = new ManualClock(500);
    const { s, calls } = searcher(clock, 7, searchReply);
    const { g } = generator(clock, 0);
    const r = await new QueryService(s, g, clock).search({ query: 'q', topK: 1 }, ctx);
    expect(calls).toHaveLength(1);
    expect(r).toEqual({ index: 'default', hits, timings: { denseMs: 3, sparseMs: 1, totalMs: 7 } });
  });

  it('fails DEADLINE_EXCEEDED before calling the searcher when the deadline passed', async () => {
    const clock = new ManualClock(20_000);
    const { s, calls } = searcher(clock, 0);
    const { g } = generator(clock, 0);
    expect(await codeOf(new QueryService(s, g, clock).search({ query: 'q' }, ctx))).toBe('DEADLINE_EXCEEDED');
    expect(calls).toHaveLength(0);
  });
});
