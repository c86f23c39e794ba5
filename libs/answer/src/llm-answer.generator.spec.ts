import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError, GenerateReply, ManualClock, parseOrThrow, type ChunkHit, type RequestContext } from '@ragops/contracts';
import type { ChatCompletion, ChatModel, ChatRequest } from '@ragops/rag';
import { appErrorOf, testContext } from '@ragops/testing';
import { cl100kCounter } from '@ragops/text';
import { NO_ANSWER_TEXT } from './extractive.generator.js';
import { LlmAnswerGenerator, parseCitations, promptHash, type LlmAnswerGeneratorOptions } from './llm-answer.generator.js';
import { getPrompt } from './prompt.registry.js';
import { countMessageTokens, formatContextEntry } from './prompt.renderer.js';

const counter = cl100kCounter();

/** A chat model that answers from a script and records every request. */
class ScriptedChat implements ChatModel {
  readonly model = 'fake-llm';
  readonly requests: ChatRequest[] = [];
  constructor(private readonly answer: (request: ChatRequest) => Partial<ChatCompletion> | Error) {}
  async complete(request: ChatRequest, _ctx: RequestContext): Promise<ChatCompletion> {
    this.requests.push(request);
    const scripted = this.answer(request);
    if (scripted instanceof Error) throw scripted;
    return {
      choices: ['An answer [1].'],
      finishReason: 'stop',
      model: 'fake-llm-2025-01-01',
      usage: { promptTokens: 100, completionTokens: 20, estimated: false },
      ...scripted,
    };
  }
}

function hit(id: string, text: string, title?: string): ChunkHit {
  return { chunkId: `${id}#0`, docId: id, score: 1, text, ...(title ? { title } : {}) };
}

const chunks: ChunkHit[] = [
  hit('probes', 'A readiness probe tells Kubernetes when a container can accept traffic.', 'Probes'),
  hit('liveness', 'Liveness probes restart containers that stop responding.'),
  hit('limits', 'CPU limits are enforced by CFS throttling; memory limits by the OOM killer.', 'Resources'),
];
const query = 'What does a readiness probe do?';
const ctx = (overrides: Parameters<typeof testContext>[0] = {}) => testContext({ now: 0, ...overrides });

function generator(chat: ChatModel, overrides: Partial<LlmAnswerGeneratorOptions> = {}) {
  return new LlmAnswerGenerator({ chat, counter, maxAnswerTokens: 256, maxContextTokens: 2_000, clock: new ManualClock(0), ...overrides });
}

describe('LlmAnswerGenerator', () => {
  it('renders the variant prompt with numbered passages, asks the model, and cites what it marks', async () => {
    const chat = new ScriptedChat(() => ({
      choices: ['A readiness probe gates traffic [1]. Liveness probes restart containers [2][1]. See also [1, 3] and [9].'],
      costUsd: 0.00042,
    }));
    const reply = await generator(chat).generate({ query, chunks }, ctx());

    expect(parseOrThrow(GenerateReply, reply, 'reply')).toEqual(reply);
    expect(reply).toEqual({
      answer: 'A readiness probe gates traffic [1]. Liveness probes restart containers [2][1]. See also [1, 3] and [9].',
      citations: [
        { n: 1, chunkId: 'probes#0', docId: 'probes' },
        { n: 2, chunkId: 'liveness#0', docId: 'liveness' },
        { n: 3, chunkId: 'limits#0', docId: 'limits' },
      ],
      model: 'fake-llm-2025-01-01',
      usage: { promptTokens: 100, completionTokens: 20 },
      finishReason: 'stop',
      droppedChunks: 0,
      costUsd: 0.00042,
      promptHash: promptHash(chat.requests[0]!.messages),
    });

    expect(chat.requests).toHaveLength(1);
    const request = chat.requests[0]!;
    expect(request.maxTokens).toBe(256);
    expect(request.temperature).toBe(0);
    const template = getPrompt('rag-answer@1');
    expect(request.messages[0]).toEqual({ role: 'system', content: template.system });
    expect(request.messages[1]!.role).toBe('user');
    for (const [i, chunk] of chunks.entries()) expect(request.messages[1]!.content).toContain(formatContextEntry(i + 1, chunk));
    expect(request.messages[1]!.content).toContain(`Question: ${query}`);
  });

  it('returns the final prompt only when asked, and hashes it either way (sha256 of role and content, in order)', async () => {
    const chat = new ScriptedChat(() => ({ choices: ['Readiness gates traffic [1].'] }));
    const plain = await generator(chat).generate({ query, chunks }, ctx());
    const withPrompt = await generator(chat).generate({ query, chunks, includePrompt: true }, ctx());
    expect(plain.prompt).toBeUndefined();
    expect(withPrompt.prompt).toEqual(chat.requests[1]!.messages);
    expect(withPrompt.promptHash).toBe(plain.promptHash);
    expect(plain.promptHash).toBe(`sha256:${createHash('sha256').update(JSON.stringify(chat.requests[0]!.messages.map((m) => [m.role, m.content]))).digest('hex')}`);
    const other = await generator(chat).generate({ query: 'What does a liveness probe do?', chunks }, ctx());
    expect(other.promptHash).not.toBe(plain.promptHash);
    expect(parseOrThrow(GenerateReply, withPrompt, 'reply')).toEqual(withPrompt);
  });

  it('hashes message boundaries, not just the concatenated text', () => {
    expect(promptHash([{ role: 'user', content: 'ab' }])).not.toBe(promptHash([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }]));
    expect(promptHash([{ role: 'system', content: 'x' }])).not.toBe(promptHash([{ role: 'user', content: 'x' }]));
  });

  it('answers no_context without calling the model when nothing was retrieved', async () => {
    const chat = new ScriptedChat(() => ({}));
    const reply = await generator(chat).generate({ query, chunks: [] }, ctx());
    expect(chat.requests).toHaveLength(0);
    expect(parseOrThrow(GenerateReply, reply, 'reply')).toEqual({
      answer: NO_ANSWER_TEXT,
      citations: [],
      model: 'fake-llm',
      usage: { promptTokens: 0, completionTokens: 0 },
      finishReason: 'no_context',
      droppedChunks: 0,
      costUsd: 0,
    });
  });

  it('fits the passages into maxContextTokens, dropping what does not fit and numbering the rest densely', async () => {
    const huge = hit('huge', 'filler sentence about nothing in particular. '.repeat(200));
    const retrieved = [chunks[0]!, huge, chunks[1]!];
    const chat = new ScriptedChat(() => ({ choices: ['Probes gate traffic [1] and restart containers [2].'] }));
    const reply = await generator(chat, { maxContextTokens: 120 }).generate({ query, chunks: retrieved }, ctx());

    expect(reply.droppedChunks).toBe(1);
    // [2] is the second *included* passage: the liveness chunk, not the dropped one.
    expect(reply.citations).toEqual([
      { n: 1, chunkId: 'probes#0', docId: 'probes' },
      { n: 2, chunkId: 'liveness#0', docId: 'liveness' },
    ]);
    const user = chat.requests[0]!.messages[1]!.content;
    expect(user).not.toContain('filler sentence');
    expect(user).toContain(formatContextEntry(2, chunks[1]!));

    // The whole prompt stays within what the instructions and question need plus the context allowance.
    const bare = countMessageTokens(
      [
        { role: 'system', content: getPrompt('rag-answer@1').system },
        { role: 'user', content: `Context:\n(no passages)\n\nQuestion: ${query}` },
      ],
      counter,
    );
    expect(countMessageTokens(chat.requests[0]!.messages as Array<{ role: 'system' | 'user'; content: string }>, counter)).toBeLessThanOrEqual(bare + 120);
  });

  it('returns no_context without a call when no passage fits, reporting them all dropped', async () => {
    const chat = new ScriptedChat(() => ({}));
    const big = [hit('a', 'word '.repeat(500)), hit('b', 'other '.repeat(400))];
    const reply = await generator(chat, { maxContextTokens: 50 }).generate({ query, chunks: big }, ctx());
    expect(chat.requests).toHaveLength(0);
    expect(reply).toMatchObject({ finishReason: 'no_context', droppedChunks: 2, citations: [] });
  });

  it('keeps prompt + answer within the model context window when one is given', async () => {
    const chat = new ScriptedChat(() => ({}));
    const many = Array.from({ length: 20 }, (_, i) => hit(`c${i}`, `Passage ${i}: ${'some relevant text about probes. '.repeat(8)}`));
    const reply = await generator(chat, { maxContextTokens: 100_000, contextWindow: 1_200, maxAnswerTokens: 200 }).generate({ query, chunks: many }, ctx());
    const sent = countMessageTokens(chat.requests[0]!.messages as Array<{ role: 'system' | 'user'; content: string }>, counter);
    expect(sent).toBeLessThanOrEqual(1_200 - 200);
    expect(reply.droppedChunks).toBeGreaterThan(0);
    expect(reply.droppedChunks).toBeLessThan(20);
  });

  it('refuses a question that leaves no room in the context window', async () => {
    const chat = new ScriptedChat(() => ({}));
    const error = await appErrorOf(
      generator(chat, { contextWindow: 300, maxAnswerTokens: 200 }).generate({ query: 'why '.repeat(300), chunks }, ctx()),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(chat.requests).toHaveLength(0);
  });

  it.each([
    ['length', 'length'],
    ['stop', 'stop'],
    ['content_filter', 'stop'],
    ['other', 'stop'],
  ] as const)('maps the model finish reason %s to %s', async (finishReason, expected) => {
    const chat = new ScriptedChat(() => ({ choices: ['Partial answer [1]'], finishReason }));
    expect((await generator(chat).generate({ query, chunks }, ctx())).finishReason).toBe(expected);
  });

  it('gives UPSTREAM_FAILED for an empty answer, hinting at maxAnswerTokens when the model ran out', async () => {
    const chat = new ScriptedChat(() => ({ choices: ['   '], finishReason: 'length' }));
    const error = await appErrorOf(generator(chat).generate({ query, chunks }, ctx()));
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.message).toContain('maxAnswerTokens 256');
    expect(error.details).toEqual({ finishReason: 'length' });
  });

  it('leaves costUsd out when the model has no price', async () => {
    const reply = await generator(new ScriptedChat(() => ({}))).generate({ query, chunks }, ctx());
    expect(reply).not.toHaveProperty('costUsd');
    expect(reply.usage).toEqual({ promptTokens: 100, completionTokens: 20 });
  });

  it("uses the variant's prompt version unless one is configured", async () => {
    const chat = new ScriptedChat(() => ({}));
    const concise = getPrompt('rag-answer-concise@1');
    const variantCtx = ctx();
    variantCtx.variant = { ...variantCtx.variant, prompt: concise.id };
    await generator(chat).generate({ query, chunks }, variantCtx);
    expect(chat.requests[0]!.messages[0]!.content).toBe(concise.system);
    await generator(chat, { promptId: 'rag-answer@1' }).generate({ query, chunks }, variantCtx);
    expect(chat.requests[1]!.messages[0]!.content).toBe(getPrompt('rag-answer@1').system);
    variantCtx.variant = { ...variantCtx.variant, prompt: 'nope@9' };
    expect((await appErrorOf(generator(chat).generate({ query, chunks }, variantCtx))).code).toBe('VALIDATION_FAILED');
  });

  it('passes model errors through unchanged and calls nothing after the deadline', async () => {
    const limited = new AppError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 3 });
    const failing = new ScriptedChat(() => limited);
    await expect(generator(failing).generate({ query, chunks }, ctx())).rejects.toBe(limited);

    const chat = new ScriptedChat(() => ({}));
    const late = await appErrorOf(generator(chat, { clock: new ManualClock(50_000) }).generate({ query, chunks }, ctx({ now: 0 })));
    expect(late.code).toBe('DEADLINE_EXCEEDED');
    expect(chat.requests).toHaveLength(0);
  });

  it('refuses bad options at construction', () => {
    const chat = new ScriptedChat(() => ({}));
    for (const bad of [
      { maxAnswerTokens: 0 },
      { maxContextTokens: -1 },
      { contextWindow: 100, maxAnswerTokens: 100 },
      { temperature: 5 },
      { promptId: 'missing@1' },
    ]) {
      expect(() => generator(chat, bad)).toThrow(AppError);
    }
  });
});

describe('parseCitations', () => {
  const included = [1, 2, 3].map((i) => ({ chunkId: `c${i}#0`, docId: `c${i}` }));

  it('reads [n], [n][m] and [n, m], once each, in order of first appearance, ignoring other brackets', () => {
    expect(parseCitations('B [2]. A [1][2]. C [3 , 1]. Not [0], [4], [x], [1.5], [-1] or [ 2 ].', included).map((c) => c.n)).toEqual([2, 1, 3]);
    expect(parseCitations('no markers', included)).toEqual([]);
    expect(parseCitations('[1]', [])).toEqual([]);
  });

  it('never cites a number outside 1..included, nor twice, for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.array(fc.integer({ min: -5, max: 12 }), { maxLength: 10 }), (noise, numbers) => {
        const text = `${noise} ${numbers.map((n) => `[${n}]`).join(' ')}`;
        const citations = parseCitations(text, included);
        const ns = citations.map((c) => c.n);
        expect(new Set(ns).size).toBe(ns.length);
        for (const c of citations) {
          expect(c.n).toBeGreaterThanOrEqual(1);
          expect(c.n).toBeLessThanOrEqual(3);
          expect(c.chunkId).toBe(`c${c.n}#0`);
        }
        for (const n of numbers) if (n >= 1 && n <= 3) expect(ns).toContain(n);
      }),
    );
  });
});
