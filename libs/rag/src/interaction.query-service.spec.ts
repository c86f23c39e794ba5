import { describe, expect, it } from '@jest/globals';
import { AppError, type ChunkHit, defaultVariant, type GenerateReply, type InteractionRecord, ManualClock, type RequestContext, type SearchReply } from '@ragops/contracts';
import type { InteractionSink } from './interaction.ports.js';
import { InteractionRecorder } from './interaction.recorder.js';
import type { AnswerGenerator, GenerateInput } from './ports/answer-generator.port.js';
import type { Searcher } from './ports/search.port.js';
import { QueryService } from './query.service.js';

const hits: ChunkHit[] = [{ chunkId: 'd1#0', docId: 'd1', score: 0.9, text: 'Paris is the capital of France.' }];
const ctx: RequestContext = { requestId: 'r1', tenant: 'acme', deadline: 10_000, variant: defaultVariant };
const searchReply: SearchReply = { index: 'default', hits, timings: { searchMs: 1 } };
const genReply: GenerateReply = {
  answer: 'Paris [1].',
  citations: [{ n: 1, chunkId: 'd1#0', docId: 'd1' }],
  model: 'extractive',
  usage: { promptTokens: 40, completionTokens: 3 },
  finishReason: 'stop',
  droppedChunks: 0,
  promptHash: `sha256:${'a'.repeat(64)}`,
  prompt: [{ role: 'user', content: 'capital of France?' }],
};

function setup(content: 'full' | 'redacted' | 'hash', fail?: { search?: AppError; generate?: AppError }) {
  const clock = new ManualClock(1_000);
  const records: InteractionRecord[] = [];
  const inputs: GenerateInput[] = [];
  const sink: InteractionSink = { publish: async (r) => void records.push(r) };
  const searcher: Searcher = {
    search: async () => {
      clock.advance(10);
      if (fail?.search) throw fail.search;
      return searchReply;
    },
  };
  const generator: AnswerGenerator = {
    generate: async (input) => {
      inputs.push(input);
      clock.advance(30);
      if (fail?.generate) throw fail.generate;
      return input.includePrompt ? genReply : { ...genReply, prompt: undefined };
    },
  };
  const recorder = new InteractionRecorder({ sink, content, redact: (s) => s.replace(/France/g, '[X]'), clock, traceId: () => 'f'.repeat(32) });
  return { service: new QueryService(searcher, generator, clock, recorder), recorder, records, inputs };
}

describe('QueryService with an interaction recorder', () => {
  it('emits one record per answered query, after answering, with the stage timings of the answer', async () => {
    const { service, recorder, records } = setup('redacted');
    const result = await service.query({ query: 'capital of France?' }, ctx);
    expect(records).toHaveLength(0); // nothing published while the caller still waits
    await recorder.flush();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      requestId: 'r1',
      tenant: 'acme',
      timestamp: 1_000,
      traceId: 'f'.repeat(32),
      outcome: 'ok',
      query: { text: 'capital of [X]?' },
      latencyMs: { total: result.timings.totalMs, retrieval: 10, generation: 30 },
      generation: { answer: { text: 'Paris [1].' }, promptHash: genReply.promptHash },
    });
    expect(records[0]!.generation?.prompt).toBeUndefined();
  });

  it('asks the generator for the prompt only under full content, and stores it then', async () => {
    const redacted = setup('redacted');
    await redacted.service.query({ query: 'q' }, ctx);
    expect(redacted.inputs[0]).toEqual({ query: 'q', chunks: hits });
    const full = setup('full');
    await full.service.query({ query: 'q' }, ctx);
    expect(full.inputs[0]).toEqual({ query: 'q', chunks: hits, includePrompt: true });
    await full.recorder.flush();
    expect(full.records[0]!.generation?.prompt).toEqual(genReply.prompt);
  });

  it('records a failed generation with its code, stage and the retrieval that happened, and rethrows', async () => {
    const { service, recorder, records } = setup('hash', { generate: new AppError('UPSTREAM_FAILED', 'model down') });
    await expect(service.query({ query: 'q' }, ctx)).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
    await recorder.flush();
    expect(records[0]).toMatchObject({ outcome: 'error', error: { code: 'UPSTREAM_FAILED', stage: 'generation' }, latencyMs: { total: 40, retrieval: 10 } });
    expect(records[0]!.retrieval?.hits.map((h) => h.chunkId)).toEqual(['d1#0']);
  });

  it('records a failed retrieval as such', async () => {
    const { service, recorder, records } = setup('hash', { search: new AppError('UNKNOWN_INDEX', 'no index') });
    await expect(service.query({ query: 'q', filter: { docId: 'x' } }, ctx)).rejects.toMatchObject({ code: 'UNKNOWN_INDEX' });
    await recorder.flush();
    expect(records[0]).toMatchObject({ outcome: 'error', error: { code: 'UNKNOWN_INDEX', stage: 'retrieval' }, filtered: true });
    expect(records[0]!.retrieval).toBeUndefined();
  });

  it('a failing sink never fails the query', async () => {
    const clock = new ManualClock(0);
    const recorder = new InteractionRecorder({
      sink: { publish: () => Promise.reject(new AppError('UNAVAILABLE', 'nats down')) },
      content: 'hash',
      redact: (s) => s,
      clock,
    });
    const service = new QueryService({ search: async () => searchReply }, { generate: async () => genReply }, clock, recorder);
    await expect(service.query({ query: 'q' }, ctx)).resolves.toMatchObject({ answer: 'Paris [1].' });
    await recorder.flush();
  });
});
