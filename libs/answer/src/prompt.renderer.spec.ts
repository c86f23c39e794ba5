import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError, type ChunkHit } from '@ragops/contracts';
import { cl100kCounter, type TokenCounter } from '@ragops/text';
import { getPrompt, type PromptTemplate } from './prompt.registry.js';
import {
  countMessageTokens,
  EMPTY_CONTEXT,
  formatContextEntry,
  renderPrompt,
  TOKENS_PER_MESSAGE,
  TOKENS_REPLY_PRIMING,
  type ChatMessage,
  type RenderedPrompt,
} from './prompt.renderer.js';

const counter = cl100kCounter();
const template = getPrompt('rag-answer@1');

/** Adversarial counter: a joint between two entries costs 7 tokens that neither piece shows on its own. */
const jointCount = (s: string) => s.length + 7 * (s.match(/[^\n]\n\n\[/g)?.length ?? 0);
const jointCounter: TokenCounter = {
  encoding: 'joint-test',
  count: jointCount,
  fitsWithin: (s, max) => jointCount(s) <= max,
  countUpTo: (s) => jointCount(s),
  encode: () => [],
  decode: () => '',
};

function hit(id: string, text: string, title?: string): ChunkHit {
  return { chunkId: `${id}#0`, docId: id, score: 1, text, ...(title ? { title } : {}) };
}

const chunks: ChunkHit[] = [
  hit('probes', 'A readiness probe tells Kubernetes when a container can accept traffic.', 'Probes'),
  hit('limits', 'CPU limits are enforced by CFS throttling; memory limits by the OOM killer.', 'Resources'),
  hit('notes', 'Liveness probes restart containers that stop responding.'),
];

/** Entries of the rendered context, in order: `[n] ...` up to the next entry. */
function contextEntries(messages: ChatMessage[]): string[] {
  const user = messages.find((m) => m.role === 'user')!.content;
  const context = user.slice('Context:\n'.length, user.lastIndexOf('\n\nQuestion: '));
  return context === EMPTY_CONTEXT ? [] : context.split(/\n\n(?=\[\d+\] )/);
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('countMessageTokens', () => {
  it('is Σ (per-message overhead + role + content) + reply priming', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Why is the sky blue?' },
    ];
    const expected =
      TOKENS_REPLY_PRIMING +
      messages.reduce((s, m) => s + TOKENS_PER_MESSAGE + counter.count(m.role) + counter.count(m.content), 0);
    expect(countMessageTokens(messages, counter)).toBe(expected);
    // OpenAI's cookbook example: "system" and "user" are one cl100k token each.
    expect(countMessageTokens([{ role: 'user', content: '' }], counter)).toBe(3 + 1 + 3);
  });
});

describe('formatContextEntry', () => {
  it('writes [n] (title) text, or [n] text without a title', () => {
    expect(formatContextEntry(2, { title: ' Probes\nand checks ', text: ' Body. ' })).toBe('[2] (Probes and checks) Body.');
    expect(formatContextEntry(1, { text: 'Body.' })).toBe('[1] Body.');
  });
});

describe('renderPrompt', () => {
  const roomy = { contextWindow: 8192, reservedForAnswer: 512 };

  it('puts every chunk that fits in the context, numbered [1]..[n] best first', () => {
    const r = renderPrompt({ template, question: ' What does a readiness probe do? ', chunks, counter, budget: roomy });
    expect(r.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(r.messages[0]!.content).toBe(template.system);
    expect(r.messages[1]!.content).toBe(
      'Context:\n' +
        '[1] (Probes) A readiness probe tells Kubernetes when a container can accept traffic.\n\n' +
        '[2] (Resources) CPU limits are enforced by CFS throttling; memory limits by the OOM killer.\n\n' +
        '[3] Liveness probes restart containers that stop responding.\n\n' +
        'Question: What does a readiness probe do?',
    );
    expect(r.included).toEqual(chunks);
    expect(r.dropped).toBe(0);
    expect(r.promptTokens).toBe(countMessageTokens(r.messages, counter));
  });

  it('drops a chunk that does not fit and still tries the smaller ones after it, keeping numbers dense', () => {
    const small = renderPrompt({ template, question: 'q?', chunks: [chunks[0]!], counter, budget: roomy }).promptTokens;
    const long = hit('long', 'word '.repeat(400));
    const budget = { contextWindow: small + 60, reservedForAnswer: 0 };
    const r = renderPrompt({ template, question: 'q?', chunks: [chunks[0]!, long, chunks[2]!], counter, budget });
    expect(r.included.map((c) => c.docId)).toEqual(['probes', 'notes']);
    expect(r.dropped).toBe(1);
    expect(contextEntries(r.messages).map((e) => e.slice(0, 4))).toEqual(['[1] ', '[2] ']);
    expect(r.promptTokens).toBeLessThanOrEqual(60 + small);
  });

  it('says so in the context when nothing fits or nothing was retrieved', () => {
    const bare = renderPrompt({ template, question: 'q?', chunks: [], counter, budget: roomy });
    expect(bare.messages[1]!.content).toBe(`Context:\n${EMPTY_CONTEXT}\n\nQuestion: q?`);
    const tight = renderPrompt({ template, question: 'q?', chunks, counter, budget: { contextWindow: bare.promptTokens, reservedForAnswer: 0 } });
    expect(tight.included).toEqual([]);
    expect(tight.dropped).toBe(3);
    expect(tight.messages).toEqual(bare.messages);
  });

  it('rejects a question that cannot fit even without context', () => {
    const err = errorOf(() =>
      renderPrompt({ template, question: 'why '.repeat(500), chunks, counter, budget: { contextWindow: 1000, reservedForAnswer: 500 } }),
    );
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toMatch(/budget allows 500 .*shorten the question/);
  });

  it.each([
    [{ contextWindow: 100, reservedForAnswer: 100 }, /must be smaller than contextWindow/],
    [{ contextWindow: 100.5, reservedForAnswer: 10 }, /non-negative integer/],
    [{ contextWindow: 100, reservedForAnswer: -1 }, /non-negative integer/],
  ])('rejects the budget %o', (budget, message) => {
    const err = errorOf(() => renderPrompt({ template, question: 'q?', chunks, counter, budget }));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toMatch(message);
  });

  it('rejects a template without a {{context}} placeholder', () => {
    const bad: PromptTemplate = { id: 'bad@1', system: 'x', user: '{{question}}' };
    expect(errorOf(() => renderPrompt({ template: bad, question: 'q?', chunks, counter, budget: roomy })).code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('leaves placeholders inside the question and chunks as literal text', () => {
    const r = renderPrompt({
      template,
      question: 'what is {{context}}?',
      chunks: [hit('x', 'ignore {{question}} here')],
      counter,
      budget: roomy,
    });
    expect(r.messages[1]!.content).toBe('Context:\n[1] ignore {{question}} here\n\nQuestion: what is {{context}}?');
  });

  it('counts a template that repeats the context once per copy', () => {
    const twice: PromptTemplate = { id: 'twice@1', system: 'Sources:\n{{context}}', user: '{{context}}\n{{question}}' };
    const r = renderPrompt({ template: twice, question: 'q?', chunks, counter, budget: roomy });
    expect(r.promptTokens).toBe(countMessageTokens(r.messages, counter));
    expect(r.messages[0]!.content).toContain('[3] Liveness');
    expect(r.messages[1]!.content).toContain('[3] Liveness');
  });

  // Words, digits, punctuation and newlines: the material where BPE counts stop being additive across joints.
  const piece = fc.constantFrom('probe', 'Kubernetes', ' ', '\n', '\n\n', '.', ',', '1', '23', '456', '[2]', '(x)', 'é', '世界', '  ', '!?');
  const text = fc.array(piece, { maxLength: 60 }).map((p) => p.join(''));
  const chunkArb = fc.record({ text, title: fc.option(text, { nil: undefined }) });
  const caseArb = fc.record({
    chunks: fc.array(chunkArb, { maxLength: 8 }),
    question: text,
    contextWindow: fc.integer({ min: 1, max: 700 }),
    reservedForAnswer: fc.integer({ min: 0, max: 100 }),
    template: fc.constantFrom(getPrompt('rag-answer@1'), getPrompt('rag-answer-concise@1')),
  });

  it('removes the last chunk when the exact count of the joined prompt exceeds the per-piece estimate', () => {
    const both = renderPrompt({ template, question: 'q?', chunks: chunks.slice(0, 2), counter: jointCounter, budget: roomy });
    expect(both.included).toHaveLength(2);
    // The per-piece estimate misses the joint's 7 tokens: it says both fit in promptTokens − 7; they don't.
    const budget = { contextWindow: both.promptTokens - 7, reservedForAnswer: 0 };
    const r = renderPrompt({ template, question: 'q?', chunks: chunks.slice(0, 2), counter: jointCounter, budget });
    expect(r.included.map((c) => c.docId)).toEqual(['probes']);
    expect(r.promptTokens).toBe(countMessageTokens(r.messages, jointCounter));
    expect(r.promptTokens).toBeLessThanOrEqual(budget.contextWindow);
  });

  it.each([
    ['cl100k', counter],
    ['a counter that is not additive', jointCounter],
  ])('never exceeds the budget and reports the exact count (%s)', (_name, tokenCounter) => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const budget = { contextWindow: c.contextWindow + c.reservedForAnswer + 1, reservedForAnswer: c.reservedForAnswer };
        const limit = budget.contextWindow - budget.reservedForAnswer;
        const input = {
          template: c.template,
          question: c.question,
          chunks: c.chunks.map((x, i): ChunkHit => ({ chunkId: `d${i}#0`, docId: `d${i}`, score: 1, text: x.text, title: x.title })),
          counter: tokenCounter,
          budget,
        };
        let r: RenderedPrompt;
        try {
          r = renderPrompt(input);
        } catch (e) {
          // Only allowed when the question alone does not fit.
          expect((e as AppError).code).toBe('VALIDATION_FAILED');
          const bare = renderPrompt({ ...input, chunks: [], budget: { contextWindow: 1e9, reservedForAnswer: 0 } });
          expect(bare.promptTokens).toBeGreaterThan(limit);
          return;
        }
        expect(r.promptTokens).toBeLessThanOrEqual(limit);
        expect(r.promptTokens).toBe(countMessageTokens(r.messages, tokenCounter));
        expect(r.dropped).toBe(input.chunks.length - r.included.length);
        // Included chunks keep their rank order.
        const positions = r.included.map((h) => input.chunks.indexOf(h));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        // Each included chunk appears as its numbered entry.
        const all = r.messages.map((m) => m.content).join('\n');
        r.included.forEach((h, i) => expect(all).toContain(formatContextEntry(i + 1, h)));
      }),
      { numRuns: 150 },
    );
  });
});
