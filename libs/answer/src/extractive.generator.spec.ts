import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError, GenerateReply, parseOrThrow, type ChunkHit } from '@ragops/contracts';
import { cl100kCounter, createAnalyzer } from '@ragops/text';
import { extractiveAnswer, NO_ANSWER_TEXT } from './extractive.generator.js';

const deps = { analyzer: createAnalyzer(), counter: cl100kCounter() };

function hit(chunkId: string, text: string, score: number): ChunkHit {
  return { chunkId, docId: chunkId.split('#')[0]!, score, text };
}

/** Five retrieved chunks of ~150–250 tokens, best first, as a markdown-aware chunker would produce them. */
const retrieved: ChunkHit[] = [
  hit(
    'nats-guide#4',
    'Messaging > JetStream > Consumers\n' +
      'A JetStream consumer is a stateful view of a stream that tracks which messages each subscriber has processed. ' +
      'Pull consumers let the client ask for batches of messages, which makes them the usual choice for horizontally ' +
      'scaled workers. The server delivers each message and then waits for an acknowledgement from the client. ' +
      'If the subscriber does not acknowledge a message within the ack wait, which defaults to 30 seconds, the server ' +
      'redelivers it to another member of the group. A message that has been delivered max_deliver times without an ' +
      'acknowledgement is given up on, and an advisory is published so operators can inspect it. Consumers can be ' +
      'durable, surviving restarts of the client, or ephemeral, disappearing once they are idle.',
    0.91,
  ),
  hit(
    'k8s-probes#1',
    'Operations > Health checks\n' +
      'Kubernetes runs three kinds of probes against every container that declares them. The kubelet restarts a ' +
      'container whose liveness probe fails more often than the failure threshold allows. A failing readiness probe ' +
      'does not restart anything; it removes the pod from the endpoints of every Service, so it receives no new ' +
      'traffic until the probe passes again. Startup probes hold off the other two until a slow application has ' +
      'finished initialising. Probes can run an HTTP GET, open a TCP socket, call a gRPC health service or execute a ' +
      'command inside the container. Keep probe handlers cheap: a readiness endpoint that queries every downstream ' +
      'dependency can take a whole fleet out of rotation when one database is slow.',
    0.74,
  ),
  hit(
    'vitd-review#0',
    'Vitamin D is a fat-soluble secosteroid that the skin synthesises when exposed to ultraviolet B light [4]. ' +
      'Its active form, calcitriol, increases the intestinal absorption of calcium and phosphate. Severe deficiency ' +
      'causes rickets in children and osteomalacia in adults, both of which soften the bones. Large randomised ' +
      'trials have not shown that supplementation prevents fractures in people who are not deficient [7, 8]. Serum ' +
      '25-hydroxyvitamin D is the accepted marker of vitamin D status, although laboratories disagree on the ' +
      'threshold that defines deficiency.',
    0.52,
  ),
  hit(
    'nats-guide#5',
    'Messaging > JetStream > Consumers\n' +
      'If the subscriber does not acknowledge a message within the ack wait, which defaults to 30 seconds, the server ' +
      'redelivers it to another member of the group. Streams store messages on file or in memory and replicate them ' +
      'across up to five servers using a Raft group per stream. Retention can be limits-based, interest-based or a ' +
      'work queue, in which case a message is removed as soon as one consumer acknowledges it.',
    0.48,
  ),
  hit(
    'redis-notes#2',
    'Redis evicts keys according to maxmemory-policy once the memory limit is reached. The allkeys-lru policy removes ' +
      'the least recently used keys across the whole keyspace, while volatile-ttl only considers keys that have an ' +
      'expiry set, removing those closest to expiring first. With noeviction, writes fail with an error instead. ' +
      'Eviction uses an approximated LRU that samples a handful of keys, tunable with maxmemory-samples.',
    0.3,
  ),
];

const MARKER = /\[(\d+)\]/g;
function markers(answer: string): number[] {
  return [...answer.matchAll(MARKER)].map((m) => Number(m[1]));
}

describe('extractiveAnswer', () => {
  it('answers with the sentence that holds the answer and cites its chunk', () => {
    const reply = extractiveAnswer(
      { query: 'How long does JetStream wait for an acknowledgement before it redelivers a message?', chunks: retrieved },
      deps,
      { maxSentences: 1 },
    );
    expect(reply.answer).toBe(
      'If the subscriber does not acknowledge a message within the ack wait, which defaults to 30 seconds, the server ' +
        'redelivers it to another member of the group. [1]',
    );
    expect(reply.citations).toEqual([{ n: 1, chunkId: 'nats-guide#4', docId: 'nats-guide' }]);
    expect(reply.finishReason).toBe('stop');
    expect(reply.model).toBe('extractive');
    expect(reply.droppedChunks).toBe(0);
    expect(parseOrThrow(GenerateReply, reply, 'reply')).toEqual(reply);
  });

  it('numbers citations by first appearance, whatever the chunk rank', () => {
    const reply = extractiveAnswer({ query: 'What happens to a pod when its readiness probe fails?', chunks: retrieved }, deps);
    expect(reply.answer.startsWith('A failing readiness probe does not restart anything')).toBe(true);
    expect(reply.citations[0]).toEqual({ n: 1, chunkId: 'k8s-probes#1', docId: 'k8s-probes' });
    expect(markers(reply.answer).sort()).toEqual(
      reply.citations.flatMap((c) => markers(reply.answer).filter((n) => n === c.n)).sort(),
    );
  });

  it('uses a sentence repeated in overlapping chunks once', () => {
    const reply = extractiveAnswer({ query: 'JetStream ack wait redelivery of unacknowledged messages', chunks: retrieved }, deps);
    const sentences = reply.answer.split(/ \[\d+\] ?/).filter(Boolean);
    expect(new Set(sentences).size).toBe(sentences.length);
    expect(sentences.filter((s) => s.startsWith('If the subscriber does not acknowledge'))).toHaveLength(1);
  });

  it("orders sentences by chunk rank then position and strips the source's own markers", () => {
    const reply = extractiveAnswer(
      { query: 'Does vitamin D supplementation prevent fractures, and what does calcitriol do to calcium absorption?', chunks: retrieved },
      deps,
    );
    expect(reply.citations).toEqual([{ n: 1, chunkId: 'vitd-review#0', docId: 'vitd-review' }]);
    const calcitriol = reply.answer.indexOf('Its active form, calcitriol');
    const trials = reply.answer.indexOf('Large randomised trials');
    expect(calcitriol).toBeGreaterThanOrEqual(0);
    expect(trials).toBeGreaterThan(calcitriol);
    expect(markers(reply.answer).every((n) => n === 1)).toBe(true);
    expect(reply.answer).not.toMatch(/\[7, 8\]|\[4\]/);
  });

  it('counts usage as query + cited chunks in, answer out', () => {
    const query = 'What does the allkeys-lru eviction policy remove?';
    const reply = extractiveAnswer({ query, chunks: retrieved }, deps);
    expect(reply.citations.map((c) => c.chunkId)).toEqual(['redis-notes#2']);
    expect(reply.usage).toEqual({
      promptTokens: deps.counter.count(query) + deps.counter.count(retrieved[4]!.text),
      completionTokens: deps.counter.count(reply.answer),
    });
  });

  it.each([
    ['an unrelated question', 'Who won the football world cup in 1998?', retrieved],
    ['no chunks', 'How long is the ack wait?', []],
    ['a stopword-only question', 'what is it and how?', retrieved],
  ])('says it could not find an answer for %s', (_case, query, chunks) => {
    const reply = extractiveAnswer({ query, chunks }, deps);
    expect(reply).toEqual({
      answer: NO_ANSWER_TEXT,
      citations: [],
      model: 'extractive',
      usage: { promptTokens: deps.counter.count(query), completionTokens: deps.counter.count(NO_ANSWER_TEXT) },
      finishReason: 'no_context',
      droppedChunks: 0,
    });
  });

  it('drops breadcrumbs and short fragments instead of quoting them', () => {
    const chunks = [hit('d#0', 'JetStream > Consumers\nAck wait.\nThe ack wait of a JetStream consumer is configurable per consumer.', 1)];
    const reply = extractiveAnswer({ query: 'JetStream consumer ack wait', chunks }, deps);
    expect(reply.answer).toBe('The ack wait of a JetStream consumer is configurable per consumer. [1]');
  });

  it('honours maxSentences and a higher minScore', () => {
    const query = 'How do JetStream consumers acknowledge and redeliver messages?';
    expect(markers(extractiveAnswer({ query, chunks: retrieved }, deps, { maxSentences: 2 }).answer)).toHaveLength(2);
    expect(extractiveAnswer({ query, chunks: retrieved }, deps, { minScore: 0.99 }).finishReason).toBe('no_context');
  });

  it.each([{ maxSentences: 0 }, { maxSentences: 1.5 }, { minScore: Number.NaN }])('rejects options %o', (options) => {
    expect(() => extractiveAnswer({ query: 'q', chunks: retrieved }, deps, options)).toThrow(AppError);
  });

  it('is deterministic', () => {
    const input = { query: 'JetStream consumers, probes and eviction', chunks: retrieved };
    expect(extractiveAnswer(input, deps)).toEqual(extractiveAnswer(structuredClone(input), deps));
  });

  it('cites exactly the markers it writes (property)', () => {
    const sentences = retrieved.flatMap((c) => c.text.split(/(?<=\.) /)).concat(['See [2] and [10] here.', '- a list item [3]']);
    const vocabulary = ['JetStream', 'ack', 'probe', 'readiness', 'vitamin', 'calcium', 'Redis', 'eviction', 'the', 'consumer', 'stream'];
    const chunkArb = fc.array(fc.constantFrom(...sentences), { minLength: 1, maxLength: 6 }).map((s) => s.join(' '));
    fc.assert(
      fc.property(
        fc.array(chunkArb, { maxLength: 6 }),
        fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 5 }),
        (texts, words, maxSentences) => {
          const chunks = texts.map((t, i) => hit(`doc${i % 3}#${i}`, t, 1 - i / 10));
          const reply = extractiveAnswer({ query: words.join(' '), chunks }, deps, { maxSentences });
          const written = markers(reply.answer);
          const cited = reply.citations.map((c) => c.n);
          // Every marker is cited, every citation is used, numbered 1..n by first appearance.
          expect([...new Set(written)]).toEqual(cited);
          expect(cited).toEqual(cited.map((_, i) => i + 1));
          expect(written.length).toBeLessThanOrEqual(maxSentences);
          for (const c of reply.citations) {
            const chunk = chunks.find((h) => h.chunkId === c.chunkId)!;
            expect(chunk.docId).toBe(c.docId);
          }
          expect(reply.finishReason).toBe(written.length === 0 ? 'no_context' : 'stop');
        },
      ),
      { numRuns: 200 },
    );
  });
});
