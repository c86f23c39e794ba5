import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError, type Envelope, HealthReply, type RequestContext, SearchReply, type SearchRequest, Subjects } from '@ragops/contracts';
import type { RpcClient } from '@ragops/messaging';
import { startServiceForTest, testContext } from '@ragops/testing';
import { RetrievalModule } from './retrieval.module.js';

describe('retrieval handlers (decode, validate, call, map)', () => {
  const calls: { req: SearchRequest; ctx: RequestContext }[] = [];
  let fail: AppError | undefined;
  let svc: { rpc: RpcClient; close: () => Promise<void> };
  const ctx = testContext({ now: 1_000_000 });

  beforeAll(async () => {
    svc = await startServiceForTest(
      RetrievalModule.register({
        searcher: {
          search: async (req, c) => {
            calls.push({ req, ctx: c });
            if (fail) throw fail;
            return { index: c.variant.index, hits: [{ chunkId: 'a#0', docId: 'a', score: 0.5, text: 'x' }], timings: { searchMs: 1 } };
          },
        },
      }),
      'retrieval',
    );
  });
  afterAll(() => svc.close());

  it('passes the decoded request and context to the searcher and returns its reply', async () => {
    const reply = await svc.rpc.request(Subjects.search, { ctx, data: { query: 'q', topK: 3, filter: { docId: 'a' } } }, SearchReply);
    expect(reply.hits[0].chunkId).toBe('a#0');
    expect(calls.at(-1)).toEqual({ req: { query: 'q', topK: 3, filter: { docId: 'a' } }, ctx });
  });

  it('rejects a malformed envelope as VALIDATION_FAILED naming the fields, without calling the searcher', async () => {
    const before = calls.length;
    const bad = { ctx: { ...ctx, tenant: 'bad tenant!' }, data: { query: '', topK: 0 } } as Envelope<unknown>;
    const err = await svc.rpc.request(Subjects.search, bad, SearchReply).catch((e: AppError) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((err as AppError).message).toMatch(/ctx\.tenant/);
    expect((err as AppError).message).toMatch(/data\.query/);
    expect(calls.length).toBe(before);
  });

  it("maps the searcher's typed error onto the reply", async () => {
    fail = new AppError('UNKNOWN_INDEX', 'index v9 does not exist');
    const err = await svc.rpc.request(Subjects.search, { ctx, data: { query: 'q' } }, SearchReply).catch((e: AppError) => e);
    fail = undefined;
    expect(err).toMatchObject({ code: 'UNKNOWN_INDEX', message: 'index v9 does not exist' });
  });

  it('answers its health probe', async () => {
    expect(await svc.rpc.request(Subjects.health('retrieval'), { ctx, data: {} }, HealthReply)).toMatchObject({ service: 'retrieval', ok: true });
  });
});
