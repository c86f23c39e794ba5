import { describe, expect, it } from '@jest/globals';
import { defaultVariant, type EmbedRequest, type RequestContext, Subjects } from '@ragops/contracts';
import { RemoteEmbedder } from './embedding.client.js';
import { InProcessBus } from './in-process.bus.js';
import { InProcessClient } from './in-process.client.js';
import { RpcClient } from './rpc.client.js';

const ctx: RequestContext = { requestId: 'r', tenant: 't', deadline: Date.now() + 60_000, variant: defaultVariant };

/** A stand-in embedding service: vector i of a text is [length, i]. */
function service(model = 'mini', dimensions = 2) {
  const bus = new InProcessBus({ error: () => {} });
  const requests: EmbedRequest[] = [];
  bus.handle(Subjects.embed, (env) => {
    const data = (env as { data: EmbedRequest }).data;
    requests.push(data);
    return { model, dimensions, vectors: data.texts.map((t) => Array.from({ length: dimensions }, (_, i) => (i === 0 ? t.length : i))) };
  });
  return { rpc: new RpcClient(new InProcessClient(bus)), requests };
}

describe('RemoteEmbedder', () => {
  it('embeds through the embedding subject, one vector per text in order', async () => {
    const { rpc, requests } = service();
    const embedder = new RemoteEmbedder(rpc, { model: 'mini', dimensions: 2 });
    expect(await embedder.embed(['a', 'bbb'], 'query', ctx)).toEqual([
      [1, 1],
      [3, 1],
    ]);
    expect(requests).toEqual([{ texts: ['a', 'bbb'], kind: 'query' }]);
  });

  it('splits a large call so each reply stays under the payload budget, keeping order', async () => {
    const { rpc, requests } = service();
    const embedder = new RemoteEmbedder(rpc, { model: 'mini', dimensions: 2, maxTextsPerRequest: 3 });
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'g'];
    const vectors = await embedder.embed(texts, 'document', ctx);
    expect(vectors.map((v) => v[0])).toEqual([1, 2, 3, 4, 5, 6, 1]);
    expect(requests.map((r) => r.texts.length)).toEqual([3, 3, 1]);
  });

  it('derives the split from the dimensions when not told (1536 dims → 21 texts per reply)', async () => {
    const { rpc, requests } = service('big', 1536);
    await new RemoteEmbedder(rpc, { model: 'big', dimensions: 1536 }).embed(Array(50).fill('x'), 'document', ctx);
    expect(requests.map((r) => r.texts.length)).toEqual([21, 21, 8]);
  });

  it('does not call the service for no texts', async () => {
    const { rpc, requests } = service();
    expect(await new RemoteEmbedder(rpc, { model: 'mini', dimensions: 2 }).embed([], 'query', ctx)).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('fails with UPSTREAM_FAILED when the service answers with another model or size', async () => {
    await expect(new RemoteEmbedder(service('other', 2).rpc, { model: 'mini', dimensions: 2 }).embed(['a'], 'query', ctx)).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
      message: expect.stringContaining('model other'),
    });
    await expect(new RemoteEmbedder(service('mini', 3).rpc, { model: 'mini', dimensions: 2 }).embed(['a'], 'query', ctx)).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
    });
  });

  it('learns model and dimensions from the service with discover()', async () => {
    const embedder = await RemoteEmbedder.discover(service('mini', 4).rpc, ctx);
    expect([embedder.model, embedder.dimensions]).toEqual(['mini', 4]);
  });
});
