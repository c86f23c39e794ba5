import { describe, expect, it } from '@jest/globals';
import { defaultVariant, type RequestContext, Subjects } from '@ragops/contracts';
import { InProcessBus } from './in-process.bus.js';
import { InProcessClient } from './in-process.client.js';
import { RpcClient } from './rpc.client.js';
import { RemoteSearcher } from './search.client.js';

const ctx: RequestContext = { requestId: 'r', tenant: 't', deadline: Date.now() + 60_000, variant: defaultVariant };

describe('RemoteSearcher', () => {
  it('sends { ctx, data } on the search subject and returns the validated reply', async () => {
    const bus = new InProcessBus({ error: () => {} });
    const received: unknown[] = [];
    bus.handle(Subjects.search, (env) => {
      received.push(env);
      return { index: 'docs-v1', hits: [{ chunkId: 'a#0', docId: 'a', score: 0.5, text: 'alpha' }], timings: { total: 2 } };
    });
    const searcher = new RemoteSearcher(new RpcClient(new InProcessClient(bus)));
    const reply = await searcher.search({ query: 'alpha', topK: 3, filter: { source: 'wiki' } }, ctx);
    expect(reply.hits.map((h) => h.chunkId)).toEqual(['a#0']);
    expect(received).toEqual([{ ctx, data: { query: 'alpha', topK: 3, filter: { source: 'wiki' } } }]);
  });

  it('uses another subject when told (a v2 contract during a rollout)', async () => {
    const bus = new InProcessBus({ error: () => {} });
    bus.handle('ragops.v2.retrieval.search', () => ({ index: 'v2', hits: [], timings: {} }));
    const searcher = new RemoteSearcher(new RpcClient(new InProcessClient(bus)), { subject: 'ragops.v2.retrieval.search' });
    expect((await searcher.search({ query: 'q' }, ctx)).index).toBe('v2');
  });
});
