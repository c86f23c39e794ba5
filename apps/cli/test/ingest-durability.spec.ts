import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { JobView, RequestContext, SourceDocument } from '@ragops/contracts';
import { createIndexingParts, createVectorStore } from '@ragops/platform';
import type { Embedder, EmbedKind, VectorStore } from '@ragops/rag';
import { startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { GatewayClient } from '../src/gateway.client.js';
import { DistributedPlatform } from './distributed.harness.js';

/** Lets the first `open` embed calls through, then holds every further call until released. */
class GatedEmbedder implements Embedder {
  calls = 0;
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  private reachedResolve!: () => void;
  readonly reached = new Promise<void>((r) => (this.reachedResolve = r));
  constructor(
    private readonly inner: Embedder,
    private readonly open: number,
  ) {}
  get model() {
    return this.inner.model;
  }
  get dimensions() {
    return this.inner.dimensions;
  }
  async embed(texts: string[], kind: EmbedKind, ctx: RequestContext): Promise<number[][]> {
    if (++this.calls > this.open) {
      this.reachedResolve();
      await this.gate;
    }
    return this.inner.embed(texts, kind, ctx);
  }
  unblock(): void {
    this.release();
  }
}

const DOCS = 1000;
const documents: SourceDocument[] = Array.from({ length: DOCS }, (_, i) => ({
  id: `doc-${i}`,
  title: `Runbook entry ${i}`,
  text: `Entry ${i} describes incident class ${i % 37} and its mitigation step ${i % 11}. ` + 'Operators check the dashboards, then the traces. '.repeat(1 + (i % 5)),
}));

describe('ingest durability: the ingest service crashes half-way through a 1,000-document job', () => {
  let nats: NatsServerHandle;
  let platform: DistributedPlatform;
  let gateway: GatewayClient;
  let gated: GatedEmbedder;
  let observer: { nc: NatsConnection; store: VectorStore };

  beforeAll(async () => {
    nats = await startNatsServer();
    platform = new DistributedPlatform(nats.url);
    // 1,000 documents = 32 batches of 32, one embed call each; let 12 through, then hold the rest.
    await platform.startEmbedding((e) => (gated = new GatedEmbedder(e, 12)));
    await platform.startGeneration();
    await platform.startRetrieval('r1');
    await platform.startIngest({ ackWaitMs: 2_000, concurrency: 2 });
    gateway = new GatewayClient(await platform.startGateway());
    const nc = await connect({ servers: nats.url });
    observer = { nc, store: await createVectorStore(platform.storeConfig, nc) };
  });

  afterAll(async () => {
    gated?.unblock();
    await observer?.store.close();
    await observer?.nc.drain();
    await platform?.close();
    await nats?.stop();
  });

  it('indexes every document exactly once after a restart', async () => {
    const { jobId, batches } = await gateway.submit(documents);
    expect(batches).toBe(32);

    await gated.reached; // batch 13 is in flight and blocked: stop the consumer now
    const midway = await gateway.job(jobId);
    expect(midway.status).toBe('running');
    expect(midway.batches.done).toBeGreaterThanOrEqual(10);
    expect(midway.batches.done).toBeLessThan(32);
    await platform.crashIngest();
    gated.unblock();

    await platform.startIngest({ ackWaitMs: 2_000, concurrency: 2 });
    let view: JobView;
    const until = Date.now() + 60_000;
    do {
      await new Promise((r) => setTimeout(r, 100));
      view = await gateway.job(jobId);
    } while (view.status !== 'done' && view.status !== 'failed' && Date.now() < until);

    expect(view.status).toBe('done');
    expect(view.documents.failed).toBe(0);
    expect(view.documents.indexed + view.documents.unchanged).toBe(DOCS);

    // Exactly once: the index holds each document once, with exactly the chunks one clean pass produces.
    const { chunker } = createIndexingParts(platform.indexing);
    const expectedChunks = documents.reduce((n, d) => n + chunker.chunk({ text: d.text, title: d.title }).length, 0);
    const stats = await observer.store.stats('default');
    expect(stats.documents).toBe(DOCS);
    expect(stats.chunks).toBe(expectedChunks);
  }, 90_000);
});
