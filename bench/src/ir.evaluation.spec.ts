import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { collapseToDocuments, scoreRun } from './ir.evaluation.js';

describe('collapseToDocuments', () => {
  it('ranks each document where its best (first) chunk ranks', () => {
    const hits = [{ docId: 'b' }, { docId: 'a' }, { docId: 'b' }, { docId: 'c' }, { docId: 'a' }];
    expect(collapseToDocuments(hits)).toEqual(['b', 'a', 'c']);
  });

  it('keeps every document once, in order of first appearance', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<string>('a', 'b', 'c', 'd', 'e')), (ids) => {
        const docs = collapseToDocuments(ids.map((docId) => ({ docId })));
        expect(new Set(docs).size).toBe(docs.length);
        expect(new Set(docs)).toEqual(new Set(ids));
        expect(docs).toEqual([...docs].sort((x, y) => ids.indexOf(x) - ids.indexOf(y)));
      }),
    );
  });
});

describe('scoreRun', () => {
  const qrels = new Map([
    ['q1', new Map([['d1', 1]])],
    ['q2', new Map([['d2', 2], ['d3', 1]])],
  ]);

  it('scores a perfect run 1 on every metric', () => {
    const run = new Map([
      ['q1', ['d1', 'x']],
      ['q2', ['d2', 'd3']],
    ]);
    expect(scoreRun(run, qrels)).toEqual({ queries: 2, ndcg10: 1, recall100: 1, mrr10: 1 });
  });

  it('counts a query without results as retrieving nothing', () => {
    const run = new Map([['q1', ['d1']]]);
    const s = scoreRun(run, qrels);
    expect(s.queries).toBe(2);
    expect(s.ndcg10).toBe(0.5);
    expect(s.recall100).toBe(0.5);
  });

  it('drops a retrieved document whose id is the query id (BEIR default), unless told not to', () => {
    const selfQrels = new Map([['q1', new Map([['q1', 1], ['d1', 1]])]]);
    const run = new Map([['q1', ['q1', 'd1']]]);
    expect(scoreRun(run, selfQrels).mrr10).toBe(1); // d1 moves to rank 1
    expect(scoreRun(run, selfQrels, false).recall100).toBe(1);
    expect(scoreRun(run, selfQrels, true).recall100).toBe(0.5);
  });

  it('rewards a relevant document less the lower it ranks', () => {
    const at = (rank: number) => scoreRun(new Map([['q1', [...Array.from({ length: rank - 1 }, (_, i) => `x${i}`), 'd1']]]), new Map([['q1', new Map([['d1', 1]])]]));
    expect(at(1).ndcg10).toBeGreaterThan(at(2).ndcg10);
    expect(at(11).ndcg10).toBe(0);
    expect(at(11).recall100).toBe(1);
    expect(at(11).mrr10).toBe(0);
  });
});
