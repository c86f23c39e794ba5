import { afterEach, describe, expect, it } from '@jest/globals';
import type { IngestBatch } from '@ragops/contracts';
import type { ConsumerHandle, DeliveryOutcome, JobQueue } from '@ragops/rag';

/** Settings every implementation under test is opened with (small delays keep the suite fast). */
export interface QueueSettings {
  concurrency: number;
  maxDeliver: number;
  retryDelayMs: number;
  logger: RecordingLogger;
}

export interface QueueUnderTest {
  queue: JobQueue;
  dispose(): Promise<void>;
}

export class RecordingLogger {
  readonly errors: unknown[][] = [];
  readonly warnings: unknown[][] = [];
  error(...args: unknown[]): void {
    this.errors.push(args);
  }
  warn(...args: unknown[]): void {
    this.warnings.push(args);
  }
}

export function ingestBatch(jobId: string, batch: number, batches = 3): IngestBatch {
  return { jobId, batch, batches, tenant: 'acme', index: 'docs', documents: [{ id: `doc-${batch}`, text: `text of ${batch}` }] };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The JobQueue port's contract; the memory and JetStream queues both run it. */
export function describeJobQueue(name: string, open: (settings: QueueSettings) => Promise<QueueUnderTest>): void {
  describe(`${name}: JobQueue behaviour`, () => {
    const opened: QueueUnderTest[] = [];
    const handles: ConsumerHandle[] = [];
    const settings = (over: Partial<QueueSettings> = {}): QueueSettings => ({
      concurrency: 4,
      maxDeliver: 4,
      retryDelayMs: 20,
      logger: new RecordingLogger(),
      ...over,
    });
    const start = async (s: QueueSettings) => {
      const q = await open(s);
      opened.push(q);
      return q.queue;
    };
    const consume = async (queue: JobQueue, handler: (b: IngestBatch, attempt: number) => Promise<DeliveryOutcome>) => {
      const h = await queue.consume(handler);
      handles.push(h);
      return h;
    };
    afterEach(async () => {
      await Promise.all(handles.splice(0).map((h) => h.stop()));
      await Promise.all(opened.splice(0).map((q) => q.dispose()));
    });

    it('delivers every batch once and acks it, leaving nothing pending', async () => {
      const queue = await start(settings());
      await queue.enqueue([ingestBatch('job-a', 0), ingestBatch('job-a', 1), ingestBatch('job-a', 2)]);
      expect(await queue.pending()).toBe(3);
      const seen: string[] = [];
      await consume(queue, async (b, attempt) => {
        seen.push(`${b.jobId}:${b.batch}@${attempt}`);
        return 'ack';
      });
      await waitFor(async () => (await queue.pending()) === 0, 10_000, 'acks');
      expect(seen.sort()).toEqual(['job-a:0@1', 'job-a:1@1', 'job-a:2@1']);
    });

    it('redelivers a batch whose handler threw, with the next attempt number, and logs the error', async () => {
      const s = settings();
      const queue = await start(s);
      const attempts: number[] = [];
      await consume(queue, async (b, attempt) => {
        if (b.batch === 1) {
          attempts.push(attempt);
          if (attempt === 1) throw new Error('embedding service down');
        }
        return 'ack';
      });
      await queue.enqueue([ingestBatch('job-b', 0), ingestBatch('job-b', 1)]);
      await waitFor(async () => attempts.length === 2 && (await queue.pending()) === 0, 10_000, 'redelivery');
      expect(attempts).toEqual([1, 2]);
      expect(s.logger.errors.flat().join(' ')).toContain('embedding service down');
    });

    it("redelivers on 'retry' and gives up after maxDeliver deliveries", async () => {
      const s = settings({ maxDeliver: 3 });
      const queue = await start(s);
      const attempts: number[] = [];
      await consume(queue, async (_b, attempt) => {
        attempts.push(attempt);
        return 'retry';
      });
      await queue.enqueue([ingestBatch('job-c', 0)]);
      await waitFor(async () => attempts.length === 3 && (await queue.pending()) === 0, 10_000, 'give-up');
      await new Promise((r) => setTimeout(r, 200));
      expect(attempts).toEqual([1, 2, 3]);
      expect(s.logger.errors.flat().join(' ')).toContain('giving up on job-c:0');
    });

    it('stores a batch enqueued twice with the same jobId:batch once (a retried POST is safe)', async () => {
      const queue = await start(settings());
      await queue.enqueue([ingestBatch('job-d', 0), ingestBatch('job-d', 1)]);
      await queue.enqueue([ingestBatch('job-d', 0), ingestBatch('job-d', 1), ingestBatch('job-d', 2)]);
      expect(await queue.pending()).toBe(3);
      const seen: number[] = [];
      await consume(queue, async (b) => {
        seen.push(b.batch);
        return 'ack';
      });
      await waitFor(async () => (await queue.pending()) === 0, 10_000, 'acks');
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.sort()).toEqual([0, 1, 2]);
    });

    it('refuses a batch whose job id is not one safe key token, storing none of the call', async () => {
      const queue = await start(settings());
      await expect(queue.enqueue([ingestBatch('fine', 0), ingestBatch('not.fine', 1)])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await queue.pending()).toBe(0);
    });

    it('runs at most `concurrency` handlers at once', async () => {
      const queue = await start(settings({ concurrency: 2 }));
      let running = 0;
      let peak = 0;
      let done = 0;
      await consume(queue, async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        done++;
        return 'ack';
      });
      await queue.enqueue([0, 1, 2, 3, 4, 5].map((n) => ingestBatch('job-e', n, 6)));
      await waitFor(() => done === 6, 10_000, 'six batches');
      expect(peak).toBe(2);
    });

    it('hands every delivery its own copy of the batch', async () => {
      const queue = await start(settings());
      const texts: string[] = [];
      await consume(queue, async (b, attempt) => {
        texts.push(b.documents[0]!.text);
        b.documents[0]!.text = 'mutated by the handler';
        return attempt === 1 ? 'retry' : 'ack';
      });
      const batch = ingestBatch('job-f', 0);
      await queue.enqueue([batch]);
      batch.documents[0]!.text = 'mutated by the caller';
      await waitFor(async () => texts.length === 2 && (await queue.pending()) === 0, 10_000, 'two deliveries');
      expect(texts).toEqual(['text of 0', 'text of 0']);
    });

    it('stop() waits for in-flight handlers and their acks, then takes nothing new', async () => {
      const queue = await start(settings());
      const release = deferred();
      let started = 0;
      let finished = 0;
      const handle = await queue.consume(async () => {
        started++;
        await release.promise;
        finished++;
        return 'ack';
      });
      await queue.enqueue([ingestBatch('job-g', 0), ingestBatch('job-g', 1)]);
      await waitFor(() => started === 2, 10_000, 'both started');

      let stopped = false;
      const stopping = handle.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(stopped).toBe(false);
      release.resolve();
      await stopping;
      expect(finished).toBe(2);
      expect(await queue.pending()).toBe(0);

      await queue.enqueue([ingestBatch('job-g', 2)]);
      await new Promise((r) => setTimeout(r, 200));
      expect(started).toBe(2);
      expect(await queue.pending()).toBe(1);
    });
  });
}
