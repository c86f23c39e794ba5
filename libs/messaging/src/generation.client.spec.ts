import { describe, expect, it } from '@jest/globals';
import { defaultVariant, type GenerateReply, type RequestContext, Subjects } from '@ragops/contracts';
import { RemoteGenerator } from './generation.client.js';
import { InProcessBus } from './in-process.bus.js';
import { InProcessClient } from './in-process.client.js';
import { RpcClient } from './rpc.client.js';

const ctx: RequestContext = { requestId: 'r', tenant: 't', deadline: Date.now() + 60_000, variant: defaultVariant };
const chunk = { chunkId: 'a#0', docId: 'a', score: 1, text: 'Paris is the capital of France.' };
const answer: GenerateReply = {
  answer: 'Paris [1]',
  citations: [{ n: 1, chunkId: 'a#0', docId: 'a' }],
  model: 'extractive',
  usage: { promptTokens: 10, completionTokens: 2 },
  finishReason: 'stop',
  droppedChunks: 0,
};

describe('RemoteGenerator', () => {
  it('sends the query and chunks on the generation subject and returns the validated answer', async () => {
    const bus = new InProcessBus({ error: () => {} });
    const received: unknown[] = [];
    bus.handle(Subjects.generate, (env) => {
      received.push(env);
      return answer;
    });
    const generator = new RemoteGenerator(new RpcClient(new InProcessClient(bus)));
    expect(await generator.generate({ query: 'capital of France?', chunks: [chunk] }, ctx)).toEqual(answer);
    expect(received).toEqual([{ ctx, data: { query: 'capital of France?', chunks: [chunk] } }]);
  });

  it('rejects an answer missing fields as UPSTREAM_FAILED', async () => {
    const bus = new InProcessBus({ error: () => {} });
    bus.handle(Subjects.generate, () => ({ answer: 'Paris' }));
    const generator = new RemoteGenerator(new RpcClient(new InProcessClient(bus)));
    await expect(generator.generate({ query: 'q', chunks: [] }, ctx)).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
  });
});
