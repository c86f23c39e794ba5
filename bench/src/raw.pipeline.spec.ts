import { describe, expect, it } from '@jest/globals';
import { createBm25Encoder } from '@ragops/search';
import { createAnalyzer } from '@ragops/text';
import { runRawPipeline, timeAnalysis } from './raw.pipeline.js';

describe('runRawPipeline', () => {
  const docs = [
    { id: 'a', title: 'Cells', text: 'Cell death is regulated. '.repeat(80) },
    { id: 'b', text: 'BM25 ranks documents by term frequency and inverse document frequency.' },
    { id: 'c', title: 'Short', text: 'One sentence.' },
  ];

  it('indexes every chunk of every document, searchable afterwards', async () => {
    const r = await runRawPipeline(docs, { maxTokens: 64, overlapTokens: 8, batchSize: 2 });
    expect(r.documents).toBe(3);
    expect(r.chunks).toBeGreaterThan(3); // document a needs several 64-token chunks
    expect(await r.store.stats('default')).toEqual({ chunks: r.chunks, documents: 3 });
    for (const ms of Object.values(r.stages)) expect(ms).toBeGreaterThanOrEqual(0);
    expect(r.totalMs).toBeGreaterThanOrEqual(Object.values(r.stages).reduce((a, b) => a + b, 0) - 1e-6);
    const sparse = createBm25Encoder({ analyzer: createAnalyzer() }).encodeQuery('inverse document frequency');
    const hits = await r.store.search('default', { tenant: 'default', sparse, topK: 3, candidates: 3, rrfK: 60 });
    expect(hits[0]?.docId).toBe('b');
    await r.store.close();
  });

  it('times the analyzer over texts', () => {
    expect(timeAnalysis(['a text to analyse', 'another one'])).toBeGreaterThanOrEqual(0);
  });
});
