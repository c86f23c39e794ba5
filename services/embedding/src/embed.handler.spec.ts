import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError, EmbedReply, type Envelope, Subjects } from '@ragops/contracts';
import type { RpcClient } from '@ragops/messaging';
import { startServiceForTest, testContext } from '@ragops/testing';
import { EmbeddingModule } from './embedding.module.js';

describe('embedding handler (decode, validate, call, map)', () => {
  const seen: { texts: string[]; kind: string }[] = [];
  let svc: { rpc: RpcClient; close: () => Promise<void> };
  const ctx = testContext({ now: 1_000_000 });

  beforeAll(async () => {
    svc = await startServiceForTest(
      EmbeddingModule.register({
        embedder: {
          model: 'm-2',
          dimensions: 2,
          embed: async (texts, kind) => {
            seen.push({ texts, kind });
            if (texts.includes('boom')) throw new AppError('UNAVAILABLE', 'model server down');
            return texts.map((t) => [t.length, 1]);
          },
        },
      }),
      'embedding',
    );
  });
  afterAll(() => svc.close());

  it('returns one vector per text with the model and dimensions', async () => {
    const reply = await svc.rpc.request(Subjects.embed, { ctx, data: { texts: ['ab', 'abc'], kind: 'document' } }, EmbedReply);
    expect(reply).toEqual({ model: 'm-2', dimensions: 2, vectors: [[2, 1], [3, 1]] });
    expect(seen.at(-1)).toEqual({ texts: ['ab', 'abc'], kind: 'document' });
  });

  it('rejects an empty batch and an unknown kind as VALIDATION_FAILED', async () => {
    for (const data of [{ texts: [], kind: 'query' }, { texts: ['a'], kind: 'passage' }]) {
      const err = await svc.rpc.request(Subjects.embed, { ctx, data } as Envelope<unknown>, EmbedReply).catch((e: AppError) => e);
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it("maps the embedder's error", async () => {
    const err = await svc.rpc.request(Subjects.embed, { ctx, data: { texts: ['boom'], kind: 'query' } }, EmbedReply).catch((e: AppError) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: 'model server down' });
  });
});
