import { beforeEach, describe, expect, it } from '@jest/globals';
import { AppError, type IngestBatch, ManualClock, type RequestContext, type SourceDocument } from '@ragops/contracts';
import { createBm25Encoder } from '@ragops/search';
import { testContext } from '@ragops/testing';
import { cl100kCounter, contentHash, createAnalyzer, createChunker } from '@ragops/text';
import { MemoryVectorStore } from '@ragops/vector-store';
import { Indexer } from './indexer.service.js';
import type { Embedder, EmbedKind } from './ports/embedder.port.js';

/** Deterministic 4-d vectors; records every call so tests can see what was (not) embedded. */
class RecordingEmbedder implements Embedder {
  readonly model = 'test-4';
  readonly dimensions = 4;
  readonly calls: string[][] = [];
  fail?: AppError;
  short = false;
  async embed(texts: string[], _kind: EmbedKind, _ctx: RequestContext): Promise<number[][]> {
    this.calls.push(texts);
    if (this.fail) throw this.fail;
    const out = texts.map((t) => [t.length % 7, (t.length % 5) + 1, 1, t.includes('alpha') ? 3 : 0]);
    return this.short ? out.slice(1) : out;
  }
}

const analyzer = createAnalyzer();
const batch = (documents: SourceDocument[], n = 0): IngestBatch => ({ jobId: 'job-1', batch: n, batches: 1, tenant: 'acme', index: 'docs', documents });
const ctx = testContext();

describe('Indexer', () => {
  let store: MemoryVectorStore;
  let embedder: RecordingEmbedder;
  let indexer: Indexer;

  beforeEach(() => {
    store = new MemoryVectorStore();
    embedder = new RecordingEmbedder();
    indexer = new Indexer({
      store,
      embedder,
      chunker: createChunker({ maxTokens: 32, overlapTokens: 4, counter: cl100kCounter() }),
      sparse: createBm25Encoder({ analyzer }),
      hash: contentHash,
      clock: new ManualClock(42),
    });
  });

  it('chunks, embeds (title + text) and upserts new documents with deterministic chunk ids', async () => {
    const result = await indexer.indexBatch(batch([{ id: 'a', title: 'Alpha', text: 'alpha beta gamma. '.repeat(20) }, { id: 'b', text: 'short one' }]), ctx);
    expect(result).toMatchObject({ batch: 0, indexed: 2, unchanged: 0, failed: 0, errors: [], finishedAt: 42 });
    expect(result.chunks).toBeGreaterThan(2);
    expect(embedder.calls).toHaveLength(1); // one embed call for the whole batch
    expect(embedder.calls[0][0].startsWith('Alpha\n')).toBe(true);
    expect(await store.stats('docs')).toEqual({ chunks: result.chunks, documents: 2 });
    const hits = await store.search('docs', { tenant: 'acme', sparse: createBm25Encoder({ analyzer }).encodeQuery('short'), topK: 5, candidates: 10, rrfK: 60 });
    expect(hits[0]).toMatchObject({ chunkId: 'b#0', docId: 'b' });
  });

  it('skips unchanged documents (same content hash) without embedding them again', async () => {
    const docs = [{ id: 'a', text: 'alpha beta gamma' }];
    await indexer.indexBatch(batch(docs), ctx);
    const again = await indexer.indexBatch(batch(docs), ctx);
    expect(again).toMatchObject({ indexed: 0, unchanged: 1, chunks: 0 });
    expect(embedder.calls).toHaveLength(1);
  });

  it('replaces a changed document: new chunks in place, stale chunks of the old version removed', async () => {
    await indexer.indexBatch(batch([{ id: 'a', text: 'alpha beta gamma delta. '.repeat(30) }]), ctx);
    const before = await store.stats('docs');
    expect(before.chunks).toBeGreaterThan(1);
    const result = await indexer.indexBatch(batch([{ id: 'a', text: 'now much shorter' }]), ctx);
    expect(result).toMatchObject({ indexed: 1, chunks: 1 });
    expect(await store.stats('docs')).toEqual({ chunks: 1, documents: 1 });
    expect(await store.documentHash('docs', 'acme', 'a')).toBe(contentHash({ text: 'now much shorter' }));
  });

  it('reports a document with nothing indexable per document and indexes the rest', async () => {
    const result = await indexer.indexBatch(batch([{ id: 'ok', text: 'fine text' }, { id: 'empty', text: '<script>x</script>', format: 'html' }]), ctx);
    expect(result).toMatchObject({ indexed: 1, failed: 1 });
    expect(result.errors).toEqual([{ docId: 'empty', code: 'VALIDATION_FAILED', message: 'document has no indexable text' }]);
  });

  it('throws (so the batch is redelivered) when embedding fails, writing nothing', async () => {
    embedder.fail = new AppError('UNAVAILABLE', 'embedding down');
    await expect(indexer.indexBatch(batch([{ id: 'a', text: 'alpha' }]), ctx)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await store.stats('docs')).toEqual({ chunks: 0, documents: 0 });
  });

  it('refuses a reply with the wrong number of vectors as UPSTREAM_FAILED', async () => {
    embedder.short = true;
    await expect(indexer.indexBatch(batch([{ id: 'a', text: 'alpha' }]), ctx)).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
  });

  it('re-delivery of the same batch leaves exactly one copy of every chunk', async () => {
    const docs = Array.from({ length: 10 }, (_, i) => ({ id: `d${i}`, text: `document ${i} `.repeat(40) }));
    const first = await indexer.indexBatch(batch(docs), ctx);
    await indexer.indexBatch(batch(docs), ctx);
    expect(await store.stats('docs')).toEqual({ chunks: first.chunks, documents: 10 });
  });
});
