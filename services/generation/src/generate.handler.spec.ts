import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError, type Envelope, GenerateReply, ManualClock, Subjects } from '@ragops/contracts';
import type { RpcClient } from '@ragops/messaging';
import { ExtractiveGenerator } from '@ragops/models';
import { startServiceForTest, testContext } from '@ragops/testing';
import { GenerationModule } from './generation.module.js';

describe('generation handler (decode, validate, call, map)', () => {
  let svc: { rpc: RpcClient; close: () => Promise<void> };
  // The harness's client clock reads 1,000,000; the generator has its own, so a test can move it past the deadline.
  const generatorClock = new ManualClock(1_000_000);
  const ctx = testContext({ now: 1_000_000 });

  beforeAll(async () => {
    svc = await startServiceForTest(GenerationModule.register({ generator: new ExtractiveGenerator({ clock: generatorClock }) }), 'generation');
  });
  afterAll(() => svc.close());

  it('answers from the given chunks with citations', async () => {
    const chunks = [{ chunkId: 'rrf#1', docId: 'rrf', score: 0.03, text: 'We use k = 60 for reciprocal rank fusion. It rewards agreement.' }];
    const reply = await svc.rpc.request(Subjects.generate, { ctx, data: { query: 'Which k do we use for reciprocal rank fusion?', chunks } }, GenerateReply);
    expect(reply.answer).toContain('k = 60');
    expect(reply.citations).toEqual([{ n: 1, chunkId: 'rrf#1', docId: 'rrf' }]);
  });

  it('says it found nothing when no chunk supports an answer', async () => {
    const reply = await svc.rpc.request(Subjects.generate, { ctx, data: { query: 'Who won the match?', chunks: [] } }, GenerateReply);
    expect(reply).toMatchObject({ finishReason: 'no_context', citations: [] });
  });

  it('rejects chunks without ids as VALIDATION_FAILED', async () => {
    const bad = { ctx, data: { query: 'q', chunks: [{ text: 'x' }] } } as Envelope<unknown>;
    const err = await svc.rpc.request(Subjects.generate, bad, GenerateReply).catch((e: AppError) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((err as AppError).message).toMatch(/data\.chunks\[0\]\.chunkId/);
  });

  it('maps a passed deadline to DEADLINE_EXCEEDED', async () => {
    // The client still sees time left; by the time the generator runs, the deadline has passed.
    generatorClock.set(1_000_600);
    const err = await svc.rpc
      .request(Subjects.generate, { ctx: { ...ctx, deadline: 1_000_500 }, data: { query: 'q', chunks: [] } }, GenerateReply)
      .catch((e: AppError) => e);
    generatorClock.set(1_000_000);
    expect(err).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });
});
