import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { type ChunkHit, defaultVariant, type GenerateReply, type RequestContext } from '@ragops/contracts';
import type { ChatCompletion, ChatDelta, ChatModel, Embedder, HybridQuery, Reranker, Searcher, VectorStore } from '@ragops/rag';
import { TracedChatModel } from './traced.chat-model.js';
import { TracedEmbedder } from './traced.embedder.js';
import { TracedGenerator } from './traced.generator.js';
import { TracedReranker } from './traced.reranker.js';
import { TracedSearcher } from './traced.searcher.js';
import { tracedVectorStore } from './traced.vector-store.js';
import { type InMemoryTracing, startInMemoryTracing } from './tracing.sdk.js';
import { activateHopSpan, getTracer, whenTracing } from './tracing.spans.js';

const ctx: RequestContext = {
  requestId: 'r1',
  tenant: 'acme',
  deadline: Date.now() + 60_000,
  variant: { ...defaultVariant, id: 'canary', index: 'docs-v2', retrieval: { ...defaultVariant.retrieval, mode: 'hybrid', rerank: true } },
};
const hit = (score: number): ChunkHit => ({ chunkId: `d#${score}`, docId: 'd', score, text: 'secret text 4111 1111 1111 1111' });
const QUERY = 'what is jane@example.com card 4111 1111 1111 1111';

const completion: ChatCompletion = {
  choices: ['answer'],
  finishReason: 'stop',
  model: 'gpt-test-2025',
  usage: { promptTokens: 120, completionTokens: 30, estimated: false },
  costUsd: 0.002,
};

describe('traced ports', () => {
  let tracing: InMemoryTracing;
  beforeAll(async () => {
    tracing = await startInMemoryTracing();
  });
  afterAll(() => tracing.shutdown());
  beforeEach(() => tracing.reset());

  /** Every span, and proof that no query or chunk text reached any attribute. */
  async function spans() {
    const all = await tracing.spans();
    const attributes = JSON.stringify(all.map((s) => s.attributes));
    expect(attributes).not.toContain('jane@example.com');
    expect(attributes).not.toContain('4111');
    expect(attributes).not.toContain('secret text');
    return all;
  }

  it('embeddings: a GenAI span with operation, provider, model, dimensions and text count', async () => {
    const inner: Embedder = { model: 'local-hash-8', dimensions: 8, embed: async (texts) => texts.map(() => new Array(8).fill(0.5)) };
    const embedder = new TracedEmbedder(inner, { provider: 'ragops.local', remote: false });
    expect(embedder.model).toBe('local-hash-8');
    expect(await embedder.embed([QUERY, 'b'], 'query', ctx)).toHaveLength(2);
    const [span] = await spans();
    expect(span!.name).toBe('embeddings local-hash-8');
    expect(span!.kind).toBe(SpanKind.INTERNAL);
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'ragops.local',
      'gen_ai.request.model': 'local-hash-8',
      'gen_ai.response.model': 'local-hash-8',
      'gen_ai.embeddings.dimension.count': 8,
      'ragops.embedding.texts': 2,
      'ragops.embedding.kind': 'query',
    });
  });

  it('retrieval: index, top-K, mode, rerank, hits and top score; the store search a child span', async () => {
    const store = {
      search: async (_index: string, q: HybridQuery) => [hit(0.9), hit(0.5)].slice(0, q.topK),
      stats: async () => ({ chunks: 7, documents: 2 }),
    } as unknown as VectorStore;
    const traced = tracedVectorStore(store);
    expect(await traced.stats('docs-v2')).toEqual({ chunks: 7, documents: 2 }); // other methods pass through
    const searcher: Searcher = {
      search: async (req, c) => ({ index: c.variant.index, hits: await traced.search(c.variant.index, { tenant: c.tenant, dense: [1], sparse: { indices: [1], values: [1] }, topK: req.topK ?? 5, candidates: 100, rrfK: 60 }), timings: {} }),
    };
    await new TracedSearcher(searcher).search({ query: QUERY, topK: 3 }, ctx);
    const all = await spans();
    const stage = all.find((s) => s.name === 'retrieval docs-v2')!;
    const search = all.find((s) => s.name === 'search docs-v2')!;
    expect(stage.attributes).toMatchObject({
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'docs-v2',
      'ragops.index': 'docs-v2',
      'ragops.retrieval.top_k': 3,
      'ragops.retrieval.mode': 'hybrid',
      'ragops.retrieval.rerank': true,
      'ragops.retrieval.hits': 2,
      'ragops.retrieval.top_score': 0.9,
    });
    expect(search.parentSpanContext?.spanId).toBe(stage.spanContext().spanId);
    expect(search.attributes).toMatchObject({ 'db.operation.name': 'search', 'db.collection.name': 'docs-v2', 'ragops.retrieval.mode': 'hybrid', 'ragops.retrieval.hits': 2 });
  });

  it('rerank: model, candidates in, kept out, best relevance', async () => {
    const inner: Reranker = { model: 'bge-reranker', rerank: async (_q, hits, topN) => hits.slice(0, topN).map((h, i) => ({ ...h, score: 1 - i / 10 })) };
    await new TracedReranker(inner, 'tei').rerank(QUERY, [hit(0.1), hit(0.2), hit(0.3)], 2, ctx);
    const [span] = await spans();
    expect(span!.name).toBe('rerank bge-reranker');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.attributes).toMatchObject({ 'gen_ai.provider.name': 'tei', 'ragops.rerank.input': 3, 'ragops.retrieval.top_k': 2, 'ragops.retrieval.hits': 2, 'ragops.retrieval.top_score': 1 });
  });

  it('generation: prompt, requested and responding model, tokens, cost, finish reason; the LLM call a child chat span', async () => {
    const chat = new TracedChatModel({ model: 'gpt-test', complete: async () => ({ ...completion, timeToFirstTokenMs: 250 }) }, 'openai');
    const generator = new TracedGenerator({
      generate: async (input): Promise<GenerateReply> => {
        await chat.complete({ messages: [{ role: 'user', content: input.query }], maxTokens: 64, temperature: 0 }, ctx);
        return { answer: `answer for ${input.query}`, citations: [{ n: 1, chunkId: 'd#1', docId: 'd' }], model: 'gpt-test-2025', usage: { promptTokens: 120, completionTokens: 30 }, finishReason: 'stop', droppedChunks: 1, costUsd: 0.002 };
      },
    });
    await generator.generate({ query: QUERY, chunks: [hit(0.9)] }, ctx);
    const all = await spans();
    const stage = all.find((s) => s.name === 'generate rag-answer@1')!;
    const llm = all.find((s) => s.name === 'chat gpt-test')!;
    expect(stage.attributes).toMatchObject({
      'ragops.prompt': 'rag-answer@1',
      'gen_ai.request.model': 'extractive',
      'gen_ai.response.model': 'gpt-test-2025',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.response.finish_reasons': ['stop'],
      'ragops.generation.chunks': 1,
      'ragops.generation.dropped_chunks': 1,
      'ragops.cost_usd': 0.002,
    });
    expect(llm.parentSpanContext?.spanId).toBe(stage.spanContext().spanId);
    expect(llm.kind).toBe(SpanKind.CLIENT);
    expect(llm.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.response.model': 'gpt-test-2025',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0,
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.response.time_to_first_chunk': 0.25,
      'ragops.usage.estimated': false,
    });
  });

  it('a streamed chat records time to first chunk and the final usage, and ends its span when the consumer stops early', async () => {
    const generator = { closed: 0 };
    const inner: ChatModel = {
      model: 'gpt-test',
      complete: async () => completion,
      async *stream(): AsyncIterable<ChatDelta> {
        try {
          await new Promise((r) => setTimeout(r, 20));
          yield { text: 'Hel' };
          yield { text: 'lo' };
          yield { text: '', final: completion };
        } finally {
          generator.closed++;
        }
      },
    };
    const chat = new TracedChatModel(inner, 'openai');
    let text = '';
    for await (const d of chat.stream!({ messages: [{ role: 'user', content: QUERY }] }, ctx)) text += d.text;
    expect(text).toBe('Hello');
    expect(generator.closed).toBe(1);
    let [span] = await spans();
    expect(span!.attributes['gen_ai.request.stream']).toBe(true);
    expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0.015);
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(30);

    tracing.reset();
    for await (const d of chat.stream!({ messages: [{ role: 'user', content: QUERY }] }, ctx)) if (d.text) break;
    expect(generator.closed).toBe(2); // the early break reached the model's stream and closed it
    [span] = await spans();
    expect(span!.ended).toBe(true);
    expect(span!.attributes).not.toHaveProperty('gen_ai.usage.output_tokens');
  });

  it('marks a failed model call with its error code', async () => {
    const failing = new TracedEmbedder({ model: 'm', dimensions: 2, embed: () => Promise.reject(Object.assign(new Error('429 for jane@example.com'), { code: 'RATE_LIMITED' })) }, { provider: 'openai', remote: true });
    await expect(failing.embed(['x'], 'query', ctx)).rejects.toThrow('429');
    const [span] = await spans();
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.attributes['error.type']).toBe('RATE_LIMITED');
    expect(span!.status.code).toBe(2);
  });

  it("a stage that is all of a hop's work annotates the hop's SERVER span instead of adding a child span", async () => {
    const hop = getTracer().startSpan('process ragops.v1.retrieval.search', { kind: SpanKind.SERVER });
    const searcher = new TracedSearcher({ search: async () => ({ index: 'docs-v2', hits: [hit(0.7)], timings: {} }) });
    await context.with(activateHopSpan(ROOT_CONTEXT, hop), () => searcher.search({ query: QUERY }, ctx));
    hop.end();
    const all = await spans();
    expect(all.map((s) => s.name)).toEqual(['process ragops.v1.retrieval.search']);
    expect(all[0]!.attributes).toMatchObject({ 'gen_ai.operation.name': 'retrieval', 'ragops.index': 'docs-v2', 'ragops.retrieval.hits': 1, 'ragops.retrieval.top_score': 0.7 });

    // Below another span (not directly the hop's work), it is a span of its own again.
    tracing.reset();
    const hop2 = getTracer().startSpan('hop', { kind: SpanKind.SERVER });
    await context.with(activateHopSpan(ROOT_CONTEXT, hop2), () => getTracer().startActiveSpan('other', (o) => searcher.search({ query: QUERY }, ctx).finally(() => o.end())));
    hop2.end();
    expect((await spans()).map((s) => s.name).sort()).toEqual(['hop', 'other', 'retrieval docs-v2']);
  });

  it('wraps only while tracing is on (no wrapper at all when off)', async () => {
    const value = { model: 'm' };
    expect(whenTracing(value, () => ({ model: 'wrapped' }))).toEqual({ model: 'wrapped' });
    await tracing.shutdown();
    try {
      expect(whenTracing(value, () => ({ model: 'wrapped' }))).toBe(value);
    } finally {
      tracing = await startInMemoryTracing();
    }
  });
});

describe('traced ports under a parent-based sampler', () => {
  let tracing: InMemoryTracing;
  beforeAll(async () => {
    tracing = await startInMemoryTracing('parent-based', { OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
  });
  afterAll(() => tracing.shutdown());

  const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parent = (flags: TraceFlags) => trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: flags, isRemote: true });

  it("an unsampled trace: every decorator calls straight through in the caller's context and records nothing; a sampled one is traced", async () => {
    // What each inner port sees as the active trace: its own outgoing calls must still carry the caller's decision.
    const seen: (string | undefined)[] = [];
    const observed = <T>(value: T): T => {
      seen.push(trace.getActiveSpan()?.spanContext().traceId);
      return value;
    };
    const reply: GenerateReply = { answer: 'a', citations: [], model: 'm', usage: { promptTokens: 1, completionTokens: 1 }, finishReason: 'stop', droppedChunks: 0 };
    const embed = async (texts: string[]) => observed(texts.map(() => [1, 0]));
    const embedder = new TracedEmbedder({ model: 'm', dimensions: 2, embed }, { provider: 'ragops.local', remote: false });
    const remote = new TracedEmbedder({ model: 'm', dimensions: 2, embed }, { provider: 'openai', remote: true });
    const searcher = new TracedSearcher({ search: async () => observed({ index: 'docs-v2', hits: [hit(0.7)], timings: {} }) });
    const store = tracedVectorStore({ search: async () => observed([hit(0.7)]) } as unknown as VectorStore);
    const reranker = new TracedReranker({ model: 'r', rerank: async (_q, hits) => observed([...hits]) }, 'tei');
    const generator = new TracedGenerator({ generate: async () => observed(reply) });
    const chat = new TracedChatModel(
      {
        model: 'gpt-test',
        complete: async () => observed(completion),
        async *stream(): AsyncIterable<ChatDelta> {
          yield observed({ text: 'a', final: completion });
        },
      },
      'openai',
    );
    const callAll = async () => {
      await embedder.embed(['q'], 'query', ctx);
      await remote.embed(['q'], 'query', ctx);
      await searcher.search({ query: 'q' }, ctx);
      await store.search('docs-v2', { tenant: 'acme', dense: [1], topK: 1, candidates: 10, rrfK: 60 });
      await reranker.rerank('q', [hit(0.5)], 1, ctx);
      await generator.generate({ query: 'q', chunks: [] }, ctx);
      await chat.complete({ messages: [{ role: 'user', content: 'q' }] }, ctx);
      for await (const delta of chat.stream!({ messages: [{ role: 'user', content: 'q' }] }, ctx)) expect(delta.text).toBe('a');
    };

    await context.with(parent(TraceFlags.NONE), callAll);
    expect(await tracing.spans()).toEqual([]);
    expect(seen).toEqual(new Array(8).fill(TRACE_ID));

    await context.with(parent(TraceFlags.SAMPLED), callAll);
    const names = (await tracing.spans()).map((s) => s.name).sort();
    expect(names).toEqual(['chat gpt-test', 'chat gpt-test', 'embeddings m', 'embeddings m', 'generate rag-answer@1', 'rerank r', 'retrieval docs-v2', 'search docs-v2']);
  });
});
