import { describe, expect, it } from '@jest/globals';
import { defaultVariant, ManualClock, type ChunkHit, type RequestContext } from '@ragops/contracts';
import { ExtractiveGenerator } from './extractive.generator.js';

const ctx: RequestContext = { requestId: 'req-1', tenant: 'acme', deadline: 10_000, variant: defaultVariant };
const chunks: ChunkHit[] = [
  {
    chunkId: 'probes#0',
    docId: 'probes',
    score: 0.8,
    text:
      'The kubelet restarts a container whose liveness probe keeps failing. A failing readiness probe removes the ' +
      'pod from the endpoints of every Service until it passes again.',
  },
  {
    chunkId: 'redis#3',
    docId: 'redis',
    score: 0.4,
    text: 'Redis evicts keys according to maxmemory-policy once the memory limit is reached.',
  },
];

describe('ExtractiveGenerator', () => {
  it('answers from the chunks with citations', async () => {
    const generator = new ExtractiveGenerator({ clock: new ManualClock(0) });
    const reply = await generator.generate({ query: 'What happens when a readiness probe fails?', chunks }, ctx);
    expect(reply.answer).toBe(
      'A failing readiness probe removes the pod from the endpoints of every Service until it passes again. [1]',
    );
    expect(reply.citations).toEqual([{ n: 1, chunkId: 'probes#0', docId: 'probes' }]);
    expect(reply.model).toBe('extractive');
    expect(reply.finishReason).toBe('stop');
  });

  it('hashes what it answered from (query and passages in rank order) as its prompt hash; it has no prompt to return', async () => {
    const generator = new ExtractiveGenerator({ clock: new ManualClock(0) });
    const query = 'What happens when a readiness probe fails?';
    const a = await generator.generate({ query, chunks, includePrompt: true }, ctx);
    const b = await generator.generate({ query, chunks }, ctx);
    expect(a.promptHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.promptHash).toBe(a.promptHash);
    expect(a.prompt).toBeUndefined();
    expect((await generator.generate({ query, chunks: [chunks[1]!, chunks[0]!] }, ctx)).promptHash).not.toBe(a.promptHash);
    expect((await generator.generate({ query: `${query}?`, chunks }, ctx)).promptHash).not.toBe(a.promptHash);
  });

  it('passes its options on', async () => {
    const generator = new ExtractiveGenerator({ clock: new ManualClock(0), minScore: 0.99 });
    const reply = await generator.generate({ query: 'readiness probe kubelet Redis memory', chunks }, ctx);
    expect(reply.finishReason).toBe('no_context');
  });

  it('refuses to start once the deadline has passed', async () => {
    const clock = new ManualClock(ctx.deadline);
    const generator = new ExtractiveGenerator({ clock });
    await expect(generator.generate({ query: 'readiness probe', chunks }, ctx)).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    clock.set(ctx.deadline - 1);
    await expect(generator.generate({ query: 'readiness probe', chunks }, ctx)).resolves.toMatchObject({ finishReason: 'stop' });
  });
});
