import { describe, expect, it } from '@jest/globals';
import { AppError, type BatchResult, type ChunkHit, defaultVariant, type IngestBatch, ManualClock, type RequestContext, type SearchReply } from '@ragops/contracts';
import type { ChatCompletion, ChatDelta, ChatModel, DeliveryOutcome, Embedder, JobQueue, JobStore, Searcher } from '@ragops/rag';
import { createBm25Encoder } from '@ragops/search';
import { cl100kCounter, contentHash, createAnalyzer, createChunker } from '@ragops/text';
import { MemoryVectorStore } from '@ragops/vector-store';
import { MeteredChatModel } from './metered.chat-model.js';
import { MeteredChunker } from './metered.chunker.js';
import { cacheLookupCounter, MeteredEmbedder } from './metered.embedder.js';
import { MeteredGenerator } from './metered.generator.js';
import { MeteredIndexer } from './metered.indexer.js';
import { ingestBook } from './metered.ingest-book.js';
import { MeteredJobQueue } from './metered.job-queue.js';
import { MeteredJobStore } from './metered.job-store.js';
import { duplicateCount, MeteredSearcher, RerankMeter } from './metered.searcher.js';
import { meteredVectorStore } from './metered.vector-store.js';
import { createMetrics, type ServiceMetrics } from './metrics.registry.js';

/** The sum of the samples of `name` whose labels include all of `labels`; undefined when there is none. */
async function value(m: ServiceMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  let total: number | undefined;
  for (const line of (await m.registry.metrics()).split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

/** A clock for durations that moves `stepMs` on every reading. */
function ticking(stepMs: number): () => number {
  let t = 0;
  return () => (t += stepMs) - stepMs;
}

const context = (over: { id?: string; mode?: 'hybrid' | 'dense' | 'sparse'; rerank?: boolean; tenant?: string } = {}): RequestContext => ({
  requestId: 'r1',
  tenant: over.tenant ?? 'acme',
  deadline: Date.now() + 60_000,
  variant: { ...defaultVariant, id: over.id ?? 'canary', retrieval: { ...defaultVariant.retrieval, mode: over.mode ?? 'hybrid', rerank: over.rerank ?? false } },
});
const hit = (text: string, score: number): ChunkHit => ({ chunkId: `${text}#${score}`, docId: text, score, text });
const late = () => new AppError('DEADLINE_EXCEEDED', 'out of time');

describe('MeteredEmbedder and the cache counter', () => {
  it('times each model call as the embedding stage, failed ones too, and counts deadline failures as timeouts', async () => {
    const m = createMetrics('embedding');
    let fail: AppError | undefined;
    const inner: Embedder = {
      model: 'e',
      dimensions: 2,
      embed: async (texts) => {
        if (fail) throw fail;
        return texts.map(() => [1, 0]);
      },
    };
    const embedder = new MeteredEmbedder(inner, m, ticking(300));
    expect([embedder.model, embedder.dimensions]).toEqual(['e', 2]);
    expect(await embedder.embed(['a', 'b'], 'query', context())).toEqual([[1, 0], [1, 0]]);
    fail = late();
    await expect(embedder.embed(['a'], 'query', context())).rejects.toBe(fail);
    fail = new AppError('UNAVAILABLE', 'down');
    await expect(embedder.embed(['a'], 'query', context())).rejects.toBe(fail);
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'embedding' })).toBe(3);
    expect(await value(m, 'ragops_stage_duration_seconds_bucket', { stage: 'embedding', le: '0.25' })).toBe(0);
    expect(await value(m, 'ragops_stage_duration_seconds_bucket', { stage: 'embedding', le: '0.5' })).toBe(3);
    expect(await value(m, 'ragops_timeouts_total', { stage: 'embedding' })).toBe(1);
  });

  it('counts lookups per text by result, and each failure to reach the cache as an error', async () => {
    const m = createMetrics('embedding');
    const hooks = cacheLookupCounter(m, 'embedding');
    hooks.onLookup('hit', 3);
    hooks.onLookup('miss', 2);
    hooks.onCacheError(new AppError('UNAVAILABLE', 'redis down'));
    expect(await value(m, 'ragops_cache_requests_total', { cache: 'embedding', result: 'hit' })).toBe(3);
    expect(await value(m, 'ragops_cache_requests_total', { cache: 'embedding', result: 'miss' })).toBe(2);
    expect(await value(m, 'ragops_cache_requests_total', { cache: 'embedding', result: 'error' })).toBe(1);
    expect(await value(m, 'ragops_cache_requests_total', { cache: 'answer', result: 'hit' })).toBe(0);
  });
});

describe('MeteredSearcher and RerankMeter', () => {
  /** A searcher answering `reply`, telling `meter` the rerank outcome as the Retriever does. */
  function searcher(reply: () => SearchReply, meter?: RerankMeter, outcome?: 'applied' | 'skipped' | 'failed', error?: AppError): Searcher {
    return {
      search: async (_req, ctx) => {
        if (meter && outcome) meter.observe(outcome, error, ctx);
        return reply();
      },
    };
  }

  it('records hits, empty results, duplicates and every score per variant, and the stages inside from the timings', async () => {
    const m = createMetrics('retrieval');
    const hits = [hit('a', 0.03), hit('b', 0.02), hit('a', 0.01), hit('a', 0.005)];
    const s = new MeteredSearcher(searcher(() => ({ index: 'i', hits, timings: { embedMs: 40, searchMs: 3 } })), m, undefined, ticking(10));
    await s.search({ query: 'q' }, context());
    const empty = new MeteredSearcher(searcher(() => ({ index: 'i', hits: [], timings: { embedMs: 0, searchMs: 1 } })), m);
    await empty.search({ query: 'q' }, context({ mode: 'sparse' }));
    const v = { variant: 'canary' };
    expect(await value(m, 'ragops_retrieval_hits_count', v)).toBe(2);
    expect(await value(m, 'ragops_retrieval_hits_sum', v)).toBe(4);
    expect(await value(m, 'ragops_retrieval_hits_bucket', { ...v, le: '0' })).toBe(1);
    expect(await value(m, 'ragops_retrieval_empty_results_total', v)).toBe(1);
    expect(await value(m, 'ragops_retrieval_duplicate_chunks_total', v)).toBe(2);
    expect(await value(m, 'ragops_retrieval_score_count', { ...v, scorer: 'rrf' })).toBe(4);
    expect(await value(m, 'ragops_retrieval_score_bucket', { ...v, scorer: 'rrf', le: '0.01' })).toBe(2);
    expect(await value(m, 'ragops_retrieval_score_count', { ...v, scorer: 'bm25' })).toBeUndefined();
    // the sparse search embedded nothing: one embedding stage (the hybrid one), two vector searches, no rerank
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'embedding' })).toBe(1);
    expect(await value(m, 'ragops_stage_duration_seconds_bucket', { stage: 'embedding', le: '0.05' })).toBe(1);
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'vector_search' })).toBe(2);
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'rerank' })).toBeUndefined();
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'retrieval' })).toBe(2);
  });

  it('labels scores with the scorer that produced them: bm25, dense, rerank only when the rerank really applied', async () => {
    const m = createMetrics('retrieval');
    const meter = new RerankMeter(m);
    const reply = () => ({ index: 'i', hits: [hit('a', 0.9)], timings: { embedMs: 1, searchMs: 1, rerankMs: 5 } });
    await new MeteredSearcher(searcher(reply), m, meter).search({ query: 'q' }, context({ mode: 'sparse' }));
    await new MeteredSearcher(searcher(reply), m, meter).search({ query: 'q' }, context({ mode: 'dense' }));
    await new MeteredSearcher(searcher(reply, meter, 'applied'), m, meter).search({ query: 'q' }, context({ rerank: true }));
    // a failed rerank answers in fused order: its scores are RRF sums, whatever the timings say
    await new MeteredSearcher(searcher(reply, meter, 'failed', late()), m, meter).search({ query: 'q' }, context({ rerank: true }));
    const scorers = Object.fromEntries(await Promise.all(['bm25', 'dense', 'rrf', 'rerank'].map(async (scorer) => [scorer, await value(m, 'ragops_retrieval_score_count', { scorer })])));
    expect(scorers).toEqual({ bm25: 1, dense: 1, rrf: 1, rerank: 1 });
    expect(await value(m, 'ragops_retrieval_rerank_total', { variant: 'canary', outcome: 'applied' })).toBe(1);
    expect(await value(m, 'ragops_retrieval_rerank_total', { variant: 'canary', outcome: 'failed' })).toBe(1);
    expect(await value(m, 'ragops_timeouts_total', { stage: 'rerank' })).toBe(1);
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'rerank' })).toBe(4);
  });

  it('counts a search that ran out of time as a retrieval timeout and records nothing about its hits', async () => {
    const m = createMetrics('retrieval');
    const failing: Searcher = { search: async () => Promise.reject(late()) };
    await expect(new MeteredSearcher(failing, m).search({ query: 'q' }, context())).rejects.toThrow('out of time');
    expect(await value(m, 'ragops_timeouts_total', { stage: 'retrieval' })).toBe(1);
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'retrieval' })).toBe(1);
    expect(await value(m, 'ragops_retrieval_hits_count')).toBeUndefined();
  });

  it('a duplicate is a hit whose text an earlier hit has, however often it repeats', () => {
    expect(duplicateCount([])).toBe(0);
    expect(duplicateCount([hit('x', 1), hit('y', 1), hit('x', 1), hit('x', 1), hit('', 1), hit('', 1)])).toBe(3);
  });
});

describe('MeteredChatModel and MeteredGenerator', () => {
  const completion = (over: Partial<ChatCompletion> = {}): ChatCompletion => ({
    choices: ['answer'],
    finishReason: 'stop',
    model: 'gpt-test-2025-01-01',
    usage: { promptTokens: 1000, completionTokens: 50, estimated: false },
    costUsd: 0.004,
    timeToFirstTokenMs: 180,
    ...over,
  });
  const chat = (answers: (ChatCompletion | Error)[]): ChatModel => ({
    model: 'gpt-test',
    complete: async () => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    },
  });

  it('records calls, tokens and cost per tenant, model (as configured) and variant, time to first token and window use', async () => {
    const m = createMetrics('generation');
    const model = new MeteredChatModel(chat([completion(), completion({ finishReason: 'length', costUsd: undefined, timeToFirstTokenMs: undefined })]), m, {
      contextWindow: 4000,
      now: ticking(1500),
    });
    await model.complete({ messages: [] }, context({ tenant: 'acme' }));
    await model.complete({ messages: [] }, context({ tenant: 'globex' }));
    const llm = { model: 'gpt-test', variant: 'canary' };
    expect(await value(m, 'ragops_llm_requests_total', { ...llm, outcome: 'success' })).toBe(2);
    expect(await value(m, 'ragops_llm_tokens_total', { ...llm, tenant: 'acme', token_type: 'prompt' })).toBe(1000);
    expect(await value(m, 'ragops_llm_tokens_total', { ...llm, tenant: 'globex', token_type: 'completion' })).toBe(50);
    // the second model has no price: no cost series rather than a 0 that looks like a free call
    expect(await value(m, 'ragops_llm_cost_usd_total', { ...llm, tenant: 'acme' })).toBe(0.004);
    expect(await value(m, 'ragops_llm_cost_usd_total', { ...llm, tenant: 'globex' })).toBeUndefined();
    expect(await value(m, 'ragops_llm_time_to_first_token_seconds_count', llm)).toBe(1);
    expect(await value(m, 'ragops_llm_time_to_first_token_seconds_bucket', { ...llm, le: '0.1' })).toBe(0);
    expect(await value(m, 'ragops_llm_time_to_first_token_seconds_bucket', { ...llm, le: '0.25' })).toBe(1);
    expect(await value(m, 'ragops_llm_context_window_utilization_ratio_sum', llm)).toBe(0.5);
    expect(await value(m, 'ragops_llm_truncations_total', { ...llm, kind: 'completion' })).toBe(1);
    expect(await value(m, 'ragops_stage_duration_seconds_bucket', { stage: 'llm', le: '1' })).toBe(0);
    expect(await value(m, 'ragops_stage_duration_seconds_bucket', { stage: 'llm', le: '2.5' })).toBe(2);
    expect(await value(m, 'ragops_llm_tokens_total', { model: 'gpt-test-2025-01-01' })).toBeUndefined();
  });

  it('counts failed calls by outcome — timeouts also as llm timeouts — and leaves window use out without a window', async () => {
    const m = createMetrics('generation');
    const failures = [late(), new AppError('RATE_LIMITED', 'slow down'), new AppError('UPSTREAM_FAILED', 'garbage'), new Error('bug')];
    const model = new MeteredChatModel(chat([...failures, completion()]), m);
    for (const f of failures) await expect(model.complete({ messages: [] }, context())).rejects.toBe(f);
    await model.complete({ messages: [] }, context());
    const llm = { model: 'gpt-test', variant: 'canary' };
    const outcomes = Object.fromEntries(
      await Promise.all(['success', 'error', 'timeout', 'rate_limited'].map(async (outcome) => [outcome, await value(m, 'ragops_llm_requests_total', { ...llm, outcome })])),
    );
    expect(outcomes).toEqual({ success: 1, error: 2, timeout: 1, rate_limited: 1 });
    expect(await value(m, 'ragops_timeouts_total', { stage: 'llm' })).toBe(1);
    expect(await value(m, 'ragops_llm_context_window_utilization_ratio_count', llm)).toBeUndefined();
    expect(await value(m, 'ragops_llm_truncations_total', { ...llm, kind: 'completion' })).toBe(0);
  });

  it('measures a stream: time to its first text, its final usage, and its duration even when the reader stops early', async () => {
    const m = createMetrics('generation');
    // The stream moves the clock itself: an empty delta at 50 ms, the first text at 230 ms.
    let t = 0;
    const streaming = (final: boolean): ChatModel => ({
      model: 'gpt-test',
      complete: async () => completion(),
      async *stream(): AsyncIterable<ChatDelta> {
        t = 50;
        yield { text: '' };
        t = 230;
        yield { text: 'Hel' };
        t = 300;
        yield { text: 'lo' };
        if (final) yield { text: '', final: completion({ timeToFirstTokenMs: undefined, usage: { promptTokens: 7, completionTokens: 2, estimated: true } }) };
      },
    });
    const read = async (model: ChatModel, stopAfter = Infinity) => {
      t = 0;
      let n = 0;
      for await (const _ of model.stream!({ messages: [] }, context())) if (++n >= stopAfter) break;
    };
    await read(new MeteredChatModel(streaming(true), m, { now: () => t }));
    await read(new MeteredChatModel(streaming(false), m, { now: () => t }), 2);
    const llm = { model: 'gpt-test', variant: 'canary' };
    expect(await value(m, 'ragops_llm_requests_total', { ...llm, outcome: 'success' })).toBe(1);
    expect(await value(m, 'ragops_llm_tokens_total', { ...llm, token_type: 'prompt' })).toBe(7);
    expect(await value(m, 'ragops_llm_time_to_first_token_seconds_sum', llm)).toBeCloseTo(0.23, 9);
    // both calls took time, the one read to its end (300 ms) and the one abandoned after "Hel" (230 ms)
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'llm' })).toBe(2);
    expect(await value(m, 'ragops_stage_duration_seconds_sum', { stage: 'llm' })).toBeCloseTo(0.53, 9);
    expect(new MeteredChatModel({ model: 'x', complete: async () => completion() }, m).stream).toBeUndefined();
  });

  it('counts answers whose prompt dropped chunks as context truncations (0 otherwise), with the configured model', async () => {
    const m = createMetrics('generation');
    const replies = [3, 0].map((droppedChunks) => ({ answer: 'a', citations: [], model: 'gpt-test-2025', usage: { promptTokens: 1, completionTokens: 1 }, finishReason: 'stop' as const, droppedChunks }));
    const generator = new MeteredGenerator({ generate: async () => replies.shift() ?? Promise.reject(late()) }, m, 'gpt-test');
    await generator.generate({ query: 'q', chunks: [] }, context());
    await generator.generate({ query: 'q', chunks: [] }, context({ id: 'default' }));
    await expect(generator.generate({ query: 'q', chunks: [] }, context())).rejects.toThrow('out of time');
    expect(await value(m, 'ragops_llm_truncations_total', { model: 'gpt-test', variant: 'canary', kind: 'context' })).toBe(1);
    expect(await value(m, 'ragops_llm_truncations_total', { model: 'gpt-test', variant: 'default', kind: 'context' })).toBe(0);
    expect(await value(m, 'ragops_timeouts_total', { stage: 'generation' })).toBe(1);
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'generation' })).toBe(3);
  });
});

describe('ingest instruments', () => {
  const batch = (index: string, documents: IngestBatch['documents']): IngestBatch => ({ jobId: 'job-1', batch: 0, batches: 1, tenant: 'acme', index, documents });

  /** A queue whose consume() hands back the handler, so a test can deliver batches itself. */
  function manualQueue() {
    let handler: ((b: IngestBatch, attempt: number) => Promise<DeliveryOutcome>) | undefined;
    const queue: JobQueue = {
      enqueue: async () => undefined,
      consume: async (h) => {
        handler = h;
        return { stop: async () => undefined };
      },
      pending: async () => 7,
    };
    return { queue, deliver: (b: IngestBatch) => handler!(b, 1) };
  }

  function memoryJobs(): JobStore & { recorded: BatchResult[] } {
    const recorded: BatchResult[] = [];
    return { recorded, create: async () => undefined, markStarted: async () => undefined, recordBatch: async (_id, r) => void recorded.push(r), get: async () => undefined };
  }

  it('a delivery is in flight and timed, and the chunks it writes and the results it records carry its index', async () => {
    const m = createMetrics('ingest');
    const { queue, deliver } = manualQueue();
    const metered = new MeteredJobQueue(queue, m, ticking(2000));
    const jobs = new MeteredJobStore(memoryJobs(), m);
    const chunker = new MeteredChunker(createChunker({ maxTokens: 64, overlapTokens: 0, counter: cl100kCounter() }), m);
    const store = meteredVectorStore(new MemoryVectorStore(), m);
    await store.ensureIndex('docs-v2', { dimensions: 2 });
    let inflight: number | undefined;
    await metered.consume(async (b) => {
      inflight = await value(m, 'ragops_inflight_requests', { transport: 'jetstream' });
      const chunks = chunker.chunk({ text: b.documents[0]!.text });
      const record = (text: string, i: number) => ({ chunkId: `d#${i}`, docId: 'd', tenant: 't', chunkIndex: i, docHash: 'h', text, dense: [1, 0], sparse: { indices: [1], values: [1] } });
      await store.upsert(b.index, chunks.map((c, i) => record(c.text, i)));
      await jobs.recordBatch(b.jobId, { batch: 0, indexed: 1, unchanged: 2, failed: 3, chunks: chunks.length, errors: [], finishedAt: 0 });
      return 'ack';
    });
    expect(await metered.pending()).toBe(7);
    expect(await deliver(batch('docs-v2', [{ id: 'd', text: 'word '.repeat(100) }]))).toBe('ack');
    expect(inflight).toBe(1);
    expect(await value(m, 'ragops_inflight_requests', { transport: 'jetstream' })).toBe(0);
    expect(await value(m, 'ragops_stage_duration_seconds_bucket', { stage: 'ingest_batch', le: '2.5' })).toBe(1);
    expect(await value(m, 'ragops_chunk_size_tokens_count', { index: 'docs-v2' })).toBe(2);
    expect(await value(m, 'ragops_chunk_size_tokens_sum', { index: 'docs-v2' })).toBeGreaterThanOrEqual(100);
    expect(await value(m, 'ragops_ingest_documents_total', { index: 'docs-v2', outcome: 'indexed' })).toBe(1);
    expect(await value(m, 'ragops_ingest_documents_total', { index: 'docs-v2', outcome: 'unchanged' })).toBe(2);
    expect(await value(m, 'ragops_ingest_documents_total', { index: 'docs-v2', outcome: 'failed' })).toBe(3);
    expect(await value(m, 'ragops_ingest_chunks_indexed_total', { index: 'docs-v2' })).toBe(2);
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'chunking' })).toBe(1);
    // after the delivery its job's index is forgotten, and a handler that throws still leaves the flight
    expect(ingestBook(m).indexOf('job-1')).toBe('unknown');
    await metered.consume(async () => Promise.reject(new Error('boom')));
    await expect(deliver(batch('docs-v2', [{ id: 'd', text: 'x' }]))).rejects.toThrow('boom');
    expect(await value(m, 'ragops_inflight_requests', { transport: 'jetstream' })).toBe(0);
    expect(ingestBook(m).indexOf('job-1')).toBe('unknown');
  });

  it('the ingest book: overlapping deliveries of one job, identical chunk texts, chunks never written', () => {
    const book = ingestBook(createMetrics('ingest'));
    book.begin('j', 'docs');
    book.begin('j', 'docs');
    book.end('j');
    expect(book.indexOf('j')).toBe('docs');
    book.end('j');
    expect(book.indexOf('j')).toBe('unknown');
    book.chunked('same text', 3);
    book.chunked('same text', 3);
    expect([book.take('same text'), book.take('same text'), book.take('same text')]).toEqual([3, 3, undefined]);
    // a batch that never reaches its write leaves its sizes behind; the oldest are dropped past the bound
    for (let i = 0; i < 50_001; i++) book.chunked(`t${i}`, i);
    expect(book.take('t0')).toBeUndefined();
    expect(book.take('t1')).toBe(1);
    expect(book.take('t50000')).toBe(50_000);
  });

  it('the indexer counts each failed attempt and each failed document by code', async () => {
    const m = createMetrics('ingest');
    let down = true;
    const embedder: Embedder = {
      model: 'e',
      dimensions: 2,
      embed: async (texts) => {
        if (down) throw new AppError('UNAVAILABLE', 'embedding service down');
        return texts.map(() => [1, 0]);
      },
    };
    const analyzer = createAnalyzer();
    const indexer = new MeteredIndexer(
      {
        store: new MemoryVectorStore(),
        embedder,
        chunker: createChunker({ maxTokens: 64, overlapTokens: 0, counter: cl100kCounter() }),
        sparse: createBm25Encoder({ analyzer }),
        hash: contentHash,
        clock: new ManualClock(0),
      },
      m,
    );
    const b = batch('docs', [
      { id: 'ok', text: 'Readiness probes gate traffic.' },
      { id: 'blank', text: '   ' },
    ]);
    await expect(indexer.indexBatch(b, context())).rejects.toThrow('embedding service down');
    await expect(indexer.indexBatch(b, context())).rejects.toThrow('embedding service down');
    down = false;
    const result = await indexer.indexBatch(b, context());
    expect([result.indexed, result.failed]).toEqual([1, 1]);
    expect(await value(m, 'ragops_ingest_failures_total', { code: 'UNAVAILABLE' })).toBe(2);
    expect(await value(m, 'ragops_ingest_failures_total', { code: 'VALIDATION_FAILED' })).toBe(1);
    expect(await value(m, 'ragops_ingest_failures_total', { code: 'INTERNAL' })).toBe(0);
  });

  it('the store times upserts and passes every other call through to itself', async () => {
    const m = createMetrics('ingest');
    const inner = new MemoryVectorStore();
    const store = meteredVectorStore(inner, m, ticking(4));
    await store.ensureIndex('i', { dimensions: 2 });
    await store.upsert('i', [{ chunkId: 'd#0', docId: 'd', tenant: 't', chunkIndex: 0, docHash: 'h', text: 'x', dense: [1, 0], sparse: { indices: [1], values: [1] } }]);
    expect(await store.stats('i')).toEqual({ chunks: 1, documents: 1 });
    expect(await store.hasIndex('i')).toBe(true);
    expect(await value(m, 'ragops_stage_duration_seconds_bucket', { stage: 'upsert', le: '0.005' })).toBe(1);
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'upsert' })).toBe(1);
    await expect(store.upsert('missing', [])).rejects.toThrow();
    expect(await value(m, 'ragops_stage_duration_seconds_count', { stage: 'upsert' })).toBe(2);
    // chunks the chunker did not note (another writer) are written without a size
    expect(await value(m, 'ragops_chunk_size_tokens_count', {})).toBeUndefined();
  });
});
