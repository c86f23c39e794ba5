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
