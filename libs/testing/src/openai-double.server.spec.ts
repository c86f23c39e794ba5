import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OpenAIDoubleServer } from './openai-double.server.js';

describe('OpenAIDoubleServer', () => {
  let double: OpenAIDoubleServer;
  const post = (body: unknown) =>
    fetch(`${double.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    double = await OpenAIDoubleServer.start({ defaultDimensions: 4 });
  });
  afterAll(async () => {
    await double.close();
  });

  it('answers float and base64 encodings with the same float32 vectors', async () => {
    const asFloat = (await (await post({ model: 'm', input: ['x', 'y'], encoding_format: 'float' })).json()) as {
      object: string;
      data: Array<{ object: string; index: number; embedding: number[] }>;
      usage: { prompt_tokens: number; total_tokens: number };
    };
    expect(asFloat.object).toBe('list');
    expect(asFloat.data.map((d) => d.index)).toEqual([0, 1]);
    expect(asFloat.data[1].embedding).toEqual(OpenAIDoubleServer.vectorFor('y', 4));
    expect(asFloat.usage.total_tokens).toBeGreaterThan(0);

    const asBase64 = (await (await post({ model: 'm', input: 'x', encoding_format: 'base64', dimensions: 3 })).json()) as {
      data: Array<{ embedding: string }>;
    };
    const bytes = Buffer.from(asBase64.data[0].embedding, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))).toEqual(OpenAIDoubleServer.vectorFor('x', 3));
  });

  it.each([
    [{ input: 'x' }, 'model'],
    [{ model: 'm', input: [] }, 'input'],
    [{ model: 'm', input: [1] }, 'input'],
    [{ model: 'm', input: 'x', dimensions: 1.5 }, 'dimensions'],
    [{ model: 'm', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    [{ model: 'm', input: 'x', extra: true }, 'extra'],
  ])('rejects %j with a 400 naming %s in OpenAI error shape', async (body, param) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { message: string; type: string; param: string; code: unknown } };
    expect(json.error).toMatchObject({ type: 'invalid_request_error', param, code: null });
    expect(json.error.message.length).toBeGreaterThan(0);
  });

  it('applies queued faults to the next requests only, recording every request', async () => {
    double.reset();
    double.inject({ status: 429, retryAfter: 2 }, 2);
    expect((await post({ model: 'm', input: 'x' })).status).toBe(429);
    const second = await post({ model: 'm', input: 'x' });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('2');
    expect((await post({ model: 'm', input: 'x' })).status).toBe(200);
    expect(double.requests).toHaveLength(3);
    expect(double.requests[0]).toMatchObject({ method: 'POST', path: '/v1/embeddings', body: { model: 'm', input: 'x' } });
  });
});

describe('OpenAIDoubleServer chat completions', () => {
  let double: OpenAIDoubleServer;
  const post = (body: unknown) =>
    fetch(`${double.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const messages = [{ role: 'user', content: 'Context:\n[1] alpha\n\n[2] beta\n\n[3] gamma\n\nQuestion: which letters?' }];
  /** The `data:` payloads of an SSE body, checking every event is exactly `data: …\n\n`. */
  const events = (text: string): string[] => {
    expect(text.endsWith('\n\n')).toBe(true);
    return text
      .slice(0, -2)
      .split('\n\n')
      .map((e) => {
        expect(e.startsWith('data: ')).toBe(true);
        return e.slice('data: '.length);
      });
  };

  beforeAll(async () => {
    double = await OpenAIDoubleServer.start();
  });
  afterAll(async () => {
    await double.close();
  });

  it('answers a JSON chat.completion with the echo citing the first two passages, and usage', async () => {
    const res = await post({ model: 'm', messages, n: 2 });
    expect(res.status).toBe(200);
    const json = (await res.json()) as {
      object: string;
      model: string;
      choices: Array<{ index: number; message: { role: string; content: string }; finish_reason: string }>;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    const echo = OpenAIDoubleServer.echoAnswer(messages[0]!.content);
    expect(echo).toBe('The passages answer "which letters?" [1][2].');
    expect(json).toMatchObject({ object: 'chat.completion', model: 'm' });
    expect(json.choices.map((c) => [c.index, c.message.role, c.message.content, c.finish_reason])).toEqual([
      [0, 'assistant', echo, 'stop'],
      [1, 'assistant', `${echo} (sample 2)`, 'stop'],
    ]);
    expect(json.usage.completion_tokens).toBe(OpenAIDoubleServer.chatTokens(echo) + OpenAIDoubleServer.chatTokens(`${echo} (sample 2)`));
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
  });

  it('streams server-sent events as OpenAI does: role chunk, text chunks, finish chunk, usage chunk, [DONE]', async () => {
    double.replyWith('one two three');
    const res = await post({ model: 'm', messages, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const data = events(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { object: string; choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>; usage: unknown });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.slice(1, 4).map((c) => c.choices[0]!.delta.content)).toEqual(['one ', 'two ', 'three']);
    expect(chunks[4]!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.slice(0, 5).every((c) => c.usage === null)).toBe(true);
    expect(chunks[5]).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number), completion_tokens: 3 } });
  });

  it('sends no usage chunk without include_usage, cuts at max_tokens with finish length, and ends at a stop sequence', async () => {
    double.replyWith('a b c d e', 'keep this### not this');
    const cut = events(await (await post({ model: 'm', messages, stream: true, max_tokens: 2 })).text());
    const parsed = cut.slice(0, -1).map((d) => JSON.parse(d) as { choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: unknown });
    expect(parsed.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
    expect(parsed.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('a b ');
    expect(parsed.at(-1)!.choices[0]!.finish_reason).toBe('length');
    const stopped = (await (await post({ model: 'm', messages, stop: '###' })).json()) as { choices: Array<{ message: { content: string }; finish_reason: string }> };
    expect(stopped.choices[0]).toMatchObject({ message: { content: 'keep this' }, finish_reason: 'stop' });
  });

  it('applies stream faults: stall keeps the connection open, truncation ends it early, invalid JSON in one event', async () => {
    double.replyWith('x y z', 'x y z');
    double.inject({ truncateAfterChunks: 2 });
    const truncated = events(await (await post({ model: 'm', messages, stream: true })).text());
    expect(truncated).toHaveLength(2);
    expect(truncated).not.toContain('[DONE]');

    double.inject({ invalidJsonChunk: 1 });
    const broken = events(await (await post({ model: 'm', messages, stream: true })).text());
    expect(() => JSON.parse(broken[1]!)).toThrow(SyntaxError);
    expect(broken.at(-1)).toBe('[DONE]');

    double.inject({ stallAfterChunks: 1 });
    const res = await post({ model: 'm', messages, stream: true });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first.startsWith('data: ')).toBe(true);
    const next = await Promise.race([reader.read().then(() => 'data'), new Promise((resolve) => setTimeout(() => resolve('silent'), 200))]);
    expect(next).toBe('silent');
    await reader.cancel();
  });

  it('leaves usage out with omitUsage and serves a raw body with the body fault', async () => {
    double.inject({ omitUsage: true });
    expect(await (await post({ model: 'm', messages })).json()).not.toHaveProperty('usage');
    double.inject({ body: { choices: 'nope' } });
    expect(await (await post({ model: 'm', messages })).json()).toEqual({ choices: 'nope' });
  });

  it.each([
    ['model', { messages }],
    ['messages', { model: 'm', messages: [] }],
    ['messages.[0].role', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }],
    ['n', { model: 'm', messages, n: 0 }],
    ['temperature', { model: 'm', messages, temperature: 2.5 }],
    ['max_tokens', { model: 'm', messages, max_tokens: 0 }],
    ['stop', { model: 'm', messages, stop: ['a', 'b', 'c', 'd', 'e'] }],
    ['stream_options', { model: 'm', messages, stream_options: { include_usage: true } }],
    ['messages', { model: 'm', messages, response_format: { type: 'json_object' } }],
    ['functions', { model: 'm', messages, functions: [] }],
  ] as Array<[string, unknown]>)('rejects a chat request with a bad %s with a 400 naming it', async (param, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string; type: string } }).error).toMatchObject({ param, type: 'invalid_request_error' });
  });
});

describe('OpenAIDoubleServer rerank', () => {
  let double: OpenAIDoubleServer;
  const documents = ['cats and dogs', 'readiness probes gate traffic', 'probes restart containers'];

  beforeAll(async () => {
    double = await OpenAIDoubleServer.start({ teiMaxClientBatchSize: 3 });
  });
  afterAll(async () => {
    await double.close();
  });

  it('answers the Jina / vLLM shape on /v1/rerank, sorted by relevance and cut to top_n', async () => {
    const res = await fetch(`${double.baseURL}/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bge', query: 'readiness probes', documents, top_n: 2, return_documents: false }),
    });
    const json = (await res.json()) as { model: string; results: Array<{ index: number; relevance_score: number; document?: unknown }> };
    expect(json.model).toBe('bge');
    expect(json.results).toEqual([
      { index: 1, relevance_score: 1 },
      { index: 2, relevance_score: 0.5 },
    ]);
  });

  it('answers the TEI shape on /rerank and refuses more texts than its batch limit with 413', async () => {
    const post = (texts: string[]) =>
      fetch(`${double.rootURL}/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'probes', texts }) });
    expect(await (await post(documents)).json()).toEqual([
      { index: 1, score: 1 },
      { index: 2, score: 1 },
      { index: 0, score: 0 },
    ]);
    const tooMany = await post([...documents, 'x']);
    expect(tooMany.status).toBe(413);
    expect(await tooMany.json()).toEqual({ error: 'batch size 4 > maximum allowed batch size 3', error_type: 'Validation' });
  });
});
