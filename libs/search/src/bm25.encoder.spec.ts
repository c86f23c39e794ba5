import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError } from '@ragops/contracts';
import { createAnalyzer, type Analyzer } from '@ragops/text';
import { createBm25Encoder, DEFAULT_BM25_PARAMS, meanAnalyzedLength } from './bm25.encoder.js';
import { termId } from './term-id.js';

/** Whitespace analyzer: keeps the expected terms obvious in these tests. */
const words: Analyzer = { analyze: (text) => text.split(/\s+/).filter(Boolean) };

/** The document-side BM25 term weight, written out from the formula. */
const tfPart = (tf: number, dl: number, k1: number, b: number, avgdl: number) =>
  (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * dl) / avgdl));

describe('createBm25Encoder', () => {
  it('weights document terms by the BM25 tf part with dl = analysed term count', () => {
    const enc = createBm25Encoder({ analyzer: words, k1: 1.2, b: 0.75, avgDocLength: 4 });
    const v = enc.encodeDocument('cell cell cell death growth'); // dl = 5
    const expected = new Map([
      [termId('cell'), tfPart(3, 5, 1.2, 0.75, 4)],
      [termId('death'), tfPart(1, 5, 1.2, 0.75, 4)],
      [termId('growth'), tfPart(1, 5, 1.2, 0.75, 4)],
    ]);
    expect(v.indices).toEqual([...expected.keys()].sort((a, b) => a - b));
    v.indices.forEach((id, i) => expect(v.values[i]).toBeCloseTo(expected.get(id)!, 12));
  });

  it('gives a document of average length the plain saturation tf·(k1+1)/(tf+k1), and b = 0 ignores length', () => {
    const enc = createBm25Encoder({ analyzer: words, k1: 0.9, b: 0.4, avgDocLength: 2 });
    expect(enc.encodeDocument('a a').values).toEqual([(2 * 1.9) / (2 + 0.9)]);
    const flat = createBm25Encoder({ analyzer: words, k1: 0.9, b: 0, avgDocLength: 2 });
    expect(flat.encodeDocument('a x y z w').values[0]).toBeCloseTo(1.9 / 1.9, 12);
  });

  it('sends 1 per distinct query term by default, or the query tf when asked', () => {
    const binary = createBm25Encoder({ analyzer: words });
    const q = binary.encodeQuery('tumour tumour suppressor');
    expect(q.values).toEqual([1, 1]);
    expect(q.indices).toEqual([termId('tumour'), termId('suppressor')].sort((a, b) => a - b));
    const tf = createBm25Encoder({ analyzer: words, queryWeighting: 'tf' }).encodeQuery('tumour tumour suppressor');
    expect(tf.indices).toEqual(q.indices);
    expect(tf.values[tf.indices.indexOf(termId('tumour'))]).toBe(2);
  });

  it('merges terms whose ids collide, as one term with the summed count', () => {
    // "costarring" and "liquid" are a known FNV-1a 32-bit collision.
    expect(termId('costarring')).toBe(termId('liquid'));
    const enc = createBm25Encoder({ analyzer: words, k1: 1.2, b: 0.75, avgDocLength: 3 });
    const v = enc.encodeDocument('costarring liquid water');
    expect(v.indices).toHaveLength(2);
    expect(v.values[v.indices.indexOf(termId('liquid'))]).toBeCloseTo(tfPart(2, 3, 1.2, 0.75, 3), 12);
    expect(createBm25Encoder({ analyzer: words, queryWeighting: 'tf' }).encodeQuery('costarring liquid').values).toEqual([2]);
  });

  it('encodes text with no terms as an empty vector', () => {
    const enc = createBm25Encoder({ analyzer: createAnalyzer() });
    expect(enc.encodeDocument('the of and ...')).toEqual({ indices: [], values: [] });
    expect(enc.encodeQuery('')).toEqual({ indices: [], values: [] });
  });

  it('uses the measured defaults and exposes its parameters', () => {
    expect(createBm25Encoder({ analyzer: words }).params).toEqual(DEFAULT_BM25_PARAMS);
    expect(createBm25Encoder({ analyzer: words, k1: 2 }).params).toEqual({ ...DEFAULT_BM25_PARAMS, k1: 2 });
  });

  it('rejects bad parameters, naming each one', () => {
    let caught: unknown;
    try {
      createBm25Encoder({ analyzer: words, k1: -1, b: 1.5, avgDocLength: 0 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('VALIDATION_FAILED');
    expect((caught as AppError).message).toMatch(/k1.*b.*avgDocLength/);
    expect(() => createBm25Encoder({ analyzer: words, queryWeighting: 'bm25' as 'tf' })).toThrow(/queryWeighting/);
  });

  it('always yields ascending unique uint32 indices and weights in (0, k1 + 1)', () => {
    const term = fc.constantFrom('a', 'b', 'c', 'gene', 'cell', 'costarring', 'liquid', 'x1', 'é', '東京');
    fc.assert(
      fc.property(fc.array(term, { maxLength: 60 }), fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (terms, k1, b) => {
        const enc = createBm25Encoder({ analyzer: words, k1, b, avgDocLength: 10 });
        for (const v of [enc.encodeDocument(terms.join(' ')), enc.encodeQuery(terms.join(' '))]) {
          expect(v.indices.length).toBe(v.values.length);
          v.indices.forEach((id, i) => {
            expect(id >>> 0).toBe(id);
            if (i > 0) expect(id).toBeGreaterThan(v.indices[i - 1]);
          });
        }
        for (const w of enc.encodeDocument(terms.join(' ')).values) {
          expect(w).toBeGreaterThan(0);
          expect(w).toBeLessThan(k1 + 1);
        }
        expect(new Set(enc.encodeDocument(terms.join(' ')).indices)).toEqual(new Set(terms.map(termId)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('meanAnalyzedLength', () => {
  it('is the mean analysed term count', () => {
    expect(meanAnalyzedLength(words, ['a b c', 'a', ''])).toBeCloseTo(4 / 3, 12);
    expect(() => meanAnalyzedLength(words, [])).toThrow(AppError);
  });
});
