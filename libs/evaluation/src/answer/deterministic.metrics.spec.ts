import { describe, expect, it } from '@jest/globals';
import { defaultVariant, type RequestContext } from '@ragops/contracts';
import fc from 'fast-check';
import type { AnswerSample } from './answer-metric.types.js';
import { ClaimMatcher } from './claim.matcher.js';
import {
  averagePrecisionOf,
  createDeterministicMetrics,
  deterministicAnswerCorrectness,
  deterministicAnswerRelevancy,
  deterministicContextPrecision,
  deterministicContextRecall,
  deterministicFaithfulness,
} from './deterministic.metrics.js';

const matcher = new ClaimMatcher();
const ctx: RequestContext = { requestId: 'r', tenant: 't', deadline: 1, variant: defaultVariant };
const sample = (over: Partial<AnswerSample>): AnswerSample => ({ question: 'Where is the Eiffel Tower?', answer: '', contexts: [], ...over });

// Terms (analyzer: stop words out, Porter stems), worked out once for the hand-computed cases below:
//   "The Eiffel Tower is in Paris."  → eiffel tower pari        "It was built in 1889."      → built 1889
//   "It opened in Berlin."          → open berlin              "It was completed in 1889."  → complet 1889
//   "It is made of wood."           → made wood                "Berlin has many museums."   → berlin museum
//   "Where is the Eiffel Tower?"    → eiffel tower             "The tower is in Paris."     → tower pari
const PARIS = 'The Eiffel Tower is in Paris.';
const BUILT = 'It was built in 1889 by Gustave Eiffel.';

describe('deterministic faithfulness', () => {
  it('is the share of answer sentences whose terms the contexts cover (2 of 3 here)', () => {
    const r = deterministicFaithfulness(sample({ answer: `${PARIS} It was built in 1889. It opened in Berlin.`, contexts: [PARIS, BUILT] }), matcher);
    // eiffel/tower/pari 3/3 ✓, built/1889 2/2 ✓, open/berlin 0/2 ✗ → 2/3
    expect(r.value).toBeCloseTo(2 / 3, 12);
    expect(r.details?.claims?.map((c) => [c.coverage, c.supported])).toEqual([[1, true], [1, true], [0, false]]);
    expect(r).toMatchObject({ metric: 'faithfulness', implementation: 'deterministic', version: 'faithfulness/deterministic@1' });
  });

  it('ignores [n] citation markers, also after the full stop as the extractive generator writes them', () => {
    const r = deterministicFaithfulness(sample({ answer: `${PARIS} [1] It was built in 1889 [2].`, contexts: [PARIS, BUILT] }), matcher);
    expect(r.value).toBe(1);
    expect(r.details?.claims).toHaveLength(2);
  });

  it('lets a claim combine facts from two contexts', () => {
    const r = deterministicFaithfulness(sample({ answer: 'The Eiffel Tower in Paris was built in 1889.', contexts: [PARIS, BUILT] }), matcher);
    expect(r.value).toBe(1);
  });

  it('rejects a claim whose number the contexts lack, even at full word coverage otherwise', () => {
    // built ✓, 1899 ✗ → coverage 0.5 meets the threshold, but the number is missing
    const r = deterministicFaithfulness(sample({ answer: 'It was built in 1899.', contexts: [BUILT] }), matcher);
    expect(r.value).toBe(0);
    expect(r.details?.claims?.[0]).toMatchObject({ coverage: 0.5, missingNumbers: ['1899'], supported: false });
  });

  it('applies the threshold as ≥: half the terms is supported at 0.5, not at 0.6', () => {
    const s = sample({ answer: 'The tower opened.', contexts: ['A tower.'] }); // tower ✓ open ✗ → 0.5
    expect(deterministicFaithfulness(s, matcher).value).toBe(1);
    expect(deterministicFaithfulness(s, new ClaimMatcher({ threshold: 0.6 })).value).toBe(0);
  });

  it('scores 0 without contexts and null (no claims) for an answer that states nothing', () => {
    expect(deterministicFaithfulness(sample({ answer: PARIS }), matcher).value).toBe(0);
    for (const answer of ['', '   ', 'It is.', '## Heading\n- \n* It was.']) {
      const r = deterministicFaithfulness(sample({ answer, contexts: [PARIS] }), matcher);
      expect(r).toMatchObject({ value: null, nullReason: 'no-claims' });
    }
  });

  it('keeps a bare number as a claim: "42." answers a question', () => {
    expect(deterministicFaithfulness(sample({ answer: '42.', contexts: ['The answer is 42.'] }), matcher).value).toBe(1);
    expect(deterministicFaithfulness(sample({ answer: '42.', contexts: ['The answer is 43.'] }), matcher).value).toBe(0);
  });

  it('ignores list markers and headings rather than making claims of them', () => {
    const r = deterministicFaithfulness(sample({ answer: '## Facts\n1. The Eiffel Tower is in Paris.\n2) It opened in Berlin.\n- It was built in 1889.', contexts: [PARIS, BUILT] }), matcher);
    expect(r.details?.claims?.map((c) => c.claim)).toEqual([PARIS, 'It opened in Berlin.', 'It was built in 1889.']);
    expect(r.value).toBeCloseTo(2 / 3, 12);
  });
});

describe('deterministic answer relevancy', () => {
  it("is the share of the question's terms in the answer", () => {
    const r = deterministicAnswerRelevancy(sample({ answer: 'The tower is in Paris.' }), matcher); // eiffel ✗ tower ✓
    expect(r.value).toBe(0.5);
    expect(r.details).toEqual({ questionTerms: ['eiffel', 'tower'], coveredTerms: ['tower'] });
  });

  it('is 0 for an empty answer and null for a question without content terms', () => {
    expect(deterministicAnswerRelevancy(sample({ answer: '' }), matcher).value).toBe(0);
    expect(deterministicAnswerRelevancy(sample({ question: 'What is it?', answer: PARIS }), matcher)).toMatchObject({ value: null, nullReason: 'missing-input' });
  });
});

describe('deterministic context precision', () => {
  const irrelevant = 'Berlin has many museums.';
  const relevantA = 'The Eiffel Tower stands in Paris, France.';
  const relevantB = 'Paris hosts the Eiffel Tower.';

  it('is the average precision of the contexts that support a ground-truth claim', () => {
    const r = deterministicContextPrecision(sample({ groundTruth: PARIS, contexts: [irrelevant, relevantA, relevantB] }), matcher);
    // relevant at ranks 2 and 3: (1/2 + 2/3) / 2 = 7/12
    expect(r.value).toBeCloseTo(7 / 12, 12);
    expect(r.details).toEqual({ reference: 'ground-truth', contextRelevant: [false, true, true] });
  });

  it('depends on the order: relevant contexts first score 1', () => {
    expect(deterministicContextPrecision(sample({ groundTruth: PARIS, contexts: [relevantA, relevantB, irrelevant] }), matcher).value).toBe(1);
    expect(deterministicContextPrecision(sample({ groundTruth: PARIS, contexts: [irrelevant, irrelevant, relevantA] }), matcher).value).toBeCloseTo(1 / 3, 12);
  });

  it('falls back to the answer without a ground truth, and says so', () => {
    const r = deterministicContextPrecision(sample({ answer: PARIS, contexts: [irrelevant, relevantA] }), matcher);
    expect(r.value).toBe(0.5);
    expect(r.details?.reference).toBe('answer');
  });

  it('is 0 with no relevant or no retrieved context, null with nothing to judge against', () => {
    expect(deterministicContextPrecision(sample({ groundTruth: PARIS, contexts: [irrelevant] }), matcher).value).toBe(0);
    expect(deterministicContextPrecision(sample({ groundTruth: PARIS, contexts: [] }), matcher).value).toBe(0);
    expect(deterministicContextPrecision(sample({ groundTruth: '  ', answer: 'It is.', contexts: [PARIS] }), matcher)).toMatchObject({ value: null, nullReason: 'missing-input' });
  });
});

describe('deterministic context recall', () => {
  it('is the share of ground-truth claims the contexts support', () => {
    const r = deterministicContextRecall(sample({ groundTruth: `${PARIS}\nIt was completed in 1889.`, contexts: [PARIS] }), matcher);
    expect(r.value).toBe(0.5); // eiffel/tower/pari ✓, complet/1889 ✗
    expect(deterministicContextRecall(sample({ groundTruth: `${PARIS}\nIt was completed in 1889.`, contexts: ['Completed in 1889.', PARIS] }), matcher).value).toBe(1);
  });

  it('is null without a ground truth and 0 without contexts', () => {
    expect(deterministicContextRecall(sample({ contexts: [PARIS] }), matcher)).toMatchObject({ value: null, nullReason: 'missing-input' });
    expect(deterministicContextRecall(sample({ groundTruth: PARIS }), matcher).value).toBe(0);
  });
});

describe('deterministic answer correctness', () => {
  it('is TP / (TP + (FP + FN) / 2) over claims', () => {
    const r = deterministicAnswerCorrectness(sample({ answer: `${PARIS} It is made of wood.`, groundTruth: `${PARIS}\nIt was completed in 1889.` }), matcher);
    // answer: eiffel/tower/pari ✓ (TP), made/wood ✗ (FP); truth: complet/1889 not in the answer (FN) → 1 / (1 + 1) = 0.5
    expect(r.details).toMatchObject({ tp: 1, fp: 1, fn: 1 });
    expect(r.value).toBe(0.5);
  });

  it('is 1 for the ground truth itself, 0 for an empty answer, null without a ground truth', () => {
    expect(deterministicAnswerCorrectness(sample({ answer: PARIS, groundTruth: PARIS }), matcher).value).toBe(1);
    expect(deterministicAnswerCorrectness(sample({ answer: '', groundTruth: PARIS }), matcher)).toMatchObject({ value: 0, details: { tp: 0, fp: 0, fn: 1 } });
    expect(deterministicAnswerCorrectness(sample({ answer: PARIS }), matcher)).toMatchObject({ value: null, nullReason: 'missing-input' });
    expect(deterministicAnswerCorrectness(sample({ answer: 'It is.', groundTruth: 'It was.' }), matcher)).toMatchObject({ value: null, nullReason: 'no-claims' });
  });
});

describe('averagePrecisionOf', () => {
  it('matches hand-computed values', () => {
    expect(averagePrecisionOf([])).toBe(0);
    expect(averagePrecisionOf([false, false])).toBe(0);
    expect(averagePrecisionOf([true, false, true])).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(averagePrecisionOf([false, true, false, true])).toBeCloseTo((1 / 2 + 2 / 4) / 2, 12);
  });
});

describe('createDeterministicMetrics', () => {
  const metrics = createDeterministicMetrics();

  it('labels every metric and result deterministic, carrying the sample id', async () => {
    for (const [name, metric] of Object.entries(metrics)) {
      expect(metric).toMatchObject({ name, implementation: 'deterministic', version: `${name}/deterministic@1`, id: `${name}/deterministic@1` });
      expect(metric.judgePromptVersion).toBeUndefined();
      const r = await metric.score({ id: 'q7', question: 'Where is the Eiffel Tower?', answer: PARIS, contexts: [PARIS], groundTruth: PARIS }, ctx);
      expect(r).toMatchObject({ metric: name, implementation: 'deterministic', sampleId: 'q7', value: 1 });
    }
  });

  it('rejects malformed samples with VALIDATION_FAILED', async () => {
    const bad = [null, { question: 1, answer: '', contexts: [] }, { question: '', answer: '', contexts: 'x' }, { question: '', answer: '', contexts: [1] }, { question: '', answer: '', contexts: [], groundTruth: 3 }];
    for (const s of bad) await expect(metrics.faithfulness.score(s as unknown as AnswerSample, ctx)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('rejects a threshold outside (0, 1]', () => {
    for (const threshold of [0, -0.1, 1.5, NaN]) expect(() => createDeterministicMetrics({ threshold })).toThrow(/threshold/);
  });
});

// --- properties ----------------------------------------------------------------------------------------------

const words = ['river', 'mountain', 'castle', 'engine', 'violin', 'harbor', 'glacier', 'lantern', 'orchid', 'falcon', 'copper', 'meadow', '1889', '42'];
const sentenceArb = fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 6 }).map((ws) => `${ws.join(' ')}.`);
const textArb = fc.array(sentenceArb, { minLength: 1, maxLength: 5 }).map((ss) => ss.join(' '));
const contextsArb = fc.array(textArb, { minLength: 0, maxLength: 6 });
/** A permutation of 0..n-1 from random sort keys. */
const permute = <T>(xs: readonly T[], keys: readonly number[]) => xs.map((x, i) => [x, keys[i] ?? 0, i] as const).sort((a, b) => a[1] - b[1] || a[2] - b[2]).map(([x]) => x);
const anyText = fc.oneof(textArb, fc.string(), fc.string({ unit: 'grapheme' }));

describe('properties of the deterministic metrics', () => {
  const metrics = createDeterministicMetrics();

  it('every value is null or in [0, 1], never NaN, whatever the text', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, anyText, fc.array(anyText, { maxLength: 4 }), fc.option(anyText, { nil: undefined }), async (question, answer, contexts, groundTruth) => {
        for (const metric of Object.values(metrics)) {
          const r = await metric.score({ question, answer, contexts, groundTruth }, ctx);
          if (r.value === null) expect(r.nullReason).toBeDefined();
          else {
            expect(r.value).toBeGreaterThanOrEqual(0);
            expect(r.value).toBeLessThanOrEqual(1);
          }
        }
      }),
    );
  });

  it('a perfect answer or context scores 1', () => {
    fc.assert(
      fc.property(textArb, fc.array(textArb, { minLength: 1, maxLength: 4 }), (truth, contexts) => {
        const joined = contexts.join('\n');
        // the answer repeats the contexts: faithful; the contexts contain the truth: full recall and precision
        expect(deterministicFaithfulness(sample({ answer: joined, contexts }), matcher).value).toBe(1);
        expect(deterministicContextRecall(sample({ groundTruth: joined, contexts }), matcher).value).toBe(1);
        expect(deterministicContextPrecision(sample({ groundTruth: truth, contexts: contexts.map(() => truth) }), matcher).value).toBe(1);
        expect(deterministicAnswerCorrectness(sample({ answer: truth, groundTruth: truth }), matcher).value).toBe(1);
        expect(deterministicAnswerRelevancy(sample({ question: `${truth}?`, answer: truth }), matcher).value).toBe(1);
      }),
    );
  });

  it('faithfulness and context recall do not depend on the order of the contexts', () => {
    fc.assert(
      fc.property(textArb, textArb, contextsArb, fc.array(fc.double({ noNaN: true }), { maxLength: 6 }), (answer, truth, contexts, keys) => {
        const shuffled = permute(contexts, keys);
        expect(deterministicFaithfulness(sample({ answer, contexts: shuffled }), matcher)).toEqual(deterministicFaithfulness(sample({ answer, contexts }), matcher));
        expect(deterministicContextRecall(sample({ groundTruth: truth, contexts: shuffled }), matcher)).toEqual(deterministicContextRecall(sample({ groundTruth: truth, contexts }), matcher));
      }),
    );
  });

  it('context precision is the AP of the relevance flags, and moving relevant contexts up raises it', () => {
    const truth = 'river mountain castle.';
    const relevant = 'The river and the mountain and the castle.';
    const irrelevant = 'violin harbor glacier.';
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (flags) => {
        const score = (fs: boolean[]) => deterministicContextPrecision(sample({ groundTruth: truth, contexts: fs.map((f) => (f ? relevant : irrelevant)) }), matcher).value as number;
        expect(score(flags)).toBeCloseTo(averagePrecisionOf(flags), 12);
        const best = [...flags].sort((a, b) => Number(b) - Number(a));
        const outOfOrder = flags.some((f, i) => f && flags.slice(0, i).includes(false));
        if (outOfOrder) expect(score(best)).toBeGreaterThan(score(flags));
        else expect(score(best)).toBe(score(flags));
        if (flags.includes(true)) expect(score(best)).toBe(1);
      }),
    );
  });
});
