import { describe, expect, it } from '@jest/globals';
import { AppError, type GenerateReply, type SearchReply } from '@ragops/contracts';
import type { ServiceMetrics } from '@ragops/telemetry';
import { postJson, withGateway } from '../test/gateway.fakes.js';

const reply: SearchReply = { index: 'docs-v2', hits: [{ chunkId: 'd#0', docId: 'd', score: 0.03, text: 'Aspirin inhibits COX-1.' }], timings: {} };
const answer: GenerateReply = { answer: 'a [1]', citations: [], model: 'm', usage: { promptTokens: 1, completionTokens: 1 }, finishReason: 'stop', droppedChunks: 0 };
const variantEnv = { VARIANT_ID: 'canary-2', PROMPT_VERSION: 'rag-answer@1', MODEL: 'gpt-4o-mini', INDEX: 'docs-v2', RETRIEVAL_MODE: 'hybrid' };

async function sample(m: ServiceMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  for (const line of (await m.registry.metrics()).split('\n')) {
    const match = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...match[2]!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('gateway traffic metrics', () => {
  it('times query and search per variant and outcome, counts errors by code, and publishes the variant', async () => {
    await withGateway(variantEnv, async (gw) => {
      gw.ports.onSearch = async () => reply;
      gw.ports.onGenerate = async () => answer;
      expect((await postJson(gw.app, '/v1/query', { query: 'what does aspirin inhibit' })).statusCode).toBe(200);
      expect((await postJson(gw.app, '/v1/search', { query: 'aspirin' })).statusCode).toBe(200);
      expect((await postJson(gw.app, '/v1/query', { query: '' })).statusCode).toBe(400);
      gw.ports.onGenerate = async () => Promise.reject(new AppError('UNAVAILABLE', 'no generation replica'));
      expect((await postJson(gw.app, '/v1/query', { query: 'x' })).statusCode).toBe(503);
      expect((await gw.app.inject({ method: 'GET', url: '/v1/nowhere' })).statusCode).toBe(404);

      const m = gw.metrics;
      const count = (operation: string, outcome: string) => sample(m, 'ragops_request_duration_seconds_count', { variant: 'canary-2', operation, outcome });
      expect([await count('query', 'success'), await count('query', 'client_error'), await count('query', 'server_error'), await count('search', 'success')]).toEqual([1, 1, 1, 1]);
      // only the RAG operations: the 404 and probes are in the HTTP histogram, not here
      expect(await sample(m, 'ragops_request_duration_seconds_count', { operation: 'search', outcome: 'client_error' })).toBeUndefined();
      expect(await sample(m, 'ragops_errors_total', { code: 'VALIDATION_FAILED' })).toBe(1);
      expect(await sample(m, 'ragops_errors_total', { code: 'UNAVAILABLE' })).toBe(1);
      expect(await sample(m, 'ragops_errors_total', { code: 'ROUTE_NOT_FOUND' })).toBe(1);
      expect(await sample(m, 'ragops_variant_info', { variant: 'canary-2', prompt: 'rag-answer@1', model: 'gpt-4o-mini', index: 'docs-v2', retrieval_mode: 'hybrid' })).toBe(1);
      expect(await sample(m, 'ragops_inflight_requests', { transport: 'http' })).toBe(0);
    });
  });

  it('counts a request in flight while it runs, but never the scrape reading it', async () => {
    await withGateway({}, async (gw) => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      gw.ports.onSearch = async () => {
        await held;
        return reply;
      };
      const pending = postJson(gw.app, '/v1/search', { query: 'aspirin' });
      await new Promise((r) => setTimeout(r, 50));
      const during = await gw.app.inject({ method: 'GET', url: '/metrics' });
      expect(during.body).toMatch(/^ragops_inflight_requests\{transport="http",service="gateway"\} 1$/m);
      release();
      expect((await pending).statusCode).toBe(200);
      const after = await gw.app.inject({ method: 'GET', url: '/metrics' });
      expect(after.body).toMatch(/^ragops_inflight_requests\{transport="http",service="gateway"\} 0$/m);
    });
  });

  it('counts a stage that ran out of the request deadline as that stage timing out', async () => {
    await withGateway({}, async (gw) => {
      const late = new AppError('DEADLINE_EXCEEDED', 'deadline passed');
      gw.ports.onSearch = async () => Promise.reject(late);
      expect((await postJson(gw.app, '/v1/search', { query: 'aspirin' })).statusCode).toBe(504);
      gw.ports.onSearch = async () => reply;
      gw.ports.onGenerate = async () => Promise.reject(late);
      expect((await postJson(gw.app, '/v1/query', { query: 'aspirin' })).statusCode).toBe(504);
      gw.ports.onGenerate = async () => Promise.reject(new AppError('UNAVAILABLE', 'down'));
      expect((await postJson(gw.app, '/v1/query', { query: 'aspirin' })).statusCode).toBe(503);
      expect(await sample(gw.metrics, 'ragops_timeouts_total', { stage: 'retrieval' })).toBe(1);
      expect(await sample(gw.metrics, 'ragops_timeouts_total', { stage: 'generation' })).toBe(1);
      expect(await sample(gw.metrics, 'ragops_errors_total', { code: 'DEADLINE_EXCEEDED' })).toBe(2);
    });
  });
});
