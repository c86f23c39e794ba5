import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, systemClock } from '@ragops/contracts';
import { OpenAIChatModel, PriceTable, TokenEstimator, type OpenAIChatModelOptions } from '@ragops/models';
import type { ChatDelta, ChatRequest } from '@ragops/rag';
import { appErrorOf, contextWithin, OpenAIDoubleServer, testContext } from '@ragops/testing';

const MODEL = 'gpt-4o-mini';

/** Drains stream(), returning the deltas or the error that ended it. */
async function drain(iterable: AsyncIterable<ChatDelta>): Promise<{ deltas: ChatDelta[]; error?: AppError }> {
  const deltas: ChatDelta[] = [];
  try {
    for await (const delta of iterable) deltas.push(delta);
    return { deltas };
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return { deltas, error: error as AppError };
  }
}

const context = '[1] (Probes) A readiness probe gates traffic.\n\n[2] Liveness probes restart containers.\n\n[3] Unrelated.';
const ask: ChatRequest = {
  messages: [
    { role: 'system', content: 'Answer from the numbered passages and cite them.' },
    { role: 'user', content: `Context:\n${context}\n\nQuestion: what does a readiness probe do?` },
  ],
};
const expectedEcho = OpenAIDoubleServer.echoAnswer(ask.messages[1]!.content);

describe('OpenAIChatModel through the openai SDK against the OpenAI double', () => {
  let double: OpenAIDoubleServer;
  const chat = (overrides: Partial<OpenAIChatModelOptions> = {}) =>
    new OpenAIChatModel({
      baseURL: double.baseURL,
      apiKey: 'sk-test',
      model: MODEL,
      maxRetries: 1,
      baseDelayMs: 20,
      maxDelayMs: 40,
      random: () => 0.5,
      ...overrides,
    });
  const streaming = (overrides: Partial<OpenAIChatModelOptions> = {}) => chat({ stream: true, idleTimeoutMs: 300, ...overrides });

  beforeAll(async () => {
    double = await OpenAIDoubleServer.start({ apiKey: 'sk-test', models: [MODEL, 'gpt-4o', 'o3-mini', 'llama3'] });
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(() => double.reset());

  describe('JSON responses', () => {
    it('sends an OpenAI chat request and returns the answer, finish reason, model and reported usage', async () => {
      const completion = await chat().complete({ ...ask, maxTokens: 64, temperature: 0.2, stop: ['###'] }, contextWithin(5_000));
      expect(completion.choices).toEqual([expectedEcho]);
      expect(expectedEcho).toContain('[1][2]');
      expect(completion.finishReason).toBe('stop');
      expect(completion.model).toBe(MODEL);
      const tokens = (t: string) => OpenAIDoubleServer.chatTokens(t);
      expect(completion.usage).toEqual({
        promptTokens: 3 + ask.messages.reduce((sum, m) => sum + 4 + tokens(m.content), 0),
        completionTokens: tokens(expectedEcho),
        estimated: false,
      });
      expect(completion.timeToFirstTokenMs).toBeUndefined();
      expect(completion.costUsd).toBeUndefined();
      expect(double.requests).toHaveLength(1);
      const { path, headers, body } = double.requests[0]!;
      expect(path).toBe('/v1/chat/completions');
      expect(headers.authorization).toBe('Bearer sk-test');
      expect(body).toEqual({ model: MODEL, messages: ask.messages, temperature: 0.2, max_tokens: 64, stop: ['###'] });
    });

    it('returns n samples in choice order and sends n only when it is not 1', async () => {
      const completion = await chat().complete({ ...ask, n: 3 }, contextWithin(5_000));
      expect(completion.choices).toEqual([expectedEcho, `${expectedEcho} (sample 2)`, `${expectedEcho} (sample 3)`]);
      expect(double.requests[0]!.body).toMatchObject({ n: 3 });
      await chat().complete({ ...ask, n: 1 }, contextWithin(5_000));
      expect(double.requests[1]!.body).not.toHaveProperty('n');
    });

    it('asks for a JSON object in json mode', async () => {
      const request: ChatRequest = { messages: [{ role: 'user', content: 'Reply in JSON: is the sky blue?' }], json: true };
      const completion = await chat().complete(request, contextWithin(5_000));
      expect(double.requests[0]!.body).toMatchObject({ response_format: { type: 'json_object' } });
      expect(JSON.parse(completion.choices[0]!)).toMatchObject({ sample: 1 });
    });

    it('passes the server 400 through as VALIDATION_FAILED (json mode without the word json)', async () => {
      const error = await appErrorOf(chat().complete({ messages: [{ role: 'user', content: 'hello' }], json: true }, contextWithin(5_000)));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toContain("must contain the word 'json'");
      expect(double.requests).toHaveLength(1);
    });

    it('reports finish reason length when maxTokens cuts the answer', async () => {
      const completion = await chat().complete({ ...ask, maxTokens: 3 }, contextWithin(5_000));
      expect(completion.finishReason).toBe('length');
      expect(OpenAIDoubleServer.chatTokens(completion.choices[0]!)).toBe(3);
      expect(completion.usage.completionTokens).toBe(3);
    });

    it('uses max_completion_tokens for o-series models, and as configured', async () => {
      await chat({ model: 'o3-mini' }).complete({ ...ask, maxTokens: 50 }, contextWithin(5_000));
      await chat({ maxTokensField: 'max_completion_tokens' }).complete({ ...ask, maxTokens: 50 }, contextWithin(5_000));
      for (const r of double.requests) {
        expect(r.body).toMatchObject({ max_completion_tokens: 50 });
        expect(r.body).not.toHaveProperty('max_tokens');
      }
    });

    it.each([
      ['content_filter', 'content_filter'],
      ['tool_calls', 'other'],
    ] as const)('maps finish_reason %s to %s', async (server, ours) => {
      double.replyWith({ content: 'partial', finishReason: server });
      expect((await chat().complete(ask, contextWithin(5_000))).finishReason).toBe(ours);
    });

    it('counts usage with tiktoken when the server reports none (estimated), per the model encoding', async () => {
      double.inject({ omitUsage: true });
      const completion = await chat().complete(ask, contextWithin(5_000));
      const estimator = await TokenEstimator.forModel(MODEL);
      expect(estimator.encoding).toBe('o200k_base');
      expect(completion.usage).toEqual({
        promptTokens: estimator.countMessages(ask.messages),
        completionTokens: estimator.count(expectedEcho),
        estimated: true,
      });
    });

    it('prices the call from the table, looking up the dated snapshot the server names by prefix', async () => {
      const prices = PriceTable.parse('{"gpt-4o": {"inputPer1M": 2.5, "outputPer1M": 10}, "gpt-4o-mini": {"inputPer1M": 0.15, "outputPer1M": 0.6}}');
      double.replyWith({ content: 'answer [1]', model: 'gpt-4o-2024-08-06', usage: { prompt_tokens: 1234, completion_tokens: 56 } });
      const completion = await chat({ model: 'gpt-4o', prices }).complete(ask, contextWithin(5_000));
      expect(completion.model).toBe('gpt-4o-2024-08-06');
      expect(completion.costUsd).toBeCloseTo((1234 * 2.5 + 56 * 10) / 1e6, 15);

      double.replyWith({ content: 'answer', usage: { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 } });
      expect((await chat({ prices }).complete(ask, contextWithin(5_000))).costUsd).toBeCloseTo(0.75, 12);
    });

    it('falls back to the configured model for the price when the server names an unknown one; no price, no cost', async () => {
      const prices = PriceTable.of({ llama3: { inputPer1M: 1, outputPer1M: 2 } });
      double.replyWith({ content: 'x', model: '/models/Meta-Llama-3-8B', usage: { prompt_tokens: 10, completion_tokens: 5 } });
      expect((await chat({ model: 'llama3', prices }).complete(ask, contextWithin(5_000))).costUsd).toBeCloseTo(20 / 1e6, 15);
      expect((await chat({ prices }).complete(ask, contextWithin(5_000))).costUsd).toBeUndefined();
    });

    it.each([
      ['no choices', { id: 'x', choices: [] }, 'no `choices`'],
      ['a choice index out of range', { choices: [{ index: 5, message: { content: 'a' }, finish_reason: 'stop' }] }, 'choice index 5'],
      ['the same index twice', { choices: [0, 0].map((index) => ({ index, message: { content: 'a' }, finish_reason: 'stop' })) }, 'appears twice'],
      ['non-text content', { choices: [{ index: 0, message: { content: 42 }, finish_reason: 'stop' }] }, 'not text'],
    ])('gives UPSTREAM_FAILED for a body with %s, without retrying', async (_what, body, text) => {
      double.inject({ body });
      const error = await appErrorOf(chat().complete(ask, contextWithin(5_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.message).toContain(text);
      expect(double.requests).toHaveLength(1);
    });

    it('gives UPSTREAM_FAILED for an invalid JSON body, without retrying', async () => {
      double.inject({ invalidJson: true });
      const error = await appErrorOf(chat().complete(ask, contextWithin(5_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.cause).toBeInstanceOf(SyntaxError);
      expect(double.requests).toHaveLength(1);
    });
  });

  describe('streaming', () => {
    it('streams the answer as deltas ending with the whole completion, with usage from the last chunk', async () => {
      const { deltas, error } = await drain(streaming().stream!({ ...ask, maxTokens: 100 }, contextWithin(5_000)));
      expect(error).toBeUndefined();
      const final = deltas.at(-1)!.final!;
      expect(deltas.slice(0, -1).every((d) => d.text.length > 0 && d.final === undefined)).toBe(true);
      expect(deltas.slice(0, -1).length).toBe(OpenAIDoubleServer.chatTokens(expectedEcho));
      expect(deltas.map((d) => d.text).join('')).toBe(expectedEcho);
      expect(final).toMatchObject({ choices: [expectedEcho], finishReason: 'stop', model: MODEL });
      expect(final.usage).toMatchObject({ completionTokens: OpenAIDoubleServer.chatTokens(expectedEcho), estimated: false });
      expect(double.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_tokens: 100 });
    });

    it('complete() in stream mode measures time to first token, including the wait for it', async () => {
      double.inject({ firstTokenDelayMs: 250 });
      const completion = await streaming().complete(ask, contextWithin(5_000));
      expect(completion.choices).toEqual([expectedEcho]);
      expect(completion.timeToFirstTokenMs).toBeGreaterThanOrEqual(240);
      expect(completion.timeToFirstTokenMs).toBeLessThan(2_000);
    });

    it('collects n streamed samples; stream() yields the first choice only', async () => {
      const completion = await streaming().complete({ ...ask, n: 2 }, contextWithin(5_000));
      expect(completion.choices).toEqual([expectedEcho, `${expectedEcho} (sample 2)`]);
      const { deltas } = await drain(streaming().stream!({ ...ask, n: 2 }, contextWithin(5_000)));
      expect(deltas.map((d) => d.text).join('')).toBe(expectedEcho);
      expect(deltas.at(-1)!.final!.choices).toHaveLength(2);
    });

    it('estimates usage when the stream carries none', async () => {
      double.inject({ omitUsage: true });
      const completion = await streaming().complete(ask, contextWithin(5_000));
      const estimator = await TokenEstimator.forModel(MODEL);
      expect(completion.usage).toEqual({ promptTokens: estimator.countMessages(ask.messages), completionTokens: estimator.count(expectedEcho), estimated: true });
    });

    it('reports length when maxTokens cuts a streamed answer', async () => {
      const completion = await streaming().complete({ ...ask, maxTokens: 2 }, contextWithin(5_000));
      expect(completion.finishReason).toBe('length');
      expect(OpenAIDoubleServer.chatTokens(completion.choices[0]!)).toBe(2);
    });

    it('gives UPSTREAM_FAILED when the stream stalls after text arrived, without retrying', async () => {
      double.inject({ stallAfterChunks: 3 }); // role chunk + two text chunks, then silence
      const started = Date.now();
      const { deltas, error } = await drain(streaming({ idleTimeoutMs: 200 }).stream!(ask, contextWithin(5_000)));
      expect(error?.code).toBe('UPSTREAM_FAILED');
      expect(error?.message).toContain('stalled');
      expect(error?.details).toMatchObject({ idleTimeoutMs: 200, receivedChunks: 3 });
      expect(deltas.map((d) => d.text)).toHaveLength(2);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(double.requests).toHaveLength(1);
    });

    it('retries a stream that stalls before any text, then succeeds', async () => {
      double.inject({ stallAfterChunks: 1 });
      const completion = await streaming({ idleTimeoutMs: 150 }).complete(ask, contextWithin(5_000));
      expect(completion.choices).toEqual([expectedEcho]);
      expect(double.requests).toHaveLength(2);
    });

    it('gives UPSTREAM_FAILED for a stream that ends without finish_reason or [DONE] after text, without retrying', async () => {
      double.inject({ truncateAfterChunks: 4 });
      const error = await appErrorOf(streaming().complete(ask, contextWithin(5_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.message).toContain('truncated');
      expect(error.details).toMatchObject({ receivedChunks: 4 });
      expect(double.requests).toHaveLength(1);
    });

    it('retries a stream truncated before any text; gives up with UPSTREAM_FAILED when every attempt is', async () => {
      double.inject({ truncateAfterChunks: 1 });
      expect((await streaming().complete(ask, contextWithin(5_000))).choices).toEqual([expectedEcho]);
      expect(double.requests).toHaveLength(2);

      double.reset();
      double.inject({ truncateAfterChunks: 0 }, 2);
      const error = await appErrorOf(streaming({ maxRetries: 1 }).complete(ask, contextWithin(5_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.message).toContain('truncated');
      expect(double.requests).toHaveLength(2);
    });

    it('gives UPSTREAM_FAILED for invalid JSON in a chunk, without retrying', async () => {
      double.inject({ invalidJsonChunk: 2 });
      const { deltas, error } = await drain(streaming().stream!(ask, contextWithin(5_000)));
      expect(error?.code).toBe('UPSTREAM_FAILED');
      expect(error?.cause).toBeInstanceOf(SyntaxError);
      expect(deltas).toHaveLength(1);
      expect(double.requests).toHaveLength(1);
    });

    it('gives DEADLINE_EXCEEDED when the deadline passes mid-stream', async () => {
      double.inject({ chunkDelayMs: 100 });
      const started = Date.now();
      const error = await appErrorOf(streaming({ idleTimeoutMs: 5_000 }).complete(ask, contextWithin(350)));
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('stops reading and cancels the request when the consumer breaks out', async () => {
      double.inject({ chunkDelayMs: 30 });
      const received: string[] = [];
      for await (const delta of streaming().stream!(ask, contextWithin(5_000))) {
        received.push(delta.text);
        if (received.length === 2) break;
      }
      expect(received).toHaveLength(2);
      expect(double.requests).toHaveLength(1);
      // The double sees the connection closed before its answer was complete.
      for (let i = 0; i < 50 && !double.requests[0]!.abandoned; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(double.requests[0]!.abandoned).toBe(true);
    });

    const event = (choices: object[], extra: object = {}) =>
      JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: MODEL, choices, ...extra });
    const text = (index: number, content: string) => ({ index, delta: { content }, finish_reason: null });
    const done = (index: number) => ({ index, delta: {}, finish_reason: 'stop' });

    it.each([
      ['a choice index beyond n', [event([text(0, 'a')]), event([text(3, 'b')])], 'choice index 3'],
      ['no choices array', [event([text(0, 'a')]), JSON.stringify({ id: 'c' })], 'no `choices` array'],
      ['text after the finish', [event([text(0, 'a')]), event([done(0)]), event([text(0, 'b')])], 'continues after its finish_reason'],
      ['an error event', [event([text(0, 'a')]), JSON.stringify({ error: { message: 'model overloaded' } })], 'model overloaded'],
    ])('gives UPSTREAM_FAILED for a stream with %s', async (_what, events, message) => {
      double.inject({ streamEvents: [...events, '[DONE]'] });
      const error = await appErrorOf(streaming().complete(ask, contextWithin(5_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.message).toContain(message);
      expect(double.requests).toHaveLength(1);
    });

    it('accepts a stream whose choices all finished even when [DONE] is missing (the SDK does not expose it)', async () => {
      double.inject({ streamEvents: [event([text(0, 'a ')]), event([text(0, 'b')]), event([done(0)])] });
      const completion = await streaming().complete(ask, contextWithin(5_000));
      expect(completion).toMatchObject({ choices: ['a b'], finishReason: 'stop' });
      expect(completion.usage.estimated).toBe(true);
    });

    it('ignores a usage chunk without choices other than for usage, and takes the model from the chunks', async () => {
      double.inject({
        streamEvents: [event([text(0, 'hi')]), event([done(0)]), event([], { model: 'served-name', usage: { prompt_tokens: 7, completion_tokens: 1 } }), '[DONE]'],
      });
      const completion = await streaming().complete(ask, contextWithin(5_000));
      expect(completion).toMatchObject({ choices: ['hi'], model: 'served-name', usage: { promptTokens: 7, completionTokens: 1, estimated: false } });
    });
  });

  describe('retries, rate limits and deadlines', () => {
    it('waits out a 429 retry-after that fits the deadline, then succeeds', async () => {
      double.inject({ status: 429, retryAfter: 1 });
      const started = Date.now();
      const completion = await chat().complete(ask, contextWithin(5_000));
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(completion.choices).toEqual([expectedEcho]);
      expect(double.requests).toHaveLength(2);
    });

    it('fails at once with RATE_LIMITED and retryAfterSeconds when retry-after is longer than the deadline', async () => {
      double.inject({ status: 429, retryAfter: 5 });
      const started = Date.now();
      const error = await appErrorOf(chat({ maxRetries: 3 }).complete(ask, contextWithin(1_000)));
      expect(Date.now() - started).toBeLessThan(500);
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.details).toMatchObject({ status: 429, retryAfterSeconds: 5, upstreamCode: 'rate_limit_exceeded' });
      expect(double.requests).toHaveLength(1);
    });

    it('fails fast for a streamed call too', async () => {
      double.inject({ status: 429, retryAfter: 30 });
      const error = await appErrorOf(streaming().complete(ask, contextWithin(2_000)));
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.details).toMatchObject({ retryAfterSeconds: 30 });
      expect(double.requests).toHaveLength(1);
    });

    it('gives RATE_LIMITED once retries are spent', async () => {
      double.inject({ status: 429, retryAfter: 0.05 }, 5);
      const error = await appErrorOf(chat({ maxRetries: 2 }).complete(ask, contextWithin(5_000)));
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.details).toMatchObject({ retryAfterSeconds: 0.05 });
      expect(double.requests).toHaveLength(3);
    });

    it('retries a 500 with backoff and recovers; gives UPSTREAM_FAILED when it persists', async () => {
      double.inject({ status: 500 });
      expect((await chat().complete(ask, contextWithin(5_000))).choices).toEqual([expectedEcho]);
      expect(double.requests).toHaveLength(2);

      double.reset();
      double.inject({ status: 503 }, 5);
      const error = await appErrorOf(chat({ maxRetries: 1 }).complete(ask, contextWithin(5_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.details).toMatchObject({ status: 503 });
      expect(double.requests).toHaveLength(2);
    });

    it('retries a dropped connection', async () => {
      double.inject({ dropConnection: true });
      expect((await chat().complete(ask, contextWithin(5_000))).choices).toEqual([expectedEcho]);
      expect(double.requests).toHaveLength(2);
    });

    it('does not retry 400, 401 or 404', async () => {
      const cases: Array<[Partial<OpenAIChatModelOptions>, string]> = [
        [{ apiKey: 'sk-wrong' }, 'UNAUTHENTICATED'],
        [{ model: 'no-such-model' }, 'NOT_FOUND'],
      ];
      for (const [overrides, code] of cases) {
        double.reset();
        const error = await appErrorOf(chat({ maxRetries: 3, ...overrides }).complete(ask, contextWithin(5_000)));
        expect(error.code).toBe(code);
        expect(double.requests).toHaveLength(1);
      }
    });

    it('gives DEADLINE_EXCEEDED at the deadline when the server hangs, retries included', async () => {
      double.inject({ hang: true }, 3);
      const started = Date.now();
      const error = await appErrorOf(chat({ maxRetries: 2 }).complete(ask, contextWithin(300)));
      const elapsed = Date.now() - started;
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(elapsed).toBeGreaterThanOrEqual(280);
      expect(elapsed).toBeLessThan(1_000);
    });

    it('does not start a retry whose backoff would outlast the deadline', async () => {
      double.inject({ status: 500 }, 3);
      const error = await appErrorOf(chat({ maxRetries: 3, baseDelayMs: 2_000, maxDelayMs: 2_000 }).complete(ask, contextWithin(1_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(double.requests).toHaveLength(1);
    });

    it('gives UNAVAILABLE when nothing listens at the base URL', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const error = await appErrorOf(chat({ baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).complete(ask, contextWithin(2_000)));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.details).toEqual({ socketCode: 'ECONNREFUSED' });
    });

    it('sends nothing when the deadline has already passed', async () => {
      const error = await appErrorOf(chat().complete(ask, testContext({ now: 1, deadline: systemClock.now() - 1 })));
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(double.requests).toHaveLength(0);
    });
  });

  it.each([
    [{ messages: [] }, 'messages'],
    [{ ...ask, n: 0 }, 'n must be'],
    [{ ...ask, maxTokens: 1.5 }, 'maxTokens'],
    [{ ...ask, temperature: 3 }, 'temperature'],
    [{ ...ask, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'role'],
  ] as Array<[ChatRequest, string]>)('refuses a bad request before sending it (%#)', async (request, text) => {
    const error = await appErrorOf(chat().complete(request, contextWithin(2_000)));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(text);
    expect(double.requests).toHaveLength(0);
  });

  it('refuses bad options at construction', () => {
    for (const bad of [{ model: '' }, { apiKey: '' }, { baseURL: '' }, { idleTimeoutMs: 0 }, { maxRetries: -1 }, { baseDelayMs: 1.5 }]) {
      expect(() => chat(bad)).toThrow(AppError);
    }
  });
});
